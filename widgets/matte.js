// MatteView: a live key on a plate shown as plate, matte, overlay or composite, with one
// control per declared keyer parameter. Slider input is throttled (the first at once, then one
// per animation frame, at least 30 ms apart); `dragging` asks the kernel for the proxy meanwhile.
// The picture arrives as binary JPEG bytes (DataView), never base64.

const MODES = ["plate", "matte", "overlay", "composite"];
const MIN_INTERVAL_MS = 30;

// Every node opts out of JupyterLab's command-mode keys (see grade.js).
function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function fmt(v, integer) {
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v);
  if (integer) return String(Math.round(v));
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
}

// `fn` runs at most once per animation frame and MIN_INTERVAL_MS; `flush` sends what waits.
function throttle(fn) {
  let queued = null, scheduled = false, last = 0;
  const run = () => {
    if (!queued) { scheduled = false; return; }
    if (performance.now() - last < MIN_INTERVAL_MS) { requestAnimationFrame(run); return; }
    scheduled = false;
    last = performance.now();
    const args = queued;
    queued = null;
    fn(...args);
  };
  const call = (...args) => {
    if (!scheduled && performance.now() - last >= MIN_INTERVAL_MS) {
      queued = null;
      last = performance.now();
      fn(...args);
      return;
    }
    queued = args;
    if (!scheduled) { scheduled = true; requestAnimationFrame(run); }
  };
  call.flush = () => {
    if (queued) { const args = queued; queued = null; last = performance.now(); fn(...args); }
  };
  return call;
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-matte", { "data-testid": "wb-matte-view" });
    const bar = el("div", "wb-toolbar");
    const modeButtons = {};
    for (const mode of MODES) {
      const b = el("button", "wb-btn", { type: "button", "data-testid": `wb-matte-mode-${mode}` });
      b.textContent = mode;
      b.addEventListener("click", () => { model.set("mode", mode); model.save_changes(); });
      modeButtons[mode] = b;
      bar.append(b);
    }
    const modelLabel = el("label", "wb-dim");
    const modelBox = el("input", "", { type: "checkbox", "data-testid": "wb-matte-use-model" });
    modelLabel.append(modelBox, document.createTextNode(" matte model"));
    modelBox.addEventListener("change", () => {
      model.set("use_model", modelBox.checked);
      model.save_changes();
    });
    const info = el("span", "wb-info", { "data-testid": "wb-matte-info" });
    bar.append(modelLabel, info);

    const img = el("img", "wb-matte-frame", {
      alt: "key preview", draggable: "false", "data-testid": "wb-matte-preview",
      "data-frame-seq": "0",
    });
    const error = el("div", "wb-error", { "data-testid": "wb-matte-error" });
    const controls = el("div", "wb-matte-controls");
    root.append(bar, img, error, controls);
    host.append(root);

    let active = null;  // the control being dragged: the kernel's echo must not move it
    let url = "", token = 0;
    const inputs = {};

    const sendValue = throttle((name, v) => {
      model.set("values", { ...model.get("values"), [name]: v });
      model.save_changes();
    });
    const setDragging = (on) => {
      if (model.get("dragging") === on) return;
      model.set("dragging", on);
      model.save_changes();
    };

    function numberRow(spec) {
      const row = el("div", "wb-row");
      const name = el("label", "wb-param", { title: spec.doc || "" });
      name.textContent = spec.label;
      const input = el("input", "wb-range", {
        type: "range", min: spec.min, max: spec.max, step: spec.step, title: spec.doc || "",
        "data-testid": `wb-key-${spec.name}`,
      });
      input.value = model.get("values")[spec.name];
      const out = el("span", "wb-value");
      out.textContent = fmt(Number(input.value), spec.integer);
      const reset = el("button", "wb-btn wb-reset", { type: "button", title: `Reset ${spec.label}` });
      reset.textContent = "↺";
      const release = () => { sendValue.flush(); active = null; setDragging(false); };
      input.addEventListener("pointerdown", () => {
        active = input;
        setDragging(true);
        window.addEventListener("pointerup", release, { once: true });
        window.addEventListener("pointercancel", release, { once: true });
      });
      input.addEventListener("input", () => {
        const v = spec.integer ? Math.round(Number(input.value)) : Number(input.value);
        out.textContent = fmt(v, spec.integer);
        sendValue(spec.name, v);
      });
      input.addEventListener("change", release);
      reset.addEventListener("click", () => model.send({ type: "reset", name: spec.name }));
      inputs[spec.name] = (v) => {
        if (active === input) return;
        input.value = v;
        out.textContent = fmt(Number(v), spec.integer);
      };
      row.append(name, input, out, reset);
      return row;
    }

    function selectRow(spec) {
      const row = el("div", "wb-row");
      const name = el("label", "wb-param", { title: spec.doc || "" });
      name.textContent = spec.label;
      const select = el("select", "wb-select", { "data-testid": `wb-key-${spec.name}`,
                                                 title: spec.doc || "" });
      for (const option of spec.options) {
        const o = el("option");
        o.value = option;
        o.textContent = option;
        select.append(o);
      }
      select.value = model.get("values")[spec.name];
      select.addEventListener("change", () => sendValue(spec.name, select.value));
      inputs[spec.name] = (v) => { select.value = v; };
      row.append(name, select);
      return row;
    }

    function buildControls() {
      controls.replaceChildren();
      for (const key of Object.keys(inputs)) delete inputs[key];
      for (const spec of model.get("spec")) {
        if (spec.kind === "number") controls.append(numberRow(spec));
        else if (spec.kind === "select") controls.append(selectRow(spec));
      }
    }

    function showValues() {
      const values = model.get("values");
      for (const [name, set] of Object.entries(inputs)) if (name in values) set(values[name]);
    }

    function showImage() {
      const view = model.get("image");
      const seq = model.get("seq");
      if (!view || view.byteLength === 0) return;
      const next = URL.createObjectURL(new Blob([view], { type: model.get("mime") }));
      const mine = ++token;
      img.onload = () => {
        if (mine !== token) return;
        img.setAttribute("data-frame-seq", String(seq));
        if (url) URL.revokeObjectURL(url);
        url = next;
      };
      img.src = next;
    }

    function showBar() {
      const mode = model.get("mode");
      for (const [m, b] of Object.entries(modeButtons)) b.classList.toggle("wb-active", m === mode);
      modelLabel.style.display = model.get("has_model") ? "" : "none";
      modelBox.checked = model.get("use_model");
      modelLabel.title = model.get("model_info");
      const cov = model.get("coverage");
      const proxy = model.get("proxy") ? " · proxy" : "";
      info.textContent = `${model.get("source_width")}×${model.get("source_height")}${proxy}` +
        ` · alpha ${(100 * cov).toFixed(1)}%`;
    }

    const showError = () => { error.textContent = model.get("error"); };

    buildControls();
    showBar();
    showImage();
    showError();
    const handlers = [
      ["change:spec", buildControls], ["change:values", showValues],
      ["change:seq", showImage], ["change:error", showError],
      ["change:mode", showBar], ["change:use_model", showBar], ["change:has_model", showBar],
      ["change:coverage", showBar], ["change:proxy", showBar],
    ];
    for (const [ev, fn] of handlers) model.on(ev, fn);
    return () => {
      for (const [ev, fn] of handlers) model.off(ev, fn);
      if (url) URL.revokeObjectURL(url);
    };
  },
};
