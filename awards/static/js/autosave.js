// Autosave for the application forms (step 1 and each step-2 section).
//
// Each <form data-autosave="KEY" data-version-field="NAME"> is saved with fetch() a few seconds
// after typing stops, when a field loses focus, and when its Save button is pressed. The state
// is always visible ("Saved at 14:02", "Not yet saved"). Until the server confirms, the text is
// also kept in this browser (localStorage), so closing the tab or losing the network costs at
// most the last few seconds. The server refuses stale saves (a colleague saved meanwhile): the
// user's text is never replaced without their choice.
(function () {
  "use strict";

  var INTERVAL_MS = 4000;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  // The same rule as count_words() on the server (awards/submissions/queries.py): each Chinese
  // or Japanese character is a word; other words run between spaces and CJK punctuation.
  var WORD = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+/g;

  function countWords(text) {
    return ((text || "").match(WORD) || []).length;
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  // ------------------------------------------------------------------ word counters
  function updateCounter(input) {
    var limit = parseInt(input.dataset.wordLimit, 10);
    var counter = document.querySelector('[data-counter-for="' + input.id + '"]');
    if (!counter || isNaN(limit)) { return; }
    var n = countWords(input.value);
    var over = n > limit;
    counter.textContent = fill(over ? counter.dataset.textOver : counter.dataset.text,
      { n: n, limit: limit, over: n - limit });
    counter.classList.toggle("over", over);
    input.classList.toggle("is-invalid", over);
    input.setAttribute("aria-invalid", over ? "true" : "false");
  }

  document.querySelectorAll("[data-word-limit]").forEach(function (input) {
    input.addEventListener("input", function () { updateCounter(input); });
    updateCounter(input);
  });

  // ------------------------------------------------------------------ one form
  function setup(form) {
    var key = form.dataset.autosave;
    var versionInput = form.querySelector("[data-version]");
    var stateEl = form.querySelector("[data-save-state]");
    var conflictEl = form.querySelector("[data-conflict]");
    // dirty: the page has changes the server does not have yet. invalid: the server refused
    // them (e.g. too many words); wait for the next change before trying again.
    var dirty = false, saving = false, paused = false, closed = false, invalid = false;
    var timer = null;
    var theirs = null;

    function serialise() {
      var pairs = [];
      new FormData(form).forEach(function (value, name) {
        if (name.indexOf("csrf_token") !== -1 || (versionInput && name === versionInput.name)) { return; }
        if (typeof value === "string") { pairs.push([name, value]); }
      });
      return JSON.stringify(pairs);
    }

    function state(kind, values) {
      if (!stateEl) { return; }
      var text = stateEl.dataset["text" + kind.charAt(0).toUpperCase() + kind.slice(1)];
      stateEl.textContent = fill(text, values || {});
      stateEl.classList.toggle("unsaved", kind !== "saved" && kind !== "saving");
      stateEl.classList.toggle("error", kind === "invalid" || kind === "failed" || kind === "signedOut");
    }

    // ---- the copy kept in this browser until the server has it
    function backup() {
      try {
        localStorage.setItem(key, JSON.stringify({ t: Date.now(), v: serialise() }));
      } catch (e) { /* storage full or disabled: autosave still runs */ }
    }
    function dropBackup() {
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
    }
    function apply(serialised) {
      var pairs = JSON.parse(serialised);
      var byName = {};
      pairs.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name.indexOf("csrf_token") !== -1 || el === versionInput || el.type === "file") { return; }
        var values = byName[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = values.indexOf(el.value) !== -1;
        } else if (el.tagName !== "BUTTON") {
          el.value = values.length ? values[0] : "";
        }
        el.dispatchEvent(new Event("change", { bubbles: true }));
        if (el.dataset.wordLimit) { updateCounter(el); }
      });
    }
    function offerRestore() {
      var saved;
      try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
      if (!saved || saved.v === serialise()) { dropBackup(); return; }
      var banner = document.createElement("div");
      banner.className = "alert alert-info d-flex flex-wrap gap-2 align-items-center";
      banner.setAttribute("role", "alert");
      var text = document.createElement("span");
      text.textContent = fill(form.dataset.textRestore ||
        "This browser kept changes you made at {time} that were not saved.", {
        time: new Date(saved.t).toLocaleString()
      });
      var restore = document.createElement("button");
      restore.type = "button";
      restore.className = "btn btn-sm btn-primary";
      restore.textContent = form.dataset.textRestoreButton || "Restore them";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn btn-sm btn-outline-secondary";
      discard.textContent = form.dataset.textDiscardButton || "Discard";
      restore.addEventListener("click", function () {
        apply(saved.v); banner.remove(); changed();
      });
      discard.addEventListener("click", function () { dropBackup(); banner.remove(); });
      banner.append(text, restore, discard);
      form.prepend(banner);
    }

    // ---- errors next to fields
    function clearErrors() {
      form.querySelectorAll("[data-js-error]").forEach(function (el) { el.remove(); });
      form.querySelectorAll(".invalid-feedback:not([data-upload-error])").forEach(function (el) { el.remove(); });
      form.querySelectorAll(".is-invalid").forEach(function (el) {
        if (!el.dataset.wordLimit) { el.classList.remove("is-invalid"); el.removeAttribute("aria-invalid"); }
      });
    }
    function showErrors(errors) {
      Object.keys(errors || {}).forEach(function (id) {
        var field = document.getElementById(id) || form.querySelector('[name="' + id + '"]');
        var message = errors[id].join(" ");
        var box = document.createElement("div");
        box.className = "invalid-feedback d-block";
        box.dataset.jsError = "";
        box.id = id + "-error";
        box.textContent = message;
        if (field) {
          field.classList.add("is-invalid");
          field.setAttribute("aria-invalid", "true");
          var describedBy = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          if (describedBy.indexOf(box.id) === -1) { describedBy.push(box.id); }
          field.setAttribute("aria-describedby", describedBy.join(" "));
          var holder = field.closest(".mb-3, fieldset, .card-body") || field.parentNode;
          holder.appendChild(box);
        } else {
          form.prepend(box);
        }
      });
    }

    // ---- conflicts: the user decides
    function showConflict(body) {
      paused = true;
      theirs = body.current || null;
      if (!conflictEl) { return; }
      conflictEl.classList.remove("d-none");
      var message = conflictEl.querySelector("[data-conflict-message]");
      if (message) { message.textContent = body.message; }
      var theirText = conflictEl.querySelector("[data-their-text]");
      if (theirText && theirs) { theirText.value = theirs.body; }
      conflictEl.dataset.version = String(theirs ? theirs.version : body.version);
    }
    function hideConflict() {
      if (conflictEl) { conflictEl.classList.add("d-none"); }
      paused = false;
    }
    if (conflictEl) {
      var keep = conflictEl.querySelector("[data-keep-mine]");
      if (keep) {
        keep.addEventListener("click", function () {
          versionInput.value = conflictEl.dataset.version;
          hideConflict();
          save();
        });
      }
      var useTheirs = conflictEl.querySelector("[data-use-theirs]");
      if (useTheirs) {
        useTheirs.addEventListener("click", function () {
          var area = form.querySelector("textarea[data-word-limit]");
          if (area && theirs) { area.value = theirs.body; updateCounter(area); }
          versionInput.value = conflictEl.dataset.version;
          hideConflict();
          dirty = false;
          dropBackup();
          clearErrors();
          state("saved", { time: new Date().toLocaleTimeString() });
        });
      }
    }

    // ---- saving
    function changed() {
      dirty = true;
      invalid = false;
      backup();
      if (!saving) { state("unsaved"); }
      clearTimeout(timer);
      timer = setTimeout(function () { if (dirty) { save(); } }, INTERVAL_MS);
    }

    function save() {
      if (saving || paused || closed) { return; }
      if (!navigator.onLine) { state("offline"); return; }
      saving = true;
      var sent = serialise();
      state("saving");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // A redirect to the sign-in page, or a proxy's error page.
          state(response.redirected || response.status === 401 ? "signedOut" : "failed");
          return null;
        }
        return response.json().then(function (body) { handle(response.status, body, sent); });
      }).catch(function () {
        state(navigator.onLine ? "failed" : "offline");
      }).then(function () {
        saving = false;
        if (dirty && !paused && !closed && !invalid) {
          clearTimeout(timer);
          timer = setTimeout(save, INTERVAL_MS);
        }
      });
    }

    function handle(status, body, sent) {
      if (status === 200 && body.ok) {
        if (versionInput) { versionInput.value = body.version; }
        clearErrors();
        var time = new Date(body.saved_at).toLocaleTimeString();
        if (serialise() === sent) { dirty = false; dropBackup(); state("saved", { time: time }); }
        else { state("unsaved"); }
        duplicate(body.duplicate_of);
        return;
      }
      clearErrors();
      if (body.closed) {
        closed = true;
        dirty = false;  // nothing more can be saved; the text stays on the page and in the backup
        showErrors(body.errors);
        if (stateEl) { stateEl.textContent = body.message; stateEl.classList.add("error"); }
        return;
      }
      if (status === 409 && body.conflict) {
        showConflict(body);
        showErrors(body.errors);
        if (stateEl) { stateEl.textContent = body.message; stateEl.classList.add("error"); }
        return;
      }
      if (status === 422) {
        paused = false;
        showErrors(body.errors);
        state("invalid");
        if (body.message && stateEl) { stateEl.textContent = body.message; }
        invalid = true;
        return;
      }
      state("failed");
    }

    function duplicate(info) {
      var slot = document.querySelector("[data-duplicate-slot]");
      if (!slot) { return; }
      slot.textContent = "";
      if (!info) { return; }
      var box = document.createElement("div");
      box.className = "alert alert-warning";
      box.setAttribute("role", "status");
      var link = document.createElement("a");
      link.className = "alert-link";
      link.href = info.url;
      link.textContent = info.title;
      box.append(document.createTextNode((slot.dataset.text || "Possible duplicate of") + " "), link);
      slot.appendChild(box);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", function (event) {
      if (event.isTrusted) { changed(); }
    });
    if (window.awardsEditedBeforeScripts && window.awardsEditedBeforeScripts(form)) {
      changed(); // typed while this script was still loading: save it like any other edit
    }
    form.addEventListener("focusout", function (event) {
      // Moving on from a contact's name to their e-mail is not a moment to save: the server
      // refuses a contact without both, and would show an error the person is about to fix.
      var row = event.target.closest && event.target.closest("[data-contact-row]");
      if (row && event.relatedTarget && row.contains(event.relatedTarget)) { return; }
      if (dirty && !invalid) { clearTimeout(timer); save(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      dirty = true;
      invalid = false;
      clearTimeout(timer);
      save();
    });
    window.addEventListener("online", function () { if (dirty) { save(); } });
    window.addEventListener("offline", function () { if (dirty) { state("offline"); } });
    window.addEventListener("beforeunload", function (event) {
      if (dirty || saving) { event.preventDefault(); event.returnValue = ""; }
    });
    offerRestore();
  }

  document.querySelectorAll("form[data-autosave]").forEach(setup);
})();
