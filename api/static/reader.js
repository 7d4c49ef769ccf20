// The reader's form: sends what the form holds to POST / asking for NDJSON, and shows the document as it
// comes (its frame, each paragraph as it is translated, then the summary; all rendered by the server from
// the document template), with progress and a cancel button that aborts the request. Errors are shown in
// the page's words. With keys set, the key field's key is kept in sessionStorage and sent as a header.
// Every English sentence can be edited in place (Enter, or a click on the focused pair; Ctrl+Enter saves
// it as a reviewed translation through PUT /v1/reviewed, Escape cancels; a reviewed one can be given back
// to the machine through DELETE /v1/reviewed). A finished translation can be downloaded (HTML, TMX, XLIFF:
// POST /download, with the edits) and, when its text fits in a link, shared as one.
"use strict";

var KEY_STORE = "reader.apiKey";
var LINK_MAX = 8000;  // characters of a link to share: what browsers and servers take without question
var running = null;  // the AbortController of the translation on show; a new one replaces it
var shared = null;   // the text on show, when it came from the text box (so a link can carry it)
var edited = {};     // sentence id -> {target, origin}: the edits made since the translation was shown

function errorSays(message) {
  var error = document.getElementById("error");
  error.textContent = message || "";
  error.hidden = !message;
}

function progressSays(done, total, note) {
  var box = document.getElementById("progress");
  var bar = box.querySelector("progress");
  box.hidden = false;
  bar.max = Math.max(total, 1);
  bar.value = done;
  var count = total ? done + " of " + total + " paragraph" + (total === 1 ? "" : "s") : "";
  document.getElementById("progress-text").textContent = note ? (count ? count + ": " : "") + note : count;
}

function downloadSays(file) {
  // The file tab's translated file: a link to it, or none.
  var box = document.getElementById("download");
  box.hidden = !file;
  if (!file) return;
  var link = box.querySelector("a");
  link.href = file.download;
  link.textContent = "Download " + file.name + " in English";
}

function chooseTab(chosen) {
  // Text or File: one source at a time; the other's input is emptied so that the form sends only one.
  document.querySelectorAll(".tabs [role=tab]").forEach(function (tab) {
    var on = tab === chosen;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    var panel = document.getElementById(tab.getAttribute("aria-controls"));
    panel.hidden = !on;
    if (!on) panel.querySelectorAll("input[type=file]").forEach(function (input) { input.value = ""; });
  });
}

async function records(response, each) {
  var reader = response.body.getReader();
  var decoder = new TextDecoder();
  var pending = "";
  for (;;) {
    var chunk = await reader.read();
    pending += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
    var lines = pending.split("\n");
    pending = lines.pop();
    lines.filter(Boolean).forEach(function (line) { each(JSON.parse(line)); });
    if (chunk.done) return;
  }
}

async function notStreamed(response) {
  // An answer from before the reader's route (a proxy, the connection cap): its JSON's message, or its status.
  try {
    var body = await response.json();
    var error = body.error || body;
    return typeof error === "string" ? error : error.message || JSON.stringify(error);
  } catch (e) {
    return "The server answered " + response.status + " " + response.statusText + ".";
  }
}

function toolsFor(show) {
  // the Text tab's Download and share: once a translation from the text box is complete
  var tools = document.getElementById("tools");
  tools.hidden = !show || !document.querySelector(".doc-data");
  document.getElementById("tools-status").textContent = "";
  var share = document.getElementById("share");
  share.hidden = !shared || shareLink().length > LINK_MAX;
}

function shareLink() {
  var url = new URL(location.href);
  url.search = "";
  url.hash = "";
  url.searchParams.set("text", shared || "");
  url.searchParams.set("view", document.documentElement.dataset.view);
  return url.toString();
}

function toolsSay(message) {
  document.getElementById("tools-status").textContent = message;
}

function apiKey() {
  var field = document.getElementById("api-key");
  return field ? field.value.trim() : "";
}

function headers(more) {
  var all = Object.assign({ "Content-Type": "application/json" }, more || {});
  if (apiKey()) all["X-API-Key"] = apiKey();
  return all;
}

async function said(response) {
  // an error answer of the API in one sentence
  try {
    var body = await response.json();
    var error = body.error || body.detail || body.message || body;
    return typeof error === "string" ? error : error.message || JSON.stringify(error);
  } catch (e) {
    return "the server answered " + response.status;
  }
}

async function downloadDocument() {
  var data = document.querySelector(".doc-data");
  var format = document.getElementById("download-format").value;
  toolsSay("preparing…");
  var body = JSON.stringify({ document: JSON.parse(data.textContent), format: format, edited: edited });
  var response = await fetch(new URL("download", location.href), { method: "POST", body: body, headers: headers() });
  if (!response.ok) {
    toolsSay("The download failed: " + await said(response));
    return;
  }
  var name = (/filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "") || [])[1] || "translation";
  var link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  toolsSay(name + " downloaded");
}

