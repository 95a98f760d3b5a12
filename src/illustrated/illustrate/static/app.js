// The illustrated page: asks the local API for numbers and draws them as SVG.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function mix(a, b, t) {
  return a.map((x, i) => Math.round(x + (b[i] - x) * t));
}

// Diverging colour centred on zero: blue (negative), white, red (positive), like the figures.
function diverging(value, vmax) {
  const t = Math.max(-1, Math.min(1, value / (vmax || 1)));
  const rgb = t < 0 ? mix([255, 255, 255], [33, 102, 172], -t) : mix([255, 255, 255], [178, 24, 43], t);
  return `rgb(${rgb.join(",")})`;
}

function sequential(value) {
  const rgb = mix([247, 251, 255], [8, 48, 107], Math.max(0, Math.min(1, value)));
  return `rgb(${rgb.join(",")})`;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => d.msg).join("; ") : data.detail;
    throw new Error(detail || `request failed (${response.status})`);
  }
  return data;
}

// Stacked strips: one row of cells per vector, labels on the left, one shared colour scale.
const drawn = new Map();  // svg → rows, to redraw strips when the window changes size

function drawStrips(svg, rows) {
  drawn.set(svg, rows);
  svg.replaceChildren();
  if (!rows.length) return;
  const dim = rows[0].vector.length;
  const labelWidth = Math.min(200, 12 + 7 * Math.max(...rows.map((r) => r.label.length)));
  // Fit the cells to the space available; below 3 px a cell the strip scrolls sideways instead.
  const available = (svg.parentElement && svg.parentElement.clientWidth) || 520;
  const cell = Math.max(3, Math.min(18, (available - labelWidth - 2) / dim));
  const height = 22, gap = 4;
  const vmax = Math.max(1e-9, ...rows.flatMap((r) => r.vector.map(Math.abs)));
  const width = labelWidth + cell * dim;
  svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * (height + gap)}`);
  svg.setAttribute("width", width);
  rows.forEach((row, i) => {
    const g = el("g", {class: "strip", "data-label": row.label, transform: `translate(0 ${i * (height + gap)})`});
    g.appendChild(el("text", {x: labelWidth - 8, y: height / 2 + 4, "text-anchor": "end",
                              class: row.highlight ? "out" : ""}, row.label));
    row.vector.forEach((v, j) => {
      const rect = el("rect", {class: "cell", x: labelWidth + j * cell, y: 0, width: cell, height,
                               fill: diverging(v, vmax)});
      rect.appendChild(el("title", {}, `dim ${j}: ${v.toFixed(3)}`));
      g.appendChild(rect);
    });
    svg.appendChild(g);
  });
}

// Attention heatmap: key tokens across the top, one row per query token (an output word, or a
// source word for the encoder's self-attention).
function drawHeatmap(svg, rows, cols, matrix) {
  svg.replaceChildren();
  const cell = 36, left = 16 + 8 * Math.max(1, ...rows.map((w) => w.length));
  const top = 16 + 6 * Math.max(1, ...cols.map((w) => w.length));
  const width = left + cell * cols.length + 4, height = top + cell * rows.length + 4;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  cols.forEach((w, j) => {
    const x = left + j * cell + cell / 2, y = top - 6;
    svg.appendChild(el("text", {class: "source", x, y, transform: `rotate(-45 ${x} ${y})`}, w));
  });
  rows.forEach((w, i) => {
    const g = el("g", {class: "row", "data-word": w});
    g.appendChild(el("text", {class: "out", x: left - 8, y: top + i * cell + cell / 2 + 4, "text-anchor": "end"}, w));
    matrix[i].forEach((a, j) => {
      const rect = el("rect", {class: "cell", x: left + j * cell, y: top + i * cell, width: cell - 1,
                               height: cell - 1, fill: sequential(a), "data-weight": a.toFixed(4)});
      rect.appendChild(el("title", {}, `${w} ← ${cols[j]}: ${a.toFixed(3)}`));
      g.appendChild(rect);
    });
    svg.appendChild(g);
  });
}

// Layer and head pickers over a translation's attention maps (a Transformer has many; a
// recurrent model one, and the pickers stay hidden).
let shown = null;
const MAP_NAMES = {cross: "output → source", encoder: "source → source (encoder)",
                   decoder: "output → output so far (decoder)"};

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([v, label]) => {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = label;
    return o;
  }));
  if (options.some(([v]) => v === value)) select.value = value;
}

function showAttention(t) {
  shown = t;
  const kinds = Object.keys(t.maps || {});
  const cross = t.maps && t.maps.cross;
  const layers = cross ? cross.attention.length : 1, heads = cross ? cross.attention[0].length : 1;
  $("attention-pickers").hidden = !(kinds.length > 1 || layers > 1 || heads > 1);
  fillSelect($("attention-map"), kinds.map((k) => [k, MAP_NAMES[k] || k]), $("attention-map").value || "cross");
  // values are the numbers shown, from 1
  const wanted = $("attention-layer").value;   // keep the reader's layer; start at the last
  fillSelect($("attention-layer"), [...Array(layers).keys()].map((l) => [String(l + 1), String(l + 1)]),
             wanted && Number(wanted) <= layers ? wanted : String(layers));
  fillSelect($("attention-head"), [["mean", "all (mean)"], ...[...Array(heads).keys()].map((h) => [String(h + 1), String(h + 1)])],
             $("attention-head").value || "mean");
  redrawAttention();
}

function redrawAttention() {
  const t = shown;
  if (!t) return;
  const m = t.maps && t.maps[$("attention-map").value];
  if (!m) {
    drawHeatmap($("heatmap"), t.target, t.source, t.attention);
    return;
  }
  const layer = m.attention[Math.min(m.attention.length, Number($("attention-layer").value) || 1) - 1];
  const head = $("attention-head").value;
  const matrix = head === "mean" || Number(head) > layer.length
    ? layer[0].map((row, i) => row.map((_, j) => layer.reduce((s, h) => s + h[i][j], 0) / layer.length))
    : layer[Number(head) - 1];
  drawHeatmap($("heatmap"), m.queries, m.keys, matrix);
}

function showError(id, error) {
  $(id).textContent = error ? error.message || String(error) : "";
}

// entries: [label, score] or [label, score, id] (an item's id shown small beside its name)
function listItems(list, entries) {
  list.replaceChildren(...entries.map(([word, score, id]) => {
    const li = document.createElement("li");
    li.textContent = word;
    if (id !== undefined && id !== word) {
      const small = document.createElement("span");
      small.className = "id";
      small.textContent = id;
      li.appendChild(small);
    }
    const s = document.createElement("span");
    s.className = "score";
    s.textContent = score.toFixed(3);
    li.appendChild(s);
    return li;
  }));
}

async function lookUpWord(word) {
  showError("word-error");
  try {
    const data = await api(`/api/neighbours?word=${encodeURIComponent(word)}&topn=8`);
    listItems($("neighbours"), data.neighbours.map((n) => [n.word, n.score]));
    drawStrips($("word-strips"), [{label: data.word, vector: data.vector, highlight: true},
      ...data.neighbours.map((n) => ({label: n.word, vector: n.vector}))]);
  } catch (e) {
    $("neighbours").replaceChildren();
    $("word-strips").replaceChildren();
    showError("word-error", e);
  }
}

async function solveAnalogy() {
  showError("analogy-error");
  const [a, b, c] = ["analogy-a", "analogy-b", "analogy-c"].map((id) => $(id).value.trim());
  try {
    const d = await api(`/api/analogy?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}&c=${encodeURIComponent(c)}`);
    const [wa, wb, wc, found] = d.words;
    $("analogy-result").textContent = `${wa} − ${wb} + ${wc} ≈ ${found}  (cosine ${d.cosine.toFixed(2)})`;
    drawStrips($("analogy-strips"), [
      {label: wa, vector: d.vectors[0]}, {label: wb, vector: d.vectors[1]}, {label: wc, vector: d.vectors[2]},
      {label: `${wa} − ${wb} + ${wc}`, vector: d.result}, {label: found, vector: d.vectors[3], highlight: true}]);
  } catch (e) {
    $("analogy-result").textContent = "";
    $("analogy-strips").replaceChildren();
    showError("analogy-error", e);
  }
}

async function translate() {
  showError("translate-error");
  $("translation").textContent = "translating…";
  try {
    const t = await api("/api/translate", {sentence: $("sentence").value, beam: 5});
    $("translation").textContent = t.text;
    showAttention(t);
  } catch (e) {
    $("translation").textContent = "";
    $("heatmap").replaceChildren();
    $("attention-pickers").hidden = true;
    shown = null;
    showError("translate-error", e);
  }
}

const picked = [];
const itemNames = new Map();  // item id → name, from every answer the page has seen

function remember(items, names) {
  (names || []).forEach((name, i) => { if (name) itemNames.set(items[i], name); });
}

function itemLabel(item) {
  return itemNames.get(item) || item;
}

function drawPicked() {
  $("picked").replaceChildren(...picked.map((item, i) => {
    const li = document.createElement("li");
    li.textContent = itemLabel(item);
    li.title = item;
    li.dataset.item = item;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.setAttribute("aria-label", `remove ${itemLabel(item)}`);
    remove.textContent = "×";
    remove.onclick = () => { picked.splice(i, 1); drawPicked(); };
    li.appendChild(remove);
    return li;
  }));
  $("recommend-button").disabled = picked.length === 0;
}

async function suggestItems(query) {
  try {
    const data = await api(`/api/items?q=${encodeURIComponent(query)}&limit=20`);
    remember(data.items, data.names);
    $("item-options").replaceChildren(...data.items.map((item, i) => {
      const option = document.createElement("option");
      option.value = item;
      if (data.names && data.names[i]) option.label = data.names[i];
      return option;
    }));
  } catch (e) { /* suggestions are optional */ }
}

// What the user typed: an id, or an item's name, found as the command line finds it (the
// recommender's resolve); unknown text stays as typed, several names containing it are an error.
async function resolveItem(text) {
  const data = await api(`/api/resolve?q=${encodeURIComponent(text)}`);
  if (!data.item) return text;
  remember([data.item], [data.name]);
  return data.item;
}

async function recommend() {
  showError("recommend-error");
  try {
    const r = await api("/api/recommend", {items: picked, k: 10});
    remember(r.items, r.names);
    listItems($("recommendations"), r.items.map((item, i) => [itemLabel(item), r.scores[i], item]));
    $("recommend-reason").textContent = r.fallback ? `fallback: ${r.reason}` : r.reason;
  } catch (e) {
    $("recommendations").replaceChildren();
    showError("recommend-error", e);
  }
}

// The map of the items: PCA of their vectors (the server projects), cold items as dashed rings;
// a click shows the item's nearest items on the map and what its vector is made of.
const MAP_W = 600, MAP_H = 400, MAP_PAD = 18;
let mapPoints = [];

async function loadMap() {
  const data = await api("/api/map?limit=300");
  mapPoints = data.points;
  remember(mapPoints.map((p) => p.item), mapPoints.map((p) => p.name));
  drawMap(null, []);
}

function mapScale() {
  const xs = mapPoints.map((p) => p.x), ys = mapPoints.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const s = Math.min((MAP_W - 2 * MAP_PAD) / ((x1 - x0) || 1), (MAP_H - 2 * MAP_PAD) / ((y1 - y0) || 1));
  return (p) => [MAP_PAD + (p.x - x0) * s, MAP_H - MAP_PAD - (p.y - y0) * s];
}

function drawMap(selected, neighbours) {
  const svg = $("item-map");
  svg.replaceChildren();
  if (!mapPoints.length) return;
  svg.setAttribute("viewBox", `0 0 ${MAP_W} ${MAP_H}`);
  svg.classList.toggle("focused", selected !== null);
  const at = mapScale();
  const where = new Map(mapPoints.map((p) => [p.item, at(p)]));
  if (selected !== null && where.has(selected)) {
    const [sx, sy] = where.get(selected);
    neighbours.filter((n) => where.has(n)).forEach((n) => {
      const [nx, ny] = where.get(n);
      svg.appendChild(el("line", {class: "link", x1: sx, y1: sy, x2: nx, y2: ny}));
    });
  }
  const tagged = [];
  mapPoints.forEach((p) => {
    const [x, y] = where.get(p.item);
    const role = p.item === selected ? " selected" : neighbours.includes(p.item) ? " neighbour" : "";
    const dot = el("circle", {class: `point${p.cold ? " cold" : ""}${role}`, cx: x, cy: y,
                              r: p.cold || role ? 6 : 4.5, "data-item": p.item});
    dot.appendChild(el("title", {}, `${p.name ? `${p.name} (${p.item})` : p.item}${p.cold ? " — cold" : ""}`));
    dot.addEventListener("click", () => selectItem(p.item));
    svg.appendChild(dot);
    if (role) tagged.push([x, y, itemLabel(p.item)]);
  });
  tagged.forEach(([x, y, label]) => svg.appendChild(el("text", {class: "tag", x: x + 7, y: y - 6}, label)));
}

async function selectItem(item) {
  showError("map-error");
  try {
    const query = encodeURIComponent(item);
    const [near, parts] = await Promise.all([api(`/api/similar?item=${query}&k=10`),
                                             api(`/api/item?item=${query}`)]);
    remember(near.items, near.names);
    remember([near.item], [near.name]);
    drawMap(near.item, near.items);
    $("item-title").textContent = itemLabel(near.item) + (near.cold ? "  (cold)" : "");
    $("item-reason").textContent = near.fallback ? `fallback: ${near.reason}` : near.reason;
    listItems($("item-neighbours"), near.items.map((it, i) => [itemLabel(it), near.scores[i], it]));
    drawParts(parts);
  } catch (e) {
    showError("map-error", e);
  }
}

function drawParts(parts) {
  const rows = [{label: `${itemLabel(parts.item)}: vector`, vector: parts.vector, highlight: true}];
  if (parts.id_vector) rows.push({label: "own row", vector: parts.id_vector});
  parts.attributes.forEach((a, i) => rows.push({label: a, vector: parts.attribute_vectors[i]}));
  drawStrips($("item-parts"), rows);
  drawWeights($("item-weights"), [parts.cold ? "own row (none: cold)" : "own row", ...parts.attributes],
              parts.weights);
  $("parts-note").hidden = false;
}

// One bar per part of the vector: its learned weight (they sum to 1).
function drawWeights(svg, labels, weights) {
  svg.replaceChildren();
  const labelWidth = Math.min(220, 12 + 7 * Math.max(...labels.map((l) => l.length)));
  const bar = 200, height = 16, gap = 4;
  svg.setAttribute("viewBox", `0 0 ${labelWidth + bar + 50} ${labels.length * (height + gap)}`);
  svg.setAttribute("width", labelWidth + bar + 50);
  labels.forEach((label, i) => {
    const w = weights[i] || 0;
    const g = el("g", {class: "weight", "data-label": label, "data-weight": w.toFixed(4),
                       transform: `translate(0 ${i * (height + gap)})`});
    g.appendChild(el("text", {x: labelWidth - 8, y: height - 4, "text-anchor": "end"}, label));
    g.appendChild(el("rect", {class: "bar", x: labelWidth, y: 2, width: Math.max(0.5, w * bar), height: height - 4}));
    g.appendChild(el("text", {x: labelWidth + w * bar + 6, y: height - 4}, w.toFixed(2)));
    svg.appendChild(g);
  });
}

function disable(model) {
  document.querySelectorAll(`[data-model="${model}"]`).forEach((card) => {
    card.classList.add("disabled");
    card.querySelector(".missing").hidden = false;
  });
}

async function start() {
  const info = await api("/api/info");
  for (const model of ["word2vec", "translator", "recommender"]) if (!info[model]) disable(model);
  if (info.word2vec) {
    const examples = $("word-examples");
    examples.append("try: ");
    info.word2vec.examples.slice(0, 8).forEach((w) => {
      const a = document.createElement("a");
      a.textContent = w;
      a.onclick = () => { $("word").value = w; lookUpWord(w); };
      examples.append(a);
    });
  }
  if (info.recommender) {
    suggestItems("");
    loadMap().catch((e) => showError("map-error", e));
  }
}

$("word-form").addEventListener("submit", (e) => { e.preventDefault(); lookUpWord($("word").value.trim()); });
$("analogy-form").addEventListener("submit", (e) => { e.preventDefault(); solveAnalogy(); });
$("translate-form").addEventListener("submit", (e) => { e.preventDefault(); translate(); });
$("item-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError("recommend-error");
  const text = $("item").value.trim();
  $("item").value = "";
  try {
    const item = text ? await resolveItem(text) : "";
    if (item && !picked.includes(item)) picked.push(item);
  } catch (error) { showError("recommend-error", error); }
  drawPicked();
});
$("map-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError("map-error");
  try {
    const text = $("map-item").value.trim();
    const data = await api(`/api/resolve?q=${encodeURIComponent(text)}`);
    if (!data.item) throw new Error(`unknown item '${text}'`);
    await selectItem(data.item);
  } catch (error) { showError("map-error", error); }
});
$("item").addEventListener("input", (e) => suggestItems(e.target.value));
for (const id of ["attention-map", "attention-layer", "attention-head"]) $(id).addEventListener("change", redrawAttention);
$("recommend-button").addEventListener("click", recommend);
$("clear-button").addEventListener("click", () => {
  picked.length = 0;
  drawPicked();
  $("recommendations").replaceChildren();
  $("recommend-reason").textContent = "";
});
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => drawn.forEach((rows, svg) => drawStrips(svg, rows)), 150);
});
start().catch((e) => showError("word-error", e));
