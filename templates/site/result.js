// The "Check my result" page: finds and opens the result in this browser
// (result-lookup.js), then shows it with the centre's details, a calendar
// file and a print view. Without JavaScript, or without WebCrypto, the form
// posts to intake, which answers the same page.
(function () {
  "use strict";
  var dataElement = document.getElementById("result-data");
  var form = document.getElementById("result-form");
  if (!dataElement || !form || !window.crypto || !crypto.subtle || !window.fetch) return;
  var data = JSON.parse(dataElement.textContent);
  var t = data.texts;
  var reference = document.getElementById("reference");
  var birthDate = document.getElementById("birth_date");
  var button = document.getElementById("result-submit");
  var status = document.getElementById("result-status");
  var out = document.getElementById("result");
  var summary = document.getElementById("error-summary");
  var calendarUrl = null;

  var fromFragment = /(?:^#|&)ref=([^&]*)/.exec(location.hash);
  if (fromFragment) reference.value = decodeURIComponent(fromFragment[1]);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    check();
  });

  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text != null) node.textContent = text;
    for (var name in attributes || {}) node.setAttribute(name, attributes[name]);
    return node;
  }

  function setFieldError(id, message) {
    var error = document.getElementById(id + "-error");
    var input = document.getElementById(id);
    error.textContent = message || "";
    error.hidden = !message;
    input.parentNode.classList.toggle("invalid", !!message);
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }

  function showErrors(errors) {
    var list = summary.querySelector("ul");
    list.textContent = "";
    errors.forEach(function (e) {
      var item = element("li");
      item.appendChild(element("a", e[1], { href: "#" + e[0] }));
      list.appendChild(item);
      setFieldError(e[0], e[1]);
    });
    summary.hidden = errors.length === 0;
    if (errors.length) summary.focus();
  }

  function validBirthDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m) return false;
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
  }

  async function fetchBytes(name) {
    var response = await fetch(data.results_url + name, { cache: "no-cache" });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error("HTTP " + response.status);
    return new Uint8Array(await response.arrayBuffer());
  }

  async function centreDetails(code) {
    var url = data.centres[code.split("-")[0]];
    if (!url) return null;
    try {
      var response = await fetch(url);
      if (!response.ok) return null;
      return (await response.json())[code] || null;
    } catch (e) {
      return null;
    }
  }

  async function check() {
    ["reference", "birth_date"].forEach(function (id) { setFieldError(id, ""); });
    var ref = TemujanjiResults.normaliseReference(reference.value);
    var born = birthDate.value.trim();
    var errors = [];
    if (!ref) errors.push(["reference", t.reference_error]);
    if (!validBirthDate(born)) errors.push(["birth_date", t.birth_date_error]);
    showErrors(errors);
    if (errors.length) return;
    button.disabled = true;
    out.hidden = true;
    status.textContent = t.checking;
    try {
      var record = await TemujanjiResults.lookup(ref, born, fetchBytes);
      var centre = record ? await centreDetails(record.centre) : null;
      show(record, centre, ref);
    } catch (error) {
      status.textContent = error.code === "not_published" ? t.not_published : t.unavailable;
    } finally {
      button.disabled = false;
    }
  }

  function addRow(list, term, value) {
    if (value == null || value === "") return;
    list.appendChild(element("dt", term));
    list.appendChild(element("dd", String(value)));
  }

  function show(record, centre, ref) {
    out.textContent = "";
    if (calendarUrl) URL.revokeObjectURL(calendarUrl);
    calendarUrl = null;
    if (!record) {
      out.appendChild(element("h2", t.not_found_title, { id: "result-title" }));
      out.appendChild(element("p", t.not_found_body));
      out.className = "panel";
      status.textContent = t.not_found_title;
    } else {
      var allocated = record.status === "allocated";
      var title = allocated ? t.allocated_title : t.waitlisted_title;
      out.appendChild(element("h2", title, { id: "result-title" }));
      out.className = allocated ? "panel ok" : "panel";
      if (!allocated) out.appendChild(element("p", t.waitlisted_body.replace("{position}", record.position)));
      var list = element("dl");
      addRow(list, t.reference_label, ref);
      addRow(list, t.centre_code, record.centre);
      if (centre) {
        addRow(list, t.centre_name, centre[0]);
        addRow(list, t.centre_address, centre[1]);
      }
      if (allocated) {
        addRow(list, t.date, data.days[record.date] || record.date);
        addRow(list, t.time, record.window);
      } else {
        addRow(list, t.position, record.position);
        if (centre) addRow(list, t.centre_open_days, centre[2]);
      }
      out.appendChild(list);
      out.appendChild(element("h3", t.bring_title));
      out.appendChild(element("p", t.bring_body));
      var actions = element("p", null, { class: "actions" });
      if (allocated) {
        calendarUrl = URL.createObjectURL(new Blob([calendar(record, centre, ref)], { type: "text/calendar" }));
        actions.appendChild(element("a", t.calendar, { href: calendarUrl, download: "vaccination-" + ref + ".ics", class: "button" }));
        actions.appendChild(document.createTextNode(" "));
      }
      var print = element("button", t.print, { type: "button", class: "secondary" });
      print.addEventListener("click", function () { window.print(); });
      actions.appendChild(print);
      out.appendChild(actions);
      status.textContent = title;
    }
    out.hidden = false;
    out.focus();
  }

  function icsText(text) {
    return String(text).replace(/[\\;,]/g, function (c) { return "\\" + c; }).replace(/\r?\n/g, "\\n");
  }

  /** 2028-01-10 + 09:00 in the campaign's offset → 20280110T010000Z. */
  function utc(date, time) {
    var d = date.split("-"), hm = time.split(":");
    var ms = Date.UTC(+d[0], +d[1] - 1, +d[2], +hm[0], +hm[1]) - data.utc_offset_minutes * 60000;
    return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  }

  function calendar(record, centre, ref) {
    var slot = record.window.split("-");
    var name = centre ? centre[0] : record.centre;
    return [
      "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Temujanji//Result//" + data.lang.toUpperCase(), "BEGIN:VEVENT",
      "UID:" + ref + "@" + location.hostname,
      "DTSTAMP:" + new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""),
      "DTSTART:" + utc(record.date, slot[0]), "DTEND:" + utc(record.date, slot[1]),
      "SUMMARY:" + icsText(t.calendar_event + ": " + record.centre + " " + name),
      "LOCATION:" + icsText(centre ? centre[1] : record.centre),
      "DESCRIPTION:" + icsText(t.bring_body + " " + t.reference_label + ": " + ref),
      "END:VEVENT", "END:VCALENDAR", "",
    ].join("\r\n");
  }
})();
