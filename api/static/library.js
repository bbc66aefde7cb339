// Library page: upload files to /v1/documents, then poll the job and show its progress.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("upload-progress-box");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");

  function show(value, text) {
    box.hidden = false;
    bar.value = value;
    status.textContent = text;
  }

  async function poll(id) {
    for (;;) {
      var response = await fetch("/v1/jobs/" + encodeURIComponent(id), { credentials: "same-origin" });
      var job = await response.json();
      if (!response.ok) { show(0, job.error ? job.error.message : "Lost the job."); return; }
      var fraction = job.state === "done" ? 1 : (job.total ? job.done / job.total : 0);
      show(fraction, job.state + ": " + (job.message || "") );
      if (job.state === "done") {
        status.textContent = "Indexed " + job.document_ids.length + " document(s). Refreshing…";
        window.location.reload();
        return;
      }
      if (job.state === "failed") { show(0, "Failed: " + job.error); return; }
      await new Promise(function (resolve) { setTimeout(resolve, 400); });
    }
  }

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    show(0, "Uploading…");
    var response = await fetch("/v1/documents", {
      method: "POST", body: new FormData(form), credentials: "same-origin"
    });
    var body = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      show(0, body.error ? body.error.message : "Upload failed (" + response.status + ").");
      return;
    }
    poll(body.id);
  });
})();
