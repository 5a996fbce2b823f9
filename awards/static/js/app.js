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
  // Did the person change a form before the page's scripts were running (a slow connection)?
  // Those edits sent no event, so the autosaving scripts ask this when they start.
  window.awardsEditedBeforeScripts = function (form) {
    return Array.prototype.some.call(form.elements, function (element) {
      if (!element.name || element.disabled) { return false; }
      var type = element.type;
      if (type === "radio" || type === "checkbox") { return element.checked !== element.defaultChecked; }
      if (element.tagName === "SELECT") {
        var options = Array.prototype.slice.call(element.options);
        var anyDefault = options.some(function (option) { return option.defaultSelected; });
        return options.some(function (option, index) {
          var byDefault = option.defaultSelected || (!anyDefault && !element.multiple && index === 0);
          return option.selected !== byDefault;
        });
      }
      if (type === "hidden" || type === "file" || type === "submit" || type === "button") { return false; }
      return "defaultValue" in element && element.value !== element.defaultValue;
    });
  };
})();
