// Suggestions for the portal's search box (progressive enhancement: the form works without it).
// Fills a native <datalist>, which browsers and screen readers present as the input's list of
// completions, from /api/v1/suggest while the visitor types.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("datalist");
  list.id = "q-suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  var lang = document.documentElement.lang === "en" ? "en" : "de";
  var timer = null;
  var last = "";
  function fill(items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.text;
      list.appendChild(option);
    });
  }
  input.addEventListener("input", function () {
    var text = input.value.trim();
    if (timer) { clearTimeout(timer); }
    if (text.length < 2 || text === last) { return; }
    timer = setTimeout(function () {
      last = text;
      fetch("/api/v1/suggest?lang=" + lang + "&q=" + encodeURIComponent(text), {
        headers: { "Accept": "application/json" }
      })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) { if (input.value.trim() === text) { fill(body.suggestions || []); } })
        .catch(function () { /* no suggestions; the form still works */ });
    }, 150);
  });
})();
