// The dashboard's page. Everything it draws comes from the kernel as small lists of numbers
// (tiles, bars, map cells) or one page of rows; every click goes back as a trait change.
// Plain SVG and HTML controls: no chart library, no CDN, and every control is a real
// button, input or focusable element, so the keyboard reaches all of it.
const SVG = "http://www.w3.org/2000/svg";
// Okabe-Ito: blue for at or above the overall rate, orange below (never red against green).
const GOOD = "#0072B2", BAD = "#E69F00", COUNT = "#0072B2";
// The map's least span, in degrees (about 2 km): a few cells of about 500 m.
const MAP_SPAN = 0.02;
const HEADINGS = {
  tracking_id: "Tracking id", shipment_tracking_id: "Barcode", state: "State",
  alcaldia: "Alcaldía", created_at: "Created", expected_delivery_date: "Promised",
  delivered_at: "Delivered", attempts: "Attempts",
};
const number = (n) => Number(n).toLocaleString("en-US");
const percent = (r) => (r === null || r === undefined ? "–" : `${(100 * r).toFixed(1)}%`);

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function s(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function commit(model, changes) {
  for (const [name, value] of Object.entries(changes)) model.set(name, value);
  model.save_changes();
}

function activate(node, action) {
  // A focusable SVG element acts like a button: click, Enter or Space.
  node.addEventListener("click", action);
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); action(); }
  });
}

const STEPS = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

function roving(items) {
  // A chart is one stop of the Tab key (the map alone has hundreds of points): the arrow
  // keys, Home and End move between its bars or points, and Tab leaves it from where it was.
  const all = [...items];
  const settle = (item) => all.forEach((other) => other.setAttribute("tabindex",
    other === item ? "0" : "-1"));
  all.forEach((item, i) => {
    item.addEventListener("focus", () => settle(item));
    item.addEventListener("keydown", (event) => {
      const to = event.key === "Home" ? 0 : event.key === "End" ? all.length - 1
        : event.key in STEPS ? Math.min(all.length - 1, Math.max(0, i + STEPS[event.key])) : null;
      if (to === null) return;
      event.preventDefault();
      all[to].focus();
    });
  });
  if (all.length) settle(all[0]);
}

function addChip(model, kind, value) {
  const chips = model.get("chips");
  if (!chips.some((c) => c.kind === kind && c.value === value)) {
    commit(model, { chips: [...chips, { kind, value }] });
  }
}

function chipLabel(chip) {
  if (chip.kind === "week") return `week of ${chip.value}`;
  if (chip.kind === "reason") return `failed: ${chip.value}`;
  if (chip.kind === "lead") {
    const [low, high] = chip.value.split("-");
    return high === "inf" ? `lead time ≥ ${low} h` : `lead time ${low}–${high} h`;
  }
  return chip.value;
}

function filtersBar(model) {
  const start = h("input", { type: "date", class: "cx-start", "aria-label": "From" });
  const end = h("input", { type: "date", class: "cx-end", "aria-label": "To" });
  start.addEventListener("change", () => start.value && commit(model, { start: start.value }));
  end.addEventListener("change", () => end.value && commit(model, { end: end.value }));
  const states = h("fieldset", { class: "cx-states" }, h("legend", {}, "States"));
  const places = h("select", { multiple: "", size: "4", class: "cx-alcaldias",
    "aria-label": "Alcaldías (none chosen: all)" });
  places.addEventListener("change", () => commit(model, {
    alcaldias: [...places.selectedOptions].map((o) => o.value) }));
  const search = h("input", { type: "search", class: "cx-search",
    placeholder: "Tracking id or barcode", "aria-label": "Search a tracking id or barcode" });
  let timer = null;
  const send = () => { clearTimeout(timer); commit(model, { search: search.value }); };
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(send, 300); });
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") send(); });
  function update() {
    const choices = model.get("choices");
    start.value = model.get("start"); end.value = model.get("end");
    start.min = end.min = choices.first || ""; start.max = end.max = choices.last || "";
    states.replaceChildren(h("legend", {}, "States"), ...(choices.states || []).map((name) => {
      const box = h("input", { type: "checkbox", value: name });
      box.checked = model.get("states").includes(name);
      box.addEventListener("change", () => commit(model, { states: [...states.querySelectorAll(
        "input:checked")].map((b) => b.value) }));
      return h("label", { class: "cx-state" }, box, ` ${name}`);
    }));
    const chosen = model.get("alcaldias");
    places.replaceChildren(...(choices.alcaldias || []).map((name) => {
      const option = h("option", { value: name }, name);
      option.selected = chosen.includes(name);
      return option;
    }));
    if (document.activeElement !== search) search.value = model.get("search");
  }
  const bar = h("div", { class: "cx-filters", role: "search" },
    h("label", {}, "From ", start), h("label", {}, "To ", end), states,
    h("label", { class: "cx-places" }, "Alcaldías ", places), h("label", {}, "Search ", search));
  return [bar, update];
}

