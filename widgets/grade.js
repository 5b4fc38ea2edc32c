// GradePanel: the strength slider and one slider per declared operator parameter.
// Input events are throttled (the first at once, then one per animation frame, at least 30 ms apart); the
// kernel renders only the newest value. `dragging` tells it to render the proxy meanwhile.

const MIN_INTERVAL_MS = 30;

// Every node opts out of JupyterLab's command-mode keys: lumino matches a shortcut on the
// focused element itself (a clicked button, a slider) before it looks at the widget root.
function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function fmt(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(2) : v.toFixed(4);
}

// Coalesces calls: `fn` runs at most once per animation frame and MIN_INTERVAL_MS.
function throttle(fn) {
  let queued = null, scheduled = false, last = 0;
  const run = () => {
    if (!queued) {  // flushed meanwhile (a release sends at once)
      scheduled = false;
      return;
    }
    const now = performance.now();
    if (now - last < MIN_INTERVAL_MS) {
      requestAnimationFrame(run);
      return;
    }
    scheduled = false;
    last = now;
    const args = queued;
    queued = null;
    fn(...args);
  };
  const call = (...args) => {
    // The first move of a burst goes out at once; only the following ones wait.
    if (!scheduled && performance.now() - last >= MIN_INTERVAL_MS) {
      queued = null;
      last = performance.now();
      fn(...args);
      return;
    }
    queued = args;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(run);
    }
  };
  call.flush = () => {
    if (queued) {
      const args = queued;
      queued = null;
      last = performance.now();
      fn(...args);
    }
  };
  return call;
}

