// The reader's form: sends what the form holds to POST / asking for NDJSON, and shows the document as it
// comes (its frame, each paragraph as it is translated, then the summary; all rendered by the server from
// the document template), with progress and a cancel button that aborts the request. Errors are shown in
// the page's words. With keys set, the key field's key is kept in sessionStorage and sent as a header.
"use strict";

var KEY_STORE = "reader.apiKey";
var running = null;  // the AbortController of the translation on show; a new one replaces it

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
  errorSays("");
  downloadSays(null);
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
});
