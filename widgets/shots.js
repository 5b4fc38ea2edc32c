// ShotBrowser: thumbnails grouped by scene and day, status badges, continuity flags with
// their reasons, filters; clicking a card sets the synced `selected` shot name.

// Every node opts out of JupyterLab's command-mode keys: lumino matches a shortcut on the
// focused element itself (a clicked button, a slider) before it looks at the widget root.
function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function option(value, text) {
  const o = el("option", "", { value });
  o.textContent = text;
  return o;
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-shot-browser", { "data-testid": "wb-shot-browser" });
    const filters = el("div", "wb-toolbar wb-filters");
    const status = el("select", "wb-select", {
      "data-testid": "wb-filter-status", title: "Status" });
    const scene = el("select", "wb-select", {
      "data-testid": "wb-filter-scene", title: "Scene" });
    const flaggedLabel = el("label", "wb-check");
    const flagged = el("input", "", { type: "checkbox", "data-testid": "wb-filter-flagged" });
    flaggedLabel.append(flagged, document.createTextNode(" flagged"));
    filters.append(status, scene, flaggedLabel);
    const list = el("div", "wb-shot-list");
    const count = el("div", "wb-dim wb-count");
    root.append(filters, count, list);
    host.append(root);

    const urls = new Map();  // shot name -> object URL of its thumbnail

    function thumbs() {
      for (const url of urls.values()) URL.revokeObjectURL(url);
      urls.clear();
      for (const [name, view] of Object.entries(model.get("thumbnails") || {})) {
        if (view && view.byteLength) {
          urls.set(name, URL.createObjectURL(new Blob([view], { type: "image/jpeg" })));
        }
      }
    }

    function fillFilters() {
      const shots = model.get("shots");
      status.replaceChildren(option("", "any status"),
        ...model.get("statuses").map((s) => option(s, s)));
      const scenes = [...new Set(shots.map((r) => r.scene))];
      scene.replaceChildren(option("", "any scene"), ...scenes.map((s) => option(s, s)));
      status.value = model.get("filter_status");
      scene.value = model.get("filter_scene");
      flagged.checked = model.get("flagged_only");
    }

    function draw() {
      const want = model.get("filter_status"), sc = model.get("filter_scene");
      const onlyFlagged = model.get("flagged_only"), selected = model.get("selected");
      const shots = model.get("shots");
      const rows = shots.filter((r) => (!want || r.status === want) && (!sc || r.scene === sc)
        && (!onlyFlagged || r.flag));
      count.textContent = `${rows.length} of ${shots.length} shots`;
      list.replaceChildren();
      let group = null;
      for (const r of rows) {
        const key = `${r.scene}${r.day ? ` · ${r.day}` : ""}`;
        if (key !== group) {
          group = key;
          const h = el("div", "wb-group", { "data-scene": r.scene });
          h.textContent = key;
          list.append(h);
        }
        const card = el("div", "wb-shot-card", {
          "data-testid": "wb-shot-card", "data-shot": r.name, "data-status": r.status,
          role: "button", tabindex: "0", "aria-selected": String(r.name === selected),
        });
        card.classList.toggle("wb-selected", r.name === selected);
        const img = el("img", "wb-thumb", { alt: r.name, draggable: "false" });
        if (urls.has(r.name)) img.src = urls.get(r.name);
        const meta = el("div", "wb-meta");
        const name = el("div", "wb-name");
        name.textContent = r.name;
        const badge = el("span", `wb-badge wb-status-${r.status}`, { "data-testid": "wb-status" });
        badge.textContent = r.status;
        const sub = el("div", "wb-dim");
        sub.textContent = `${r.frames} fr` + (r.strength != null ? ` · strength ${r.strength.toFixed(2)}` : "");
        meta.append(name, badge, sub);
        if ((model.get("edited") || []).includes(r.name)) {
          const mark = el("div", "wb-edited", { "data-testid": "wb-shot-edited", title: "Edits kept, not yet decided" });
          mark.textContent = "● edited";
          meta.append(mark);
        }
        if (r.flag) {
          const tip = [...r.reasons, r.explanation].filter(Boolean).join("\n");
          const flag = el("div", "wb-flag", { "data-testid": "wb-flag", title: tip });
          flag.textContent = `⚑ ${r.reasons.join("; ") || "continuity"}`;
          meta.append(flag);
          // One click: the fix becomes the shot's proposal, shown wiped against the anchor.
          const fix = el("button", "wb-btn wb-fix", {
            type: "button", "data-testid": "wb-propose-fix", title: "Propose the continuity fix and compare it with the anchor",
          });
          fix.textContent = "propose fix";
          fix.addEventListener("click", (e) => {
            e.stopPropagation();
            fix.disabled = true;
            model.send({ type: "fix", shot: r.name });
          });
          meta.append(fix);
        }
        card.append(img, meta);
        const choose = () => { model.set("selected", r.name); model.save_changes(); };
        card.addEventListener("click", choose);
        card.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") choose(); });
        list.append(card);
      }
    }

    status.addEventListener("change", () => { model.set("filter_status", status.value); model.save_changes(); });
    scene.addEventListener("change", () => { model.set("filter_scene", scene.value); model.save_changes(); });
    flagged.addEventListener("change", () => { model.set("flagged_only", flagged.checked); model.save_changes(); });
    model.on("change:thumbnails", () => { thumbs(); draw(); });
    model.on("change:shots", () => { fillFilters(); draw(); });
    for (const k of ["filter_status", "filter_scene", "flagged_only", "selected", "edited"]) {
      model.on(`change:${k}`, () => { fillFilters(); draw(); });
    }
    thumbs();
    fillFilters();
    draw();
    return () => { for (const url of urls.values()) URL.revokeObjectURL(url); };
  },
};
