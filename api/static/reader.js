// The reader's behaviour: highlight a sentence pair on hover, focus or permalink; copy the English or both.
"use strict";

function pairOf(element) {
  return element && element.closest ? element.closest("[data-pair]") : null;
}

function setHighlight(pair, on) {
  document.querySelectorAll('[data-pair="' + CSS.escape(pair) + '"]').forEach(function (el) {
    el.classList.toggle("hl", on);
  });
}

function follow(eventOn, eventOff) {
  document.addEventListener(eventOn, function (event) {
    var el = pairOf(event.target);
    if (el) setHighlight(el.dataset.pair, true);
  });
  document.addEventListener(eventOff, function (event) {
    var el = pairOf(event.target);
    if (el) setHighlight(el.dataset.pair, false);
  });
}

function highlightHash() {
  document.querySelectorAll(".target").forEach(function (el) { el.classList.remove("target"); });
  var id = decodeURIComponent(location.hash.slice(1));
  if (!id) return;
  document.querySelectorAll('[data-pair="' + CSS.escape(id) + '"]').forEach(function (el) {
    el.classList.add("target");
  });
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

function copy(text, label) {
  var status = document.getElementById("copy-status");
  var report = function (ok) { status.textContent = ok ? label + " copied" : "copy failed"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(
      function () { report(true); },
      function () { report(copyBySelection(text)); }  // permission refused: the older way
    );
  } else {
    report(copyBySelection(text));
  }
}

document.addEventListener("DOMContentLoaded", function () {
  follow("mouseover", "mouseout");
  follow("focusin", "focusout");
  window.addEventListener("hashchange", highlightHash);
  highlightHash();
  var data = document.getElementById("doc-data");
  if (!data) return;
  var doc = JSON.parse(data.textContent);
  document.getElementById("copy-en").addEventListener("click", function () {
    copy(doc.translation, "English");
  });
  document.getElementById("copy-both").addEventListener("click", function () {
    var lines = doc.pairs.map(function (source, i) { return source + "\t" + doc.targets[i]; });
    copy(lines.join("\n"), "Both columns");
  });
});
