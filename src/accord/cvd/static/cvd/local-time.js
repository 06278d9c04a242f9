// Shows each <time data-utc datetime="..."> also in the viewer's own time zone, beside
// the UTC the page states: "4 Dec 2026 09:00 UTC (10:00 CET, your time)"; not for a
// viewer whose clock reads UTC then, as it would only repeat it.
// A static file, so the pages' Content-Security-Policy allows it; nothing inline.
(function () {
  "use strict";

  function localText(moment) {
    var format = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
    return format.format(moment);
  }

  function rewrite(element) {
    if (element.dataset.localShown) {
      return;
    }
    var moment = new Date(element.getAttribute("datetime"));
    // Where the viewer's clock reads UTC at that moment, the page already says it.
    if (isNaN(moment.getTime()) || moment.getTimezoneOffset() === 0) {
      return;
    }
    var local = document.createElement("span");
    local.className = "local-time";
    local.textContent = " (" + localText(moment) + ", your time)";
    element.title = moment.toISOString();
    element.dataset.localShown = "true";
    element.insertAdjacentElement("afterend", local);
  }

  function rewriteAll(root) {
    root.querySelectorAll("time[data-utc]").forEach(rewrite);
  }

  document.addEventListener("DOMContentLoaded", function () { rewriteAll(document); });
  // Fragments htmx swaps in get the same treatment.
  document.addEventListener("htmx:afterSwap", function (event) { rewriteAll(event.target); });
})();
