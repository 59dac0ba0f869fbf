/* Site search on a static host: fetch /search-index.json once and list the items whose
   title, summary, topics or type contain every word searched for, ignoring case and accents.
   Without this script the search page lists everything A to Z instead. */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var list = document.getElementById("search-results-list");
  var everything = document.getElementById("a-to-z-section");
  if (!form || !input || !status || !results || !list || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var index = null;
  var timer = null;

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function load() {
    if (!index) {
      index = fetch(form.getAttribute("data-index"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("search index: HTTP " + response.status); }
          return response.json();
        })
        .then(function (entries) {
          return entries.map(function (entry) {
            return {
              entry: entry,
              title: fold(entry.title),
              rest: fold([entry.summary, entry.type].concat(entry.topics).join(" "))
            };
          });
        });
    }
    return index;
  }

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function card(entry) {
    var item = element("li", "card");
    item.appendChild(element("p", "card__type", entry.type));
    var heading = element("h3", "card__title");
    var link = element("a", "", entry.title);
    link.href = entry.url;
    heading.appendChild(link);
    item.appendChild(heading);
    if (entry.when) { item.appendChild(element("p", "card__meta", entry.when)); }
    item.appendChild(element("p", "", entry.summary));
    return item;
  }

  function show(query, found) {
    list.textContent = "";
    found.forEach(function (entry) { list.appendChild(card(entry)); });
    results.hidden = found.length === 0;
    if (everything) { everything.hidden = found.length > 0; }
    var quoted = "\u201c" + query + "\u201d";
    status.textContent = found.length === 0
      ? "No results for " + quoted + ". Try fewer or different words, or browse everything A to Z below."
      : (found.length === 1 ? "1 result" : found.length + " results") + " for " + quoted + ".";
  }

  function clear() {
    list.textContent = "";
    results.hidden = true;
    if (everything) { everything.hidden = false; }
    status.textContent = "";
  }

  function search(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    var address = new URLSearchParams();
    if (query.trim()) { address.set("q", query.trim()); }
    var qs = address.toString();
    window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
    if (words.length === 0) {
      clear();
      return;
    }
    load().then(function (entries) {
      if (input.value !== query) { return; }  // a newer search has started
      var inTitle = [];
      var elsewhere = [];
      entries.forEach(function (e) {
        var all = e.title + " " + e.rest;
        if (!words.every(function (w) { return all.indexOf(w) !== -1; })) { return; }
        (words.every(function (w) { return e.title.indexOf(w) !== -1; }) ? inTitle : elsewhere).push(e.entry);
      });
      show(query.trim(), inTitle.concat(elsewhere));
    }).catch(function () {
      results.hidden = true;
      if (everything) { everything.hidden = false; }
      status.textContent = "Search is not working at the moment. Browse everything A to Z below.";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    search(input.value);
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { search(input.value); }, 300);
  });

  var start = new URLSearchParams(window.location.search).get("q");
  if (start) {
    input.value = start;
    search(start);
  }
}());
