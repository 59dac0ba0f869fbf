/* Site search on Pagefind's JavaScript API (/pagefind/pagefind.js, made by the build: search.py).
   Pagefind fetches only the parts of the index a query needs, stems words ("review" finds "reviewing")
   and gives an excerpt with the matched words marked. The results are announced politely (a count in a
   live region); focus stays where the visitor put it. The query and the filters live in the address, so
   the header search on every page (a GET to /search/?q=...) lands here searched, and a search can be
   shared. Without this script the search page lists everything A to Z instead. */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var filters = document.getElementById("search-filters");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var list = document.getElementById("search-results-list");
  var more = document.getElementById("search-more");
  var everything = document.getElementById("a-to-z-section");
  if (!form || !input || !status || !results || !list || !window.URLSearchParams || !window.DOMParser) {
    return;
  }
  var selects = { type: document.getElementById("search-type"), topic: document.getElementById("search-topic"),
                  sort: document.getElementById("search-sort") };
  var PAGE = 10;  // results shown at a time: each one's data is a fetch
  var pagefind = null;
  var timer = null;
  var latest = 0;  // the newest search: an older one that finishes later is dropped
  var found = [];
  var shown = 0;

  function load() {
    if (!pagefind) {
      pagefind = import(form.getAttribute("data-pagefind")).then(function (module) {
        return module.options({ excerptLength: 24 }).then(function () { module.init(); return module; });
      });
    }
    return pagefind;
  }

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // Pagefind's excerpt is HTML with the matched words in <mark>: rebuilt here from its text and its marks
  // alone, so nothing else in it can become markup.
  function excerpt(html) {
    var paragraph = element("p", "search-result__excerpt");
    var parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html").body.firstChild;
    (parsed ? parsed.childNodes : []).forEach(function (node) {
      if (node.nodeName === "MARK") {
        paragraph.appendChild(element("mark", "", node.textContent));
      } else {
        paragraph.appendChild(document.createTextNode(node.textContent));
      }
    });
    return paragraph;
  }

  function card(data) {
    var item = element("li", "card search-result");
    var meta = data.meta || {};
    if (meta.type) { item.appendChild(element("p", "card__type", meta.type)); }
    var heading = element("h3", "card__title");
    var link = element("a", "", meta.title || data.url);
    link.href = data.url;
    heading.appendChild(link);
    item.appendChild(heading);
    var when = [meta.date, meta.status].filter(Boolean).join(", ");
    if (when) { item.appendChild(element("p", "card__meta", when)); }
    item.appendChild(excerpt(data.excerpt || ""));
    return item;
  }

  function chosen() {
    var picked = {};
    ["type", "topic"].forEach(function (name) {
      if (selects[name] && selects[name].value) { picked[name] = selects[name].value; }
    });
    return picked;
  }

  function describe(query) {
    var parts = [];
    if (query) { parts.push("for \u201c" + query + "\u201d"); }
    var picked = chosen();
    Object.keys(picked).forEach(function (name) {
      parts.push(name + ": " + selects[name].options[selects[name].selectedIndex].text);
    });
    return parts.length ? " " + parts.join(", ") : "";
  }

  function showMore(run) {
    var next = found.slice(shown, shown + PAGE);
    return Promise.all(next.map(function (result) { return result.data(); })).then(function (datas) {
      if (run !== latest) { return; }
      datas.forEach(function (data) { list.appendChild(card(data)); });
      shown += next.length;
      if (more) { more.hidden = shown >= found.length; }
    });
  }

  function remember(query) {
    var address = new URLSearchParams();
    if (query) { address.set("q", query); }
    Object.keys(selects).forEach(function (name) {
      if (selects[name] && selects[name].value) { address.set(name, selects[name].value); }
    });
    var qs = address.toString();
    window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
  }

  function clear() {
    list.textContent = "";
    found = [];
    shown = 0;
    results.hidden = true;
    if (everything) { everything.hidden = false; }
    status.textContent = "";
  }

  function search() {
    var query = input.value.trim();
    var run = ++latest;
    remember(query);
    var picked = chosen();
    if (!query && Object.keys(picked).length === 0) {
      clear();
      return;
    }
    var options = { filters: picked };
    if (selects.sort && selects.sort.value === "upcoming") { options.sort = { upcoming: "asc" }; }
    load().then(function (module) {
      return module.search(query || null, options);
    }).then(function (answer) {
      if (run !== latest || !answer) { return; }  // a newer search has started
      found = answer.results;
      shown = 0;
      list.textContent = "";
      return showMore(run).then(function () {
        if (run !== latest) { return; }
        results.hidden = found.length === 0;
        if (everything) { everything.hidden = found.length > 0; }
        status.textContent = found.length === 0
          ? "No results" + describe(query) + ". Try fewer or different words, or browse everything A to Z below."
          : (found.length === 1 ? "1 result" : found.length + " results") + describe(query) + ".";
      });
    }).catch(function () {
      if (run !== latest) { return; }
      results.hidden = true;
      if (everything) { everything.hidden = false; }
      status.textContent = "Search is not working at the moment. Browse everything A to Z below.";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    search();
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 300);
  });
  Object.keys(selects).forEach(function (name) {
    if (selects[name]) { selects[name].addEventListener("change", search); }
  });
  if (more) {
    more.addEventListener("click", function () { showMore(latest); });
  }
  if (filters) { filters.hidden = false; }

  var start = new URLSearchParams(window.location.search);
  input.value = start.get("q") || "";
  Object.keys(selects).forEach(function (name) {
    var value = start.get(name);
    if (selects[name] && value && Array.prototype.some.call(selects[name].options,
                                                            function (o) { return o.value === value; })) {
      selects[name].value = value;
    }
  });
  if (input.value || Object.keys(chosen()).length) { search(); }
}());
