// The network on a post or body page: who appoints, elects, dismisses and holds it to
// account, two steps up and two steps down, drawn top-down (the appointer above). A
// post's territorial cases (the akim of each region) are drawn as the general post. A
// year chosen above the picture redraws it as of that year, from the temporal closure
// (graph kzg:temporal): only the links in force then, or in force with dates unknown.
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

  // One link of the temporal closure, held in `year` unless its known dates exclude it
  // (a limit excludes too: "from no earlier than 1992" is not in force in 1991). ?knownN
  // says whether the link's own dates are known (exact) or unknown.
  function heldIn(subject, relation, object, n, year) {
    var d = "?d" + n;
    var asked = '"' + year + '"';
    return "GRAPH kzg:temporal { " + d + " kz:relationSubject " + subject + " ; kz:relationPredicate " + relation +
      " ; kz:relationObject " + object + " .\n" +
      "    OPTIONAL { " + d + " kz:startTime ?start" + n + " } OPTIONAL { " + d + " kz:startNotBefore ?after" + n + " }\n" +
      "    OPTIONAL { " + d + " kz:endTime ?end" + n + " } OPTIONAL { " + d + " kz:endNotAfter ?before" + n + " } }\n" +
      "  FILTER(!COALESCE(SUBSTR(STR(COALESCE(?start" + n + ", ?after" + n + ")), 1, 4) > " + asked + ", false)" +
      " && !COALESCE(SUBSTR(STR(COALESCE(?end" + n + ", ?before" + n + ")), 1, 4) < " + asked + ", false))\n" +
      "  BIND(BOUND(?start" + n + ") || BOUND(?end" + n + ") AS ?known" + n + ")\n";
  }

  // The same neighbourhood as networkQuery, as of a year; ?known says whether the drawn
  // link's dates are known.
  function networkQueryAsOf(entity, year) {
    var relations = Object.keys(RELATIONS).map(function (name) { return "kz:" + name; }).join(" ");
    var e = "<" + entity + ">";
    return "PREFIX kz: <" + KZ + ">\nPREFIX kzg: <https://w3id.org/kzgov/graph/>\n" +
      "SELECT DISTINCT ?from ?relation ?to ?known WHERE {\n" +
      "  VALUES ?relation { " + relations + " }\n" +
      "  { " + heldIn(e, "?relation", "?to", 1, year) + "  BIND(" + e + " AS ?from) BIND(?known1 AS ?known) }\n" +
      "  UNION { VALUES ?step { " + relations + " }\n  " + heldIn(e, "?step", "?from", 2, year) +
      "  " + heldIn("?from", "?relation", "?to", 1, year) + "  BIND(?known1 AS ?known) }\n" +
      "  UNION { " + heldIn("?from", "?relation", e, 1, year) + "  BIND(" + e + " AS ?to) BIND(?known1 AS ?known) }\n" +
      "  UNION { VALUES ?step { " + relations + " }\n  " + heldIn("?to", "?step", e, 2, year) +
      "  " + heldIn("?from", "?relation", "?to", 1, year) + "  BIND(?known1 AS ?known) }\n" +
      "  FILTER(isIRI(?from) && isIRI(?to) && ?from != ?to)\n" +
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
  var drawn = null;
  var choice = document.querySelector("select.network-year");

  var drawing = 0;  // the latest drawing asked for; an older answer arriving late is dropped

  function draw(year) {
    var mine = ++drawing;
    if (drawn) { drawn.destroy(); drawn = null; }
    host.setAttribute("data-year", year || "");
    say(year ? "Drawing the network as of " + year + "…" : "Drawing the network…");
    return Views.runSelect(year ? networkQueryAsOf(iri, year) : networkQuery(iri)).then(function (answer) {
      if (mine !== drawing) { return null; }
      var rows = answer.results.bindings;
      var ids = new Set([iri]);
      var links = {};
      rows.forEach(function (row) {
        var relation = RELATIONS[row.relation.value.slice(KZ.length)];
        if (!relation) { return; }
        ids.add(row.from.value);
        ids.add(row.to.value);
        // A link is dated if any of its derivations is; the same link may come in twice.
        var key = row.from.value + " " + row.relation.value + " " + row.to.value;
        var known = !year || (row.known && row.known.value === "true");
        var link = links[key] || (links[key] = { from: row.to.value, to: row.from.value, relation: relation, known: false });
        link.known = link.known || known;
      });
      var edges = Object.keys(links).map(function (key) {
        var link = links[key];
        var relation = link.relation;
        return { from: link.from, to: link.to, label: relation.label + (link.known ? "" : " (dates unknown)"), color: relation.color, dashes: relation.dashes, kind: relation.kind };
      });
      if (!edges.length) {
        say(year
          ? "No link of the temporal closure is in force in " + year + " here: no source dates one that holds then, and none holds with dates unknown."
          : "No source states who appoints, elects, dismisses or holds it to account, nor whom it does.");
        return null;
      }
      if (ids.size > MAX_NODES) {
        say("The network here has " + ids.size + " posts and bodies, too many to draw legibly; the statements below list them.");
        return null;
      }
      return Views.lookupLabels(Array.from(ids)).then(function () {
        if (mine !== drawing) { return; }
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
        drawn = Views.drawNetwork(host, nodes, edges, {
          layered: true,
          legend: legend,
          filename: "kzgov-network-" + iri.split("/").pop() + (year ? "-" + year : ""),
          description: "Network of " + nodes.length + " posts and bodies around " + title +
            ": who appoints, elects, dismisses and holds whom to account" + (year ? ", as of " + year : "")
        });
      });
    }).catch(function (error) {
      if (mine === drawing) { say("The network could not be drawn: " + error.message); }
    });
  }

  if (choice) {
    // The years a visitor may pick: from this year back to 1920.
    var now = new Date().getUTCFullYear();
    for (var year = now; year >= 1920; year -= 1) {
      var option = document.createElement("option");
      option.value = String(year);
      option.textContent = String(year);
      choice.appendChild(option);
    }
    choice.disabled = false;
    choice.addEventListener("change", function () { draw(choice.value); });
  }
  draw("");
})();
