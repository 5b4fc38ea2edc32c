// Scopes: waveform / RGB parade, vectorscope (targets and skin-tone line) and histogram.
// Traces are computed in the kernel (torch) and arrive as PNG or float32 bytes.

// Every node opts out of JupyterLab's command-mode keys: lumino matches a shortcut on the
// focused element itself (a clicked button, a slider) before it looks at the widget root.
function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

async function bitmap(view) {
  if (!view || view.byteLength === 0) return null;
  return createImageBitmap(new Blob([view], { type: "image/png" }));
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-scopes", { "data-testid": "wb-scopes" });
    const bar = el("div", "wb-toolbar");
    const waveBtn = el("button", "wb-btn", { type: "button" });
    waveBtn.textContent = "luma";
    const paradeBtn = el("button", "wb-btn", { type: "button" });
    paradeBtn.textContent = "parade";
    bar.append(waveBtn, paradeBtn);
    const wave = el("canvas", "wb-scope", { width: 256, height: 256, "data-scope": "waveform" });
    const vec = el("canvas", "wb-scope", { width: 256, height: 256, "data-scope": "vectorscope" });
    const hist = el("canvas", "wb-scope wb-hist", { width: 256, height: 96, "data-scope": "histogram" });
    const grid = el("div", "wb-scope-grid");
    grid.append(wave, vec, hist);
    root.append(bar, grid);
    host.append(root);

    let drawn = 0;

    async function drawWave() {
      const parade = model.get("mode") !== "waveform";
      waveBtn.classList.toggle("wb-active", !parade);
      paradeBtn.classList.toggle("wb-active", parade);
      const img = await bitmap(model.get(parade ? "parade" : "waveform"));
      const ctx = wave.getContext("2d");
      wave.width = parade ? 384 : 256;
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, wave.width, wave.height);
      if (img) ctx.drawImage(img, 0, 0, wave.width, wave.height);
      ctx.strokeStyle = "rgba(255,255,255,0.18)";
      ctx.fillStyle = "rgba(255,255,255,0.5)";
      ctx.font = "9px sans-serif";
      for (let i = 0; i <= 10; i += 2) {
        const y = (1 - i / 10) * (wave.height - 1);
        ctx.beginPath();
        ctx.moveTo(0, y);
        ctx.lineTo(wave.width, y);
        ctx.stroke();
        ctx.fillText(String(i * 10), 2, Math.max(y - 2, 9));
      }
    }

    async function drawVec() {
      const img = await bitmap(model.get("vectorscope"));
      const ctx = vec.getContext("2d");
      const n = vec.width, c = (n - 1) / 2;
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, n, n);
      if (img) ctx.drawImage(img, 0, 0, n, n);
      ctx.strokeStyle = "rgba(255,255,255,0.2)";
      ctx.beginPath();
      ctx.arc(c, c, c * 0.9, 0, 2 * Math.PI);
      ctx.moveTo(0, c); ctx.lineTo(n, c); ctx.moveTo(c, 0); ctx.lineTo(c, n);
      ctx.stroke();
      const a = (model.get("skin_tone_degrees") * Math.PI) / 180;
      ctx.strokeStyle = "rgba(255,190,140,0.7)";
      ctx.beginPath();
      ctx.moveTo(c, c);
      ctx.lineTo(c + Math.cos(a) * c, c - Math.sin(a) * c);
      ctx.stroke();
      ctx.font = "10px sans-serif";
      for (const [name, [x, y]] of Object.entries(model.get("targets"))) {
        ctx.strokeStyle = "rgba(255,255,255,0.6)";
        ctx.strokeRect(x - 4, y - 4, 8, 8);
        ctx.fillStyle = "rgba(255,255,255,0.7)";
        ctx.fillText(name, x + 6, y + 4);
      }
    }

    function drawHist() {
      const view = model.get("histogram");
      const ctx = hist.getContext("2d");
      const w = hist.width, h = hist.height;
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, w, h);
      if (!view || view.byteLength === 0) return;
      const data = new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
      const bins = data.length / 4;
      const colours = ["rgba(255,60,60,0.8)", "rgba(60,255,60,0.8)", "rgba(80,120,255,0.8)",
        "rgba(255,255,255,0.9)"];
      ctx.globalCompositeOperation = "lighter";
      for (let c = 0; c < 4; c++) {
        ctx.strokeStyle = colours[c];
        ctx.beginPath();
        for (let i = 0; i < bins; i++) {
          const x = (i / (bins - 1)) * (w - 1);
          const y = h - 1 - data[c * bins + i] * (h - 2);
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      ctx.globalCompositeOperation = "source-over";
    }

    async function draw() {
      await Promise.all([drawWave(), drawVec()]);
      drawHist();
      drawn += 1;
      root.setAttribute("data-scope-seq", String(drawn));
    }

    waveBtn.addEventListener("click", () => { model.set("mode", "waveform"); model.save_changes(); });
    paradeBtn.addEventListener("click", () => { model.set("mode", "parade"); model.save_changes(); });
    model.on("change:seq", draw);
    model.on("change:mode", drawWave);
    draw();
    return () => root.remove();
  },
};
