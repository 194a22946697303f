// Huiyin web chat: talks to /api/*, renders every text with textContent (never innerHTML).
"use strict";

// Every word the page itself shows, by language (a language missing a word shows the English one).
const UI = {
  en: {
    subtitle: "Report a problem in the city and follow it until it's fixed.",
    welcome: "Hello! Tell me about a problem in the city — a pothole, a broken street light, " +
      "rubbish, noise… — or ask about a request you already filed.",
    placeholder: "Type a message…",
    send: "Send",
    shareLocation: "Share my location",
    sendPhoto: "Send a photo",
    message: "Message",
    locationShared: "📍 Location shared",
    locating: "Getting your location…",
    locationDenied: "I couldn't get your location. Please type the address or describe the place instead.",
    photoSent: "📷 Photo",
    photoWrongType: "Please choose a JPEG, PNG or WebP photo.",
    photoTooBig: "That photo is larger than 10 MB. Please choose a smaller one.",
    offline: "I can't reach the server. Please check your connection and try again.",
    update: "Update",
    typing: "…",
    language: "Language",
  },
  zh: {
    subtitle: "反映城市问题，并跟进到解决为止。",
    welcome: "您好！请告诉我您发现的城市问题——道路坑洼、路灯损坏、垃圾、噪音……——或查询已提交诉求的进展。",
    placeholder: "请输入消息…",
    send: "发送",
    shareLocation: "发送我的位置",
    sendPhoto: "发送照片",
    message: "消息",
    locationShared: "📍 已发送位置",
    locating: "正在获取您的位置…",
    locationDenied: "无法获取您的位置，请直接输入地址或描述地点。",
    photoSent: "📷 照片",
    photoWrongType: "请选择 JPEG、PNG 或 WebP 格式的照片。",
    photoTooBig: "照片超过 10 MB，请选择较小的照片。",
    offline: "无法连接服务器，请检查网络后重试。",
    update: "进展",
    typing: "…",
    language: "语言",
  },
};
// The page speaks the resident's language: the one they picked here (/set_language buttons), else the browser's.
const LANGUAGE_KEY = "huiyin.language";
const SET_LANGUAGE = /^\/set_language\{"language":"([a-z]{2,3})"\}$/;
let T = UI.en;

function pageLanguage() {
  let picked = null;
  try { picked = localStorage.getItem(LANGUAGE_KEY); } catch (e) { /* storage disabled */ }
  if (picked && UI[picked]) return picked;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).split(/[-_]/)[0].toLowerCase();
    if (UI[base]) return base;
  }
  return "en";
}

const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const POLL_MS = 5000;
const LAST_UPDATE_KEY = "huiyin.lastUpdateId";
// Ids of updates already shown: a message held back by quiet hours can come after later ones.
const SHOWN_UPDATES_KEY = "huiyin.shownUpdateIds";
const SHOWN_UPDATES_LIMIT = 200;
// The transcript lives for the tab only, so a shared device doesn't keep it around.
const HISTORY_KEY = "huiyin.history";
const HISTORY_LIMIT = 100;

const log = document.getElementById("log");
const form = document.getElementById("composer");
const input = document.getElementById("text");
const photoInput = document.getElementById("photo");
let history = [];
let queue = Promise.resolve();
let polling = false;

function safeImage(url) {
  return typeof url === "string" && /^(https:\/\/|\/(?!\/))/.test(url) ? url : null;
}

function scrollDown() {
  log.scrollTop = log.scrollHeight;
}

