// Behaviours shared by every page, as event listeners rather than inline handlers: the
// Content-Security-Policy allows scripts from this site's files only.
(function () {
  "use strict";

  // A button with data-remove-row removes its table row and tells the table body
  // ("rows-changed"), so an htmx preview bound to that event refreshes.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-remove-row]");
    if (!btn) return;
    var body = btn.closest("tbody");
    btn.closest("tr").remove();
    if (body && window.htmx) window.htmx.trigger(body, "rows-changed");
  });

  // A <select data-autosubmit> submits its form when changed.
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) e.target.form.submit();
  });

  // Progress bars: <span data-percent="N"> gets its width (style attributes are not allowed
  // in markup under the policy; setting the property from a script is).
  function bars(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-percent]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-percent")) || 0)) + "%";
    });
  }
  // A page that answered a refused post (its draft kept server-side) names its own address
  // with data-page-url: the address bar shows it, so a reload opens it instead of posting again.
  function pageUrl() {
    var el = document.querySelector("[data-page-url]");
    if (el && window.history && location.pathname !== el.getAttribute("data-page-url")) {
      window.history.replaceState(null, "", el.getAttribute("data-page-url"));
    }
  }
  document.addEventListener("DOMContentLoaded", function () { bars(document); pageUrl(); });
  document.addEventListener("htmx:load", function (e) { bars(e.target); });
})();