function shareTranslation() {
  var link = shareLink();
  var copied = function () { toolsSay("Link copied"); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(link).then(copied, function () { window.prompt("The link:", link); });
  } else {
    window.prompt("The link:", link);
  }
}

// ---- editing: a sentence's English in place, saved as a reviewed translation -------------------------

function sourceOf(pair) {
  return pair.querySelector(".src .said").textContent;
}

function openEditor(pair) {
  if (pair.querySelector(".editor")) return;
  var text = pair.querySelector(".tgt .text");
  var box = document.createElement("span");
  box.className = "editor";
  var area = document.createElement("textarea");
  area.value = text.textContent;
  area.rows = Math.max(2, Math.ceil(area.value.length / 60));
  area.setAttribute("aria-label", "English for sentence " + pair.id + " (Control+Enter saves, Escape cancels)");
  area.lang = "en";
  var buttons = document.createElement("span");
  buttons.className = "editor-buttons";
  buttons.appendChild(button("Save", "save"));
  buttons.appendChild(button("Cancel", "cancel-edit"));
  if (pair.classList.contains("reviewed")) buttons.appendChild(button("Give back to the machine", "restore"));
  var status = document.createElement("span");
  status.className = "editor-status";
  status.setAttribute("role", "alert");
  box.appendChild(area);
  box.appendChild(buttons);
  box.appendChild(status);
  text.hidden = true;
  text.after(box);
  pair.classList.add("editing");
  area.focus();
}

function button(label, className) {
  var b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = label;
  return b;
}

function closeEditor(pair) {
  var box = pair.querySelector(".editor");
  if (!box) return;
  box.remove();
  pair.querySelector(".tgt .text").hidden = false;
  pair.classList.remove("editing");
  pair.focus();
}

function shows(pair, target, reviewed) {
  // the pair with this English, marked reviewed or not; a reviewed one carries no flags
  var text = pair.querySelector(".tgt .text");
  text.textContent = target;
  pair.classList.toggle("reviewed", reviewed);
  var mark = pair.querySelector(".reviewed-mark");
  if (reviewed && !mark) {
    mark = document.createElement("span");
    mark.className = "reviewed-mark";
    mark.title = "reviewed: a person's English";
    mark.textContent = "reviewed";
    text.after(mark);
    text.after(" ");
  } else if (!reviewed && mark) {
    mark.remove();
  }
  if (reviewed) {
    pair.classList.remove("flagged", "unsure");
    pair.querySelectorAll(".flags, .note").forEach(function (e) { e.remove(); });
  }
  edited[pair.id] = { target: target, origin: reviewed ? "reviewed" : "model" };
}

async function save(pair) {
  var area = pair.querySelector(".editor textarea");
  var target = area.value.trim();
  var status = pair.querySelector(".editor-status");
  if (!target) {
    status.textContent = "The English is empty: write it, or cancel with Escape.";
    return;
  }
  status.textContent = "saving…";
  try {
    var response = await fetch(new URL("v1/reviewed", location.href), {
      method: "PUT", headers: headers(), body: JSON.stringify({ source: sourceOf(pair), target: target, via: "reader" }),
    });
    if (!response.ok) {
      status.textContent = "Not saved: " + await said(response);
      return;
    }
  } catch (e) {
    status.textContent = "Not saved: the server could not be reached.";
    return;
  }
  shows(pair, target, true);
  closeEditor(pair);
  pair.closest(".doc").querySelector(".copy-status").textContent = "Sentence " + pair.id + " saved as reviewed";
}

async function restore(pair) {
  var status = pair.querySelector(".editor-status");
  status.textContent = "giving back…";
  try {
    var body = JSON.stringify({ source: sourceOf(pair), via: "reader" });
    var gone = await fetch(new URL("v1/reviewed", location.href), { method: "DELETE", headers: headers(), body: body });
    if (!gone.ok) {
      status.textContent = "Not given back: " + await said(gone);
      return;
    }
    var again = await fetch(new URL("v1/translate", location.href), {
      method: "POST", headers: headers(), body: JSON.stringify({ texts: [sourceOf(pair)] }),
    });
    if (!again.ok) {
      status.textContent = "Given back; the machine's English could not be fetched: " + await said(again);
      return;
    }
    shows(pair, (await again.json()).translations[0], false);
  } catch (e) {
    status.textContent = "The server could not be reached.";
    return;
  }
  closeEditor(pair);
  pair.closest(".doc").querySelector(".copy-status").textContent = "Sentence " + pair.id + ": the machine's English";
}

var focusedBefore = null;  // the pair that had the focus when the pointer went down: a click on it edits

function onEditKey(event) {
  var editor = event.target.closest && event.target.closest(".editor");
  if (editor) {
    var pair = editor.closest(".pair");
    if (event.key === "Escape") {
      event.preventDefault();
      closeEditor(pair);
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save(pair);
    }
    return;
  }
  if (event.key === "Enter" && !event.altKey && !event.ctrlKey && !event.metaKey &&
      event.target.classList && event.target.classList.contains("pair") && event.target.closest("#result")) {
    event.preventDefault();
    openEditor(event.target);
  }
}

