/* Filter the upcoming events list by topic, format and month, in the page.
   Without this script the form stays hidden and the filter links (format pages,
   topic pages, month links) do the same job with plain page loads. */
(function () {
  "use strict";

  var form = document.getElementById("event-filter");
  var status = document.getElementById("event-filter-status");
  if (!form || !status || !window.URLSearchParams || !window.history.replaceState) {
    return;
  }
  var fields = ["topic", "format", "month"];
  var cards = Array.prototype.slice.call(document.querySelectorAll("main li.card--event"));
  var links = document.getElementById("event-filter-links");

  function chosen() {
    var values = {};
    fields.forEach(function (name) { values[name] = form.elements[name].value; });
    return values;
  }

  function matches(card, values) {
    var topics = (card.getAttribute("data-topics") || "").split(" ");
    return (!values.topic || topics.indexOf(values.topic) !== -1) &&
      (!values.format || card.getAttribute("data-format") === values.format) &&
      (!values.month || card.getAttribute("data-month") === values.month);
  }

  function showMonths() {
    // A month with no matching event loses its heading and its jump link too.
    var sections = document.querySelectorAll("main section[aria-labelledby^='month-']");
    Array.prototype.forEach.call(sections, function (section) {
      var id = section.getAttribute("aria-labelledby");
      var empty = section.querySelector("li.card--event:not([hidden])") === null;
      section.hidden = empty;
      var jump = document.querySelector(".month-jump a[href='#" + id + "']");
      if (jump) {
        jump.parentNode.hidden = empty;
      }
    });
  }

  function plural(n) {
    return n === 1 ? "1 upcoming event" : n + " upcoming events";
  }

  function apply(announce) {
    var values = chosen();
    var shown = 0;
    cards.forEach(function (card) {
      var match = matches(card, values);
      card.hidden = !match;
      if (match) { shown += 1; }
    });
    showMonths();
    var filtering = fields.some(function (name) { return values[name] !== ""; });
    if (!filtering) {
      status.textContent = announce ? "Showing all " + plural(cards.length) + "." : "";
    } else if (shown === 0) {
      status.textContent = "No upcoming events match. Choose another topic, format or month, " +
        "or show all upcoming events.";
    } else {
      status.textContent = "Showing " + shown + " of " + plural(cards.length) + ".";
    }
    var query = new URLSearchParams();
    fields.forEach(function (name) { if (values[name]) { query.set(name, values[name]); } });
    var search = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") +
      window.location.hash);
  }

  // Filters in the address (a shared or reloaded link) are applied on load; unknown values are ignored.
  var params = new URLSearchParams(window.location.search);
  fields.forEach(function (name) {
    var select = form.elements[name];
    var wanted = params.get(name);
    if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      select.value = wanted;
    }
  });

  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(true); });
  form.addEventListener("reset", function () {
    // The reset event fires before the fields are cleared.
    window.setTimeout(function () { apply(true); }, 0);
  });

  form.hidden = false;
  if (links) {
    links.hidden = true;
  }
  apply(false);
}());
