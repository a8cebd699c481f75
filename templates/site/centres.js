/* Finding the right centre, loaded by the form after it is shown (the list
   works without it): the chosen centre's full name, address and open days
   next to the list; a search box that finds centres by any part of name,
   district, town or postcode; and "Nearest to me", measured in the page so
   the location never leaves the device. */
(function () {
  "use strict";
  var finder = window.TemujanjiFinder;
  var field = document.getElementById("search-field");
  if (!finder || !field) return;
  var ui = finder.ui;
  var form = document.getElementById("application");
  var stateSelect = document.getElementById("state");
  var centreSelect = document.getElementById("centre");
  var details = document.getElementById("centre-details");
  var input = document.getElementById("centre-search");
  var list = document.getElementById("centre-results");
  var status = document.getElementById("centre-results-status");
  var nearest = document.getElementById("centre-nearest");
  var byId = {}, centres = [], shown = [], active = -1;

  function line(tag, text, className) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /* Open days are the week lists' days still offered once the centre narrowed them. */
  function openDays() {
    var days = [];
    Array.prototype.forEach.call(form.querySelectorAll("select[name^=week] option"), function (o) {
      if (/^\d{4}-/.test(o.value) && !o.disabled) days.push(o.textContent);
    });
    return days.join(", ");
  }

  function showDetails() {
    var option = centreSelect.options[centreSelect.selectedIndex];
    details.innerHTML = "";
    details.hidden = !option || !option.value;
    if (details.hidden) return;
    var c = byId[option.value];
    details.appendChild(line("p", ui.chosen_title, "label"));
    details.appendChild(line("p", c ? c.name : option.textContent, "centre-name"));
    if (c) details.appendChild(line("p", c.district + ", " + c.state + ". " + c.address));
    details.appendChild(line("p", ui.open_days + ": " + openDays()));
  }
  centreSelect.addEventListener("change", showDetails);
  /* A reset empties the list after its event has run. */
  form.addEventListener("reset", function () { setTimeout(showDetails, 0); });
  showDetails();

  /* Malay and English spellings people type for the same place. */
  var VARIANTS = [["kampung", "kg"], ["jalan", "jln"], ["kuala lumpur", "kl"], ["wilayah persekutuan", "wp"],
    ["pulau pinang", "penang"], ["lorong", "lrg"], ["taman", "tmn"], ["bandar", "bdr"], ["sungai", "sg"]];
  function words(text) {
    return " " + text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim() + " ";
  }
  function searchable(text) {
    var w = words(text);
    VARIANTS.forEach(function (pair) {
      if (w.indexOf(" " + pair[0] + " ") >= 0) w += pair[1] + " ";
      if (w.indexOf(" " + pair[1] + " ") >= 0) w += pair[0] + " ";
    });
    return w;
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function mark(index) {
    active = index;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
    input.setAttribute("aria-activedescendant", list.children[index].id);
    list.children[index].scrollIntoView({ block: "nearest" });
  }
  function show(found, announce) {
    shown = found.slice(0, 10);
    list.innerHTML = "";
    shown.forEach(function (hit) {
      var c = hit.centre;
      var li = line("li", "");
      li.id = "result-" + c.id;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.appendChild(line("span", c.name, "centre-name"));
      li.appendChild(line("span", c.district + ", " + c.state + ". " + c.address, "hint"));
      if (hit.km !== undefined) li.appendChild(line("span", ui.distance.replace("{km}", hit.km.toFixed(1)), "hint"));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });
      li.addEventListener("click", function () { choose(c); });
      list.appendChild(li);
    });
    list.hidden = shown.length === 0;
    input.setAttribute("aria-expanded", shown.length ? "true" : "false");
    status.textContent = announce;
    mark(-1);
  }
  function choose(c) {
    if (stateSelect.value !== c.slug) {
      stateSelect.value = c.slug;
      stateSelect.dispatchEvent(new Event("change", { bubbles: true }));
    }
    centreSelect.value = c.id;
    centreSelect.dispatchEvent(new Event("change", { bubbles: true }));
    close();
    input.value = c.name;
    status.textContent = "";
  }

  function search() {
    var tokens = words(input.value).trim().split(" ").filter(Boolean);
    if (!tokens.length) { close(); status.textContent = ""; return; }
    var found = [];
    centres.forEach(function (c) {
      var score = 0;
      for (var i = 0; i < tokens.length; i++) {
        if (c.words.indexOf(" " + tokens[i]) < 0) return;
        if (c.nameWords.indexOf(" " + tokens[i]) >= 0) score++;
      }
      found.push({ centre: c, score: score });
    });
    found.sort(function (a, b) { return b.score - a.score || a.centre.order - b.centre.order; });
    show(found, found.length ? ui.results_count.replace("{count}", String(found.length)) : ui.results_none);
  }

  input.addEventListener("input", search);
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) { search(); return; }
      var next = active + (e.key === "ArrowDown" ? 1 : -1);
      mark(next >= shown.length ? 0 : next < 0 ? shown.length - 1 : next);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(shown[active].centre);
    } else if (e.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", close);

  /* Great-circle distance in kilometres. */
  function km(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
    var a = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.pow(Math.sin(dLon / 2), 2);
    return 12742 * Math.asin(Math.sqrt(a));
  }
  nearest.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = ui.location_failed; return; }
    status.textContent = ui.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      var here = position.coords;
      var found = centres.filter(function (c) { return c.lat !== null; }).map(function (c) {
        return { centre: c, km: km(here.latitude, here.longitude, c.lat, c.lon) };
      });
      found.sort(function (a, b) { return a.km - b.km; });
      var count = Math.min(5, found.length);
      show(found.slice(0, count), ui.nearest_count.replace("{count}", String(count)));
      input.focus();
    }, function () { status.textContent = ui.location_failed; }, { timeout: 20000, maximumAge: 600000 });
  });

  var slugs = {};
  Array.prototype.forEach.call(stateSelect.options, function (o) { if (o.value) slugs[o.textContent] = o.value; });
  function load(rows) {
    centres = rows.map(function (r, order) {
      var c = { id: r[0], name: r[1], district: r[2], state: r[3], address: r[4], postcode: r[5] || "",
        lat: r[6], lon: r[7], slug: slugs[r[3]], order: order };
      c.words = searchable([c.name, c.district, c.state, c.address, c.postcode].join(" "));
      c.nameWords = searchable(c.name);
      byId[c.id] = c;
      return c;
    });
    field.hidden = false;
    showDetails();
  }
  load(finder.centres);
})();
