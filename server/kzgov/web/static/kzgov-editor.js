// The query editor on the home page: YASQE over the form's textarea (highlighting,
// completion of prefixes and kz: terms, syntax errors marked in the editor) and YASR for
// the answer (a table with labels, paging, sorting and filtering; graph and timeline views;
// downloads). Without JavaScript the form and the server's own table still work.
(function () {
  "use strict";
  var Views = window.KzgovViews;
  // Answers with this many nodes or more are drawn in layers (see the Graph view).
  var LAYERED_FROM_NODES = 25;
  var textarea = document.getElementById("query-text");
  var live = document.getElementById("live-results");
  if (!textarea || !live || !window.Yasqe || !window.Yasr || !Views) { return; }
  var Yasqe = window.Yasqe;
  var Yasr = window.Yasr;
  var BaseTable = Yasr.plugins.table;

  function resultIris(results) {
    var iris = [];
    (results.getBindings() || []).forEach(function (row) {
      Object.keys(row).forEach(function (variable) {
        if (row[variable] && row[variable].type === "uri") { iris.push(row[variable].value); }
      });
    });
    return iris;
  }

  function selectRows(results) {
    return results && results.getType && results.getType() === "json" && results.getBindings() ? results.getBindings() : null;
  }

  // ---- The table: labels next to IRIs, links to the local pages ---------------------

  class LabelledTable extends BaseTable {
    constructor(yasr) {
      super(yasr);
      this.label = "Table";
    }
    async draw(config) {
      if (this.yasr.results) {
        await Views.lookupLabels(resultIris(this.yasr.results).slice(0, 5000));
      }
      await super.draw(config);
      if (this.tableEl) {
        this.tableEl.classList.add("results");
        // The row-number column has no title; screen readers need one.
        var first = this.tableEl.querySelector("thead th");
        if (first && !first.textContent.trim()) {
          var title = document.createElement("span");
          title.className = "sr-only";
          title.textContent = "Row";
          first.appendChild(title);
        }
      }
      this.yasr.rootEl.querySelectorAll("select:not([aria-label])").forEach(function (select) {
        select.setAttribute("aria-label", "Rows per page");
      });
    }
    getUriLinkFromBinding(binding) {
      return Views.iriLinkHtml(binding.value);
    }
    getColumns() {
      // Filter and sort on the label as well as the IRI, so typing a name finds its rows.
      return super.getColumns().map(function (column) {
        if (!column.name) { return column; }
        var render = column.render;
        column.render = function (cell, kind, row, meta) {
          if (cell && cell.type === "uri" && (kind === "filter" || kind === "sort")) {
            var label = Views.labelOf(cell.value);
            return (label ? label.text + " " : "") + Views.shortName(cell.value) + " " + cell.value;
          }
          return render(cell, kind, row, meta);
        };
        return column;
      });
    }
  }

  // ---- Graph: rows that link two IRIs ----------------------------------------------

  var EDGE_LABEL_COLUMNS = /^(p|pred|predicate|property|relation|rel|link)$/i;

  function graphOf(results) {
    var rows = selectRows(results) || [];
    var variables = results.getVariables();
    var iriColumns = variables.filter(function (v) {
      return !/Label$/.test(v) && !PROVENANCE_COLUMN.test(v) && hasIris(rows, v);
    });
    var edgeColumn = null;
    if (iriColumns.length >= 3) {
      edgeColumn = iriColumns.filter(function (v) { return EDGE_LABEL_COLUMNS.test(v); })[0] || iriColumns[1];
    }
    var ends = iriColumns.filter(function (v) { return v !== edgeColumn; }).slice(0, 2);
    if (ends.length < 2) { return null; }
    var nodes = new Map();
    var edges = [];
    var seenEdges = new Set();
    function addNode(binding, labelBinding) {
      var iri = binding.value;
      if (!nodes.has(iri)) { nodes.set(iri, { iri: iri, label: labelBinding ? labelBinding.value : null }); }
    }
    rows.forEach(function (row) {
      var from = row[ends[0]];
      var to = row[ends[1]];
      if (!from || !to || from.type !== "uri" || to.type !== "uri") { return; }
      addNode(from, row[ends[0] + "Label"]);
      addNode(to, row[ends[1] + "Label"]);
      var via = edgeColumn && row[edgeColumn] ? row[edgeColumn].value : "";
      var key = from.value + " " + via + " " + to.value;
      if (seenEdges.has(key)) { return; }
      seenEdges.add(key);
      edges.push({ from: from.value, to: to.value, via: via });
    });
    return { nodes: nodes, edges: edges, columns: ends, edgeColumn: edgeColumn };
  }

  var MAX_GRAPH_NODES = 400;

  class GraphView {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Graph";
      this.priority = 2;
      this.helpReference = "/#query-views";
    }
    canHandleResults() {
      var graph = this.yasr.results && selectRows(this.yasr.results) ? graphOf(this.yasr.results) : null;
      return !!graph && graph.edges.length > 0;
    }
    getIcon() {
      var icon = document.createElement("span");
      icon.className = "view-icon";
      icon.textContent = "◇";
      return icon;
    }
    async draw() {
      var graph = graphOf(this.yasr.results);
      var host = document.createElement("div");
      host.className = "kz-picture kz-graph";
      this.yasr.resultsEl.appendChild(host);
      if (graph.nodes.size > MAX_GRAPH_NODES) {
        host.textContent = "This answer links " + graph.nodes.size + " nodes; the graph view draws at most " +
          MAX_GRAPH_NODES + ". Add a LIMIT or narrow the query.";
        return;
      }
      var iris = [];
      graph.nodes.forEach(function (node) { iris.push(node.iri); });
      graph.edges.forEach(function (edge) { if (edge.via) { iris.push(edge.via); } });
      await Views.lookupLabels(iris);
      var nodes = [];
      graph.nodes.forEach(function (node) {
        var label = node.label || (Views.labelOf(node.iri) || {}).text || Views.shortName(node.iri);
        nodes.push({ id: node.iri, label: label, title: Views.shortName(node.iri), href: Views.localHref(node.iri) });
      });
      var edges = graph.edges.map(function (edge) {
        var label = edge.via ? ((Views.labelOf(edge.via) || {}).text || Views.shortName(edge.via)) : "";
        return { from: edge.from, to: edge.to, label: label };
      });
      var caption = document.createElement("p");
      caption.className = "hint";
      caption.textContent = "Arrows go from ?" + graph.columns[0] + " to ?" + graph.columns[1] +
        (graph.edgeColumn ? ", labelled by ?" + graph.edgeColumn : "") + ". Drag to move, scroll to zoom, double-click a node to open its page.";
      host.appendChild(caption);
      var picture = document.createElement("div");
      host.appendChild(picture);
      // A large answer is laid out in layers by the arrows' direction (left to right when
      // a layer is too wide), as the post networks are: a free layout of 30+ nodes piles
      // labels on one another.
      this.network = Views.drawNetwork(picture, nodes, edges, {
        filename: "kzgov-graph",
        layered: nodes.length >= LAYERED_FROM_NODES
      });
    }
    download() {
      var host = this.yasr.resultsEl.querySelector(".kz-graph canvas");
      if (!host) { return undefined; }
      return {
        getData: function () { return host.toDataURL("image/png"); },
        contentType: "image/png",
        filename: "kzgov-graph.png",
        title: "Download the graph as PNG"
      };
    }
    destroy() {
      if (this.network) { this.network.destroy(); this.network = null; }
    }
  }

  // ---- Timeline: rows with dates ---------------------------------------------------

  var END_COLUMN = /(until|end|to|till)$/i;
  // Columns that say where a row comes from rather than what it is about.
  var PROVENANCE_COLUMN = /^(source|g|graph)$/i;

  function hasIris(rows, v) { return rows.some(function (row) { return row[v] && row[v].type === "uri"; }); }

  // Which columns name what each row is about: the IRI columns with an ?xLabel companion,
  // else the first IRI column; never ?source.
  function subjectColumns(variables, rows, skip) {
    var candidates = variables.filter(function (v) {
      return skip.indexOf(v) < 0 && !/Label$/.test(v) && !PROVENANCE_COLUMN.test(v) && hasIris(rows, v);
    });
    var labelled = candidates.filter(function (v) { return variables.indexOf(v + "Label") >= 0; });
    return labelled.length ? labelled : candidates.slice(0, 1);
  }

  function timelineOf(results) {
    var rows = selectRows(results) || [];
    var variables = results.getVariables();
    var dateColumns = variables.filter(function (v) {
      return rows.some(function (row) { return Views.dateOf(row[v], v) !== null; });
    });
    if (!dateColumns.length) { return null; }
    var starts = dateColumns.filter(function (v) { return !END_COLUMN.test(v); });
    if (!starts.length) { starts = [dateColumns[0]]; }
    var end = dateColumns.filter(function (v) { return starts.indexOf(v) < 0 && END_COLUMN.test(v); })[0] || null;
    var subjects = subjectColumns(variables, rows, dateColumns).slice(0, 2);
    var textColumn = variables.filter(function (v) {
      return dateColumns.indexOf(v) < 0 && rows.some(function (row) { return row[v] && row[v].type === "literal"; });
    })[0] || null;
    return { rows: rows, starts: starts, end: end, subjects: subjects, textColumn: textColumn };
  }

  function nameIn(row, v) {
    var cell = row[v];
    if (!cell) { return ""; }
    if (row[v + "Label"]) { return row[v + "Label"].value; }
    if (cell.type !== "uri") { return cell.value; }
    return (Views.labelOf(cell.value) || {}).text || Views.shortName(cell.value);
  }

  class TimelineView {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Timeline";
      this.priority = 1;
      this.helpReference = "/#query-views";
    }
    canHandleResults() {
      return !!(this.yasr.results && selectRows(this.yasr.results) && timelineOf(this.yasr.results));
    }
    getIcon() {
      var icon = document.createElement("span");
      icon.className = "view-icon";
      icon.textContent = "⋯";
      return icon;
    }
    async draw() {
      var plan = timelineOf(this.yasr.results);
      var iris = [];
      plan.rows.forEach(function (row) {
        plan.subjects.forEach(function (v) { if (row[v] && row[v].type === "uri") { iris.push(row[v].value); } });
      });
      await Views.lookupLabels(iris);
      var items = [];
      var seen = new Set();
      plan.rows.forEach(function (row) {
        var start = null;
        var startColumn = null;
        plan.starts.forEach(function (v) {
          if (!start) { start = Views.dateOf(row[v], v); startColumn = v; }
        });
        if (!start) { return; }
        var end = plan.end ? Views.dateOf(row[plan.end], plan.end) : null;
        var names = plan.subjects.map(function (v) { return nameIn(row, v); }).filter(Boolean);
        var content = names.join(" — ") || (plan.textColumn && row[plan.textColumn] ? row[plan.textColumn].value : row[startColumn].value);
        var key = content + " " + start.getTime() + " " + (end ? end.getTime() : "");
        if (seen.has(key)) { return; }
        seen.add(key);
        var when = row[startColumn].value + (end ? " – " + row[plan.end].value : "");
        items.push({ content: content, start: start, end: end, title: content + " (" + when + ")" });
      });
      var host = document.createElement("div");
      host.className = "kz-picture kz-timeline";
      this.yasr.resultsEl.appendChild(host);
      var caption = document.createElement("p");
      caption.className = "hint";
      caption.textContent = items.length + (items.length === 1 ? " item" : " items") + " placed by ?" + plan.starts.join(" or ?") + (plan.end ? " to ?" + plan.end : "") +
        (plan.subjects.length ? ", named by ?" + plan.subjects.join(" and ?") : "") + " (identical rows drawn once). Drag to move; Ctrl+scroll zooms.";
      host.appendChild(caption);
      var picture = document.createElement("div");
      host.appendChild(picture);
      this.timeline = Views.drawTimeline(picture, items, { title: "kzgov timeline", filename: "kzgov-timeline" });
    }
    download() {
      var box = this.yasr.resultsEl.querySelector(".kz-timeline .timeline-canvas");
      if (!box) { return undefined; }
      return {
        getData: function () { return Views.timelineSvg(box, "kzgov timeline"); },
        contentType: "image/svg+xml",
        filename: "kzgov-timeline.svg",
        title: "Download the timeline as SVG"
      };
    }
    destroy() {
      if (this.timeline) { this.timeline.destroy(); this.timeline = null; }
    }
  }

  Yasr.registerPlugin("table", LabelledTable);
  Yasr.registerPlugin("graph", GraphView);
  Yasr.registerPlugin("timeline", TimelineView);

  // ---- Completion: the predeclared prefixes and the kz: terms ----------------------

  function termCompleter(name, kind, terms) {
    var base = Yasqe.Autocompleters[kind];
    return {
      name: name,
      bulk: true,
      autoShow: false,
      persistenceId: null,
      get: terms.map(function (term) { return term.name; }),
      isValidCompletionPosition: base.isValidCompletionPosition,
      preProcessToken: function (yasqe, token) {
        token.autocompletionString = token.string.trim();
        return token;
      },
      postProcessSuggestion: function (yasqe, token, suggestion) { return suggestion; }
    };
  }

  // The endpoint predeclares some prefixes: the syntax check must not call them undefined.
  function predeclarePrefixes(prefixes) {
    var original = Yasqe.modes.sparql11;
    Yasqe.defineMode("sparql11", function (config, parserConfig) {
      var mode = original(config, parserConfig);
      var startState = mode.startState;
      mode.startState = function () {
        var state = startState.apply(mode, arguments);
        Object.keys(prefixes).forEach(function (prefix) { state.prefixes[prefix] = prefixes[prefix]; });
        return state;
      };
      return mode;
    });
  }

  function registerCompleters(vocabulary) {
    predeclarePrefixes(vocabulary.prefixes);
    var prefixes = Object.assign({}, vocabulary.displayPrefixes, vocabulary.prefixes);
    Yasqe.forkAutocompleter("prefixes", {
      name: "kzPrefixes",
      persistenceId: null,
      get: function () {
        return Promise.resolve(Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; }));
      }
    }, false);
    Yasqe.registerAutocompleter(termCompleter("kzClasses", "class", vocabulary.classes), false);
    Yasqe.registerAutocompleter(termCompleter("kzProperties", "property", vocabulary.properties), false);
  }

  // ---- The editor ------------------------------------------------------------------

  var form = textarea.form;
  var runButton = document.getElementById("run-query");
  var status = document.getElementById("live-status");
  var shareLink = document.getElementById("live-share");
  var downloads = document.getElementById("live-downloads");
  var serverResults = document.getElementById("results");

  var DOWNLOADS = {
    SELECT: [["json", "JSON"], ["xml", "XML"], ["csv", "CSV"], ["tsv", "TSV"]],
    ASK: [["json", "JSON"], ["xml", "XML"]],
    CONSTRUCT: [["turtle", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"], ["rdfxml", "RDF/XML"]]
  };
  DOWNLOADS.DESCRIBE = DOWNLOADS.CONSTRUCT;

  function editorLink(query) { return "/?" + new URLSearchParams({ query: query }).toString() + "#results"; }

  function showLinks(query, form) {
    shareLink.href = editorLink(query);
    shareLink.textContent = window.location.host + "/?query=…";
    downloads.textContent = "";
    (DOWNLOADS[form] || []).forEach(function (pair, index) {
      if (index) { downloads.appendChild(document.createTextNode(" · ")); }
      var link = document.createElement("a");
      link.href = "/sparql?" + new URLSearchParams({ query: query, format: pair[0] }).toString();
      link.setAttribute("download", "");
      link.textContent = pair[1];
      downloads.appendChild(link);
    });
  }

  var DEFAULT_VIEW = /#\s*defaultView:\s*(table|graph|timeline)\b/i;

  function start(vocabulary) {
    if (vocabulary) { registerCompleters(vocabulary); }
    var holder = document.createElement("div");
    holder.className = "yasqe-holder";
    textarea.parentNode.insertBefore(holder, textarea);
    textarea.hidden = true;
    var yasqe = new Yasqe(holder, {
      value: textarea.value,
      persistenceId: null,
      consumeShareLink: null,
      createShareableLink: null,
      showQueryButton: false,
      resizeable: true,
      editorHeight: "320px",
      autocompleters: vocabulary ? ["kzPrefixes", "variables", "kzClasses", "kzProperties"] : ["variables"],
      requestConfig: { endpoint: "/sparql", method: "POST" }
    });
    var input = yasqe.getInputField();
    input.setAttribute("aria-label", "SPARQL query");
    // The scrolled view of a long query can be focused and scrolled from the keyboard.
    var scroller = holder.querySelector(".CodeMirror-scroll");
    if (scroller) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("aria-label", "The query, scrollable");
    }
    window.kzgovEditor = yasqe;
    // The textarea keeps the query too: the form still submits it, and it is what a
    // script or a test reads.
    yasqe.on("change", function () { textarea.value = yasqe.getValue(); });

    var yasr = new Yasr(document.getElementById("yasr"), {
      persistenceId: null,
      prefixes: vocabulary ? vocabulary.displayPrefixes : {},
      pluginOrder: ["table", "graph", "timeline", "response"],
      defaultPlugin: "table",
      plugins: {
        table: { enabled: true, dynamicConfig: { isEllipsed: false } },
        graph: { enabled: true },
        timeline: { enabled: true }
      },
      getDownloadFileName: function () { return "kzgov-result"; }
    });
    window.kzgovResults = yasr;

    var lastForm = "SELECT";
    yasqe.on("queryBefore", function () {
      var text = yasqe.getValue();
      textarea.value = text;
      lastForm = (yasqe.getQueryType() || "SELECT").toUpperCase();
      // Each query opens in the view its #defaultView comment names, else as a table
      // (set before the answer arrives, so that the old answer is not redrawn first).
      var wanted = DEFAULT_VIEW.exec(text);
      yasr.selectedPlugin = wanted ? wanted[1].toLowerCase() : "table";
      live.hidden = false;
      if (serverResults) { serverResults.hidden = true; }
      status.textContent = "Running the query…";
      runButton.disabled = true;
      try {
        window.history.replaceState(null, "", editorLink(text));
      } catch (ignored) { /* a sandboxed page may refuse; the share link still works */ }
    });
    yasqe.on("queryResponse", function (instance, response, duration) {
      runButton.disabled = false;
      status.textContent = response instanceof Error ? "The query failed." : "";
      yasr.setResponse(response, duration);
      showLinks(yasqe.getValue(), lastForm);
    });
    yasqe.on("queryAbort", function () { runButton.disabled = false; status.textContent = "Stopped."; });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });

    function run() {
      var check = yasqe.getValue();
      textarea.value = check;
      yasqe.query().catch(function () { /* shown by YASR */ });
    }

    editor = { yasqe: yasqe, holder: holder };

    // A shared link (/?query=...) runs its query here, in the live views.
    if (new URLSearchParams(window.location.search).has("query")) {
      yasr.once("drawn", function () { live.scrollIntoView({ block: "start" }); });
      run();
    }
    document.documentElement.classList.add("editor-ready");
  }

  // Picking an example loads it into the editor; until the editor has started (it
  // waits for the vocabulary), into the textarea it will start from.
  var editor = null;
  document.querySelectorAll("a.example[data-query]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var text = link.getAttribute("data-query");
      document.querySelectorAll("a.example.chosen").forEach(function (other) { other.classList.remove("chosen"); });
      link.classList.add("chosen");
      textarea.value = text;
      if (!editor) { return; }
      editor.yasqe.setValue(text);
      editor.yasqe.focus();
      editor.yasqe.setCursor({ line: 0, ch: 0 });
      editor.holder.scrollIntoView({ block: "nearest" });
    });
  });

  Views.loadVocabulary().then(start, function () { start(null); });
})();
