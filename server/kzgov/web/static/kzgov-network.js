// The network on a post or body page: who appoints, elects, dismisses and holds it to
// account, two steps up and two steps down, drawn top-down (the appointer above). A
// post's territorial cases (the akim of each region) are drawn as the general post.
(function () {
  "use strict";
  var Views = window.KzgovViews;
  var host = document.querySelector(".entity-network[data-iri]");
  if (!host || !Views || !window.vis) { return; }
  var KZ = "https://w3id.org/kzgov/ontology#";
  // Each relation reads subject -> object ("X appointed by Y"); the picture draws the
  // arrow the other way, from the one who acts (Y) to the one acted on (X).
  var RELATIONS = {
    appointedBy: { kind: "appoints", label: "appoints", color: "#0b5cad" },
    electedBy: { kind: "elects", label: "elects", color: "#1f7a3a" },
    dismissedBy: { kind: "dismisses", label: "may dismiss", color: "#a3241a", dashes: true },
    directlyAccountableTo: { kind: "accountable", label: "holds to account", color: "#7a4eab", dashes: true }
  };
  var MAX_NODES = 90;
  var iri = host.getAttribute("data-iri");

  function networkQuery(entity) {
    var relations = Object.keys(RELATIONS).map(function (name) { return "kz:" + name; }).join(" ");
    var e = "<" + entity + ">";
    return "PREFIX kz: <" + KZ + ">\n" +
      "SELECT DISTINCT ?from ?relation ?to WHERE {\n" +
      "  VALUES ?relation { " + relations + " }\n" +
      "  { " + e + " ?relation ?to . BIND(" + e + " AS ?from) }\n" +
      "  UNION { VALUES ?step { " + relations + " } " + e + " ?step ?from . ?from ?relation ?to . }\n" +
      "  UNION { ?from ?relation " + e + " . BIND(" + e + " AS ?to) }\n" +
      "  UNION { VALUES ?step { " + relations + " } ?to ?step " + e + " . ?from ?relation ?to . }\n" +
      "  FILTER(isIRI(?from) && isIRI(?to) && ?from != ?to)\n" +
      // The akim of each region is the oblast akim there (kz:territorialCaseOf): drawn
      // once, as the general post, unless it is the page's own entity.
      "  FILTER NOT EXISTS { ?from kz:territorialCaseOf ?general . FILTER(?from != " + e + ") }\n" +
      "  FILTER NOT EXISTS { ?to kz:territorialCaseOf ?general . FILTER(?to != " + e + ") }\n" +
      "}";
  }

  function say(text) {
    host.textContent = "";
    var p = document.createElement("p");
    p.className = "network-note";
    p.textContent = text;
    host.appendChild(p);
  }

  if (!/^[^<>"{}|^`\\\s]+$/.test(iri)) { return; }
  say("Drawing the network…");
  Views.runSelect(networkQuery(iri)).then(function (answer) {
    var rows = answer.results.bindings;
    var ids = new Set([iri]);
    var edges = [];
    rows.forEach(function (row) {
      var relation = RELATIONS[row.relation.value.slice(KZ.length)];
      if (!relation) { return; }
      ids.add(row.from.value);
      ids.add(row.to.value);
      edges.push({ from: row.to.value, to: row.from.value, label: relation.label, color: relation.color, dashes: relation.dashes, kind: relation.kind });
    });
    if (!edges.length) {
      say("No source states who appoints, elects, dismisses or holds it to account, nor whom it does.");
      return null;
    }
    if (ids.size > MAX_NODES) {
      say("The network here has " + ids.size + " posts and bodies, too many to draw legibly; the statements below list them.");
      return null;
    }
    return Views.lookupLabels(Array.from(ids)).then(function () {
      var nodes = Array.from(ids).map(function (id) {
        var label = Views.labelOf(id);
        return {
          id: id,
          label: label ? label.text : Views.shortName(id),
          title: Views.shortName(id),
          href: Views.localHref(id),
          focus: id === iri
        };
      });
      var used = {};
      edges.forEach(function (edge) { used[edge.kind] = true; });
      var legend = Object.keys(RELATIONS).map(function (name) { return RELATIONS[name]; })
        .filter(function (relation) { return used[relation.kind]; })
        .map(function (relation) { return { kind: relation.kind, text: relation.label }; });
      var title = host.getAttribute("data-title") || Views.shortName(iri);
      Views.drawNetwork(host, nodes, edges, {
        layered: true,
        legend: legend,
        filename: "kzgov-network-" + iri.split("/").pop(),
        description: "Network of " + nodes.length + " posts and bodies around " + title + ": who appoints, elects, dismisses and holds whom to account"
      });
    });
  }).catch(function (error) {
    say("The network could not be drawn: " + error.message);
  });
})();
