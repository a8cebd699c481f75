/* Temujanji form enhancements. The form works without this file; with it:
   centres narrowed by state, days narrowed by centre, checks before sending,
   sending with fetch, automatic retries with backoff while intake is busy or
   the network is down, and a draft kept on the device for a few hours so
   nothing typed is lost, which "Clear this form" removes at once. */
(function () {
  "use strict";
  var V = window.TemujanjiValidate;
  var form = document.getElementById("application");
  var rulesNode = document.getElementById("rules");
  if (!form || !rulesNode || !V || !window.fetch || !window.JSON) return;
  var rules = JSON.parse(rulesNode.textContent);
  var ui = rules.ui;
  var draftKey = "temujanji-draft:" + rules.campaign + (form.getAttribute("data-draft") || "");
  var status = document.getElementById("status");
  var summary = document.getElementById("error-summary");
  var submit = document.getElementById("submit");
  var stateSelect = document.getElementById("state");
  var centreSelect = document.getElementById("centre");
  var weekSelects = rules.weeks.map(function (w) { return document.getElementById("week" + w.number); });
  var retryTimer = null, attempt = 0;

  /* Opening days: data-open holds one character per campaign day, "1" when open. */
  var centres = {};
  var firstDay = V.isoDate(rules.first_day);
  var firstMs = Date.UTC(firstDay.y, firstDay.m - 1, firstDay.d);
  function dayIndex(iso) {
    var d = V.isoDate(iso);
    return d ? Math.round((Date.UTC(d.y, d.m - 1, d.d) - firstMs) / 86400000) : -1;
  }
  Array.prototype.forEach.call(centreSelect.querySelectorAll("option[data-open]"), function (o) {
    var open = o.getAttribute("data-open");
    centres[o.value] = function (iso) { return open.charAt(dayIndex(iso)) === "1"; };
  });

  /* State narrows the centre list: rebuild the select from the saved groups. */
  var groups = Array.prototype.slice.call(centreSelect.querySelectorAll("optgroup"));
  stateSelect.hidden = false;
  document.getElementById("state-field").hidden = false;
  function showState(slug) {
    var chosen = centreSelect.value;
    groups.forEach(function (g) {
      if (g.parentNode) g.parentNode.removeChild(g);
      if (!slug || g.getAttribute("data-state") === slug) centreSelect.appendChild(g);
    });
    centreSelect.value = chosen;
    if (centreSelect.value !== chosen) centreSelect.value = "";
  }
  stateSelect.addEventListener("change", function () { showState(stateSelect.value); narrowDays(); saveDraft(); });

  /* Days a centre is closed are not offered once the centre is known. A day
     already chosen that the new centre does not open is removed, and when
     the applicant changed the centre, the note next to that week says so. */
  function note(select, text) { document.getElementById(select.id + "-note").textContent = text; }
  function narrowDays(announce) {
    var isOpen = centres[centreSelect.value];
    weekSelects.forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (o) {
        if (!/^\d{4}-/.test(o.value)) return;
        var closed = isOpen ? !isOpen(o.value) : false;
        o.disabled = closed;
        o.hidden = closed;
        if (closed && o.selected) {
          select.value = "";
          if (announce) note(select, ui.day_cleared.replace("{date}", o.textContent));
        }
      });
    });
  }
  centreSelect.addEventListener("change", function () {
    var option = centreSelect.options[centreSelect.selectedIndex];
    var group = option && option.parentNode && option.parentNode.getAttribute("data-state");
    if (group && !stateSelect.value) stateSelect.value = group;
    narrowDays(true);
  });
  weekSelects.forEach(function (select) {
    select.addEventListener("change", function () { note(select, ""); });
  });

  function fields() {
    var f = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "checkbox") f[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) f[el.name] = el.value; }
      else f[el.name] = el.value;
    });
    return f;
  }

  /* The draft: everything typed, on this device only, until it is sent,
     cleared or older than rules.draft_hours since its last edit. A draft
     without its time (older pages wrote none) counts as expired. */
  var draftMs = rules.draft_hours * 3600000;
  function saveDraft() {
    try {
      var f = fields();
      f.state = stateSelect.value;
      delete f.lang;
      localStorage.setItem(draftKey, JSON.stringify({ saved: Date.now(), fields: f }));
    } catch (e) { /* private mode or full storage: the form still works */ }
  }
  function restoreDraft() {
    var draft, f;
    try { draft = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { draft = null; }
    var age = draft && typeof draft.saved === "number" ? Date.now() - draft.saved : -1;
    f = age >= 0 && age <= draftMs ? draft.fields : null;
    if (!f) { if (draft) clearDraft(); return false; }
    if (f.state) { stateSelect.value = f.state; showState(f.state); }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "lang" || !(el.name in f)) return;
      if (el.type === "checkbox") el.checked = !!f[el.name];
      else if (el.type === "radio") el.checked = el.value === f[el.name];
      else el.value = f[el.name];
    });
    narrowDays();
    return true;
  }
  function clearDraft() { try { localStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ } }
  /* The page promises a draft only where this browser can keep one. */
  function canKeepDraft() {
    try {
      localStorage.setItem(draftKey + ":probe", "1");
      localStorage.removeItem(draftKey + ":probe");
      return true;
    } catch (e) { return false; }
  }
  if (canKeepDraft()) {
    var draftNote = document.getElementById("draft-note");
    draftNote.textContent = ui.draft_note.replace("{hours}", String(rules.draft_hours));
    draftNote.hidden = false;
  }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  function say(text) { status.textContent = text; }

  function clearErrors() {
    summary.hidden = true;
    summary.querySelector("ul").innerHTML = "";
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (e) { e.textContent = ""; e.hidden = true; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (e) { e.removeAttribute("aria-invalid"); });
    Array.prototype.forEach.call(form.querySelectorAll(".invalid"), function (e) { e.classList.remove("invalid"); });
  }

  /* errors: [{field, message}] in form order; field may be null for whole-form problems. */
  function showErrors(title, errors) {
    clearErrors();
    summary.querySelector("h2").textContent = title;
    var list = summary.querySelector("ul");
    errors.forEach(function (e) {
      var li = document.createElement("li");
      var target = e.field && form.querySelector("[name='" + e.field + "']");
      if (target) {
        var a = document.createElement("a");
        a.href = "#" + target.id;
        a.textContent = e.message;
        a.addEventListener("click", function (ev) { ev.preventDefault(); target.focus(); });
        li.appendChild(a);
        var slot = document.getElementById(e.field + "-error");
        if (slot) { slot.textContent = e.message; slot.hidden = false; }
        target.setAttribute("aria-invalid", "true");
        var wrapper = target.closest(".field");
        if (wrapper) wrapper.classList.add("invalid");
      } else {
        li.textContent = e.message + " ";
        if (e.href) {
          var link = document.createElement("a");
          link.href = e.href;
          link.textContent = e.link;
          li.appendChild(link);
        }
      }
      list.appendChild(li);
    });
    summary.hidden = false;
    summary.focus();
  }

  function localErrors(f) {
    var found = V.validate(f, rules, centres);
    var order = Array.prototype.map.call(form.elements, function (el) { return el.name; });
    return Object.keys(found)
      .sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); })
      .map(function (field) { return { field: field, message: V.message(found[field], rules) }; });
  }

  function payload(f) {
    var body = {};
    Object.keys(f).forEach(function (k) { body[k] = f[k]; });
    body.consent = !!f.consent;
    body.accept_other_dates = !!f.accept_other_dates;
    return JSON.stringify(body);
  }

  /* repeated: intake already had this very application (200, not 201). */
  function succeed(body, repeated) {
    clearDraft();
    form.hidden = true;
    summary.hidden = true;
    say("");
    var done = document.getElementById("success");
    document.getElementById("success-title").textContent = repeated ? rules.already.title : ui.success_title;
    document.getElementById("success-lead").textContent = repeated ? rules.already.lead : ui.success_lead;
    document.getElementById("success-reference").textContent = body.reference;
    document.getElementById("success-next").textContent = body.next_steps || "";
    done.hidden = false;
    done.focus();
    window.scrollTo(0, 0);
  }

  /* Waits before sending again: Retry-After when intake gives one, else
     exponential backoff; always with jitter so thousands of phones do not
     come back in the same second. */
  function retryLater(retryAfter, offline) {
    attempt += 1;
    var backoff = Math.min(60, Math.pow(2, attempt));
    var base = retryAfter > 0 ? retryAfter : backoff;
    var seconds = Math.ceil(base * (1 + Math.random() * 0.5));
    var until = Date.now() + seconds * 1000;
    var tick = function () {
      var left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      say((offline ? ui.offline : ui.retrying).replace("{seconds}", String(left)));
      if (left <= 0) { retryTimer = null; send(); } else { retryTimer = setTimeout(tick, 1000); }
    };
    document.getElementById("retry-now").hidden = false;
    tick();
  }

  function send() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    document.getElementById("retry-now").hidden = true;
    var f = fields();
    submit.disabled = true;
    say(ui.sending);
    fetch(form.getAttribute("action"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: payload(f),
      credentials: "omit"
    }).then(function (response) {
      var retryAfter = parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
      return response.json().catch(function () { return {}; }).then(function (body) {
        submit.disabled = false;
        if (response.status === 201 || response.status === 200) { attempt = 0; return succeed(body, response.status === 200); }
        if (response.status === 503 || response.status === 408 || response.status >= 500) return retryLater(retryAfter, false);
        say("");
        var err = body.error || {};
        if (response.status === 422 && body.errors) {
          var order = Array.prototype.map.call(form.elements, function (el) { return el.name; });
          var list = Object.keys(body.errors)
            .sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); })
            .map(function (field) { return { field: field, message: body.errors[field] }; });
          return showErrors(err.title || ui.errors_title, list);
        }
        showErrors(err.title || ui.errors_title,
          [{ field: null, message: err.message || String(response.status), href: err.change_url, link: err.change_text }]);
      });
    }).catch(function () {
      submit.disabled = false;
      retryLater(0, true);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problems = localErrors(fields());
    if (problems.length) { say(""); return showErrors(ui.errors_title, problems); }
    clearErrors();
    attempt = 0;
    send();
  });
  document.getElementById("retry-now").addEventListener("click", function () { attempt = 0; send(); });
  document.getElementById("start-again").addEventListener("click", function () {
    ["id_number", "birth_date", "full_name", "email"].forEach(function (n) { form.elements[n].value = ""; });
    // Consent is each person's own to give.
    form.elements.consent.checked = false;
    document.getElementById("success").hidden = true;
    form.hidden = false;
    saveDraft();
    form.elements.id_number.focus();
  });

  /* Clearing also forgets the draft; without scripts the button still empties the form. */
  document.getElementById("clear-form").addEventListener("click", function (event) {
    event.preventDefault();
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    document.getElementById("retry-now").hidden = true;
    form.reset();
    clearDraft();
    clearErrors();
    stateSelect.value = "";
    showState("");
    weekSelects.forEach(function (select) { note(select, ""); });
    narrowDays();
    say(ui.form_cleared);
  });

  if (restoreDraft()) say(ui.draft_restored);
  else narrowDays();

  /* The centre finder and its index come after first paint, so a slow phone
     shows the form at once; if they never arrive, the list still works. */
  function loadFinder() {
    var finder = document.createElement("script");
    finder.src = document.getElementById("search-field").getAttribute("data-script");
    document.head.appendChild(finder);
  }
  if (document.readyState === "complete") loadFinder();
  else window.addEventListener("load", loadFinder);
})();
