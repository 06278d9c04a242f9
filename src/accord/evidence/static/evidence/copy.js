// "Copy" buttons beside the proof-of-control instructions: shown only where the
// clipboard can be written; without them the values are still selectable text.
(function () {
  if (!navigator.clipboard) return;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        if (!source) return;
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = "Copied";
        });
      });
    });
  });
})();
