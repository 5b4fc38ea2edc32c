// TrainingView: live loss curve (float32 step/loss pairs on a canvas), a preview of the
// model on a held-out frame, and Stop (the trainer's callback then returns False).

// Every node opts out of JupyterLab's command-mode keys: lumino matches a shortcut on the
// focused element itself (a clicked button, a slider) before it looks at the widget root.
function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-training", { "data-testid": "wb-training" });
    const head = el("div", "wb-toolbar");
    const status = el("span", "wb-info", { "data-testid": "wb-train-status" });
    const stop = el("button", "wb-btn wb-reject", { type: "button", "data-testid": "wb-train-stop" });
    stop.textContent = "Stop";
    head.append(status, stop);
    const canvas = el("canvas", "wb-curve", { width: 480, height: 160, "data-testid": "wb-loss-curve" });
    const pics = el("div", "wb-pics");
    const figure = (img, caption) => {
      const fig = el("figure", "wb-figure");
      const cap = el("figcaption", "wb-dim");
      cap.textContent = caption;
      fig.append(img, cap);
      return [fig, cap];
    };
    const before = el("img", "wb-thumb-lg", { alt: "held-out frame" });
    const preview = el("img", "wb-thumb-lg", { alt: "model preview", "data-testid": "wb-train-preview" });
    const [figBefore] = figure(before, "before: a held-out frame, as filmed");
    const [figAfter, capAfter] = figure(preview, "after: the model so far");
    capAfter.setAttribute("data-testid", "wb-train-preview-label");
    pics.append(figBefore, figAfter);
    const error = el("div", "wb-error", { role: "alert" });
    root.append(head, canvas, pics, error);
    host.append(root);

    const setImg = (img, view) => {
      if (!view || !view.byteLength) return;
      const old = img.src;
      img.src = URL.createObjectURL(new Blob([view], { type: "image/jpeg" }));
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    };

    function drawStatus() {
      const loss = model.get("loss");
      const running = model.get("running"), finished = model.get("finished");
      const parts = [model.get("stage") || "waiting", `${model.get("step")}/${model.get("total")}`];
      if (loss != null && Number.isFinite(loss)) parts.push(`loss ${loss.toPrecision(4)}`);
      parts.push(`${model.get("seconds").toFixed(1)} s`);
      if (model.get("stopped_at")) parts.push(`stopped at step ${model.get("stopped_at")}`);
      else if (model.get("stop_requested") && !finished) parts.push("stopping");
      else if (finished) parts.push(model.get("error") ? "failed" : "done");
      else if (model.get("step") > 0) parts.push("training");
      status.textContent = parts.join(" · ");
      root.dataset.state = finished ? "done" : running || model.get("step") > 0 ? "training" : "waiting";
      stop.disabled = !running || model.get("stop_requested");
      stop.title = running ? "Stop at the next step; the model keeps what it learned"
        : "Stop works while the view runs the trainer (view.train)";
      error.textContent = model.get("error");
      if (model.get("step") > 0 && model.get("preview")?.byteLength) {
        capAfter.textContent = `after: the model at ${model.get("stage")} step ${model.get("step")}`;
      }
    }

    function drawCurve() {
      const view = model.get("curve");
      const ctx = canvas.getContext("2d");
      const w = canvas.width, h = canvas.height, pad = 24;
      ctx.fillStyle = "#111";
      ctx.fillRect(0, 0, w, h);
      if (!view || view.byteLength < 16) return;
      const d = new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
      const n = d.length / 2;
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = d[2 * i + 1];
        if (Number.isFinite(v) && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
      if (!(hi > 0)) return;
      const log = hi / lo > 20;  // a loss falling by decades reads better on a log axis
      const f = (v) => (log ? Math.log(v) : v);
      const y0 = f(lo), y1 = f(hi) === y0 ? y0 + 1 : f(hi);
      const total = Math.max(model.get("total"), d[2 * (n - 1)]);
      ctx.strokeStyle = "#6cf";
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const x = pad + ((d[2 * i] - 1) / Math.max(total - 1, 1)) * (w - pad - 4);
        const y = h - pad - ((f(Math.max(d[2 * i + 1], lo)) - y0) / (y1 - y0)) * (h - pad - 6);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
      ctx.fillStyle = "#999";
      ctx.font = "10px sans-serif";
      ctx.fillText(hi.toPrecision(3), 2, 12);
      ctx.fillText(lo.toPrecision(3) + (log ? " (log)" : ""), 2, h - pad + 12);
      ctx.fillText(`step ${d[2 * (n - 1)]}`, w - 70, h - 6);
      ctx.fillText(`loss · ${model.get("curve_stage")}`, w - 130, 12);
    }

    stop.addEventListener("click", () => {
      model.set("stop_requested", true);
      model.save_changes();
      model.send({ type: "stop" });
    });
    model.on("change:updates", () => { drawStatus(); drawCurve(); });
    for (const k of ["running", "stop_requested", "stopped_at", "error", "finished"]) model.on(`change:${k}`, drawStatus);
    model.on("change:before", () => setImg(before, model.get("before")));
    model.on("change:preview", () => setImg(preview, model.get("preview")));
    setImg(before, model.get("before"));
    setImg(preview, model.get("preview"));
    drawStatus();
    drawCurve();
    return () => {
      for (const img of [before, preview]) if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    };
  },
};