function chipsRow(model) {
  const row = h("div", { class: "cx-chips", "aria-label": "Filters from the charts" });
  const count = h("p", { class: "cx-count", role: "status", "aria-live": "polite" });
  function update() {
    row.replaceChildren(...model.get("chips").map((chip) => h("button", {
      class: "cx-chip", "data-kind": chip.kind, "data-value": chip.value,
      "aria-label": `Remove filter ${chipLabel(chip)}`,
      onclick: () => commit(model, { chips: model.get("chips").filter(
        (c) => !(c.kind === chip.kind && c.value === chip.value)) }),
    }, `${chipLabel(chip)} ✕`)));
    count.textContent = model.get("count");
  }
  return [h("div", { class: "cx-status" }, count, row), update];
}

function tilesRow(model) {
  const row = h("div", { class: "cx-tiles" });
  const moment = h("p", { class: "cx-as-of" });
  function update() {
    moment.textContent = `KPIs ${model.get("as_of")}; on-time rate over the shipments due by then`;
    row.replaceChildren(...model.get("tiles").map((t) => h("div", {
      class: "cx-tile", "data-field": t.field },
      h("div", { class: "cx-tile-label" }, t.label),
      h("div", { class: "cx-tile-value" }, t.text),
      h("div", { class: `cx-tile-change cx-${t.better}` }, t.change_text),
      h("div", { class: "cx-tile-sample" },
        `n = ${number(t.sample)} · before: ${number(t.previous_sample)}`))));
  }
  return [h("div", {}, moment, row), update];
}

function barChart(model, title, kind, bars, overall) {
  // Horizontal bars: a label, the bar, its value. Rates are coloured against the overall
  // rate; counts are one colour. Pale bars rest on fewer than 30 deliveries.
  const rowHeight = 22, width = 460, valueWidth = 110;
  const labelWidth = Math.min(230, 12 + 6.2 * Math.max(4, ...bars.map((b) => b.label.length)));
  const barWidth = width - labelWidth - valueWidth;
  const svg = s("svg", { width, height: Math.max(1, bars.length) * rowHeight + 4,
    role: "group", "aria-label": title });
  const most = Math.max(1, ...bars.map((b) => ("rate" in b ? 1 : b.n)));
  bars.forEach((bar, i) => {
    const y = i * rowHeight + 2, isRate = "rate" in bar;
    const value = isRate ? bar.rate || 0 : bar.n;
    const text = isRate ? `${percent(bar.rate)} (n=${number(bar.n)})` : number(bar.n);
    const colour = !isRate ? COUNT : overall !== null && bar.rate < overall ? BAD : GOOD;
    // A provisional week (some promises not yet passed) is hollow: it can still change.
    const note = bar.provisional ? ", provisional: some promises not yet passed" : "";
    const g = s("g", { class: `cx-bar${bar.provisional ? " cx-provisional" : ""}`,
      tabindex: "0", role: "button", "data-kind": kind, "data-key": bar.key,
      "aria-label": `${bar.label}: ${text}${note}. Enter filters to it.` });
    g.append(s("text", { x: labelWidth - 6, y: y + 15, "text-anchor": "end" }, bar.label),
      s("rect", { x: labelWidth, y: y + 3, height: rowHeight - 6, fill: colour,
        width: Math.max(1, (barWidth * value) / most),
        "fill-opacity": bar.provisional ? 0.12 : bar.small ? 0.35 : 1,
        stroke: colour, "stroke-width": bar.provisional ? 1.5 : 1 }),
      s("text", { x: labelWidth + barWidth + 6, y: y + 15 }, text));
    activate(g, () => addChip(model, kind, bar.key));
    svg.append(g);
  });
  roving(svg.querySelectorAll(".cx-bar"));
  if (!bars.length) svg.append(s("text", { x: 4, y: 16 }, "no shipments in this selection"));
  else whenLaidOut(svg, () => fitLabels(svg, labelWidth - 6));
  const hollow = bars.some((b) => b.provisional) ? " (hollow: promises still to pass)" : "";
  return h("figure", { class: "cx-chart", "data-chart": kind },
    h("figcaption", {}, title + hollow), svg);
}

