/* The change page, on top of the form's own script (app.js), which checks,
   sends and answers the change exactly as it does a new application. This
   adds the reference: checked before sending, and the change sent to the
   application's own address; and the withdrawal, sent and answered in the
   page. Without it both forms post to intake, which answers with a page. */
(function () {
  "use strict";
  var V = window.TemujanjiValidate;
  var form = document.getElementById("application");
  var withdrawal = document.getElementById("withdraw");
  var rulesNode = document.getElementById("rules");
  if (!V || !form || !withdrawal || !rulesNode || !window.fetch) return;
  var rules = JSON.parse(rulesNode.textContent);
  var texts = rules.change;
  var api = form.getAttribute("data-api");
  var lang = "?lang=" + rules.lang;

  /* XXXXX-XXXXX as a person types it: case, spaces and the dash forgiven. */
  function reference(typed) {
    var s = String(typed || "").replace(/[\s-]/g, "").toUpperCase();
    if (s.length !== 10) return null;
    for (var i = 0; i < s.length; i++) if (texts.reference_alphabet.indexOf(s.charAt(i)) < 0) return null;
    return s.slice(0, 5) + "-" + s.slice(5);
  }

  /* The form's checks, and the reference's. */
  var validate = V.validate;
  V.validate = function (f, r, centres) {
    var found = validate(f, r, centres);
    if (!reference(f.reference)) found.reference = { key: "reference_shape", args: {} };
    return found;
  };

  /* The change goes to the application's own address once the reference reads right. */
  var referenceInput = form.elements.reference;
  function aim() {
    var ref = reference(referenceInput.value);
    form.setAttribute("action", ref ? api + "/" + encodeURIComponent(ref) + lang : api + "/change" + lang);
  }
  referenceInput.addEventListener("input", aim);
  aim();
  document.getElementById("start-again").addEventListener("click", function () { referenceInput.value = ""; aim(); });

  var answer = document.getElementById("withdraw-answer");
  var status = document.getElementById("withdraw-status");
  var button = document.getElementById("withdraw-submit");

  function fieldError(name, message) {
    var input = document.getElementById("withdraw-" + name);
    var slot = document.getElementById("withdraw-" + name + "-error");
    slot.textContent = message || "";
    slot.hidden = !message;
    input.closest(".field").classList.toggle("invalid", !!message);
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }

  function show(ok, title, lines) {
    answer.textContent = "";
    answer.className = ok ? "panel ok" : "panel error-summary";
    var heading = document.createElement("h3");
    heading.textContent = title;
    answer.appendChild(heading);
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      answer.appendChild(p);
    });
    answer.hidden = false;
    answer.focus();
  }

  withdrawal.addEventListener("submit", function (event) {
    event.preventDefault();
    var ref = reference(withdrawal.elements.reference.value);
    var idNumber = withdrawal.elements.id_number.value.trim();
    fieldError("reference", ref ? "" : texts.reference_error);
    fieldError("id_number", idNumber ? "" : texts.id_number_error);
    if (!ref || !idNumber) {
      document.getElementById(ref ? "withdraw-id_number" : "withdraw-reference").focus();
      return;
    }
    answer.hidden = true;
    button.disabled = true;
    status.textContent = texts.withdrawing;
    fetch(api + "/" + encodeURIComponent(ref) + "/withdraw" + lang, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ id_number: idNumber, lang: rules.lang }),
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        status.textContent = "";
        if (response.ok) {
          withdrawal.reset();
          return show(true, texts.withdrawn_title, [texts.withdrawn_lead, texts.reference_label + ": " + (body.reference || ref)]);
        }
        var err = body.error || {};
        show(false, err.title || rules.ui.errors_title, [err.message || texts.withdraw_failed]);
      });
    }).catch(function () {
      status.textContent = "";
      show(false, rules.ui.errors_title, [texts.withdraw_failed]);
    }).then(function () { button.disabled = false; });
  });
})();