// Colour wheels. A wheel edits one range of the grade's LiftGammaGain: its puck is the
// Rec.709 chroma (Cb, Cr: the vectorscope's axes, +Cr up) of the range's red/green/blue
// values (lift as they are, gamma and gain in log2 stops), so pushing the puck toward red
// moves the picture toward red on the vectorscope. A drag changes only the chroma: the luma
// part of the three values stays (the master slider below the disc sets the level), so the
// puck always shows the proposed values and puck <-> values is exact both ways.
const KR = 0.2126, KG = 0.7152, KB = 0.0722;
function toChroma([r, g, b]) {
  const y = KR * r + KG * g + KB * b;
  return [y, (b - y) / 1.8556, (r - y) / 1.5748];
}
function fromChroma(y, cb, cr) {
  const r = y + 1.5748 * cr, b = y + 1.8556 * cb;
  return [r, (y - KR * r - KB * b) / KG, b];
}
const log2 = (v) => Math.log2(Math.max(v, 1e-4));
// `edge`: the chroma at the disc's rim (a drag stops there; typed values may go beyond).
const WHEEL_RANGES = [
  { range: "lift", label: "Lift", edge: 0.1, toD: (v) => v, fromD: (d) => d },
  { range: "gamma", label: "Gamma", edge: 0.25, toD: log2, fromD: (d) => 2 ** d },
  { range: "gain", label: "Gain", edge: 0.25, toD: log2, fromD: (d) => 2 ** d },
];
const FINE = 0.1;  // Shift: a tenth of the speed

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-grade-panel", { "data-testid": "wb-grade-panel" });
    host.append(root);
    let active = null;  // the <input> being dragged: the kernel's echo must not move it

    const sendStrength = throttle((v) => {
      model.set("strength", v);
      model.save_changes();
    });
    const sendValue = throttle((op, name, v) => {
      const values = model.get("values").map((d) => ({ ...d }));
      values[op][name] = v;
      model.set("values", values);
      model.save_changes();
    });
    const sendValues = throttle((op, changes) => {
      const values = model.get("values").map((d) => ({ ...d }));
      Object.assign(values[op], changes);
      model.set("values", values);
      model.save_changes();
    });
    const setDragging = (on) => {
      if (model.get("dragging") === on) return;
      model.set("dragging", on);
      model.save_changes();
    };

    // One control: the slider, a number field to type an exact value, and reset. Shift
    // makes the slider fine (a tenth of the speed while dragging, a tenth of a step per arrow
    // key); a double click on the slider resets it (onDouble), the ↺ button calls onReset.
    function slider({ label, doc, min, max, step, value, testid, onInput, flush, onReset, onDouble }) {
      const row = el("div", "wb-row");
      const name = el("label", "wb-param", { title: doc || "" });
      name.textContent = label;
      const input = el("input", "wb-range", {
        type: "range", min, max, step, title: `${doc || ""}\nShift: fine · double click: reset`.trim(),
      });
      if (testid) input.setAttribute("data-testid", testid);
      input.value = value;
      const out = el("input", "wb-value", { type: "number", step: "any", title: `Type a value for ${label}` });
      if (testid) out.setAttribute("data-testid", `${testid}-value`);
      out.value = fmt(value);
      const reset = el("button", "wb-btn wb-reset", { type: "button", title: `Reset ${label}` });
      reset.textContent = "↺";
      const release = () => {
        flush();
        active = null;
        setDragging(false);
      };
      let current = value;  // exact: the field shows it rounded
      const send = (v) => {
        current = v;
        out.value = fmt(v);
        onInput(v);
      };
      let fine = null;  // a Shift-drag: where it started
      input.addEventListener("pointerdown", (e) => {
        active = input;
        setDragging(true);
        if (e.shiftKey) {
          e.preventDefault();  // no jump to the pointer: the value moves from where it is
          fine = { x: e.clientX, v: current, width: input.getBoundingClientRect().width };
          input.setPointerCapture(e.pointerId);
        }
        // `change` does not fire when the value did not move: the release is what counts.
        window.addEventListener("pointerup", () => { fine = null; release(); }, { once: true });
        window.addEventListener("pointercancel", () => { fine = null; release(); }, { once: true });
      });
      input.addEventListener("pointermove", (e) => {
        if (!fine) return;
        const v = fine.v + ((e.clientX - fine.x) / Math.max(fine.width, 1)) * (max - min) * 0.1;
        input.value = v;
        send(v);
      });
      input.addEventListener("input", () => { if (!fine) send(Number(input.value)); });
      input.addEventListener("change", release);
      input.addEventListener("keydown", (e) => {
        const dir = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
        if (!e.shiftKey || !dir) return;
        e.preventDefault();
        const v = current + (dir * Number(step)) / 10;
        input.value = v;
        send(v);
        flush();
      });
      input.addEventListener("dblclick", () => (onDouble || onReset)());
      // Enter commits a typed value (blur fires `change`), as in any number field.
      out.addEventListener("keydown", (e) => { if (e.key === "Enter") out.blur(); });
      out.addEventListener("change", () => {
        const v = Number(out.value);
        if (out.value.trim() === "" || !Number.isFinite(v)) return;
        current = v;
        onInput(v);
        release();
      });
      reset.addEventListener("click", onReset);
      row.append(name, input, out, reset);
      return {
        row,
        set: (v) => {
          if (active === input) return;
          current = v;
          input.value = v;
          if (document.activeElement !== out) out.value = fmt(v);
        },
      };
    }

    // The three wheels of operator `op` (the LiftGammaGain at index `op` of spec).
    let wheelCtls = [];
    function wheels(op, spec) {
      const box = el("div", "wb-wheels", { "data-testid": "wb-wheels" });
      const params = Object.fromEntries(spec.params.map((p) => [p.name, p]));
      wheelCtls = WHEEL_RANGES.map(({ range, label, edge, toD, fromD }) => {
        const names = ["r", "g", "b"].map((c) => `${range}_${c}`);
        const wrap = el("div", "wb-wheel", { "data-range": range, "data-testid": `wb-wheel-${range}` });
        const disc = el("div", "wb-wheel-disc", {
          "data-testid": `wb-wheel-${range}-disc`,
          title: `${label} colour balance: drag the puck (Shift: fine) · double click: reset`,
        });
        const puck = el("div", "wb-wheel-puck", { "data-testid": `wb-wheel-${range}-puck` });
        disc.append(puck);
        const readout = el("div", "wb-wheel-readout wb-dim", { "data-testid": `wb-wheel-${range}-rgb` });
        const current = () => names.map((n) => Number(model.get("values")[op]?.[n] ?? params[n].value));
        let drag = null;
        function draw() {
          const rgb = current();
          const [, cb, cr] = toChroma(rgb.map(toD));
          const len = Math.hypot(cb, cr) / edge;
          const k = len > 1 ? 1 / len : 1;  // beyond the rim (typed): shown on it
          puck.style.left = `${50 + 50 * k * cb / edge}%`;
          puck.style.top = `${50 - 50 * k * cr / edge}%`;
          puck.classList.toggle("wb-off-centre", len > 1e-3);
          readout.textContent = rgb.map((v) => v.toFixed(range === "lift" ? 3 : 2)).join(" ");
          readout.title = `${label} red, green, blue`;
        }
        disc.addEventListener("pointerdown", (e) => {
          if (e.button !== 0) return;
          e.preventDefault();
          disc.setPointerCapture(e.pointerId);
          const [y, cb, cr] = toChroma(current().map(toD));
          drag = { x: e.clientX, y: e.clientY, luma: y, cb, cr, px: disc.getBoundingClientRect().width / 2 };
          active = disc;
          setDragging(true);
        });
        disc.addEventListener("pointermove", (e) => {
          if (!drag) return;
          const k = (edge / Math.max(drag.px, 1)) * (e.shiftKey ? FINE : 1);
          let cb = drag.cb + (e.clientX - drag.x) * k, cr = drag.cr - (e.clientY - drag.y) * k;
          drag.x = e.clientX;
          drag.y = e.clientY;
          const len = Math.hypot(cb, cr) / edge;
          if (len > 1) { cb /= len; cr /= len; }
          drag.cb = cb;
          drag.cr = cr;
          const rgb = fromChroma(drag.luma, cb, cr).map(fromD);
          const changes = Object.fromEntries(names.map((n, i) => {
            const p = params[n];
            let v = rgb[i];
            if (p.hard_min != null) v = Math.max(v, p.hard_min);
            if (p.hard_max != null) v = Math.min(v, p.hard_max);
            return [n, v];
          }));
          puck.style.left = `${50 + 50 * cb / edge}%`;
          puck.style.top = `${50 - 50 * cr / edge}%`;
          sendValues(op, changes);
        });
        const release = () => {
          if (!drag) return;
          drag = null;
          sendValues.flush();
          active = null;
          setDragging(false);
          draw();
        };
        disc.addEventListener("pointerup", release);
        disc.addEventListener("pointercancel", release);
        disc.addEventListener("dblclick", () => model.send({ type: "reset", operator: op, names }));
        const m = params[range];
        const master = slider({
          label, doc: m.doc, min: m.min, max: m.max, step: m.step,
          value: model.get("values")[op]?.[range] ?? m.value, testid: `wb-wheel-${range}-master`,
          onInput: (v) => sendValue(op, range, v), flush: sendValue.flush,
          onReset: () => model.send({ type: "reset", operator: op, names: [range] }),
        });
        master.row.classList.add("wb-wheel-master");
        const title = el("div", "wb-wheel-name");
        title.textContent = label;
        wrap.append(title, disc, master.row, readout);
        box.append(wrap);
        draw();
        return { draw, master, range, dragging: () => drag !== null };
      });
      return box;
    }

    let strengthCtl = null;
    let paramCtls = [];
    let undoBtn = null, redoBtn = null, editedMark = null, confirmRow = null;
    let bypassBtns = [];
    function drawBypass() {
      const off = model.get("bypass") || [];
      bypassBtns.forEach(({ box, bypass }, i) => {
        bypass.setAttribute("aria-pressed", String(Boolean(off[i])));
        bypass.classList.toggle("wb-active", Boolean(off[i]));
        box.classList.toggle("wb-bypassed", Boolean(off[i]));
      });
    }
    function drawHistory() {
      if (!undoBtn) return;
      undoBtn.disabled = model.get("undo_depth") === 0;
      redoBtn.disabled = model.get("redo_depth") === 0;
      editedMark.textContent = model.get("edited_now") ? "● edited" : "";
      if (!model.get("edited_now")) confirmRow.style.display = "none";
    }

    function build() {
      root.replaceChildren();
      const head = el("div", "wb-head");
      const shot = model.get("shot");
      head.textContent = shot ? `Grade · ${shot}` : "Grade";
      const summary = el("div", "wb-dim wb-summary");
      summary.textContent = model.get("summary");
      const history = el("div", "wb-toolbar wb-history");
      undoBtn = el("button", "wb-btn", { type: "button", "data-testid": "wb-undo", title: "Undo (Ctrl+Z)" });
      undoBtn.textContent = "↶ undo";
      redoBtn = el("button", "wb-btn", { type: "button", "data-testid": "wb-redo", title: "Redo (Ctrl+Shift+Z)" });
      redoBtn.textContent = "↷ redo";
      undoBtn.addEventListener("click", () => model.send({ type: "undo" }));
      redoBtn.addEventListener("click", () => model.send({ type: "redo" }));
      editedMark = el("span", "wb-edited", { "data-testid": "wb-edited" });
      history.append(undoBtn, redoBtn, editedMark);
      // Resetting everything throws the shot's edits away: ask first, inline.
      confirmRow = el("div", "wb-confirm", { "data-testid": "wb-discard-confirm", role: "alertdialog" });
      const question = el("span", "");
      question.textContent = `Discard the edits to ${shot || "this shot"}?`;
      const yes = el("button", "wb-btn wb-reject", { type: "button", "data-testid": "wb-discard-yes" });
      yes.textContent = "discard";
      const no = el("button", "wb-btn", { type: "button", "data-testid": "wb-discard-no" });
      no.textContent = "keep";
      yes.addEventListener("click", () => {
        confirmRow.style.display = "none";
        model.send({ type: "reset", operator: null, name: null });
      });
      no.addEventListener("click", () => { confirmRow.style.display = "none"; });
      confirmRow.append(question, yes, no);
      confirmRow.style.display = "none";
      root.append(head, summary, history, confirmRow);

      strengthCtl = slider({
        label: "Strength", doc: "Blend from the source (0) to the full proposed correction (1).",
        min: 0, max: model.get("strength_max"), step: 0.001, value: model.get("strength"),
        testid: "wb-strength", onInput: sendStrength, flush: sendStrength.flush,
        onReset: () => {
          if (model.get("edited_now")) confirmRow.style.display = "";
          else model.send({ type: "reset", operator: null, name: null });
        },
        onDouble: () => {
          model.set("strength", model.get("proposed_strength"));
          model.save_changes();
        },
      });
      strengthCtl.row.classList.add("wb-main");
      strengthCtl.row.querySelector(".wb-reset").title = "Reset the strength and every parameter";
      root.append(strengthCtl.row);
      drawHistory();

      wheelCtls = [];
      const w = model.get("wheels");
      if (w >= 0 && model.get("spec")[w]) root.append(wheels(w, model.get("spec")[w]));

      paramCtls = [];
      bypassBtns = [];
      model.get("spec").forEach((op, i) => {
        const box = el("details", "wb-operator", { "data-operator": op.operator });
        box.open = i === 0;
        const legend = el("summary", "wb-op-head", { title: op.doc || "" });
        legend.textContent = `${op.operator} (${op.space}) `;
        const reset = el("button", "wb-btn wb-reset", { type: "button", "data-testid": "wb-reset-operator" });
        reset.textContent = "reset";
        reset.addEventListener("click", (e) => {
          e.preventDefault();
          model.send({ type: "reset", operator: i, name: null });
        });
        // Bypass leaves the operator out of the grade (and of a decision) until pressed again.
        const bypass = el("button", "wb-btn wb-bypass", {
          type: "button", "data-testid": "wb-bypass", title: `Bypass ${op.operator}`, "aria-pressed": "false",
        });
        bypass.textContent = "bypass";
        bypass.addEventListener("click", (e) => {
          e.preventDefault();
          model.send({ type: "bypass", operator: i, on: bypass.getAttribute("aria-pressed") !== "true" });
        });
        bypassBtns.push({ box, bypass });
        legend.append(reset, bypass);
        box.append(legend);
        const ctls = {};
        for (const p of op.params) {
          if (p.kind !== "number") {
            const row = el("div", "wb-row wb-dim", { title: p.doc });
            row.textContent = `${p.label}: ${p.value}`;
            box.append(row);
            continue;
          }
          const ctl = slider({
            label: p.label, doc: p.doc, min: p.min, max: p.max, step: p.step,
            value: model.get("values")[i]?.[p.name] ?? p.value,
            onInput: (v) => sendValue(i, p.name, v), flush: sendValue.flush,
            onReset: () => model.send({ type: "reset", operator: i, name: p.name }),
          });
          ctl.row.setAttribute("data-param", p.name);
          ctls[p.name] = ctl;
          box.append(ctl.row);
        }
        paramCtls.push(ctls);
        root.append(box);
      });
      drawBypass();
      if (!model.get("spec").length) {
        const none = el("div", "wb-dim");
        none.textContent = "No operators: the proposal is the identity.";
        root.append(none);
      }
    }

    const onStrength = () => strengthCtl?.set(model.get("strength"));
    const onValues = () => {
      model.get("values").forEach((vals, i) => {
        for (const [name, v] of Object.entries(vals)) paramCtls[i]?.[name]?.set(v);
      });
      const w = model.get("wheels");
      for (const ctl of wheelCtls) {
        if (!ctl.dragging()) ctl.draw();  // the kernel's echo must not move a held puck
        ctl.master.set(model.get("values")[w]?.[ctl.range]);
      }
    };
    model.on("change:bypass", drawBypass);
    model.on("change:spec", build);
    model.on("change:wheels", build);
    model.on("change:shot", build);
    model.on("change:strength_max", build);
    model.on("change:strength", onStrength);
    model.on("change:values", onValues);
    for (const k of ["undo_depth", "redo_depth", "edited_now"]) model.on(`change:${k}`, drawHistory);
    build();
    return () => root.remove();
  },
};
