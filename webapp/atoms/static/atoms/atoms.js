// The atoms pages' small behaviours. Every page works without this file; it adds keyboard
// shortcuts, keeps the case table and its JSON in step, and adds table rows.
(function () {
  "use strict";

  // Keyboard shortcuts: a key clicks the visible element with data-hotkey="<key>", unless
  // the user is typing in a field.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    var t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
    var el = document.querySelector('[data-hotkey="' + e.key + '"]');
    if (el && !el.disabled) {
      e.preventDefault();
      el.click();
    }
  });

  // "Tick all" in the list.
  document.addEventListener("change", function (e) {
    if (!e.target.matches("[data-tick-all]")) return;
    document.querySelectorAll('input[name="slugs"]').forEach(function (box) {
      box.checked = e.target.checked;
    });
  });

  // Add a row: clone the last row of the table body named by data-add-row, emptied.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-add-row]");
    if (!btn) return;
    var body = document.querySelector(btn.getAttribute("data-add-row"));
    if (!body || !body.lastElementChild) return;
    var row = body.lastElementChild.cloneNode(true);
    row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    // A new row starts from its select's default (data-default), not a copy of the last choice.
    row.querySelectorAll("select[data-default]").forEach(function (s) { s.value = s.getAttribute("data-default"); });
    body.appendChild(row);
  });

  // Cases: the table and the JSON textarea show the same cases. Whichever the author last
  // edited is the one the server reads (the hidden *cases_source field says which).
  function parse(text) {
    try { return { ok: true, value: JSON.parse(text) }; } catch (err) { return { ok: false }; }
  }

  function tableToJson(editor) {
    var rows = editor.querySelectorAll("[data-case-table] tbody tr");
    var cases = [];
    for (var i = 0; i < rows.length; i++) {
      var inputs = rows[i].querySelectorAll("input");
      if (inputs.length < 2) continue; // a message row, not a case
      var a = inputs[0].value.trim(), x = inputs[1].value.trim();
      if (!a && !x) continue;
      var args = parse(a), expected = parse(x);
      if (!args.ok || !expected.ok) return; // leave the JSON alone until the row parses
      cases.push({ args: args.value, expected: expected.value });
    }
    var lines = cases.map(function (c) { return "  " + JSON.stringify(c); });
    editor.querySelector("textarea").value = lines.length ? "[\n" + lines.join(",\n") + "\n]" : "[]";
  }

  function jsonToTable(editor) {
    var parsed = parse(editor.querySelector("textarea").value);
    if (!parsed.ok || !Array.isArray(parsed.value)) return;
    var body = editor.querySelector("[data-case-table] tbody");
    var template = body.lastElementChild;
    body.innerHTML = "";
    parsed.value.concat([null]).forEach(function (c, i) {
      var row = template.cloneNode(true);
      var inputs = row.querySelectorAll("input");
      inputs[0].value = c ? JSON.stringify(c.args) : "";
      inputs[1].value = c ? JSON.stringify(c.expected) : "";
      row.className = "case notrun";
      row.firstElementChild.textContent = c ? String(i) : "+";
      if (row.lastElementChild) row.lastElementChild.textContent = "";
      body.appendChild(row);
    });
  }

  document.addEventListener("input", function (e) {
    var editor = e.target.closest("[data-cases]");
    if (!editor) return;
    var source = editor.querySelector("[data-source]");
    if (e.target.tagName === "TEXTAREA") {
      source.value = "json";
      jsonToTable(editor);
    } else {
      source.value = "table";
      tableToJson(editor);
    }
  });
})();
