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
  // Dismiss buttons: the form posts without JavaScript (the answer is the finding's page);
  // here it is sent in the background and the card is marked dismissed in place.
  var LABELS = { wrong: "wrong", not_applicable: "not applicable", wont_fix: "won't fix" };
  document.querySelectorAll("form.dismiss-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = form.querySelector(".dismiss-status");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      status.textContent = "Dismissing…";
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) {
          button.disabled = false;
          status.textContent = (result.body.error && result.body.error.message) || "Could not dismiss it.";
          return;
        }
        var card = form.closest(".finding");
        var note = document.createElement("p");
        note.className = "dismissed-note";
        note.setAttribute("role", "status");
        var by = result.body.by ? " by " + result.body.by : "";
        note.textContent = "Dismissed as " + (LABELS[result.body.reason] || result.body.reason) + by +
          ": not raised again on this document until its text changes. ";
        var link = document.createElement("a");
        link.href = form.action.replace(/\/dismiss$/, "");
        link.textContent = "Reopen";
        note.appendChild(link);
        card.classList.add("dismissed");
        card.setAttribute("data-state", "dismissed");
        form.closest("details").replaceWith(note);
      }).catch(function () {
        button.disabled = false;
        status.textContent = "Could not reach the server; try again.";
      });
    });
  });
})();
