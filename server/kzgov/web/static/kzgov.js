// kzgov pages: the little the editor needs. Everything works without it.
(function () {
  "use strict";
  // With YASQE loaded (the home page), kzgov-editor.js runs the editor instead.
  var editor = window.Yasqe ? null : document.getElementById("query-text");

  // Picking an example fills the editor instead of running it at once.
  document.querySelectorAll("a.example[data-query]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!editor) { return; }
      event.preventDefault();
      editor.value = link.getAttribute("data-query");
      document.querySelectorAll("a.example.chosen").forEach(function (other) {
        other.classList.remove("chosen");
      });
      link.classList.add("chosen");
      editor.focus();
      editor.setSelectionRange(0, 0);
      editor.scrollTop = 0;
      editor.scrollIntoView({ block: "nearest" });
    });
  });

  if (editor) {
    editor.addEventListener("keydown", function (event) {
      // Ctrl+Enter (or Cmd+Enter) runs the query.
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (editor.form.requestSubmit) { editor.form.requestSubmit(); } else { editor.form.submit(); }
      }
      // Tab indents rather than leaving the editor.
      if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey) {
        event.preventDefault();
        var start = editor.selectionStart;
        editor.setRangeText("  ", start, editor.selectionEnd, "end");
      }
    });
  }

  // "Copy link" copies the shareable link of the current query.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.href).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy link"; }, 1500);
      });
    });
  });
})();
