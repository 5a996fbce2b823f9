// The scoring form: saves the draft while the judge types (showing when), keeps a copy in this
// browser so that nothing typed is lost to an expired session or a dropped connection, offers
// that copy back, warns before leaving unsaved text, and saves on Ctrl+S. Without this script
// the form still works with its buttons.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }

  var AUTOSAVE_DELAY_MS = 2500;
  var RETRY_DELAY_MS = 15000;
  var NOT_TYPED = { csrf_token: true, lock_version: true, action: true };

  var stateLine = document.getElementById("save-state");
  var storageKey = form.dataset.storageKey;
  var editable = form.dataset.editable === "yes";
  var autosaveOn = form.dataset.autosave === "on";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var storeTimer = null;
  var inFlight = false;
  var again = false;
  var dirty = false;
  var leaving = false;
  var stopped = false;
  var markedInvalid = [];

  function message(name) { return form.dataset["msg" + name] || ""; }

  function setState(text, kind) {
    if (!stateLine) { return; }
    stateLine.textContent = text;
    stateLine.classList.remove("unsaved", "error");
    if (kind) { stateLine.classList.add(kind); }
  }

  // What the judge typed, as {field name: value}; radios give the checked value or "".
  function snapshot() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || NOT_TYPED[name] || element.tagName === "BUTTON") { return; }
      if (element.type === "radio") {
        if (!(name in values)) { values[name] = ""; }
        if (element.checked) { values[name] = element.value; }
      } else {
        values[name] = element.value;
      }
    });
    return values;
  }

  function serialise(values) {
    return JSON.stringify(Object.keys(values).sort().map(function (key) {
      return [key, values[key]];
    }));
  }

  function apply(values) {
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || NOT_TYPED[name] || !(name in values)) { return; }
      if (element.type === "radio") {
        element.checked = element.value === values[name];
      } else if (element.tagName !== "BUTTON") {
        element.value = values[name];
      }
    });
  }

  // localStorage can be unavailable (private windows, full quota): then we simply do without.
  function readStored() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "null"); }
    catch (error) { return null; }
  }
  function store() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({ at: Date.now(), fields: snapshot() }));
    } catch (error) { /* nothing to do */ }
  }
  function forget() {
    try { window.localStorage.removeItem(storageKey); } catch (error) { /* nothing to do */ }
  }

  function offerRestore(stored) {
    var box = document.createElement("div");
    box.className = "alert alert-warning judge-restore";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.className = "mb-2";
    text.textContent = message("Restore") + " (" + new Date(stored.at).toLocaleString() + ")";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn btn-sm btn-brand me-2";
    restore.textContent = message("RestoreButton");
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-dark";
    discard.textContent = message("DiscardButton");
    box.appendChild(text);
    box.appendChild(restore);
    box.appendChild(discard);
    form.parentNode.insertBefore(box, form);
    restore.addEventListener("click", function () {
      apply(stored.fields);
      box.remove();
      changed();
      var first = form.querySelector("textarea, input:not([type=hidden])");
      if (first) { first.focus(); }
    });
    discard.addEventListener("click", function () {
      forget();
      box.remove();
      var heading = document.getElementById("review-title");
      if (heading) { heading.focus(); }
    });
    restore.focus();
  }

  function clearMarks() {
    markedInvalid.forEach(function (element) {
      element.classList.remove("is-invalid");
      element.removeAttribute("aria-invalid");
    });
    markedInvalid = [];
  }

  function markInvalid(errors) {
    clearMarks();
    Object.keys(errors || {}).forEach(function (name) {
      Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (el) {
        el.classList.add("is-invalid");
        el.setAttribute("aria-invalid", "true");
        markedInvalid.push(el);
      });
    });
  }

  function signedOut() {
    stopped = true;
    store();
    setState(message("SignedOut") + " ", "error");
    if (stateLine) {
      var link = document.createElement("a");
      link.href = form.dataset.loginUrl;
      link.textContent = message("SignIn");
      stateLine.appendChild(link);
    }
  }

  function autosave() {
    clearTimeout(timer);
    if (!autosaveOn || stopped) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    setState(message("Saving"));
    var sent = serialise(snapshot());
    var body = new FormData(form);
    body.set("action", "save");
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual", // a redirect here means the sign-in page: the session expired
      headers: { "Accept": "application/json", "X-CSRFToken": csrfMeta ? csrfMeta.content : "" }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        signedOut();
        return null;
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (!result) { return; }
      var data = result.data || {};
      if (result.status === 200 && data.ok) {
        form.elements.lock_version.value = data.lock_version;
        setState(data.message);
        clearMarks();
        if (serialise(snapshot()) === sent) {
          dirty = false;
          forget();
        }
      } else if (data.signed_out) {
        signedOut();
      } else {
        // A second tab saved first, or the round closed: stop, say so, keep the local copy.
        if (result.status === 409) { stopped = true; }
        markInvalid(data.errors);
        setState(data.message || message("Offline"), "error");
      }
    }).catch(function () {
      setState(message("Offline"), "error");
      timer = setTimeout(autosave, RETRY_DELAY_MS);
    }).then(function () {
      inFlight = false;
      if (again) { again = false; autosave(); }
    });
  }

  function changed() {
    dirty = true;
    clearTimeout(storeTimer);
    if (stopped) {
      // Keep the message that says why saving stopped (and its sign-in link) in view.
      store();
      return;
    }
    setState(message("Unsaved"), "unsaved");
    storeTimer = setTimeout(store, 300);
    if (autosaveOn && !stopped) {
      clearTimeout(timer);
      timer = setTimeout(autosave, AUTOSAVE_DELAY_MS);
    }
  }

  // --- start ---
  var stored = readStored();
  if (stored && stored.fields) {
    if (serialise(stored.fields) === serialise(snapshot())) {
      // The page shows exactly the copy: forget it once the server has it.
      if (form.dataset.formState === "saved") { forget(); }
    } else if (editable) {
      offerRestore(stored);
    }
  }
  if (form.dataset.formState === "unsaved") {
    store(); // the page came back with errors: what it shows is not saved yet
  }

  if (editable) {
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      leaving = true;
      clearTimeout(timer);
      store();
    });
    window.addEventListener("beforeunload", function (event) {
      // Once autosave has stopped (signed out, or another tab saved), the text is in this
      // browser's copy and the page says so: let the judge go and sign in.
      if (dirty && !leaving && !stopped) {
        store();
        event.preventDefault();
        event.returnValue = message("Leave");
      }
    });
    if (window.awardsEditedBeforeScripts && window.awardsEditedBeforeScripts(form)) {
      changed(); // typed while this script was still loading: save it like any other edit
    }
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
        event.preventDefault();
        if (autosaveOn && !stopped) {
          autosave();
          return;
        }
        var button = form.querySelector('button[name="action"][value="save"]');
        if (button && form.requestSubmit) { form.requestSubmit(button); }
        else if (button) { button.click(); }
      }
    });
  }
})();
