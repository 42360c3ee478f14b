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

  function xmlText(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // A picture is {width, height, title, shapes}: texts, lines, circles, rectangles and
  // arrows in pixels. The same picture is written as SVG and drawn on a canvas for PNG,
  // so that both downloads show the same thing.
  var PICTURE_FONT = "DejaVu Sans, Arial, sans-serif";

  function pictureSvg(picture) {
    var parts = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="' + picture.width + '" height="' + picture.height +
        '" viewBox="0 0 ' + picture.width + " " + picture.height + '" font-family="' + PICTURE_FONT + '" font-size="12">',
      "<title>" + xmlText(picture.title) + "</title>",
      "<defs>" + ["#555555", "#0b5cad", "#1f7a3a", "#a3241a", "#7a4eab"].map(function (colour) {
        return '<marker id="arrow-' + colour.slice(1) + '" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">' +
          '<path d="M 0 0 L 10 5 L 0 10 z" fill="' + colour + '"/></marker>';
      }).join("") + "</defs>",
      '<rect width="100%" height="100%" fill="#ffffff"/>'
    ];
    function n(value) { return Number(value).toFixed(1); }
    picture.shapes.forEach(function (shape) {
      if (shape.kind === "text") {
        parts.push('<text x="' + n(shape.x) + '" y="' + n(shape.y) + '" fill="' + (shape.fill || "#1a1a1a") + '"' +
          (shape.size ? ' font-size="' + shape.size + '"' : "") + (shape.bold ? ' font-weight="bold"' : "") +
          (shape.anchor ? ' text-anchor="' + shape.anchor + '"' : "") +
          (shape.halo ? ' stroke="#ffffff" stroke-width="4" paint-order="stroke"' : "") + ">" + xmlText(shape.text) + "</text>");
      } else if (shape.kind === "line" || shape.kind === "arrow") {
        var colour = shape.stroke || "#555555";
        parts.push('<line x1="' + n(shape.x1) + '" y1="' + n(shape.y1) + '" x2="' + n(shape.x2) + '" y2="' + n(shape.y2) +
          '" stroke="' + colour + '" stroke-width="' + (shape.width || 1) + '"' + (shape.dash ? ' stroke-dasharray="' + dashPattern(shape.dash).join(" ") + '"' : "") +
          (shape.kind === "arrow" ? ' marker-end="url(#arrow-' + colour.slice(1) + ')"' : "") + "/>");
      } else if (shape.kind === "circle") {
        parts.push('<circle cx="' + n(shape.cx) + '" cy="' + n(shape.cy) + '" r="' + shape.r + '" fill="' + shape.fill + '"/>');
      } else if (shape.kind === "rect") {
        parts.push('<rect x="' + n(shape.x) + '" y="' + n(shape.y) + '" width="' + n(shape.w) + '" height="' + n(shape.h) +
          '" rx="' + (shape.rx || 0) + '" fill="' + shape.fill + '" stroke="' + shape.stroke + '"/>');
      }
    });
    parts.push("</svg>");
    return parts.join("\n");
  }

  // The same picture on a canvas, at twice its size for sharp text, as a PNG blob.
  function picturePng(picture) {
    var ratio = 2;
    var canvas = document.createElement("canvas");
    canvas.width = Math.ceil(picture.width * ratio);
    canvas.height = Math.ceil(picture.height * ratio);
    var context = canvas.getContext("2d");
    context.scale(ratio, ratio);
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, picture.width, picture.height);
    picture.shapes.forEach(function (shape) {
      context.save();
      if (shape.kind === "text") {
        context.font = (shape.bold ? "bold " : "") + (shape.size || 12) + "px " + PICTURE_FONT;
        context.textAlign = shape.anchor === "middle" ? "center" : "left";
        if (shape.halo) {
          context.strokeStyle = "#ffffff";
          context.lineWidth = 4;
          context.strokeText(shape.text, shape.x, shape.y);
        }
        context.fillStyle = shape.fill || "#1a1a1a";
        context.fillText(shape.text, shape.x, shape.y);
      } else if (shape.kind === "line" || shape.kind === "arrow") {
        context.strokeStyle = shape.stroke || "#555555";
        context.lineWidth = shape.width || 1;
        context.setLineDash(shape.dash ? dashPattern(shape.dash) : []);
        context.beginPath();
        context.moveTo(shape.x1, shape.y1);
        context.lineTo(shape.x2, shape.y2);
        context.stroke();
        if (shape.kind === "arrow") {
          var angle = Math.atan2(shape.y2 - shape.y1, shape.x2 - shape.x1);
          context.setLineDash([]);
          context.fillStyle = shape.stroke || "#555555";
          context.beginPath();
          context.moveTo(shape.x2, shape.y2);
          context.lineTo(shape.x2 - 9 * Math.cos(angle - 0.4), shape.y2 - 9 * Math.sin(angle - 0.4));
          context.lineTo(shape.x2 - 9 * Math.cos(angle + 0.4), shape.y2 - 9 * Math.sin(angle + 0.4));
          context.closePath();
          context.fill();
        }
      } else if (shape.kind === "circle") {
        context.fillStyle = shape.fill;
        context.beginPath();
        context.arc(shape.cx, shape.cy, shape.r, 0, 2 * Math.PI);
        context.fill();
      } else if (shape.kind === "rect") {
        context.fillStyle = shape.fill;
        context.strokeStyle = shape.stroke;
        context.beginPath();
        if (context.roundRect) { context.roundRect(shape.x, shape.y, shape.w, shape.h, shape.rx || 0); } else { context.rect(shape.x, shape.y, shape.w, shape.h); }
        context.fill();
        context.stroke();
      }
      context.restore();
    });
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); });
  }

  // The picture of a rendered timeline: its axis labels and its items where they stand.
  function timelinePicture(container, title) {
    var frame = container.getBoundingClientRect();
    var width = Math.ceil(frame.width);
    var top = 28;
    var shapes = [{ kind: "text", x: 8, y: 18, size: 14, bold: true, text: title }];
    function box(element) {
      var r = element.getBoundingClientRect();
      return { x: r.left - frame.left, y: r.top - frame.top + top, w: r.width, h: r.height };
    }
    container.querySelectorAll(".vis-time-axis .vis-grid.vis-major").forEach(function (line) {
      var b = box(line);
      shapes.push({ kind: "line", x1: b.x, y1: b.y, x2: b.x, y2: b.y + b.h, stroke: "#d0d0d0" });
    });
    container.querySelectorAll(".vis-time-axis .vis-text").forEach(function (label) {
      var b = box(label);
      if (b.w <= 0 || b.x < 0 || b.x > width) { return; }
      shapes.push({ kind: "text", x: b.x, y: b.y + b.h - 4, fill: "#4d4d4d", text: label.textContent });
    });
    container.querySelectorAll(".vis-item").forEach(function (item) {
      var b = box(item);
      if (b.w <= 0 || b.x + b.w < 0 || b.x > width) { return; }
      var text = (item.querySelector(".vis-item-content") || item).textContent;
      if (item.classList.contains("vis-point") || item.classList.contains("vis-box")) {
        shapes.push({ kind: "circle", cx: b.x + 5, cy: b.y + b.h / 2, r: 4, fill: "#1f5f8b" });
        shapes.push({ kind: "text", x: b.x + 14, y: b.y + b.h / 2 + 4, text: text });
      } else {
        shapes.push({ kind: "rect", x: b.x, y: b.y, w: b.w, h: b.h, rx: 3, fill: "#dcebf5", stroke: "#1f5f8b" });
        shapes.push({ kind: "text", x: b.x + 4, y: b.y + b.h / 2 + 4, text: text });
      }
    });
    return { width: width, height: Math.ceil(frame.height) + top, title: title, shapes: shapes };
  }

  // An SVG drawing of a rendered timeline.
  function timelineSvg(container, title) { return pictureSvg(timelinePicture(container, title)); }

  // The width and height of a drawn network, in its own (zoom 1) pixels.
  function networkExtent(network, visNodes) {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    visNodes.forEach(function (node) {
      var b = network.getBoundingBox(node.id);
      if (!b) { return; }
      minX = Math.min(minX, b.left); minY = Math.min(minY, b.top);
      maxX = Math.max(maxX, b.right); maxY = Math.max(maxY, b.bottom);
    });
    return isFinite(minX) ? { width: maxX - minX, height: maxY - minY } : { width: 0, height: 0 };
  }

  // Where the line from a box's centre towards a point leaves the box.
  function boxExit(b, towardsX, towardsY) {
    var cx = (b.left + b.right) / 2;
    var cy = (b.top + b.bottom) / 2;
    var dx = towardsX - cx;
    var dy = towardsY - cy;
    if (!dx && !dy) { return { x: cx, y: cy }; }
    var sx = dx ? ((b.right - b.left) / 2) / Math.abs(dx) : Infinity;
    var sy = dy ? ((b.bottom - b.top) / 2) / Math.abs(dy) : Infinity;
    var t = Math.min(sx, sy, 1);
    return { x: cx + dx * t, y: cy + dy * t };
  }

  // The picture of a drawn network: its nodes as labelled boxes where the layout put
  // them, its links as straight arrows between the boxes' edges, labelled at the middle.
  function networkPicture(network, visNodes, visEdges, title) {
    var boxes = {};
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    visNodes.forEach(function (node) {
      var b = network.getBoundingBox(node.id);
      if (!b) { return; }
      boxes[node.id] = b;
      minX = Math.min(minX, b.left); minY = Math.min(minY, b.top);
      maxX = Math.max(maxX, b.right); maxY = Math.max(maxY, b.bottom);
    });
    var margin = 24;
    var top = 28;
    var dx = margin - minX;
    var dy = margin + top - minY;
    var shapes = [{ kind: "text", x: 8, y: 18, size: 14, bold: true, text: title }];
    visEdges.forEach(function (edge) {
      var a = boxes[edge.from];
      var b = boxes[edge.to];
      if (!a || !b) { return; }
      var from = boxExit(a, (b.left + b.right) / 2, (b.top + b.bottom) / 2);
      var to = boxExit(b, (a.left + a.right) / 2, (a.top + a.bottom) / 2);
      shapes.push({ kind: "arrow", x1: from.x + dx, y1: from.y + dy, x2: to.x + dx, y2: to.y + dy,
        stroke: edge.color.color, width: edge.width || 1.5, dash: edge.dashes });
      if (edge.label) {
        shapes.push({ kind: "text", x: (from.x + to.x) / 2 + dx, y: (from.y + to.y) / 2 + dy + 4, size: 11,
          anchor: "middle", fill: "#333333", halo: true, text: edge.label });
      }
    });
    visNodes.forEach(function (node) {
      var b = boxes[node.id];
      if (!b) { return; }
      shapes.push({ kind: "rect", x: b.left + dx, y: b.top + dy, w: b.right - b.left, h: b.bottom - b.top, rx: 4,
        fill: node.color.background, stroke: node.color.border });
      var lines = String(node.label).split("\n");
      var lineHeight = node.font.size + 2;
      var firstY = (b.top + b.bottom) / 2 + dy - (lines.length - 1) * lineHeight / 2 + node.font.size * 0.35;
      lines.forEach(function (line, index) {
        shapes.push({ kind: "text", x: (b.left + b.right) / 2 + dx, y: firstY + index * lineHeight, size: node.font.size,
          anchor: "middle", fill: node.font.color, text: line });
      });
    });
    var width = Math.ceil(maxX - minX + 2 * margin);
    var height = Math.ceil(maxY - minY + 2 * margin + top);
    if (!isFinite(width) || !isFinite(height)) { width = 200; height = 60; }
    return { width: width, height: height, title: title, shapes: shapes };
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
  // A line's dashes in a picture: the edge's own pattern, or 6 on 4 off for `true`.
  function dashPattern(dash) {
    return Array.isArray(dash) ? dash : [6, 4];
  }

  function drawNetwork(host, nodes, edges, options) {
    options = options || {};
    host.textContent = "";
    var canvasHost = document.createElement("div");
    canvasHost.className = "network-canvas";
    canvasHost.setAttribute("role", "img");
    canvasHost.setAttribute("aria-label", options.description || ("A network of " + nodes.length + " nodes and " + edges.length + " links"));
    host.appendChild(canvasHost);
    var sideways = false;
    var levelOf = null;
    if (options.layered) {
      var shape = widestLevel(nodes, edges);
      // Each node at its distance from the focus along the arrows, so that a node directly
      // above the focus is drawn right above it, not a level higher with its arrow passing
      // behind the nodes between (vis-network puts every root at the top).
      var lowest = Math.min.apply(null, Object.keys(shape.level).map(function (id) { return shape.level[id]; }));
      levelOf = function (id) { return id in shape.level ? shape.level[id] - lowest : undefined; };
      var available = host.clientWidth || 800;
      sideways = shape.widest * NODE_WIDTH_PX > available * 1.4;
      if (sideways) {
        canvasHost.style.height = Math.min(2000, Math.max(420, shape.widest * ROW_HEIGHT_PX + 60)) + "px";
        canvasHost.setAttribute("data-direction", "LR");
      }
    }
    // Sideways, a column has room for longer lines: fewer lines, shorter rows.
    var lineLength = sideways ? SIDEWAYS_LINE_CHARACTERS : LINE_CHARACTERS;
    var visNodes = nodes.map(function (node) {
      return {
        id: node.id,
        level: levelOf ? levelOf(node.id) : undefined,
        label: wrapLabel(node.label, lineLength),
        title: node.title,
        shape: "box",
        margin: 8,
        color: node.focus
          ? { background: "#1f5f8b", border: "#123d5a", highlight: { background: "#2a77ad", border: "#123d5a" } }
          : { background: "#f1f6fa", border: "#1f5f8b", highlight: { background: "#dcebf5", border: "#123d5a" } },
        font: { color: node.focus ? "#ffffff" : "#1a1a1a", face: "DejaVu Sans, Arial, sans-serif", size: LABEL_FONT_PX }
      };
    });
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
        // true (vis-network's own dashes) or a pattern of dash and gap lengths.
        dashes: Array.isArray(edge.dashes) ? edge.dashes : !!edge.dashes,
        width: edge.width || 1,
        font: { size: 12, face: "DejaVu Sans, Arial, sans-serif", color: "#333333", strokeWidth: 4, strokeColor: "#ffffff", align: "horizontal" },
        smooth: smoothFor(edge)
      };
    });
    var layout = options.layered
      ? {
          hierarchical: sideways
            ? { direction: "LR", sortMethod: "directed", shakeTowards: "roots", levelSeparation: 300, nodeSpacing: ROW_HEIGHT_PX }
            : { direction: "UD", sortMethod: "directed", shakeTowards: "roots", levelSeparation: 130, nodeSpacing: NODE_WIDTH_PX }
        }
      : { randomSeed: 7, improvedLayout: nodes.length < 150 };
    var edgeSet = new window.vis.DataSet(visEdges);
    var network = new window.vis.Network(canvasHost, {
      nodes: new window.vis.DataSet(visNodes),
      edges: edgeSet
    }, {
      layout: layout,
      physics: options.layered ? false : {
        stabilization: { iterations: 300 },
        barnesHut: { springLength: 90, springConstant: 0.05, gravitationalConstant: -2600, centralGravity: 0.4, avoidOverlap: 0.6 }
      },
      interaction: { hover: true, tooltipDelay: 150, navigationButtons: false, keyboard: false },
      autoResize: true
    });
    // Once laid out, the whole network is fitted into the box; where that would draw the
    // labels smaller than LABEL_MIN_PX, it is zoomed in to that size about its centre
    // instead (drag to see the rest). The label size as drawn is kept in data-label-px.
    function fitLegibly() {
      if (!options.layered) {
        // The box is as tall as the laid-out network needs at the width it has (up to
        // FREE_MAX_HEIGHT_PX), so that fitting it keeps the labels legible.
        var extent = networkExtent(network, visNodes);
        var across = canvasHost.clientWidth / (extent.width + 40);
        var height = (extent.height + 40) * Math.min(1, across);
        canvasHost.style.height = Math.round(Math.min(FREE_MAX_HEIGHT_PX, Math.max(320, height))) + "px";
        network.setSize("100%", canvasHost.style.height);
        network.redraw();
      }
      network.fit({ animation: false });
      var scale = network.getScale();
      canvasHost.setAttribute("data-whole", String(LABEL_FONT_PX * scale >= LABEL_MIN_PX));
      if (LABEL_FONT_PX * scale < LABEL_MIN_PX) {
        scale = LABEL_MIN_PX / LABEL_FONT_PX;
        network.moveTo({ scale: scale, animation: false });
      }
      canvasHost.setAttribute("data-label-px", (LABEL_FONT_PX * network.getScale()).toFixed(1));
    }
    if (options.layered) {
      network.once("afterDrawing", fitLegibly);
    } else {
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: false });
        fitLegibly();
      });
    }
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
      if (edge.status) { li.setAttribute("data-status", edge.status); }
      li.appendChild(nodeLink(byId[edge.from]));
      li.appendChild(document.createTextNode(" " + edge.label + " "));
      li.appendChild(nodeLink(byId[edge.to]));
      ul.appendChild(li);
    });
    list.appendChild(ul);
    var title = options.title || options.description || "kzgov network";
    host.appendChild(downloadBar([
      {
        format: "png",
        label: "PNG",
        action: function () {
          picturePng(networkPicture(network, visNodes, visEdges, title)).then(function (blob) {
            saveBlob(blob, (options.filename || "network") + ".png");
          });
        }
      },
      {
        format: "svg",
        label: "SVG",
        action: function () {
          var svg = pictureSvg(networkPicture(network, visNodes, visEdges, title));
          saveBlob(new Blob([svg], { type: "image/svg+xml" }), (options.filename || "network") + ".svg");
        }
      }
    ]));
    host.appendChild(list);
    return network;
  }

  // A top-down network whose widest level would be drawn too small to read (the
  // President appoints a dozen posts) is laid out left to right instead: the levels
  // become columns and the picture grows downwards. Levels are counted from the focus
  // node along the arrows (one level down per arrow), as the layout draws them.
  var NODE_WIDTH_PX = 190;
  // Node labels are drawn at this size at zoom 1, and never fitted below LABEL_MIN_PX.
  var LABEL_FONT_PX = 14;
  var LABEL_MIN_PX = 12;
  // A network without layers gets a box this tall at most (a screen, with room to scroll).
  var FREE_MAX_HEIGHT_PX = 760;
  var ROW_HEIGHT_PX = 50;
  // Node labels wrap at this many characters (top-down), or at the longer one sideways.
  var LINE_CHARACTERS = 22;
  var SIDEWAYS_LINE_CHARACTERS = 36;
  function widestLevel(nodes, edges) {
    // From the focus node first, then from each node not yet reached: a query's answer
    // may be several unconnected networks, whose levels the layout draws side by side.
    var starts = nodes.filter(function (node) { return node.focus; }).concat(nodes);
    var level = {};
    starts.forEach(function (start) {
      if (start.id in level) { return; }
      level[start.id] = 0;
      var queue = [start.id];
      while (queue.length) {
        var id = queue.shift();
        edges.forEach(function (edge) {
          if (edge.from === id && !(edge.to in level)) { level[edge.to] = level[id] + 1; queue.push(edge.to); }
          if (edge.to === id && !(edge.from in level)) { level[edge.from] = level[id] - 1; queue.push(edge.from); }
        });
      }
    });
    var count = {};
    Object.keys(level).forEach(function (id) { count[level[id]] = (count[level[id]] || 0) + 1; });
    var widest = 0;
    Object.keys(count).forEach(function (l) { widest = Math.max(widest, count[l]); });
    return { widest: widest, levels: Object.keys(count).length, level: level };
  }

  function nodeLink(node) {
    var link = document.createElement("a");
    link.href = node.href;
    link.textContent = node.label;
    return link;
  }

  function wrapLabel(text, lineLength) {
    var words = String(text).split(/\s+/);
    var lines = [];
    var line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > lineLength) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.join("\n");
  }

  // ---- Timeline --------------------------------------------------------------------

  var TIMELINE_MARGIN_PX = 12;

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
    // The labels of points stand to the right of their dots: the window is widened to the
    // right until the longest label ends inside the box (labels are capped in CSS to part
    // of the width, so that this is always possible), then the box is marked data-fitted.
    timeline.once("changed", function () {
      var panel = box.querySelector(".vis-panel.vis-center");
      var range = timeline.getWindow();
      var span = range.end.getTime() - range.start.getTime();
      var width = panel ? panel.clientWidth : 0;
      var needed = span;
      if (panel && width > 0) {
        var left = panel.getBoundingClientRect().left;
        box.querySelectorAll(".vis-item.vis-point, .vis-item.vis-box").forEach(function (item) {
          var r = item.getBoundingClientRect();
          var x = r.left - left;
          var room = width - TIMELINE_MARGIN_PX - r.width;
          if (x > 0 && room > 0) { needed = Math.max(needed, x * span / room); }
        });
      }
      if (needed > span * 1.001) {
        timeline.once("changed", function () { box.setAttribute("data-fitted", "true"); });
        timeline.setWindow(range.start, new Date(range.start.getTime() + needed), { animation: false });
      } else {
        box.setAttribute("data-fitted", "true");
      }
    });
    var pictureTitle = options.title || "Timeline";
    host.appendChild(downloadBar([
      {
        format: "png",
        label: "PNG",
        action: function () {
          picturePng(timelinePicture(box, pictureTitle)).then(function (blob) {
            saveBlob(blob, (options.filename || "timeline") + ".png");
          });
        }
      },
      {
        format: "svg",
        label: "SVG",
        action: function () {
          var svg = timelineSvg(box, pictureTitle);
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
    timelineSvg: timelineSvg,
    pictureSvg: pictureSvg,
    picturePng: picturePng
  };
})();
