// Small behaviours any page may use; every page works without this file.
(function () {
  "use strict";

  // A button with data-remove-row removes its table row and tells the table body
  // ("rows-changed"), so whatever summarises the table (the builder's preview) updates.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-remove-row]");
    if (!btn) return;
    var body = btn.closest("tbody");
    btn.closest("tr").remove();
    if (body && window.htmx) window.htmx.trigger(body, "rows-changed");
  });

  // A select with data-autosubmit submits its form when changed (the review queue's state).
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-autosubmit]") && e.target.form) e.target.form.submit();
  });
})();
