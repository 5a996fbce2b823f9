// Small enhancements; every page works without them.
(function () {
  "use strict";
  // Language picker: change submits the form.
  document.querySelectorAll("select.js-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Buttons that need a confirmation carry data-confirm="question".
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // One click, one submission: a double click must not send the form twice.
    if (event.target.dataset.once !== undefined) {
      if (event.target.dataset.sent) { event.preventDefault(); return; }
      event.target.dataset.sent = "1";
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    }
  });
})();
