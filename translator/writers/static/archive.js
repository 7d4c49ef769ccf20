// The archive's index: a search over every sentence pair, Indonesian and English, and a filter by flag, from
// file:// with no server (documents.js and sentences.js assign the lists; a page there may not fetch() JSON,
// but may load a script). sentences.js, every pair of the archive, is loaded at the first search only.
// A pair matches when each word of the search, in lower case, is in its source or its English, in lower case
// — the rule of `translator search` (translator/search.py), so both find the same pairs.
"use strict";

var SHOWN = 200;  // hits listed at most; the count says how many there are

function matches(words, flag, pair) {
  if (flag && pair[3].indexOf(flag) < 0) return false;
  var text = (pair[1] + "\n" + pair[2]).toLowerCase();
  return words.every(function (word) { return text.indexOf(word) >= 0; });
}

function say(message) {
  var box = document.getElementById("hits");
  box.hidden = false;
  box.textContent = message;
}

function element(tag, className, text) {
  var e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function find() {
  var words = document.getElementById("find").value.toLowerCase().split(/\s+/).filter(Boolean);
  var flag = document.getElementById("flag").value;
  var box = document.getElementById("hits");
  box.textContent = "";
  box.hidden = !words.length && !flag;
  document.querySelector("ol.documents").hidden = !box.hidden;
  if (box.hidden) return;
  if (!window.archiveSentences) {
    var script = document.createElement("script");
    script.src = "sentences.js";
    script.onload = find;
    script.onerror = function () { say("sentences.js could not be read"); };
    if (!document.querySelector("script[src='sentences.js']")) document.head.appendChild(script);
    say("searching…");
    return;
  }
  var titles = {};
  window.archiveDocuments.forEach(function (d) { titles[d[0]] = d[1]; });
  var found = 0;
  var list = element("ol", "hits");
  window.archiveSentences.forEach(function (doc) {
    doc[1].forEach(function (pair) {
      if (!matches(words, flag, pair)) return;
      found += 1;
      if (found > SHOWN) return;
      var item = element("li");
      var link = element("a", "", titles[doc[0]] + " · " + pair[0]);
      link.href = doc[0] + "#" + pair[0];
      item.appendChild(link);
      item.appendChild(element("span", "hit-src", pair[1])).lang = "id";
      item.appendChild(element("span", "hit-tgt", pair[2])).lang = "en";
      list.appendChild(item);
    });
  });
  var said = found === 1 ? "1 sentence" : found.toLocaleString("en") + " sentences";
  box.appendChild(element("p", "hit-count", said + (found > SHOWN ? " (the first " + SHOWN + " shown)" : "")));
  box.appendChild(list);
}

document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.finder");
  if (!form || !window.archiveDocuments) return;  // the job still running: no lists yet
  var counts = {};
  window.archiveDocuments.forEach(function (d) {
    Object.keys(d[4]).forEach(function (f) { counts[f] = (counts[f] || 0) + d[4][f]; });
  });
  var select = document.getElementById("flag");
  Object.keys(counts).sort().forEach(function (f) {
    var option = element("option", "", f + " (" + counts[f] + ")");
    option.value = f;
    select.appendChild(option);
  });
  var asked = new URLSearchParams(location.search);
  document.getElementById("find").value = asked.get("q") || "";
  select.value = asked.get("flag") || "";
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  document.getElementById("find").addEventListener("input", find);
  select.addEventListener("change", find);
  if (asked.get("q") || asked.get("flag")) find();
});
