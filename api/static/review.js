// Review page: mirror the severity filters (for browsers without :has) and copy as markdown.
(function () {
  "use strict";
  function applyFilters() {
    var hidden = {};
    document.querySelectorAll(".sev-filter").forEach(function (box) {
      hidden[box.value] = !box.checked;
    });
    document.querySelectorAll("[data-severity]").forEach(function (el) {
      el.classList.toggle("filtered-out", !!hidden[el.getAttribute("data-severity")]);
    });
  }
  document.querySelectorAll(".sev-filter").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });
  var copy = document.getElementById("copy-md");
  if (copy) {
    copy.addEventListener("click", function () {
      var source = document.getElementById(copy.getAttribute("data-target"));
      var status = document.getElementById("copy-status");
      function done(ok) { status.textContent = ok ? "Copied." : "Copy failed: select the text below."; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(function () { done(true); }, function () { done(false); });
      } else {
        source.select();
        done(document.execCommand("copy"));
      }
    });
  }
})();