function fitLabels(svg, room) {
  // The labels' room is estimated from their length in characters; a name of wide letters
  // ("Cuauhtémoc" alone) can need more: widen the chart to the left rather than cut it.
  const widest = Math.max(...[...svg.querySelectorAll(".cx-bar > text:first-child")]
    .map((text) => text.getComputedTextLength()));
  const extra = Math.ceil(widest - room + 2);
  if (!(extra > 0)) return;
  const width = Number(svg.getAttribute("width")), height = svg.getAttribute("height");
  svg.setAttribute("width", width + extra);
  svg.setAttribute("viewBox", `${-extra} 0 ${width + extra} ${height}`);
}

function whenLaidOut(node, action, frames = 600) {
  // Text has a size only once the page lays the chart out (a cell's output may be attached
  // after render, a tab may be hidden): wait for that, up to about ten seconds.
  if ((node.isConnected && node.getBoundingClientRect().width) || !frames) action();
  else requestAnimationFrame(() => whenLaidOut(node, action, frames - 1));
}

function placeLabels(svg, labels, at, width) {
  // One name per alcaldía at the centre of its cells, the busiest first; a name that would
  // cover one already written moves just above or below, or is left out (its points still
  // say their alcaldía on hover and to a screen reader).
  const placed = [], gap = 4;  // room for the halo drawn around each name, and air
  const overlaps = (a) => placed.some((b) => a.x - gap < b.x + b.width + gap
    && b.x - gap < a.x + a.width + gap && a.y - gap < b.y + b.height + gap
    && b.y - gap < a.y + a.height + gap);
  const box = (text, name) => {
    const found = text.getBBox();  // an estimate where the page could not measure it
    if (found.width) return found;
    const y = Number(text.getAttribute("y")), x = Number(text.getAttribute("x"));
    return { x: x - name.length * 3, y: y - 9, width: name.length * 6, height: 11 };
  };
  for (const label of labels) {
    const [x, y] = at(label);
    const text = s("text", { class: "cx-map-label", x, y: y + 3, "text-anchor": "middle",
      "aria-hidden": "true" }, label.alcaldia);
    svg.append(text);
    const half = box(text, label.alcaldia).width / 2 + gap;  // whole names, inside the map
    text.setAttribute("x", Math.min(Math.max(x, half), width - half));
    const fits = [0, -18, 18].some((dy) => {
      text.setAttribute("y", y + dy + 3);
      return !overlaps(box(text, label.alcaldia));
    });
    if (fits) placed.push(box(text, label.alcaldia));
    else text.remove();
  }
}

