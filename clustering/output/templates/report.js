"use strict";
(function () {
  const data = JSON.parse(document.getElementById("samestory-data").textContent);
  const A = data.articles;
  const S = data.stories;
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#bcbd22", "#3b4cc0", "#b8860b", "#006d5b"];
  const OUTLIER = "#9aa3ad";
  const DIMMED = "#e4e7eb";
  const CHUNK = 20;
  const OUTLIER_CHUNK = 50;
  const MEMBERS = 8;
  const $ = (id) => document.getElementById(id);

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  }
  function hue(text) {
    let h = 7;
    for (const c of text) h = (h * 31 + c.codePointAt(0)) % 360;
    return h;
  }
  function badge(lang) {
    const node = el("span", "badge", lang || "?");
    node.style.setProperty("--badge", lang ? "hsl(" + hue(lang) + " 50% 38%)" : "#667");
    node.title = lang ? "language: " + lang : "language unknown";
    return node;
  }
  // Times are UTC ("…T06:15:00Z"): a date alone at midnight, else the date, hour and "UTC".
  function when(iso) {
    if (!iso) return "";
    return /T00:00:00(\.0+)?Z$/.test(iso) ? iso.slice(0, 10) : iso.slice(0, 16).replace("T", " ") + " UTC";
  }
  function span(first, last) {
    if (!first) return "undated";
    return first.slice(0, 10) === last.slice(0, 10) ? when(first) : when(first) + " – " + when(last);
  }
  // Left to right and isolated, so that an Arabic or Persian source beside it cannot reorder it.
  function time(cls, text) {
    const node = el("time", cls, text);
    node.dir = "ltr";
    return node;
  }
  function headline(i) {
    const url = A.url[i];
    const title = A.title[i] || A.id[i];
    if (!url || !/^https?:\/\//i.test(url)) return el("span", "headline", title);
    const link = el("a", "headline", title);
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  function memberRow(i, representative) {
    const row = el("li", representative ? "rep" : "");
    row.append(badge(A.lang[i]), headline(i));
    const date = when(A.published[i]);
    if (A.source[i] || date) {
      const where = el("span", "src");
      if (A.source[i]) where.append(el("bdi", "", A.source[i]));
      if (A.source[i] && date) where.append(" · ");
      if (date) where.append(time("", date));
      row.append(where);
    }
    row.append(el("span", "aid", A.id[i]));
    return row;
  }

  let colour = 0;
  const languages = new Map();
  for (const s of S) {
    s.color = s.outlier ? OUTLIER : PALETTE[colour++ % PALETTE.length];
    const sources = new Set();
    const hay = [s.id];
    for (const i of s.members) {
      if (A.source[i]) sources.add(A.source[i]);
      hay.push(A.title[i] || "", A.id[i], A.source[i] || "", A.lang[i] || "");
      if (A.lang[i]) languages.set(A.lang[i], (languages.get(A.lang[i]) || 0) + 1);
    }
    s.sources = Array.from(sources).sort();
    s.hay = fold(hay.join("\n"));
  }

  function card(s) {
    const node = el("article", "card");
    node.dataset.story = s.id;
    node.style.setProperty("--story", s.color);
    const meta = el("div", "meta");
    meta.append(el("span", "sid", s.id), el("span", "size", s.members.length + " articles"));
    for (const lang of s.languages) meta.append(badge(lang));
    meta.append(time("dates", span(s.first, s.last)));
    if (s.sources.length) meta.append(el("span", "sources", s.sources.join(", ")));
    node.append(meta, el("h3", "title", A.title[s.representative] || A.id[s.representative]));
    const list = el("ol", "members");
    const order = [s.representative, ...s.members.filter((i) => i !== s.representative)];
    for (const i of order.slice(0, MEMBERS)) list.append(memberRow(i, i === s.representative));
    node.append(list);
    if (order.length > MEMBERS) {
      const all = el("button", "more", "Show all " + order.length + " articles");
      all.type = "button";
      all.addEventListener("click", () => {
        for (const i of order.slice(MEMBERS)) list.append(memberRow(i, false));
        all.remove();
      });
      node.append(all);
    }
    return node;
  }
  function outlierRow(s) {
    const row = memberRow(s.representative, false);
    row.dataset.story = s.id;
    row.prepend(el("span", "sid", s.id));
    return row;
  }

  const state = { cards: [], outliers: [], shownCards: 0, shownOutliers: 0, match: null };

  function more(list, key, container, button, size, make) {
    const items = state[list];
    const start = state[key];
    const end = Math.min(items.length, start + size);
    const fragment = document.createDocumentFragment();
    for (let k = start; k < end; k++) fragment.append(make(items[k]));
    container.append(fragment);
    state[key] = end;
    button.hidden = end >= items.length;
  }
  const moreCards = () => more("cards", "shownCards", $("cards"), $("more-cards"), CHUNK, card);
  const moreOutliers = () =>
    more("outliers", "shownOutliers", $("outliers"), $("more-outliers"), OUTLIER_CHUNK, outlierRow);

  function parse(query) {
    const words = [];
    const ids = [];
    for (const token of fold(query).split(/\s+/)) {
      if (!token) continue;
      if (token.startsWith("story:")) ids.push(token.slice(6));
      else words.push(token);
    }
    return { words, ids };
  }
  function matcher() {
    const { words, ids } = parse($("q").value);
    const lang = $("lang").value;
    return (s) => {
      if (lang && !s.languages.includes(lang)) return false;
      if (ids.length && !ids.includes(s.id.toLowerCase())) return false;
      for (const w of words) if (!s.hay.includes(w)) return false;
      return true;
    };
  }

  function apply() {
    const match = matcher();
    const showOutliers = $("show-outliers").checked;
    state.cards = [];
    state.outliers = [];
    state.match = new Uint8Array(S.length);
    S.forEach((s, k) => {
      if (!match(s)) return;
      state.match[k] = 1;
      if (!s.outlier) state.cards.push(s);
      else if (showOutliers) state.outliers.push(s);
    });
    $("cards").replaceChildren();
    $("outliers").replaceChildren();
    state.shownCards = 0;
    state.shownOutliers = 0;
    moreCards();
    moreOutliers();
    if (!state.cards.length) $("cards").append(el("p", "empty", "No story with several reports matches."));
    $("outlier-section").hidden = !showOutliers;
    if (showOutliers && !state.outliers.length) $("outliers").append(el("li", "empty", "No outlier matches."));
    const total = state.cards.length + state.outliers.length;
    $("count").textContent = total + " of " + S.length + " stories";
    document.body.dataset.shown = String(total);
    draw();
  }

  const canvas = $("map");
  const ctx = canvas.getContext("2d");
  const PAD = 14;
  const DOT = A.id.length > 1000 ? 0.5 : 1;
  let scale = { w: 0, h: 0, dpr: 1 };
  function position(i) {
    return [PAD + (A.x[i] / 1000) * (scale.w - 2 * PAD), PAD + (1 - A.y[i] / 1000) * (scale.h - 2 * PAD)];
  }
  let box = null;
  function measureMap() {
    const w = canvas.clientWidth || 400;
    box = { w, h: canvas.clientHeight || w };
  }
  function draw() {
    // The canvas size is read on load and resize only: reading it here would force a
    // layout of the freshly filtered cards inside the input handler.
    if (!box) measureMap();
    const dpr = window.devicePixelRatio || 1;
    const { w, h } = box;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    scale = { w, h, dpr };
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const layers = [new Map(), new Map(), new Map()];
    for (let i = 0; i < A.id.length; i++) {
      const k = A.story[i];
      const s = S[k];
      const on = !state.match || state.match[k];
      const layer = !on ? 0 : s.outlier ? 1 : 2;
      const fill = on ? s.color : DIMMED;
      let path = layers[layer].get(fill);
      if (!path) layers[layer].set(fill, (path = new Path2D()));
      const [x, y] = position(i);
      const r = (s.outlier ? 3 : 4.5) * DOT;
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
    }
    for (const layer of layers) {
      for (const [fill, path] of layer) {
        ctx.fillStyle = fill;
        ctx.fill(path);
      }
    }
  }
  function nearest(event) {
    const box = canvas.getBoundingClientRect();
    const mx = event.clientX - box.left;
    const my = event.clientY - box.top;
    let best = -1;
    let bestD = 64;
    for (let i = 0; i < A.id.length; i++) {
      if (state.match && !state.match[A.story[i]]) continue;
      const [x, y] = position(i);
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return { best, mx, my };
  }
  canvas.addEventListener("mousemove", (event) => {
    const { best, mx, my } = nearest(event);
    const tip = $("tip");
    if (best < 0) { tip.hidden = true; return; }
    tip.textContent = S[A.story[best]].id + " · " + (A.lang[best] || "?") + " · " + (A.title[best] || A.id[best]);
    tip.style.left = Math.min(mx + 12, scale.w - 200) + "px";
    tip.style.top = my + 12 + "px";
    tip.hidden = false;
  });
  canvas.addEventListener("mouseleave", () => { $("tip").hidden = true; });
  canvas.addEventListener("click", (event) => {
    const { best } = nearest(event);
    if (best < 0) return;
    $("q").value = "story:" + S[A.story[best]].id;
    $("lang").value = "";
    apply();
    window.scrollTo({ top: 0 });
  });

  const select = $("lang");
  for (const lang of Array.from(languages.keys()).sort()) {
    const option = el("option", "", lang + " (" + languages.get(lang) + ")");
    option.value = lang;
    select.append(option);
  }
  const multi = S.filter((s) => !s.outlier).length;
  $("summary").textContent = A.id.length + " articles · " + S.length + " stories (" + multi +
    " with several reports, " + (S.length - multi) + " outliers) · " + languages.size + " languages";
  $("q").addEventListener("input", apply);
  select.addEventListener("change", apply);
  $("show-outliers").addEventListener("change", apply);
  $("more-cards").addEventListener("click", moreCards);
  $("more-outliers").addEventListener("click", moreOutliers);
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        if (entry.target.id === "more-cards") moreCards();
        else moreOutliers();
      }
    }, { rootMargin: "400px" });
    observer.observe($("more-cards"));
    observer.observe($("more-outliers"));
  }
  window.addEventListener("resize", () => { measureMap(); draw(); });
  apply();
  performance.mark("samestory-ready");
  document.body.dataset.ready = "1";
  requestAnimationFrame(() => setTimeout(() => performance.mark("samestory-painted"), 0));
})();
