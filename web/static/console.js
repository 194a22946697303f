// Huiyin staff console: small progressive enhancements; every page also works without scripts.
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Canned replies: one click puts the text in the public note; only those fitting the chosen status show.
  function setUpCannedReplies() {
    const note = document.getElementById("public-note");
    const status = document.getElementById("to-status");
    const buttons = document.querySelectorAll(".canned-reply");
    if (!note || !buttons.length) return;
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        const text = button.dataset.body || "";
        note.value = note.value.trim() ? note.value.replace(/\s+$/, "") + "\n" + text : text;
        note.focus();
      });
    });
    function filter() {
      const chosen = status ? status.value : "";
      buttons.forEach(function (button) {
        const fits = !button.dataset.status || button.dataset.status === chosen;
        button.hidden = !fits;
      });
    }
    if (status) status.addEventListener("change", filter);
    filter();
  }

  // Live chat transcript: new lines every second, without reloading.
  function messageNode(m) {
    const li = el("li", "msg " + m.direction);
    li.dataset.id = m.id;
    li.appendChild(el("span", "time", m.time));
    if (m.who) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "who", m.who)); }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "text", m.text));
    if (m.photo) {
      const link = el("a"); link.href = m.photo;
      const img = el("img", "thumb"); img.src = m.photo; img.alt = transcript.dataset.photo || "photo";
      link.appendChild(img); li.appendChild(document.createTextNode(" ")); li.appendChild(link);
    }
    return li;
  }

  function appendMessages(transcript, messages) {
    messages.forEach(function (m) {
      if (transcript.querySelector('li[data-id="' + m.id + '"]')) return;
      transcript.appendChild(messageNode(m));
      if (m.id > Number(transcript.dataset.last || 0)) transcript.dataset.last = m.id;
    });
    if (messages.length) transcript.lastElementChild.scrollIntoView({block: "nearest"});
  }

  function setUpTranscript() {
    const transcript = document.getElementById("transcript");
    if (!transcript || !transcript.dataset.poll) return;
    const badge = document.getElementById("handoff-status");
    let busy = false;
    async function poll() {
      if (busy) return;
      busy = true;
      try {
        const response = await fetch(transcript.dataset.poll + "?after=" + (transcript.dataset.last || 0),
                                     {credentials: "same-origin", headers: {"Accept": "application/json"}});
        if (response.ok) {
          const data = await response.json();
          appendMessages(transcript, data.messages || []);
          if (badge && data.status_label) badge.textContent = data.status_label;
        }
      } catch (error) { /* offline for a moment: the next poll catches up */ }
      busy = false;
    }
    setInterval(poll, 1000);

    const form = document.getElementById("reply-form");
    if (!form) return;
    const problem = form.querySelector(".reply-error");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const box = form.querySelector("textarea[name=text]");
      if (!box.value.trim()) return;
      problem.textContent = "";
      try {
        const response = await fetch(form.action, {
          method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(form)),
          headers: {"X-CSRF-Token": csrf, "Accept": "application/json"},
        });
        const data = await response.json();
        if (response.ok && data.message) {
          appendMessages(transcript, [data.message]);
          box.value = "";
        } else {
          problem.textContent = data.error || form.dataset.notSent;
        }
      } catch (error) {
        problem.textContent = form.dataset.unreachable;
      }
      box.focus();
    });
  }

  // Inbox: the waiting and active lists refresh every three seconds.
  function handoffItem(item, waiting) {
    const li = el("li", "handoff-item " + (waiting ? "waiting" : "active"));
    li.dataset.id = item.id;
    const link = el("a", null, item.resident); link.href = item.url;
    li.appendChild(link);
    // The server writes the line in the staff member's language.
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "meta", item.meta));
    return li;
  }

  function fillList(list, items, waiting, emptyText) {
    list.replaceChildren();
    if (!items.length) { list.appendChild(el("li", "empty", emptyText)); return; }
    items.forEach(function (item) { list.appendChild(handoffItem(item, waiting)); });
  }

  function setUpInbox() {
    const inbox = document.getElementById("inbox");
    if (!inbox || !inbox.dataset.poll) return;
    async function poll() {
      try {
        const response = await fetch(inbox.dataset.poll, {credentials: "same-origin", headers: {"Accept": "application/json"}});
        if (!response.ok) return;
        const data = await response.json();
        const empty = data.empty || {};
        fillList(document.getElementById("waiting-list"), data.waiting, true, empty.waiting || "");
        fillList(document.getElementById("active-list"), data.active, false, empty.active || "");
        document.getElementById("waiting-count").textContent = data.waiting.length;
      } catch (error) { /* try again at the next tick */ }
    }
    setInterval(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCannedReplies();
    setUpTranscript();
    setUpInbox();
  });
})();