function mapCaption(overall) {
  // What a point is, what its size and colour say, and the rate the colour is against.
  const what = "Deliveries per cell of about 500 m (larger: more deliveries)";
  return overall === null ? what
    : `${what}: blue at or above the on-time rate of ${percent(overall)}, orange below`;
}

function mapChart(model, cells, labels, overall) {
  const width = 460, height = 360;
  const svg = s("svg", { width, height, role: "group", "aria-label": "Deliveries map" });
  const box = h("figure", { class: "cx-chart cx-map", "data-chart": "map" },
    h("figcaption", {}, mapCaption(overall)), svg);
  if (!cells.length) { svg.append(s("text", { x: 4, y: 16 }, "no deliveries with coordinates")); return box; }
  const lats = cells.map((c) => c.lat), lngs = cells.map((c) => c.lng);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const squeeze = Math.cos((((south + north) / 2) * Math.PI) / 180);
  // The points' extent, centred: one cell (or one street) has no width or height, so a
  // span of at least MAP_SPAN degrees keeps it in the middle instead of a corner.
  const scale = Math.min((width - 20) / Math.max(MAP_SPAN, (east - west) * squeeze),
    (height - 20) / Math.max(MAP_SPAN, north - south));
  const at = (p) => [width / 2 + (p.lng - (west + east) / 2) * squeeze * scale,
    height / 2 + ((south + north) / 2 - p.lat) * scale];
  const most = Math.max(...cells.map((c) => c.n));
  for (const cell of cells) {
    const colour = overall !== null && cell.rate < overall ? BAD : GOOD;
    const [x, y] = at(cell);
    const dot = s("circle", { class: "cx-point", tabindex: "0", role: "button",
      cx: x, cy: y, r: 1.5 + 5 * Math.sqrt(cell.n / most), fill: colour, "fill-opacity": 0.7,
      "data-kind": "alcaldia", "data-key": cell.alcaldia,
      "aria-label": `${cell.alcaldia}: ${cell.n} delivered, ${percent(cell.rate)} on time. Enter filters to ${cell.alcaldia}.` });
    dot.append(s("title", {}, `${cell.alcaldia}: ${cell.n} delivered, ${percent(cell.rate)} on time`));
    activate(dot, () => addChip(model, "alcaldia", cell.alcaldia));
    svg.append(dot);
  }
  roving(svg.querySelectorAll(".cx-point"));
  whenLaidOut(svg, () => placeLabels(svg, labels, at, width));  // after the points: on top
  return box;
}

function chartsGrid(model) {
  const grid = h("div", { class: "cx-charts" });
  function update() {
    const c = model.get("charts"), overall = c.overall_on_time ?? null;
    grid.replaceChildren(
      barChart(model, "On-time rate by week of creation", "week", c.by_week || [], overall),
      barChart(model, "On-time rate by alcaldía", "alcaldia", c.by_alcaldia || [], overall),
      barChart(model, "Failed attempts by reason", "reason", c.reasons || [], overall),
      barChart(model, "Lead time, drop-off to delivery", "lead", c.lead || [], overall),
      mapChart(model, c.map || [], c.map_labels || [], overall));
  }
  return [grid, update];
}

