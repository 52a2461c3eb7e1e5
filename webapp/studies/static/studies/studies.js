// The new-study page's template editor: line numbers beside the textarea, so that the check's
// "Line 12" is easy to find. The page works without this file (the check still runs on submit).
(function () {
  "use strict";

  function numbers(area, gutter) {
    var count = area.value.split("\n").length, out = [];
    for (var i = 1; i <= count; i++) out.push(i);
    gutter.textContent = out.join("\n");
    gutter.scrollTop = area.scrollTop;
  }

  function setUp(area) {
    var box = document.createElement("div"), gutter = document.createElement("pre");
    box.className = "editor";
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(box, area);
    box.appendChild(gutter);
    box.appendChild(area);
    area.addEventListener("input", function () { numbers(area, gutter); });
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    numbers(area, gutter);
  }

  // A problem's line number in the check moves the caret to that line.
  document.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest("#check-problems li[data-line]");
    var area = document.querySelector("textarea[data-line-numbers]");
    if (!item || !area || !item.dataset.line) return;
    var lines = area.value.split("\n"), at = 0, line = Number(item.dataset.line);
    for (var i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    area.focus();
    area.setSelectionRange(at, at + (lines[line - 1] || "").length);
  });

  // "Load this template": the template and scale chosen now (the link holds the ones the page
  // was drawn with), and a question before what the editor holds is replaced.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-load-template]");
    if (!link) return;
    var area = document.querySelector("textarea[data-line-numbers]");
    var template = document.querySelector("#id_template"), scale = document.querySelector("#id_scale");
    e.preventDefault();
    if (area && area.value.trim() && !window.confirm("Replace what the editor holds with the template?")) return;
    var url = new URL(link.href);
    if (template) url.searchParams.set("template", template.value);
    if (scale) url.searchParams.set("scale", scale.value);
    window.location.href = url.toString();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-line-numbers]").forEach(setUp);
  });
})();
