// Progressive enhancement only: every page works without this file.
"use strict";

// Live progress: an element with data-progress-url is refreshed from that JSON
// ({"status", "progress": {"done", "total", "stage"}, "finished", "result_url"}) until done.
function followProgress(box) {
  const url = box.dataset.progressUrl;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const tick = async () => {
    let state;
    try {
      const reply = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      state = await reply.json();
    } catch (err) {
      setTimeout(tick, 2000);
      return;
    }
    const p = state.progress || {};
    if (bar && p.total) { bar.max = p.total; bar.value = p.done || 0; }
    if (text) { text.textContent = state.message || state.status; }
    if (state.finished) {
      if (state.result_url) { window.location.assign(state.result_url); }
      return;
    }
    setTimeout(tick, 500);
  };
  tick();
}

// Keyboard shortcuts: any element with data-key="x" is clicked (or focused) on that key,
// unless the person is typing in a field.
function shortcuts(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) { return; }
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) { return; }
  const hit = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!hit) { return; }
  event.preventDefault();
  if (hit.matches("input[type=checkbox], button, a")) { hit.click(); } else { hit.focus(); }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress-url]").forEach(followProgress);
  document.addEventListener("keydown", shortcuts);
});

// Review queue: j and k move between the items of a [data-queue]; the current item's checkbox
// takes the "x" key (the first item's has it without this script).
function reviewQueue(queue) {
  const items = Array.from(queue.querySelectorAll("[data-item]"));
  let current = 0;
  const show = (index) => {
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, i) => {
      item.classList.toggle("current", i === current);
      const box = item.querySelector("input[type=checkbox]");
      if (box && i === current) { box.dataset.key = "x"; } else if (box) { delete box.dataset.key; }
    });
    items[current].focus();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !items.length) { return; }
    if (event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      show(current + (event.key === "j" ? 1 : -1));
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-queue]").forEach(reviewQueue);
});
