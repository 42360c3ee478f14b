// kzgov result views shared by the editor and the entity pages: labels for IRIs (looked up
// in the graph through /sparql, in the reader's language), links to the local pages, the
// network and timeline pictures, and their downloads as PNG and SVG.
// Loads after vis-network and vis-timeline; defines window.KzgovViews.
(function () {
  "use strict";

  var RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var LABEL_BATCH = 150;
  // An IRI that can be written between <> in a query (SPARQL 1.1, IRIREF).
  var SAFE_IRI = /^[^<>"{}|^`\\\u0000-\u0020]+$/;
  var vocabulary = null;
  var vocabularyRequest = null;
  var labels = new Map(); // IRI -> {text, lang}; null when the graph has none

  function loadVocabulary() {
    if (!vocabularyRequest) {
      vocabularyRequest = fetch("/editor/vocabulary.json", { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("vocabulary: HTTP " + response.status); }
          return response.json();
        })
        .then(function (document) { vocabulary = document; return document; });
    }
    return vocabularyRequest;
  }

  function base() { return vocabulary ? vocabulary.base : "https://w3id.org/kzgov/"; }

  // Where a link to an IRI goes: its page here for IRIs under the base, else the IRI.
  function localHref(iri) {
    var root = base();
    if (iri.indexOf(root) !== 0) { return iri; }
    var ontology = vocabulary ? vocabulary.pages.ontology : root + "ontology#";
    var shapes = vocabulary ? vocabulary.pages.shapes : root + "shapes#";
    if (iri.indexOf(ontology) === 0) {
      var term = iri.slice(ontology.length);
      return term ? "/ontology/" + encodeURIComponent(term) : "/ontology";
    }
    if (iri.indexOf(shapes) === 0) { return "/shapes#" + encodeURIComponent(iri.slice(shapes.length)); }
    return "/" + iri.slice(root.length);
  }

  function isInternal(iri) { return iri.indexOf(base()) === 0; }

  // A prefixed name for an IRI in a known namespace (the longest namespace wins), else the IRI.
  function shortName(iri) {
    var prefixes = vocabulary ? vocabulary.displayPrefixes : {};
    var best = null;
    Object.keys(prefixes).forEach(function (prefix) {
      var namespace = prefixes[prefix];
      if (iri.indexOf(namespace) === 0 && iri.length > namespace.length &&
          (best === null || namespace.length > prefixes[best].length)) {
        best = prefix;
      }
    });
    return best === null ? iri : best + ":" + iri.slice(prefixes[best].length);
  }

  // The reader's languages, most wanted first, then English.
  function preferredLanguages() {
    var wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"])
      .map(function (tag) { return String(tag).toLowerCase().split("-")[0]; });
    wanted.push("en");
    return wanted.filter(function (tag, index) { return wanted.indexOf(tag) === index; });
  }

  function pickLabel(found) {
    var languages = preferredLanguages();
    var best = null;
    var bestRank = Infinity;
    found.forEach(function (label) {
      var lang = (label.lang || "").toLowerCase().split("-")[0];
      var rank = languages.indexOf(lang);
      if (rank < 0) { rank = lang ? languages.length + 1 : languages.length; }
      if (rank < bestRank || (rank === bestRank && best && label.text < best.text)) {
        best = label;
        bestRank = rank;
      }
    });
    return best;
  }

  function runSelect(query) {
    var body = new URLSearchParams();
    body.append("query", query);
    return fetch("/sparql", {
      method: "POST",
      headers: { Accept: "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (text) { throw new Error(text || "HTTP " + response.status); });
      }
      return response.json();
    });
  }

  // Look up the labels of IRIs in the graph (rdfs:label), a batch of IRIs per query.
  function lookupLabels(iris) {
    var wanted = [];
    var seen = new Set();
    iris.forEach(function (iri) {
      if (iri && !labels.has(iri) && !seen.has(iri) && SAFE_IRI.test(iri)) {
        seen.add(iri);
        wanted.push(iri);
      }
    });
    var batches = [];
    for (var start = 0; start < wanted.length; start += LABEL_BATCH) {
      batches.push(wanted.slice(start, start + LABEL_BATCH));
    }
    return loadVocabulary().catch(function () { return null; }).then(function () {
      return Promise.all(batches.map(function (batch) {
        var values = batch.map(function (iri) { return "<" + iri + ">"; }).join(" ");
        var query = "SELECT ?x ?label WHERE { VALUES ?x { " + values + " } ?x <" + RDFS_LABEL + "> ?label }";
        return runSelect(query).then(function (answer) {
          var found = new Map();
          answer.results.bindings.forEach(function (row) {
            if (!row.x || !row.label) { return; }
            if (!found.has(row.x.value)) { found.set(row.x.value, []); }
            found.get(row.x.value).push({ text: row.label.value, lang: row.label["xml:lang"] || "" });
          });
          batch.forEach(function (iri) {
            labels.set(iri, found.has(iri) ? pickLabel(found.get(iri)) : null);
          });
        }, function () {
          // Without labels the views still show the prefixed names.
          batch.forEach(function (iri) { labels.set(iri, null); });
        });
      }));
    });
  }

  function labelOf(iri) { return labels.get(iri) || null; }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The HTML of a link to an IRI: its label (if the graph has one) and its prefixed name.
  function iriLinkHtml(iri) {
    var label = labelOf(iri);
    var name = shortName(iri);
    var inner = label
      ? '<span class="iri-label"' + (label.lang ? ' lang="' + escapeHtml(label.lang) + '"' : "") + ">" +
        escapeHtml(label.text) + '</span> <span class="pname">' + escapeHtml(name) + "</span>"
      : '<span class="pname">' + escapeHtml(name) + "</span>";
    return '<a class="iri' + (isInternal(iri) ? " internal" : "") + '" href="' + escapeHtml(localHref(iri)) +
      '" title="' + escapeHtml(iri) + '">' + inner + "</a>";
  }

  // ---- Dates -----------------------------------------------------------------------

  var DATE_TYPES = ["date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"];
  var INTEGER_TYPES = ["integer", "int", "long", "short", "gYear", "nonNegativeInteger", "positiveInteger"];

  // A binding as a point in time, or null: typed dates, and years in columns named *year.
  function dateOf(binding, variable) {
    if (!binding || binding.type === "uri" || binding.type === "bnode") { return null; }
    var datatype = binding.datatype || "";
    var local = datatype.indexOf(XSD) === 0 ? datatype.slice(XSD.length) : "";
    var text = String(binding.value).trim();
    var match;
    if (DATE_TYPES.indexOf(local) >= 0) {
      match = /^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(text);
      if (!match) { return null; }
      return yearDate(parseInt(match[1], 10), match[2] ? parseInt(match[2], 10) - 1 : 0, match[3] ? parseInt(match[3], 10) : 1);
    }
    if (/year$/i.test(variable) && (INTEGER_TYPES.indexOf(local) >= 0 || (!local && /^\d{4}$/.test(text)))) {
      var year = parseInt(text, 10);
      return year >= 1000 && year <= 2999 ? yearDate(year, 0, 1) : null;
    }
    return null;
  }

  function yearDate(year, month, day) {
    var date = new Date(Date.UTC(2000, month, day));
    date.setUTCFullYear(year);
    return date;
  }

  // ---- Downloads -------------------------------------------------------------------

  function saveBlob(blob, filename) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  // A PNG of a canvas, on a white background (the network draws on a transparent one).
  function canvasPng(canvas) {
    var copy = document.createElement("canvas");
    copy.width = canvas.width;
    copy.height = canvas.height;
    var context = copy.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, copy.width, copy.height);
    context.drawImage(canvas, 0, 0);
    return new Promise(function (resolve) { copy.toBlob(resolve, "image/png"); });
  }

  function xmlText(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // An SVG drawing of a rendered timeline: its axis labels and its items where they stand.
  function timelineSvg(container, title) {
    var frame = container.getBoundingClientRect();
    var width = Math.ceil(frame.width);
    var height = Math.ceil(frame.height) + 28;
    var parts = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="' + width + '" height="' + height +
        '" viewBox="0 0 ' + width + " " + height + '" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
      "<title>" + xmlText(title) + "</title>",
      '<rect width="100%" height="100%" fill="#ffffff"/>',
      '<text x="8" y="18" font-size="14" font-weight="bold" fill="#1a1a1a">' + xmlText(title) + "</text>",
      '<g transform="translate(0,28)">'
    ];
    function box(element) {
      var r = element.getBoundingClientRect();
      return { x: r.left - frame.left, y: r.top - frame.top, w: r.width, h: r.height };
    }
    container.querySelectorAll(".vis-time-axis .vis-text").forEach(function (label) {
      var b = box(label);
      if (b.w <= 0 || b.x < 0 || b.x > width) { return; }
      parts.push('<text x="' + b.x.toFixed(1) + '" y="' + (b.y + b.h - 4).toFixed(1) + '" fill="#4d4d4d">' +
        xmlText(label.textContent) + "</text>");
    });
    container.querySelectorAll(".vis-time-axis .vis-grid.vis-major").forEach(function (line) {
      var b = box(line);
      parts.push('<line x1="' + b.x.toFixed(1) + '" y1="' + b.y.toFixed(1) + '" x2="' + b.x.toFixed(1) +
        '" y2="' + (b.y + b.h).toFixed(1) + '" stroke="#d0d0d0"/>');
    });
    container.querySelectorAll(".vis-item").forEach(function (item) {
      var b = box(item);
      if (b.w <= 0 || b.x + b.w < 0 || b.x > width) { return; }
      var text = (item.querySelector(".vis-item-content") || item).textContent;
      if (item.classList.contains("vis-point") || item.classList.contains("vis-box")) {
        parts.push('<circle cx="' + (b.x + 5).toFixed(1) + '" cy="' + (b.y + b.h / 2).toFixed(1) + '" r="4" fill="#1f5f8b"/>');
        parts.push('<text x="' + (b.x + 14).toFixed(1) + '" y="' + (b.y + b.h / 2 + 4).toFixed(1) + '" fill="#1a1a1a">' + xmlText(text) + "</text>");
      } else {
        parts.push('<rect x="' + b.x.toFixed(1) + '" y="' + b.y.toFixed(1) + '" width="' + b.w.toFixed(1) + '" height="' +
          b.h.toFixed(1) + '" rx="3" fill="#dcebf5" stroke="#1f5f8b"/>');
        parts.push('<text x="' + (b.x + 4).toFixed(1) + '" y="' + (b.y + b.h / 2 + 4).toFixed(1) + '" fill="#1a1a1a">' + xmlText(text) + "</text>");
      }
    });
    parts.push("</g></svg>");
    return parts.join("\n");
  }

  // A row of download buttons under a picture.
  function downloadBar(buttons) {
    var bar = document.createElement("p");
    bar.className = "picture-downloads";
    bar.appendChild(document.createTextNode("Download the picture: "));
    buttons.forEach(function (spec, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "download-picture";
      button.setAttribute("data-format", spec.format);
      button.textContent = spec.label;
      button.addEventListener("click", spec.action);
      if (index) { bar.appendChild(document.createTextNode(" ")); }
      bar.appendChild(button);
    });
    return bar;
  }

  // ---- Network ---------------------------------------------------------------------

  // Draw a network: nodes {id, label, title, href, focus}, edges {from, to, label, kind}.
  // Options: layered (top-down by direction), legend [{kind, text}], filename.
  function drawNetwork(host, nodes, edges, options) {
    options = options || {};
    host.textContent = "";
    var canvasHost = document.createElement("div");
    canvasHost.className = "network-canvas";
    canvasHost.setAttribute("role", "img");
    canvasHost.setAttribute("aria-label", options.description || ("A network of " + nodes.length + " nodes and " + edges.length + " links"));
    host.appendChild(canvasHost);
    var visNodes = nodes.map(function (node) {
      return {
        id: node.id,
        label: wrapLabel(node.label),
        title: node.title,
        shape: "box",
        margin: 8,
        color: node.focus
          ? { background: "#1f5f8b", border: "#123d5a", highlight: { background: "#2a77ad", border: "#123d5a" } }
          : { background: "#f1f6fa", border: "#1f5f8b", highlight: { background: "#dcebf5", border: "#123d5a" } },
        font: { color: node.focus ? "#ffffff" : "#1a1a1a", face: "DejaVu Sans, Arial, sans-serif", size: 14 }
      };
    });
    var sideways = false;
    if (options.layered) {
      var shape = widestLevel(nodes, edges);
      var available = host.clientWidth || 800;
      sideways = shape.widest * NODE_WIDTH_PX > available * 1.4;
      if (sideways) {
        canvasHost.style.height = Math.min(1600, Math.max(420, shape.widest * ROW_HEIGHT_PX + 60)) + "px";
        canvasHost.setAttribute("data-direction", "LR");
      }
    }
    // Edges between the same two nodes curve apart, so that neither hides the other.
    var pairCount = {};
    var pairSeen = {};
    edges.forEach(function (edge) {
      var pair = [edge.from, edge.to].sort().join(" ");
      pairCount[pair] = (pairCount[pair] || 0) + 1;
    });
    function smoothFor(edge) {
      var pair = [edge.from, edge.to].sort().join(" ");
      var index = pairSeen[pair] = (pairSeen[pair] || 0) + 1;
      if (pairCount[pair] > 1) {
        var sameWay = edge.from < edge.to;
        var clockwise = (index % 2 === 1) === sameWay;
        return { type: clockwise ? "curvedCW" : "curvedCCW", roundness: 0.25 + 0.15 * Math.floor((index - 1) / 2) };
      }
      return options.layered ? { type: "cubicBezier", forceDirection: sideways ? "horizontal" : "vertical", roundness: 0.4 } : { type: "dynamic" };
    }
    var visEdges = edges.map(function (edge, index) {
      return {
        id: "e" + index,
        from: edge.from,
        to: edge.to,
        label: edge.label,
        arrows: "to",
        color: { color: edge.color || "#555555" },
        dashes: !!edge.dashes,
        font: { size: 12, face: "DejaVu Sans, Arial, sans-serif", color: "#333333", strokeWidth: 4, strokeColor: "#ffffff", align: "horizontal" },
        smooth: smoothFor(edge)
      };
    });
    var layout = options.layered
      ? {
          hierarchical: sideways
            ? { direction: "LR", sortMethod: "directed", shakeTowards: "roots", levelSeparation: 240, nodeSpacing: ROW_HEIGHT_PX }
            : { direction: "UD", sortMethod: "directed", shakeTowards: "roots", levelSeparation: 130, nodeSpacing: NODE_WIDTH_PX }
        }
      : { randomSeed: 7, improvedLayout: nodes.length < 150 };
    var edgeSet = new window.vis.DataSet(visEdges);
    var network = new window.vis.Network(canvasHost, {
      nodes: new window.vis.DataSet(visNodes),
      edges: edgeSet
    }, {
      layout: layout,
      physics: options.layered ? false : { stabilization: { iterations: 300 }, barnesHut: { springLength: 160, avoidOverlap: 0.3 } },
      interaction: { hover: true, tooltipDelay: 150, navigationButtons: false, keyboard: false },
      autoResize: true
    });
    network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: false }); });
    canvasHost.setAttribute("data-nodes", String(nodes.length));
    canvasHost.setAttribute("data-edges", String(edges.length));
    var hrefs = {};
    nodes.forEach(function (node) { hrefs[node.id] = node.href; });
    network.on("doubleClick", function (event) {
      if (event.nodes.length && hrefs[event.nodes[0]]) { window.location.href = hrefs[event.nodes[0]]; }
    });
    if (options.legend && options.legend.length) {
      var legend = document.createElement("ul");
      legend.className = "network-legend";
      options.legend.forEach(function (entry) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "swatch " + entry.kind;
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(" " + entry.text));
        legend.appendChild(item);
      });
      host.appendChild(legend);
    }
    // A text list of the links too: readable without the picture (screen readers, search).
    var list = document.createElement("details");
    list.className = "network-list";
    var summary = document.createElement("summary");
    summary.textContent = edges.length === 1 ? "The link as text" : "The " + edges.length + " links as a list";
    list.appendChild(summary);
    var ul = document.createElement("ul");
    var byId = {};
    nodes.forEach(function (node) { byId[node.id] = node; });
    edges.forEach(function (edge) {
      var li = document.createElement("li");
      li.appendChild(nodeLink(byId[edge.from]));
      li.appendChild(document.createTextNode(" " + edge.label + " "));
      li.appendChild(nodeLink(byId[edge.to]));
      ul.appendChild(li);
    });
    list.appendChild(ul);
    host.appendChild(downloadBar([{
      format: "png",
      label: "PNG",
      action: function () {
        var canvas = canvasHost.querySelector("canvas");
        canvasPng(canvas).then(function (blob) { saveBlob(blob, (options.filename || "network") + ".png"); });
      }
    }]));
    host.appendChild(list);
    return network;
  }

  // A top-down network whose widest level would be drawn too small to read (the
  // President appoints a dozen posts) is laid out left to right instead: the levels
  // become columns and the picture grows downwards. Levels are counted from the focus
  // node along the arrows (one level down per arrow), as the layout draws them.
  var NODE_WIDTH_PX = 190;
  var ROW_HEIGHT_PX = 74;
  function widestLevel(nodes, edges) {
    var start = nodes.filter(function (node) { return node.focus; })[0] || nodes[0];
    var level = {};
    level[start.id] = 0;
    var queue = [start.id];
    while (queue.length) {
      var id = queue.shift();
      edges.forEach(function (edge) {
        if (edge.from === id && !(edge.to in level)) { level[edge.to] = level[id] + 1; queue.push(edge.to); }
        if (edge.to === id && !(edge.from in level)) { level[edge.from] = level[id] - 1; queue.push(edge.from); }
      });
    }
    var count = {};
    Object.keys(level).forEach(function (id) { count[level[id]] = (count[level[id]] || 0) + 1; });
    var widest = 0;
    Object.keys(count).forEach(function (l) { widest = Math.max(widest, count[l]); });
    return { widest: widest, levels: Object.keys(count).length };
  }

  function nodeLink(node) {
    var link = document.createElement("a");
    link.href = node.href;
    link.textContent = node.label;
    return link;
  }

  function wrapLabel(text) {
    var words = String(text).split(/\s+/);
    var lines = [];
    var line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > 22) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.join("\n");
  }

  // ---- Timeline --------------------------------------------------------------------

  // Draw a timeline: items {content, start, end?, title?}. Options: title, filename.
  function drawTimeline(host, items, options) {
    options = options || {};
    host.textContent = "";
    var box = document.createElement("div");
    box.className = "timeline-canvas";
    host.appendChild(box);
    var visItems = items.map(function (item, index) {
      var entry = { id: index, content: escapeHtml(item.content), start: item.start, title: escapeHtml(item.title || item.content) };
      if (item.end && item.end > item.start) { entry.end = item.end; entry.type = "range"; } else { entry.type = "point"; }
      return entry;
    });
    // Show every item with a margin: at least a year either side, so that one date is not
    // drawn at the scale of hours.
    var first = Infinity;
    var last = -Infinity;
    items.forEach(function (item) {
      first = Math.min(first, item.start.getTime());
      last = Math.max(last, (item.end || item.start).getTime());
    });
    var YEAR = 365.25 * 24 * 3600 * 1000;
    var pad = Math.max((last - first) * 0.06, YEAR);
    var timeline = new window.vis.Timeline(box, new window.vis.DataSet(visItems), {
      start: new Date(first - pad),
      end: new Date(last + pad),
      stack: true,
      orientation: { axis: "top" },
      margin: { item: { horizontal: 4, vertical: 6 } },
      maxHeight: 640,
      zoomKey: "ctrlKey",
      showCurrentTime: false,
      tooltip: { followMouse: true }
    });
    host.appendChild(downloadBar([
      {
        format: "svg",
        label: "SVG",
        action: function () {
          var svg = timelineSvg(box, options.title || "Timeline");
          saveBlob(new Blob([svg], { type: "image/svg+xml" }), (options.filename || "timeline") + ".svg");
        }
      }
    ]));
    return timeline;
  }

  window.KzgovViews = {
    loadVocabulary: loadVocabulary,
    vocabulary: function () { return vocabulary; },
    localHref: localHref,
    isInternal: isInternal,
    shortName: shortName,
    lookupLabels: lookupLabels,
    labelOf: labelOf,
    iriLinkHtml: iriLinkHtml,
    escapeHtml: escapeHtml,
    dateOf: dateOf,
    runSelect: runSelect,
    drawNetwork: drawNetwork,
    drawTimeline: drawTimeline,
    timelineSvg: timelineSvg
  };
})();
