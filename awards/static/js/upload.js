// Uploads with a progress bar. Each <form data-upload data-max-bytes="N"> is sent with
// XMLHttpRequest (fetch has no upload progress); the server's answer, good or bad, is shown
// next to the file field. Without this script the forms post normally.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";
  var mainForm = document.querySelector("form[data-upload][data-text-network]");
  var texts = mainForm ? mainForm.dataset : {};

  function setup(form) {
    var input = form.querySelector('input[type="file"]');
    var progress = form.querySelector("[data-progress]");
    var errorBox = form.querySelector("[data-upload-error]");
    var status = form.querySelector("[data-upload-status]");
    var button = form.querySelector("button");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);

    function showError(message) {
      if (errorBox) { errorBox.textContent = message; }
      if (input) {
        input.classList.toggle("is-invalid", !!message);
        if (message) {
          input.setAttribute("aria-invalid", "true");
          if (errorBox && errorBox.id) { input.setAttribute("aria-describedby", errorBox.id); }
        } else {
          input.removeAttribute("aria-invalid");
        }
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      var file = input && input.files && input.files[0];
      if (!file) { form.submit(); return; }  // let the server say what is missing
      if (!isNaN(maxBytes) && file.size > maxBytes) {
        showError(texts.textTooLarge || "This file is too large.");
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken);
      if (progress) { progress.hidden = false; progress.value = 0; }
      if (button) { button.disabled = true; }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && progress) {
          progress.value = Math.round((e.loaded / e.total) * 100);
          if (status) { status.textContent = progress.value + " %"; }
        }
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status === 200 && body && body.ok) {
          if (status) { status.textContent = body.message; }
          window.location.assign(body.redirect);
          return;
        }
        if (progress) { progress.hidden = true; }
        if (button) { button.disabled = false; }
        if (status) { status.textContent = ""; }
        showError((body && (body.message || body.error)) || texts.textNetwork || "The upload failed.");
      });
      xhr.addEventListener("error", function () {
        if (progress) { progress.hidden = true; }
        if (button) { button.disabled = false; }
        if (status) { status.textContent = ""; }
        showError(texts.textNetwork || "The upload failed. Please try again.");
      });
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(setup);
})();