function tablePanel(model) {
  const head = h("thead"), body = h("tbody");
  const table = h("table", { class: "cx-table" }, head, body);
  const where = h("span", { class: "cx-page" });
  const previous = h("button", { class: "cx-previous", onclick: () => commit(model, { page: model.get("page") - 1 }) }, "‹ Previous");
  const next = h("button", { class: "cx-next", onclick: () => commit(model, { page: model.get("page") + 1 }) }, "Next ›");
  const csv = h("button", { class: "cx-download-csv", onclick: () => model.send({ type: "download", format: "csv" }) }, "Download CSV");
  const xlsx = h("button", { class: "cx-download-xlsx", onclick: () => model.send({ type: "download", format: "xlsx" }) }, "Download Excel");
  function header() {
    head.replaceChildren(h("tr", {}, ...model.get("columns").map((name) => {
      const sorted = model.get("sort") === name;
      const way = model.get("descending") ? "descending" : "ascending";
      return h("th", { "aria-sort": sorted ? way : "none" }, h("button", { class: "cx-sort",
        "data-column": name, onclick: () => commit(model, sorted
          ? { descending: !model.get("descending") } : { sort: name, descending: false }),
      }, HEADINGS[name] || name, sorted ? (way === "descending" ? " ▼" : " ▲") : ""));
    })));
    const page = model.get("page"), pages = model.get("pages");
    where.textContent = `Page ${page + 1} of ${pages}`;
    previous.disabled = page <= 0; next.disabled = page + 1 >= pages;
  }
  function rows(records) {
    body.replaceChildren(...records.map((record) => {
      const open = () => commit(model, { selected: record.tracking_id });
      const tr = h("tr", { tabindex: "0", "data-tracking-id": record.tracking_id,
        "aria-selected": String(record.tracking_id === model.get("selected")) },
        ...model.get("columns").map((name) => h("td", { "data-column": name }, record[name] ?? "")));
      activate(tr, open);
      return tr;
    }));
  }
  const panel = h("section", { class: "cx-table-panel" },
    h("div", { class: "cx-pager" }, previous, where, next, csv, xlsx),
    // The table scrolls sideways on its own in a cell narrower than its columns (Notebook
    // 7 in a small window, JupyterLab beside its sidebar), not the whole dashboard; a
    // scrolling region takes the focus so the arrow keys scroll it.
    h("div", { class: "cx-table-scroll", tabindex: "0", role: "region",
      "aria-label": "Matching shipments" }, table));
  return [panel, header, rows];
}

function timelinePanel() {
  const panel = h("section", { class: "cx-timeline", "aria-live": "polite" });
  function show(message) {
    if (!message.tracking_id) { panel.replaceChildren(); return; }
    panel.replaceChildren(h("h4", {}, `Timeline of ${message.tracking_id}`),
      h("ol", {}, ...message.events.map((e) => h("li", {
        class: e.state === "DELIVERY_ATTEMPTED" ? "cx-event cx-failed" : "cx-event" },
      h("span", { class: "cx-when" }, e.timestamp), " ",
      h("span", { class: "cx-event-state" }, e.state),
      e.reason ? h("span", { class: "cx-reason" }, ` — ${e.reason}`) : null))));
  }
  return [panel, show];
}

function save(name, mime, buffer) {
  const url = URL.createObjectURL(new Blob([buffer], { type: mime }));
  const link = h("a", { href: url, download: name, style: "display:none" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function render({ model, el }) {
  el.classList.add("cx-explore");
  const [filters, updateFilters] = filtersBar(model);
  const [status, updateStatus] = chipsRow(model);
  const [tiles, updateTiles] = tilesRow(model);
  const [charts, updateCharts] = chartsGrid(model);
  const [table, updateHeader, showRows] = tablePanel(model);
  const [timeline, showTimeline] = timelinePanel();
  el.append(h("h3", { class: "cx-title" }, `Deliveries: ${model.get("title")}`),
    filters, status, tiles, charts, table, timeline);
  const updates = [
    ["change:start change:end change:states change:alcaldias change:search change:choices", updateFilters],
    ["change:chips change:count", updateStatus],
    ["change:tiles change:as_of", updateTiles], ["change:charts", updateCharts],
    ["change:sort change:descending change:page change:pages", updateHeader],
  ];
  for (const [events, update] of updates) { model.on(events, update); update(); }
  const onMessage = (message, buffers) => {
    if (message.type === "rows") showRows(message.rows);
    else if (message.type === "timeline") showTimeline(message);
    else if (message.type === "file") save(message.name, message.mime, buffers[0]);
  };
  model.on("msg:custom", onMessage);
  model.send({ type: "ready" });
  return () => {
    for (const [events, update] of updates) model.off(events, update);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
