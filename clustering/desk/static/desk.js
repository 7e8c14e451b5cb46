// Live updates for the desk: when the store changes, fetch this page again and swap its
// main part in. The pages work without this script; it adds nothing else.
(() => {
  "use strict";
  if (!window.EventSource || !window.fetch) return;
  const live = document.getElementById("live");
  let busy = false;
  const refresh = async () => {
    if (busy) return;
    // Keep what the editor is doing: no swap while a form field has focus or a box is ticked.
    const active = document.activeElement;
    if (active && active.form) return;
    if (document.querySelector("input[type=checkbox]:checked")) return;
    busy = true;
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("desk");
      const main = document.getElementById("desk");
      if (!fresh || !main) return;
      const known = new Set([...main.querySelectorAll("[data-story],[data-article]")]
        .map((node) => node.dataset.story || node.dataset.article));
      main.replaceChildren(...fresh.childNodes);
      main.dataset.version = fresh.dataset.version;
      for (const node of main.querySelectorAll("[data-story],[data-article]")) {
        if (!known.has(node.dataset.story || node.dataset.article)) node.classList.add("fresh");
      }
    } finally {
      busy = false;
    }
  };
  const events = new EventSource("/events");
  events.addEventListener("hello", (event) => {
    live.hidden = false;
    if (event.data !== document.getElementById("desk").dataset.version) refresh();
  });
  events.addEventListener("change", refresh);
  events.onerror = () => { live.hidden = true; };
})();
