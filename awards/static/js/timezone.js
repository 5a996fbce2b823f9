// Tells the server the browser's time zone once, so that dates and times show in the viewer's
// zone from the next page on. The base layout asks for it (data-timezone-url) only while the
// zone is unknown; a zone chosen in the account settings wins over this.
(function () {
  "use strict";
  var url = document.documentElement.dataset.timezoneUrl;
  if (!url || !window.fetch || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  var token = document.querySelector('meta[name="csrf-token"]');
  fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: token ? { "X-CSRFToken": token.content } : {},
    body: new URLSearchParams({ timezone: zone })
  });
})();