// Draws one bubble; `entry` is {who: "me"|"bot"|"update"|"note", text, buttons?, image?, time?}.
function render(entry, live) {
  const bubble = document.createElement("div");
  bubble.className = "msg " + entry.who;
  if (entry.who === "update") {
    const label = document.createElement("div");
    label.className = "label";
    label.textContent = T.update + (entry.time ? " · " + entry.time : "");
    bubble.appendChild(label);
  }
  if (entry.preview) {
    const img = document.createElement("img");
    img.src = entry.preview;
    img.alt = "";
    bubble.appendChild(img);
  }
  const image = safeImage(entry.image);
  if (image) {
    const img = document.createElement("img");
    img.src = image;
    img.alt = "";
    bubble.appendChild(img);
  }
  if (entry.text) {
    const p = document.createElement("p");
    p.textContent = entry.text;
    bubble.appendChild(p);
  }
  // The resident's data export (bot/webchat/mydata.py): a link of this session, only ever to our own path.
  if (typeof entry.download === "string" && entry.download.startsWith("/api/mydata?")) {
    const link = document.createElement("a");
    link.href = entry.download;
    link.download = "";
    link.textContent = "⬇ JSON";
    bubble.appendChild(link);
  }
  log.appendChild(bubble);
  if (entry.buttons && entry.buttons.length) {
    log.appendChild(renderButtons(entry, live));
  }
  scrollDown();
  return bubble;
}

function renderButtons(entry, live) {
  const row = document.createElement("div");
  row.className = "choices";
  for (const choice of entry.buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = choice.title;
    button.disabled = !live || entry.used;
    if (entry.chosen === choice.payload) button.classList.add("chosen");
    button.addEventListener("click", () => {
      for (const b of row.querySelectorAll("button")) b.disabled = true;
      button.classList.add("chosen");
      entry.used = true;
      entry.chosen = choice.payload;
      saveHistory();
      say({who: "me", text: choice.title});
      const picked = SET_LANGUAGE.exec(choice.payload);
      if (picked && UI[picked[1]]) {
        try { localStorage.setItem(LANGUAGE_KEY, picked[1]); } catch (e) { /* storage disabled */ }
        applyLanguage(picked[1]);
      }
      enqueue(() => post("/api/messages", {payload: choice.payload}));
    });
    row.appendChild(button);
  }
  return row;
}

function say(entry) {
  history.push(entry);
  history = history.slice(-HISTORY_LIMIT);
  saveHistory();
  return render(entry, true);
}

function saveHistory() {
  try {
    // Photo previews are blob: URLs that die with the page.
    const kept = history.map(({preview, ...rest}) => rest);
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(kept));
  } catch (e) { /* storage full or disabled: the chat still works */ }
}

function restoreHistory() {
  try {
    history = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]");
  } catch (e) {
    history = [];
  }
  if (!Array.isArray(history)) history = [];
  // Buttons from an earlier page load are shown but no longer pressable.
  for (const entry of history) render(entry, false);
}

// Messages go out one at a time, so replies arrive in the order residents wrote.
function enqueue(task) {
  queue = queue.then(task, task);
  return queue;
}

function showReplies(replies) {
  for (const reply of replies || []) {
    say({who: "bot", text: reply.text || "", buttons: reply.buttons || [], image: reply.image || null,
         download: reply.download || null});
  }
}

// `resent`: already sent once without a session cookie (the server then sets one and asks to resend).
async function post(url, body, resent) {
  const typing = render({who: "bot typing", text: T.typing}, false);
  try {
    const isForm = body instanceof FormData;
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: isForm ? {} : {"Content-Type": "application/json"},
      body: isForm ? body : JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: a proxy error page */ }
    // The cookie was missing (cleared, or the page outlived it): nothing was done, and now we have one.
    if (data.resend && !resent) return await post(url, body, true);
    // Refusals (too fast, a photo not asked for, ...) come with a reply to show, whatever the status.
    if (data.replies) showReplies(data.replies);
    else if (!response.ok) say({who: "note", text: data.error || T.offline});
  } catch (e) {
    say({who: "note", text: T.offline});
  } finally {
    typing.remove();
  }
}

function sendText() {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  autosize();
  say({who: "me", text: text});
  enqueue(() => post("/api/messages", {text: text}));
}

function shareLocation() {
  if (!navigator.geolocation) {
    say({who: "note", text: T.locationDenied});
    return;
  }
  const waiting = render({who: "note", text: T.locating}, false);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      waiting.remove();
      const {latitude, longitude} = position.coords;
      say({who: "me", text: T.locationShared + " (" + latitude.toFixed(5) + ", " + longitude.toFixed(5) + ")"});
      enqueue(() => post("/api/location", {latitude: latitude, longitude: longitude}));
    },
    () => {
      waiting.remove();
      say({who: "note", text: T.locationDenied});
    },
    {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000},
  );
}

