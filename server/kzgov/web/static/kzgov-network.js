// The network on a post or body page: who appoints, elects, dismisses and holds it to
// account, two steps up and two steps down, drawn top-down (the appointer above). A
// post's territorial cases (the akim of each region) are drawn as the general post. A
// year chosen above the picture redraws it as of that year, from the temporal closure
// (graph kzg:temporal), as the named query accountability-chain-as-of reads it: each link
// is "in force then" when a dated derivation admits the year, "in force, dates unknown"
// when only undated ones (or date limits) give it, "not in force" when every derivation's
// dates exclude the year; the three are drawn distinctly, with a legend. The years offered
// run from the earliest date the graph knows for the post or body (its inception, the act
// that established it, the start of a rule or tenure about it) to this year.
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
    directlyAccountableTo: { kind: "accountable", label: "holds to account", color: "#7a4eab", dashes: true },
    // Subordination is accountability too (kz:subordinateTo is a kz:accountableTo).
    directlySubordinateTo: { kind: "directs", label: "directs", color: "#8a5a00", upwardsOnly: true }
  };
  // How a link is drawn as of a year: its status in the temporal closure.
  var STATUSES = {
    2: { status: "in-force", text: "in force then", suffix: "", dashes: false, width: 2.5 },
    1: { status: "dates-unknown", text: "in force, dates unknown", suffix: " (dates unknown)", dashes: [2, 5], width: 1.5 },
    0: { status: "not-in-force", text: "not in force then", suffix: " (not in force)", dashes: [10, 6], width: 1, color: "#8c8c8c" }
  };
  var MAX_NODES = 90;
  var iri = host.getAttribute("data-iri");

  function networkQuery(entity) {
    return "PREFIX kz: <" + KZ + ">\n" +
      "SELECT DISTINCT ?from ?relation ?to WHERE {\n" + neighbourhood(entity) + "}";
  }

  // The links two steps up and down from the entity, as ?from ?relation ?to. Subordination
  // is drawn upwards only (who directs it, and who directs them, as its accountability
  // chain runs): the bodies under the President would double the President's picture.
  function neighbourhood(entity) {
    var relations = Object.keys(RELATIONS).map(function (name) { return "kz:" + name; }).join(" ");
    var downwards = Object.keys(RELATIONS).filter(function (name) { return !RELATIONS[name].upwardsOnly; })
      .map(function (name) { return "kz:" + name; }).join(" ");
    var e = "<" + entity + ">";
    return "  { VALUES ?relation { " + relations + " } " + e + " ?relation ?to . BIND(" + e + " AS ?from) }\n" +
      "  UNION { VALUES ?step { " + relations + " } VALUES ?relation { " + relations + " } " + e + " ?step ?from . ?from ?relation ?to . }\n" +
      "  UNION { VALUES ?relation { " + downwards + " } ?from ?relation " + e + " . BIND(" + e + " AS ?to) }\n" +
      "  UNION { VALUES ?step { " + downwards + " } VALUES ?relation { " + downwards + " } ?to ?step " + e + " . ?from ?relation ?to . }\n" +
      "  FILTER(isIRI(?from) && isIRI(?to) && ?from != ?to)\n" +
      // The akim of each region is the oblast akim there (kz:territorialCaseOf): drawn
      // once, as the general post, unless it is the page's own entity.
      "  FILTER NOT EXISTS { ?from kz:territorialCaseOf ?general . FILTER(?from != " + e + ") }\n" +
      "  FILTER NOT EXISTS { ?to kz:territorialCaseOf ?general . FILTER(?to != " + e + ") }\n";
  }

  // The neighbourhood of networkQuery as of a year: each link with its best rank over the
  // derivations of the temporal closure that give it (2 a dated one admits the year, 1 an
  // undated one or one dated only by limits, 0 every one excludes it), compared at the
  // year's precision as accountability-chain-as-of compares them.
  function networkQueryAsOf(entity, year) {
    var asked = '"' + year + '"';
    return "PREFIX kz: <" + KZ + ">\nPREFIX kzg: <https://w3id.org/kzgov/graph/>\n" +
      "SELECT ?from ?relation ?to (MAX(?rank) AS ?best) WHERE {\n" +
      "  { SELECT DISTINCT ?from ?relation ?to WHERE {\n" + neighbourhood(entity) + "  } }\n" +
      "  OPTIONAL { GRAPH kzg:temporal { ?d kz:relationSubject ?from ; kz:relationPredicate ?relation ; kz:relationObject ?to .\n" +
      "    OPTIONAL { ?d kz:startTime ?start } OPTIONAL { ?d kz:startNotBefore ?after }\n" +
      "    OPTIONAL { ?d kz:endTime ?end } OPTIONAL { ?d kz:endNotAfter ?before } } }\n" +
      "  BIND(COALESCE(SUBSTR(STR(COALESCE(?start, ?after)), 1, 4) > " + asked + ", false) AS ?notYet)\n" +
      "  BIND(COALESCE(SUBSTR(STR(COALESCE(?end, ?before)), 1, 4) < " + asked + ", false) AS ?over)\n" +
      "  BIND(IF(?notYet || ?over, 0, IF(BOUND(?start) || BOUND(?end), 2, 1)) AS ?rank)\n" +
      "}\nGROUP BY ?from ?relation ?to";
  }

  // The earliest year the graph dates anything about the entity: its inception, the act
  // that established it, the start of a derivation of the temporal closure about it, of
  // one of its tenures.
  function earliestQuery(entity) {
    var e = "<" + entity + ">";
    return "PREFIX kz: <" + KZ + ">\nPREFIX kzg: <https://w3id.org/kzgov/graph/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" +
      "SELECT (MIN(?year) AS ?earliest) WHERE {\n" +
      "  { " + e + " kz:inceptionYear ?when }\n" +
      "  UNION { ?act kz:establishes " + e + " . { ?act kz:yearAdopted ?when } UNION { ?act kz:dateAdopted ?when } }\n" +
      "  UNION { GRAPH kzg:temporal { { ?d kz:relationSubject " + e + " } UNION { ?d kz:relationObject " + e + " }\n" +
      "    { ?d kz:startTime ?when } UNION { ?d kz:startNotBefore ?when } } }\n" +
      "  UNION { ?t kz:tenureOf " + e + " . { ?t kz:startTime ?when } UNION { ?t kz:startYear ?when } UNION { ?t kz:heldAt ?when } }\n" +
      "  BIND(xsd:integer(SUBSTR(STR(?when), 1, 4)) AS ?year)\n" +
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
        // As of a year, a link takes its best status; the same link may come in twice.
        var key = row.from.value + " " + row.relation.value + " " + row.to.value;
        var rank = year ? Number(row.best ? row.best.value : 1) : 2;
        var link = links[key] || (links[key] = { from: row.to.value, to: row.from.value, relation: relation, rank: -1 });
        link.rank = Math.max(link.rank, rank);
      });
      var edges = Object.keys(links).map(function (key) {
        var link = links[key];
        var relation = link.relation;
        if (!year) {
          return { from: link.from, to: link.to, label: relation.label, color: relation.color, dashes: relation.dashes, kind: relation.kind };
        }
        var status = STATUSES[link.rank] || STATUSES[1];
        return {
          from: link.from, to: link.to, label: relation.label + status.suffix, color: status.color || relation.color,
          dashes: status.dashes, width: status.width, kind: relation.kind, status: status.status
        };
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
          .map(function (relation) { return { kind: relation.kind + (year ? " solid" : ""), text: relation.label }; });
        if (year) {
          // As of a year the line says the status, the colour the relation.
          var statusUsed = {};
          edges.forEach(function (edge) { statusUsed[edge.status] = true; });
          [2, 1, 0].forEach(function (rank) {
            var status = STATUSES[rank];
            if (statusUsed[status.status]) {
              legend.push({ kind: "status " + status.status, text: status.text + " (" + year + ")" });
            }
          });
        }
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

  // The years a visitor may pick: from the earliest the graph dates anything about the
  // entity to this year; none (and a note saying so) when nothing about it is dated.
  function offerYears() {
    var note = document.querySelector(".network-years");
    return Views.runSelect(earliestQuery(iri)).then(function (answer) {
      var row = answer.results.bindings[0];
      var earliest = row && row.earliest ? Number(row.earliest.value) : NaN;
      var now = new Date().getUTCFullYear();
      if (!isFinite(earliest) || earliest > now) {
        if (note) { note.textContent = "No source dates this " + (host.getAttribute("data-kind") || "entity") + " or a rule about it: there is no year to choose, and the picture is timeless."; }
        choice.setAttribute("data-years", "none");
        return;
      }
      for (var year = now; year >= earliest; year -= 1) {
        var option = document.createElement("option");
        option.value = String(year);
        option.textContent = String(year);
        choice.appendChild(option);
      }
      if (note) { note.textContent = "Years from " + earliest + ", the earliest date the sources give for it or its rules."; }
      choice.setAttribute("data-years", earliest + "-" + now);
      choice.disabled = false;
      choice.addEventListener("change", function () { draw(choice.value); });
    }).catch(function (error) {
      if (note) { note.textContent = "The years could not be read: " + error.message; }
    });
  }

  if (choice) { offerYears(); }
  draw("");
})();
