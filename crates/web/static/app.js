// Upward's progressive enhancement. Every page works without this file;
// with it: upload progress, live import progress, copy-on-focus fields.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // File uploads: show how much has been sent, then follow the redirect.
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files || !input.files.length || !window.XMLHttpRequest) return;
      ev.preventDefault();
      var box = form.querySelector(".upload-progress");
      var bar = form.querySelector("progress");
      var pct = form.querySelector(".upload-percent");
      var button = form.querySelector('button[type="submit"]');
      if (box) box.hidden = false;
      if (button) button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var p = Math.round((e.loaded / e.total) * 100);
        if (bar) bar.value = p;
        if (pct) pct.textContent = p + "% uploaded";
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.href = xhr.responseURL;
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        if (pct) pct.textContent = "The upload failed. Check your connection and try again.";
        if (button) button.disabled = false;
      });
      xhr.send(new FormData(form));
    });
  });

  // A running import: poll its progress and show the result when done.
  var run = document.querySelector("[data-import-run]");
  if (run && window.fetch) {
    var id = run.getAttribute("data-import-run");
    var bar = run.querySelector("progress");
    var msg = run.querySelector(".import-message");
    var tick = function () {
      fetch("/api/v1/imports/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (j.status !== "running") { window.location.reload(); return; }
          if (bar) { bar.value = j.percent; bar.textContent = j.percent + "%"; }
          if (msg) msg.textContent = (j.message || "Working") + ": " + j.rows_done.toLocaleString("en-GB") + " rows so far.";
          setTimeout(tick, 700);
        })
        .catch(function () { setTimeout(tick, 2000); });
    };
    setTimeout(tick, 500);
  }

  // Slow forms (matching proposals): say that work is under way.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector('button[type="submit"]');
      var note = document.createElement("p");
      note.className = "busy";
      note.setAttribute("role", "status");
      note.textContent = form.getAttribute("data-busy");
      form.appendChild(note);
      form.setAttribute("aria-busy", "true");
      if (button) setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // Read-only secrets (calendar address, new API token): select on focus.
  document.querySelectorAll("input.copy").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });
})();
