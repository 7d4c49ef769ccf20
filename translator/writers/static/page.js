// A translated document's behaviour, on the reader and on the archive's pages: the view (side by side,
// interleaved, English only) from ?view=, else the last one chosen, else by width, named in the heading;
// j/k or the arrows move between sentence pairs, c copies the focused English; the copy buttons; the flag
// legend folded into the summary line on a narrow screen. On an archive page, previous and next from the
// archive's list (documents.js beside the pages). Works on pairs added later.
"use strict";

var VIEWS = ["side", "interleaved", "english"];
var VIEW_NAMES = { side: "side by side", interleaved: "interleaved", english: "English only" };
var NARROW = "(max-width: 699px)";

function storedView() {
  try { return localStorage.getItem("reader.view"); } catch (e) { return null; }  // file:// may refuse
}

function chosenView() {
  var asked = new URLSearchParams(location.search).get("view");
  if (VIEWS.indexOf(asked) >= 0) return asked;
  var stored = storedView();
  if (VIEWS.indexOf(stored) >= 0) return stored;
  return window.matchMedia(NARROW).matches ? "interleaved" : "side";
}

function showView(view) {
  document.documentElement.dataset.view = view;
  document.querySelectorAll(".views button").forEach(function (button) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  });
  document.querySelectorAll(".view-name").forEach(function (name) { name.textContent = VIEW_NAMES[view]; });
  foldLegend();
}

function foldLegend() {
  // the legend open beside the summary on a wide screen, folded into it on a narrow one (a tap opens it)
  var narrow = window.matchMedia(NARROW).matches;
  document.querySelectorAll(".legend-box:not([data-fitted])").forEach(function (box) {
    box.open = !narrow;
    box.dataset.fitted = "";
  });
}

function chooseView(view) {
  showView(view);
  try { localStorage.setItem("reader.view", view); } catch (e) { /* not remembered, still shown */ }
  var url = new URL(location.href);
  url.searchParams.set("view", view);
  history.replaceState(history.state, "", url);
}

function copyBySelection(text) {
  var area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  document.body.appendChild(area);
  area.select();
  var ok = document.execCommand("copy");
  area.remove();
  return ok;
}

function copy(text, label, doc) {
  var status = doc ? doc.querySelector(".copy-status") : null;
  var report = function (ok) { if (status) status.textContent = ok ? label + " copied" : "copy failed"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(
      function () { report(true); },
      function () { report(copyBySelection(text)); }  // permission refused: the older way
    );
  } else {
    report(copyBySelection(text));
  }
}

function docData(doc) {
  var data = doc.querySelector(".doc-data");
  return data ? JSON.parse(data.textContent) : null;
}

function onClick(event) {
  var button = event.target.closest("button");
  if (!button) return;
  var doc = button.closest(".doc");
  if (button.dataset.view) {
    chooseView(button.dataset.view);
  } else if (button.classList.contains("copy-en") || button.classList.contains("copy-both")) {
    var data = docData(doc);
    if (!data) {
      doc.querySelector(".copy-status").textContent = "not finished yet";
    } else if (button.classList.contains("copy-en")) {
      copy(data.translation, "English", doc);
    } else {
      var rows = [];
      data.paragraphs.forEach(function (p) {
        p.sentences.forEach(function (s) { rows.push(s.source + "\t" + s.target); });
      });
      copy(rows.join("\n"), "Both columns", doc);
    }
  }
}

function typing(element) {
  return element && element.closest && element.closest("input, textarea, select, [contenteditable]");
}

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  var pairs = Array.prototype.slice.call(document.querySelectorAll(".pair"));
  if (!pairs.length) return;
  var current = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".pair") : null;
  var at = pairs.indexOf(current);
  var step = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 }[event.key];
  if (step) {
    event.preventDefault();
    var next = at < 0 ? (step > 0 ? 0 : pairs.length - 1) : Math.min(pairs.length - 1, Math.max(0, at + step));
    pairs[next].focus();
    pairs[next].scrollIntoView({ block: "nearest" });
  } else if (event.key === "c" && current) {
    event.preventDefault();
    copy(current.querySelector(".tgt .text").textContent, "Sentence " + current.id, current.closest(".doc"));
  }
}

function link(href, text, rel, label) {
  var a = document.createElement("a");
  a.href = href;
  a.rel = rel;
  a.className = rel;
  a.textContent = label + text;
  return a;
}

function prevNext() {
  // An archive page: its neighbours in the archive's list (documents.js: [file, title, ...] in input order).
  var self = document.querySelector("meta[name=archive-page]");
  var list = window.archiveDocuments;
  if (!self || !list) return;
  var names = list.map(function (d) { return d[0]; });
  var at = names.indexOf(self.content);
  if (at < 0) return;
  var nav = document.createElement("nav");
  nav.className = "prevnext";
  nav.setAttribute("aria-label", "Previous and next document");
  if (at > 0) nav.appendChild(link(list[at - 1][0], list[at - 1][1], "prev", "← "));
  if (at < list.length - 1) nav.appendChild(link(list[at + 1][0], list[at + 1][1], "next", "→ "));
  document.querySelectorAll("nav.prevnext").forEach(function (old) { old.remove(); });
  var bottom = nav.cloneNode(true);
  bottom.setAttribute("aria-label", "Previous and next document, at the end");
  document.querySelector("header").appendChild(nav);
  document.body.appendChild(bottom);
}

showView(chosenView());
document.addEventListener("click", onClick);
document.addEventListener("keydown", onKey);
document.addEventListener("DOMContentLoaded", function () {
  showView(document.documentElement.dataset.view);
  prevNext();
});
