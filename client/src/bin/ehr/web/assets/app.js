// The dashboard's one script: local times, forms posted as JSON with the session token,
// uploads and downloads with progress. No other code is loaded (see the CSP).
"use strict";

const token = () => document.querySelector('meta[name="ehr-token"]').content;

function showTimes(root) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    const at = new Date(el.getAttribute("datetime"));
    if (!isNaN(at)) el.textContent = at.toLocaleString();
  }
  const zone = document.getElementById("zone");
  if (zone) zone.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function say(form, text, ok) {
  const line = form.querySelector(".result");
  line.textContent = text;
  line.className = "result " + (ok ? "ok" : "error");
}

// A form's fields as JSON: a checkbox is true/false, a date and time is milliseconds since
// the epoch in the browser's own time zone.
function fields(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.type === "datetime-local") out[el.name] = el.value ? new Date(el.value).getTime() : "";
    else out[el.name] = el.value;
  }
  return out;
}

async function post(path, body) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-EHR-Token": token() },
    body: JSON.stringify(body),
  });
}

async function act(form) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  say(form, "signing and submitting…", true);
  try {
    const response = await post("/action/" + form.dataset.action, fields(form));
    const answer = await response.json();
    if (response.ok) {
      say(form, answer.message, true);
      if (!answer.message.startsWith("reason:")) setTimeout(() => location.reload(), 900);
    } else {
      say(form, answer.error, false);
    }
  } catch (err) {
    say(form, "the dashboard did not answer: " + err, false);
  } finally {
    button.disabled = false;
  }
}

function upload(form) {
  const file = form.elements.file.files[0];
  if (!file) return say(form, "choose a file", false);
  const bar = form.querySelector("progress");
  const query = new URLSearchParams({ patient: form.dataset.patient, kind: form.elements.kind.value });
  const request = new XMLHttpRequest();
  request.open("POST", "/action/upload?" + query);
  request.setRequestHeader("X-EHR-Token", token());
  request.setRequestHeader("Content-Type", "application/octet-stream");
  bar.hidden = false;
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) { bar.max = event.total; bar.value = event.loaded; }
    say(form, `sending ${event.loaded} of ${event.total} bytes…`, true);
  };
  request.upload.onload = () => say(form, "encrypting, storing on IPFS, adding to the record…", true);
  request.onload = () => {
    let answer;
    try { answer = JSON.parse(request.responseText); } catch { answer = { error: request.statusText }; }
    if (request.status === 200) { say(form, answer.message, true); setTimeout(() => location.reload(), 1500); }
    else say(form, answer.error, false);
  };
  request.onerror = () => say(form, "the upload failed: the dashboard did not answer", false);
  request.send(file);
}

async function download(button) {
  const box = button.closest(".download");
  const bar = box.querySelector("progress");
  say(box, "opening (logged), fetching and decrypting…", true);
  button.disabled = true;
  try {
    const response = await post("/action/download", { patient: button.dataset.patient, id: button.dataset.id });
    if (!response.ok) { say(box, (await response.json()).error, false); return; }
    const total = Number(response.headers.get("Content-Length")) || 0;
    bar.hidden = false; bar.max = total || 1;
    const reader = response.body.getReader();
    const chunks = []; let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value); received += value.length; bar.value = received;
    }
    bar.hidden = true;
    const blob = new Blob(chunks);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    say(box, `document ${button.dataset.id}: ${received} bytes, sha-256 ${hex} `, true);
    const save = document.createElement("a");
    save.href = URL.createObjectURL(blob);
    save.download = `document-${button.dataset.id}`;
    save.textContent = "Save";
    save.className = "button";
    box.querySelector(".result").append(save);
  } catch (err) {
    say(box, "the download failed: " + err, false);
  } finally {
    button.disabled = false;
  }
}

// The booking page's day picker: the chosen day, midnight to midnight in the browser's zone.
function pickDay(input) {
  const from = new Date(Number(input.dataset.from));
  input.value = `${from.getFullYear()}-${String(from.getMonth() + 1).padStart(2, "0")}-${String(from.getDate()).padStart(2, "0")}`;
  input.addEventListener("change", () => {
    if (!input.value) return;
    const start = new Date(input.value + "T00:00");
    const end = new Date(start); end.setDate(end.getDate() + 1);
    const now = Date.now();
    const query = new URLSearchParams({ doctor: input.dataset.doctor, from: Math.max(start.getTime(), now), to: end.getTime() });
    location.search = query.toString();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  showTimes(document);
  for (const form of document.querySelectorAll("form[data-action]")) {
    form.addEventListener("submit", (event) => { event.preventDefault(); act(form); });
  }
  for (const form of document.querySelectorAll("form[data-upload]")) {
    form.addEventListener("submit", (event) => { event.preventDefault(); upload(form); });
  }
  for (const button of document.querySelectorAll("button[data-download]")) {
    button.addEventListener("click", () => download(button));
  }
  const day = document.querySelector("[data-day-picker]");
  if (day) pickDay(day);
});
