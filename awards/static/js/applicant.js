// Applicant pages: deadlines in the viewer's own time with a countdown, the print button, and
// small helpers of the step-1 form. Every page works without this file.
(function () {
  "use strict";

  // Deadlines: the server shows the award's time zone; here we add the browser's own.
  document.querySelectorAll("time.js-local-time").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when)) { return; }
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    el.textContent = when.toLocaleString(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short"
    }) + (zone ? " (" + zone + ")" : "");
  });

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".js-countdown").forEach(function (el) {
      var deadline = new Date(el.dataset.deadline).getTime();
      if (isNaN(deadline)) { return; }
      var left = Math.floor((deadline - now) / 60000);
      if (left <= 0) {
        el.textContent = el.dataset.textClosed;
        el.classList.add("text-danger");
        return;
      }
      var d = Math.floor(left / 1440), h = Math.floor((left % 1440) / 60), m = left % 60;
      el.textContent = d > 0
        ? fill(el.dataset.textLeft, { d: d, h: h, m: m })
        : fill(el.dataset.textLeftHours, { h: h, m: m });
      el.classList.toggle("text-danger", left < 24 * 60);
    });
  }
  tick();
  setInterval(tick, 30000);

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Step 1: an ongoing initiative has no end date, so the field is off (and not sent).
  var choices = document.querySelectorAll("[data-status-choice]");
  var endBlock = document.querySelector("[data-end-date]");
  if (choices.length && endBlock) {
    var endInput = endBlock.querySelector("input");
    var sync = function () {
      var chosen = document.querySelector("[data-status-choice]:checked");
      var ongoing = chosen && chosen.value === "ongoing";
      endInput.disabled = !!ongoing;
      endBlock.classList.toggle("opacity-50", !!ongoing);
    };
    choices.forEach(function (c) { c.addEventListener("change", sync); });
    sync();
  }

  // Step 1: further contact rows are there but hidden; show the next one on demand.
  var addContact = document.querySelector("[data-add-contact]");
  if (addContact) {
    var update = function () {
      addContact.hidden = !document.querySelector("[data-contact-row][hidden]");
    };
    addContact.addEventListener("click", function () {
      var next = document.querySelector("[data-contact-row][hidden]");
      if (next) {
        next.hidden = false;
        var first = next.querySelector("input");
        if (first) { first.focus(); }
      }
      update();
    });
    update();
  }
})();
