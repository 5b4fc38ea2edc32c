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
    const before = el("img", "wb-thumb-lg", { alt: "held-out frame" });
    const preview = el("img", "wb-thumb-lg", { alt: "model preview", "data-testid": "wb-train-preview" });
    pics.append(before, preview);
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
      const parts = [model.get("stage") || "waiting", `${model.get("step")}/${model.get("total")}`];
      if (loss != null && Number.isFinite(loss)) parts.push(`loss ${loss.toPrecision(4)}`);
      parts.push(`${model.get("seconds").toFixed(1)} s`);
      if (model.get("stopped_at")) parts.push(`stopped at step ${model.get("stopped_at")}`);
      else if (model.get("stop_requested")) parts.push("stopping");
      else if (!model.get("running") && model.get("step") > 0) parts.push("done");
      status.textContent = parts.join(" · ");
      stop.disabled = !model.get("running") || model.get("stop_requested");
      error.textContent = model.get("error");
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
    }

    stop.addEventListener("click", () => {
      model.set("stop_requested", true);
      model.save_changes();
      model.send({ type: "stop" });
    });
    model.on("change:updates", () => { drawStatus(); drawCurve(); });
    for (const k of ["running", "stop_requested", "stopped_at", "error"]) model.on(`change:${k}`, drawStatus);
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