function sendPhoto() {
  const file = photoInput.files && photoInput.files[0];
  photoInput.value = "";
  if (!file) return;
  if (!["image/jpeg", "image/png", "image/webp"].includes(file.type)) {
    say({who: "note", text: T.photoWrongType});
    return;
  }
  if (file.size > MAX_PHOTO_BYTES) {
    say({who: "note", text: T.photoTooBig});
    return;
  }
  say({who: "me", text: T.photoSent, preview: URL.createObjectURL(file)});
  const data = new FormData();
  data.append("photo", file);
  enqueue(() => post("/api/photo", data));
}

function shownUpdateIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(SHOWN_UPDATES_KEY) || "[]");
    return new Set(Array.isArray(ids) ? ids : []);
  } catch (e) {
    return new Set();
  }
}

// Status changes, staff's replies and questions (with their buttons) since the last one shown.
// The cursor is the highest id shown (remembered across visits); rows may come out of id order
// (quiet hours hold some back), so ids already shown are skipped rather than trusted to the cursor.
async function pollUpdates() {
  if (polling) return;  // the timer and a tab coming back can fire together
  polling = true;
  let cursor = Number(localStorage.getItem(LAST_UPDATE_KEY) || 0);
  try {
    const response = await fetch("/api/updates?after=" + cursor, {credentials: "same-origin"});
    if (!response.ok) return;
    const data = await response.json();
    const shown = shownUpdateIds();
    for (const update of data.updates || []) {
      if (shown.has(update.id)) continue;
      const time = new Date(update.created_at).toLocaleString([], {dateStyle: "medium", timeStyle: "short"});
      say({who: "update", text: update.text, time: time, buttons: update.buttons || []});
      shown.add(update.id);
      cursor = Math.max(cursor, update.id);
    }
    localStorage.setItem(LAST_UPDATE_KEY, String(cursor));
    localStorage.setItem(SHOWN_UPDATES_KEY, JSON.stringify([...shown].slice(-SHOWN_UPDATES_LIMIT)));
  } catch (e) {
    /* offline: try again at the next poll */
  } finally {
    polling = false;
  }
}

function autosize() {
  input.style.height = "auto";
  input.style.height = Math.min(input.scrollHeight, 160) + "px";
}

function applyLanguage(language) {
  T = {...UI.en, ...UI[language]};
  document.documentElement.lang = language;
  document.getElementById("subtitle").textContent = T.subtitle;
  input.placeholder = T.placeholder;
  document.getElementById("send").textContent = T.send;
  document.getElementById("locate").setAttribute("aria-label", T.shareLocation);
  document.getElementById("locate").title = T.shareLocation;
  document.getElementById("pick-photo").setAttribute("aria-label", T.sendPhoto);
  document.getElementById("pick-photo").title = T.sendPhoto;
  input.setAttribute("aria-label", T.message);
  document.getElementById("language").textContent = T.language;
}

function start() {
  applyLanguage(pageLanguage());
  restoreHistory();
  if (!history.length) say({who: "bot", text: T.welcome});
  form.addEventListener("submit", (event) => { event.preventDefault(); sendText(); });
  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter (and Enter while an input method is composing) does not.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });
  input.addEventListener("input", autosize);
  document.getElementById("locate").addEventListener("click", shareLocation);
  // The bot answers with one button per language (utter_choose_language).
  document.getElementById("language").addEventListener("click", () => {
    enqueue(() => post("/api/messages", {payload: "/set_language"}));
  });
  document.getElementById("pick-photo").addEventListener("click", () => photoInput.click());
  photoInput.addEventListener("change", sendPhoto);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) pollUpdates(); });
  setInterval(() => { if (!document.hidden) pollUpdates(); }, POLL_MS);
  pollUpdates();
  input.focus();
}

start();
