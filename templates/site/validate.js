/* Temujanji client-side validation: the same rules as the campaign crate's
   Application::parse, so people see the server's message before sending.
   Every limit and every message comes from the rules object that site-gen
   writes from the Rust side; only the logic lives here. A test runs this
   file under node against the Rust parser on a table of inputs. */
(function (root) {
  "use strict";

  function isoDate(text) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
    var y = +text.slice(0, 4), m = +text.slice(5, 7), d = +text.slice(8, 10);
    if (m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return null;
    return { y: y, m: m, d: d };
  }
  function leap(y) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
  function daysIn(y, m) { return [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]; }
  function cmp(a, b) { return (a.y - b.y) || (a.m - b.m) || (a.d - b.d); }
  function ageOn(birth, on) {
    return on.y - birth.y - ((on.m < birth.m || (on.m === birth.m && on.d < birth.d)) ? 1 : 0);
  }
  function iso(d) { return d.y + "-" + pad(d.m) + "-" + pad(d.d); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function weekday(d) { return (new Date(Date.UTC(d.y, d.m - 1, d.d)).getUTCDay() + 6) % 7 + 1; }
  function dayNumber(d) { return Date.UTC(d.y, d.m - 1, d.d) / 86400000; }

  /* The month and day a MyKad's first six digits encode, or null when no year has them. */
  function mykadDigits(digits) {
    var yy = +digits.slice(0, 2), mm = +digits.slice(2, 4), dd = +digits.slice(4, 6);
    if (mm < 1 || mm > 12 || dd < 1 || dd > daysIn(2000, mm)) return null;
    return { yy: yy, m: mm, d: dd };
  }

  /* Without a full date: the most recent century not after the reference date. */
  function mykadBirthWithoutCentury(encoded, on) {
    var y = on.y - (((on.y - encoded.yy) % 100) + 100) % 100;
    if (y === on.y && (encoded.m > on.m || (encoded.m === on.m && encoded.d > on.d))) y -= 100;
    if (encoded.d > daysIn(y, encoded.m)) return null;
    return { y: y, m: encoded.m, d: encoded.d };
  }

  function checkAge(birth, rules) {
    var age = ageOn(birth, isoDate(rules.age_reference_date));
    if (age < rules.minimum_age) return "too_young";
    if (age > rules.maximum_age) return "too_old";
    return null;
  }

  var CONTROL = /\p{Cc}/u, NUMERIC = /\p{N}/u, LETTER = /\p{Alphabetic}/u, SPACE = /\p{White_Space}+/u;
  var INVISIBLE = /[\p{Cf}\p{Co}\p{Cs}\uFFFD]/u, JOINS = /[\p{Alphabetic}\p{M}]/u;

  function invisible(c) {
    var hex = c.codePointAt(0).toString(16).toUpperCase();
    return { key: "name_invisible", args: { code: "U+" + "0000".slice(hex.length) + hex } };
  }

  function checkName(text, rules) {
    var chars = Array.from(text), i;
    for (i = 0; i < chars.length; i++) {
      if (CONTROL.test(chars[i]) && chars[i] !== "\t" && chars[i] !== "\n" && chars[i] !== "\r") return invisible(chars[i]);
    }
    var folded = text.split(SPACE).filter(function (p) { return p.length; }).join(" ");
    if (!folded) return { key: "name_missing" };
    chars = Array.from(folded);
    for (i = 0; i < chars.length; i++) {
      var c = chars[i], code = c.codePointAt(0), ok;
      if (INVISIBLE.test(c)) {
        /* Joiners that shape a script's letters (Tamil, Jawi) stay. */
        var joins = (c === "\u200C" || c === "\u200D") && i > 0 && i + 1 < chars.length &&
          JOINS.test(chars[i - 1]) && JOINS.test(chars[i + 1]);
        if (!joins) return invisible(c);
        continue;
      }
      if (code < 128) ok = /[A-Za-z ]/.test(c) || rules.name_punctuation.indexOf(c) >= 0;
      else ok = !CONTROL.test(c) && !NUMERIC.test(c);
      if (!ok) return { key: "name_character", args: { character: c } };
    }
    if (chars.length > rules.name_max) return { key: "name_too_long", args: { max: String(rules.name_max) } };
    if (!chars.some(function (ch) { return LETTER.test(ch); })) return { key: "name_no_letter" };
    return null;
  }

  function checkPhone(text) {
    var compact = text.replace(/[ \-.()]/g, "");
    if (!compact) return "phone_missing";
    var national;
    if (compact.charAt(0) === "+") {
      if (compact.slice(1, 3) !== "60") return "phone_shape";
      national = "0" + compact.slice(3);
    } else if (compact.slice(0, 2) === "60") {
      national = "0" + compact.slice(2);
    } else {
      national = compact;
    }
    if (!/^[0-9]+$/.test(national) || national.slice(0, 2) !== "01" || national.length < 10 || national.length > 11) {
      return "phone_shape";
    }
    return null;
  }

  /* The dot-atom local part at a host name, as the server's Email::parse_optional. */
  var ATOM = /^[A-Za-z0-9!#$%&'*+\/=?^_`{|}~-]+$/, LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

  function checkEmail(text, rules) {
    text = text.trim();
    if (!text) return null;
    var at = text.indexOf("@");
    if (text.length > rules.email_max || at < 0) return "email_shape";
    var local = text.slice(0, at), labels = text.slice(at + 1).split(".");
    var ok = local.length <= 64 && local.split(".").every(function (a) { return ATOM.test(a); }) &&
      labels.length >= 2 && labels.every(function (l) { return LABEL.test(l); }) && !/^[0-9]+$/.test(labels[labels.length - 1]);
    return ok ? null : "email_shape";
  }

  /* Checks every field; returns {field: {key, args}} in the server's terms.
     centres maps centre id to a function telling whether it is open on an ISO date. */
  function validate(f, rules, centres) {
    var errors = {};
    function add(field, key, args) { if (!errors[field]) errors[field] = { key: key, args: args || {} }; }
    var idType = (f.id_type || "").trim().toLowerCase(), number = f.id_number || "", birthText = (f.birth_date || "").trim();
    var stated = null;
    if (birthText) {
      stated = isoDate(birthText);
      if (!stated) add("birth_date", "birth_date_shape");
    }
    var ageArgs = { minimum_age: String(rules.minimum_age), date: isoDate(rules.age_reference_date) };
    if (!idType) add("id_type", "id_type_missing");
    else if (idType === "mykad") {
      var digits = number.replace(/[ -]/g, "");
      if (!digits) add("id_number", "id_number_missing");
      else if (!/^[0-9]{12}$/.test(digits)) add("id_number", "mykad_shape");
      else {
        var encoded = mykadDigits(digits);
        if (!encoded) add("id_number", "mykad_birth_date");
        else if (stated) {
          if (stated.y % 100 !== encoded.yy || stated.m !== encoded.m || stated.d !== encoded.d) {
            add("birth_date", "birth_date_mismatch", { yymmdd: digits.slice(0, 6) });
          } else {
            var late = checkAge(stated, rules);
            if (late) add("birth_date", late, late === "too_young" ? ageArgs : {});
          }
        } else if (!birthText && !mykadBirthWithoutCentury(encoded, isoDate(rules.age_reference_date))) {
          add("id_number", "mykad_birth_date");
        }
      }
      /* The form asks everyone: the card alone cannot say which century. */
      if (!birthText) add("birth_date", "birth_date_missing");
    } else if (idType === "passport") {
      var passport = number.replace(/[ -]/g, "").replace(/[a-z]/g, function (c) { return c.toUpperCase(); });
      if (!passport) add("id_number", "id_number_missing");
      else if (!/^[A-Za-z0-9]{5,20}$/.test(passport)) add("id_number", "passport_shape");
      else if (stated && /^[0-9]{12}$/.test(passport)) {
        var asMykad = mykadDigits(passport);
        if (asMykad && stated.y % 100 === asMykad.yy && stated.m === asMykad.m && stated.d === asMykad.d) {
          add("id_number", "passport_is_mykad");
        }
      }
      if (!birthText) add("birth_date", "birth_date_missing");
      else if (stated) {
        var problem = checkAge(stated, rules);
        if (problem) add("birth_date", problem, problem === "too_young" ? ageArgs : {});
      }
    } else add("id_type", "id_type_unknown");

    var name = checkName(f.full_name || "", rules);
    if (name) add("full_name", name.key, name.args);
    var phone = checkPhone(f.phone || "");
    if (phone) add("phone", phone);
    var email = checkEmail(f.email || "", rules);
    if (email) add("email", email);

    var centreId = (f.centre || "").trim(), isOpen = null;
    if (!centreId) add("centre", "centre_missing");
    else {
      isOpen = centres[centreId.replace(/[a-z]/g, function (c) { return c.toUpperCase(); })] || null;
      if (!isOpen) add("centre", "centre_unknown");
    }
    var first = dayNumber(isoDate(rules.first_day));
    rules.weeks.forEach(function (week) {
      var field = "week" + week.number, text = (f[field] || "").trim(), wk = { week: String(week.number) };
      if (!text) return add(field, "week_missing", wk);
      if (text.toLowerCase() === "any" && text.length === 3) return;
      var d = isoDate(text);
      if (!d) return add(field, "week_shape", wk);
      var offset = dayNumber(d) - first;
      if (offset < 0 || Math.floor(offset / 7) + 1 !== week.number) {
        return add(field, "week_date_outside", { week: wk.week, from: isoDate(week.days[0]), to: isoDate(week.days[6]) });
      }
      if (isOpen && !isOpen(text)) add(field, "week_date_closed", { week: wk.week, date: d });
    });
    if (!f.consent) add("consent", "consent_missing");
    return errors;
  }

  /* The message for one error, as the server words it. */
  function message(error, rules) {
    var text = rules.messages[error.key] || error.key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      var v = error.args[name];
      if (v === undefined) return whole;
      if (typeof v === "object") {
        return rules.calendar.weekday_short[weekday(v) - 1] + " " + v.d + " " + rules.calendar.month_short[v.m - 1] + " " + v.y;
      }
      return v;
    });
  }

  var api = { validate: validate, message: message, isoDate: isoDate, iso: iso };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.TemujanjiValidate = api;
})(this);
