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
    };
    model.on("change:bypass", drawBypass);
    model.on("change:spec", build);
    model.on("change:shot", build);
    model.on("change:strength_max", build);
    model.on("change:strength", onStrength);
    model.on("change:values", onValues);
    for (const k of ["undo_depth", "redo_depth", "edited_now"]) model.on(`change:${k}`, drawHistory);
    build();
    return () => root.remove();
  },
};