function onEditClick(event) {
  var target = event.target;
  var pair = target.closest && target.closest("#result .pair");
  var action = target.closest && target.closest(".editor button, .suggestion");
  if (action && pair) {
    if (action.classList.contains("save")) save(pair);
    else if (action.classList.contains("cancel-edit")) closeEditor(pair);
    else if (action.classList.contains("restore")) restore(pair);
    else if (action.classList.contains("suggestion")) {
      openEditor(pair);
      pair.querySelector(".editor textarea").value = action.dataset.target;  // offered, never applied unasked
    }
    return;
  }
  if (pair && pair === focusedBefore && !target.closest("a, button, textarea, .editor")) openEditor(pair);
}

async function translate(form, keyField, controller) {
  var result = document.getElementById("result");
  var body = new FormData(form);
  var headers = { Accept: "application/x-ndjson" };
  if (keyField) {
    body.delete(keyField.name);
    var key = keyField.value.trim();
    if (key) {
      sessionStorage.setItem(KEY_STORE, key);
      headers["X-API-Key"] = key;
    } else {
      sessionStorage.removeItem(KEY_STORE);
    }
  }
  var done = 0;
  var total = 0;
  var fromTextBox = !form.querySelector("#file").value && !form.querySelector("#document").value;
  var text = form.querySelector("#text").value;
  errorSays("");
  downloadSays(null);
  toolsFor(false);
  shared = fromTextBox ? text : null;
  edited = {};
  result.textContent = "";
  progressSays(0, 0, "sending…");
  document.getElementById("cancel").hidden = false;
  try {
    var response = await fetch(form.action, { method: "POST", body: body, headers: headers, signal: controller.signal });
    if (!(response.headers.get("content-type") || "").startsWith("application/x-ndjson")) {
      errorSays(await notStreamed(response));
      document.getElementById("progress").hidden = true;
      return;
    }
    var said = false;
    await records(response, function (record) {
      if (record.error) {
        said = true;
        errorSays(record.error);
        if (!total) {  // refused before it began: nothing to count
          document.getElementById("progress").hidden = true;
          return;
        }
      } else if (record.paragraphs !== undefined) {
        total = record.paragraphs;
        result.innerHTML = record.html;  // escaped by the server's template
        if (record.download) downloadSays(record);
        showView(document.documentElement.dataset.view);  // page.js: mark the new view buttons
      } else if (record.paragraph !== undefined) {
        result.querySelector(".pairs").insertAdjacentHTML("beforeend", record.html);
        done += 1;
      } else if (record.done) {
        result.querySelector(".outcome").innerHTML = record.html;
        showView(document.documentElement.dataset.view);  // page.js: fold the new legend on a narrow screen
        toolsFor(fromTextBox);
      }
      progressSays(done, total, record.error ? "stopped" : "");
    });
    if (total && done === total) {
      document.getElementById("progress").hidden = true;
    } else if (!said) {  // the connection closed cleanly, halfway
      errorSays("The answer stopped before the end: translate the text again.");
      progressSays(done, total, "stopped");
    }
  } catch (e) {
    if (running !== controller) return;  // replaced by a newer translation, which owns the page now
    if (e.name === "AbortError") {
      progressSays(done, total, "cancelled");
    } else {
      errorSays("The server could not be reached, or the answer broke off: " + e.message);
      progressSays(done, total, "stopped");
    }
  } finally {
    if (running === controller) document.getElementById("cancel").hidden = true;
  }
}

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("reader");
  if (!form) return;
  var keyField = document.getElementById("api-key");
  var tabs = form.querySelector(".tabs");
  tabs.hidden = false;  // without script both sources show, and the file is sent when one is chosen
  tabs.querySelectorAll("[role=tab]").forEach(function (tab) {
    tab.addEventListener("click", function () { chooseTab(tab); });
  });
  chooseTab(document.getElementById(document.getElementById("download").hidden ? "tab-text" : "tab-file"));
  if (keyField && !keyField.value) keyField.value = sessionStorage.getItem(KEY_STORE) || "";
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var previous = running;
    running = new AbortController();
    if (previous) previous.abort();
    translate(form, keyField, running);
  });
  document.getElementById("cancel").addEventListener("click", function () {
    if (running) running.abort();
  });
  document.addEventListener("keydown", onEditKey);
  document.addEventListener("mousedown", function (event) {
    var pair = event.target.closest && event.target.closest(".pair");
    focusedBefore = pair && document.activeElement === pair ? pair : null;
  });
  document.addEventListener("click", onEditClick);
  document.getElementById("download-button").addEventListener("click", downloadDocument);
  document.getElementById("share").addEventListener("click", shareTranslation);
  if (document.querySelector(".doc-data")) {  // the page came whole from the server (/?text=…)
    shared = form.querySelector("#text").value || null;
    toolsFor(true);
  }
});
