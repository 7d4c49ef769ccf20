// A translated document's behaviour, on the reader and on the archive's pages: the view (side by side,
// interleaved, English only) from ?view=, else the last one chosen, else by width; j/k or the arrows move
// between sentence pairs, c copies the focused English; the copy buttons. Works on pairs added later.
"use strict";

var VIEWS = ["side", "interleaved", "english"];
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
      copy(data.sources.map(function (s, i) { return s + "\t" + data.targets[i]; }).join("\n"), "Both columns", doc);
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

showView(chosenView());
document.addEventListener("click", onClick);
document.addEventListener("keydown", onKey);
document.addEventListener("DOMContentLoaded", function () { showView(document.documentElement.dataset.view); });
