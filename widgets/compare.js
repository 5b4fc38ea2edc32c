// CompareView: before/after with wipe, split, side-by-side, toggle and difference; zoom and
// pan in source pixels. Frames arrive as binary image bytes (DataView), never base64.

const MODES = ["wipe", "split", "side-by-side", "toggle", "difference"];

// Every node opts out of JupyterLab's command-mode keys: lumino matches a shortcut on the
// focused element itself (a clicked button, a slider) before it looks at the widget root.
function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function blobUrl(view, mime) {
  if (!view || view.byteLength === 0) return "";
  return URL.createObjectURL(new Blob([view], { type: mime }));
}

// ---- Frame cache (client side) ------------------------------------------------------------
// The kernel sends every frame it renders ahead (and tags each frame it shows) with what
// determines its picture: epoch (shot, clip frame, proposal), the grade panel's values and
// bypasses, strength, proxy, compare mode (workbench/ui/client_frames.py). Frames are decoded
// as they arrive; a strength move onto a kept frame paints it at once, no kernel round trip.
// A kept frame is shown only when every part of its tag equals the page's state right now.
const FRAME_CACHE_SIZE = 32;
// Decoded pixels held at most (RGBA, ~190 MB): 32 proxies fit, full-size UHD frames only a few.
const FRAME_CACHE_PIXELS = 48e6;

const strengthKey = (s) => Math.round(Number(s) * 1e6);

function sameValue(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
}

function makeFrameCache() {
  const entries = new Map();  // key -> {tag, url, img, pixels}; insertion order = age
  const urls = new Set();
  let pixels = 0;
  const keyOf = (tag) => `${tag.epoch}|${strengthKey(tag.strength)}|${tag.proxy ? 1 : 0}`;
  const cache = {
    keyOf,
    get: (key) => entries.get(key),
    owns: (url) => urls.has(url),
    get size() { return entries.size; },
    // Keep `bytes` under `tag` (a frame already kept under the same tag is reused); the
    // frame is decoded now, off the path of the move that will show it.
    put(tag, bytes, mime, shown) {
      const key = keyOf(tag);
      const old = entries.get(key);
      if (old && sameValue(old.tag, tag)) {
        entries.delete(key);
        entries.set(key, old);
        return old;
      }
      const url = blobUrl(bytes, mime);
      if (!url) return null;
      const img = new Image();
      img.src = url;
      const entry = { tag, url, img, pixels: 0 };
      img.decode().then(() => {
        if (entries.get(key) !== entry) return;
        entry.pixels = img.naturalWidth * img.naturalHeight;
        pixels += entry.pixels;
        cache.trim(shown, entry);
      }).catch(() => {});
      if (old) cache.drop(key, shown);
      entries.set(key, entry);
      urls.add(url);
      cache.trim(shown, entry);
      return entry;
    },
    // The oldest go first, past the count or the pixels held; never `keep`.
    trim(shown, keep) {
      for (const [key, entry] of [...entries]) {
        if (entries.size <= FRAME_CACHE_SIZE && pixels <= FRAME_CACHE_PIXELS) break;
        if (entry !== keep) cache.drop(key, shown);
      }
    },
    drop(key, shown) {
      const entry = entries.get(key);
      if (!entry) return;
      entries.delete(key);
      urls.delete(entry.url);
      pixels -= entry.pixels;
      if (entry.url !== shown()) URL.revokeObjectURL(entry.url);  // else when replaced
    },
    keepOnly(epoch, shown) {
      for (const [key, entry] of [...entries]) if (entry.tag.epoch !== epoch) cache.drop(key, shown);
    },
    clear(shown) { for (const key of [...entries.keys()]) cache.drop(key, shown); },
  };
  return cache;
}

// ---- Playback ---------------------------------------------------------------------------
// The kernel renders the shot's proxy frames through the current grade and streams them
// (play-begin, play-frame with the graded and the untouched JPEG, play-ready); they are
// decoded to bitmaps and played here on the page's own clock at the clip's rate, looping,
// onto canvases laid over the two frames (so wipe, split, side by side and difference play as
// they show). The rate shown is the one measured: distinct frames drawn per second over the
// last second, and the frames skipped to stay in time are counted, never hidden.
function makePlayer({ model, root, stageA, stageB, info, showInfo, button, status, scrub, scrubLabel, imgAfter }) {
  const canvasA = el("canvas", "wb-play-canvas", { "data-testid": "wb-play-before" });
  const canvasB = el("canvas", "wb-play-canvas", { "data-testid": "wb-play-after", "data-play-seq": "0" });
  stageA.append(canvasA);
  stageB.append(canvasB);
  let clip = null, state = "stopped", raf = 0, t0 = 0, lastPos = -1, seq = 0, dropped = 0;
  let times = [], holding = 0, closed = false;

  function setState(s) {
    state = s;
    root.dataset.play = s;
    button.textContent = s === "stopped" ? "▶ play" : "❚❚ pause";
    button.setAttribute("aria-pressed", String(s !== "stopped"));
  }
  function showCanvases(on) {
    canvasA.style.display = on && clip?.hasBefore ? "" : "none";
    canvasB.style.display = on ? "" : "none";
  }
  function dropClip() {
    if (!clip) return;
    for (const b of [...clip.after, ...clip.before]) b?.close?.();
    clip = null;
  }
  function decode(key, index, view, which) {
    const target = clip;  // a replay may reuse the key: frames belong to this clip object only
    createImageBitmap(new Blob([view], { type: model.get("mime") })).then((bmp) => {
      if (closed || !clip || clip !== target) { bmp.close(); return; }
      if (clip[which][index]) { clip[which][index].close?.(); clip[which][index] = bmp; return; }
      clip[which][index] = bmp;
      clip.decoded += 1;
      if (state === "rendering") status.textContent = `rendering ${Math.floor(clip.decoded / clip.per)}/${clip.count}`;
      maybeStart();
    }).catch(() => {
      if (clip && clip === target) stop(false, "a frame did not decode");
    });
  }
  function onMsg(msg, buffers) {
    if (!msg || typeof msg.type !== "string" || !msg.type.startsWith("play-")) return;
    if (msg.type === "play-begin") {
      dropClip();
      clip = {
        key: msg.key, count: msg.count, fps: msg.fps, first: msg.first, timecodes: msg.timecodes || [],
        hasBefore: Boolean(msg.before), per: msg.before ? 2 : 1, decoded: 0,
        after: new Array(msg.count), before: new Array(msg.count), complete: false, ready: false,
      };
      if (state === "rendering") status.textContent = `rendering 0/${msg.count}`;
    } else if (msg.type === "play-frame") {
      if (!clip || msg.key !== clip.key || !buffers?.length) return;
      decode(msg.key, msg.index, buffers[0], "after");
      if (clip.hasBefore && buffers[1]) decode(msg.key, msg.index, buffers[1], "before");
    } else if (msg.type === "play-ready") {
      if (!clip || msg.key !== clip.key) return;
      clip.complete = true;
      maybeStart();
    } else if (msg.type === "play-cancel") {
      if (!clip || msg.key !== clip.key) return;  // a cancel for a clip the page no longer holds
      if (!clip.ready) dropClip();
      if (state === "rendering") stop(false, msg.reason && msg.reason !== "stopped" ? msg.reason : "");
    }
  }
  function maybeStart() {
    if (!clip || !clip.complete || clip.decoded < clip.count * clip.per) return;
    clip.ready = true;
    if (state === "rendering") start();
  }
  function start() {
    const { count, fps, first } = clip;
    const at = Math.min(Math.max(Number(model.get("frame")) - first, 0), count - 1);
    for (const [canvas, frames] of [[canvasB, clip.after], [canvasA, clip.before]]) {
      if (frames[0]) {
        canvas.width = frames[0].width;
        canvas.height = frames[0].height;
      }
    }
    t0 = performance.now() - (at * 1000) / fps;
    lastPos = -1;
    dropped = 0;
    times = [];
    setState("playing");
    draw(at);
    lastPos = at;
    showCanvases(true);
    raf = requestAnimationFrame(tick);
  }
  function tick(now) {
    if (state !== "playing" || !clip) return;
    // The position on the clip's clock (never back: a frame's timestamp may precede start).
    const pos = Math.floor(((now - t0) * clip.fps) / 1000);
    if (pos > lastPos) {
      if (lastPos >= 0 && pos - lastPos > 1) dropped += pos - lastPos - 1;
      lastPos = pos;
      draw(pos % clip.count);
    }
    raf = requestAnimationFrame(tick);
  }
  function rate() {
    if (times.length < 2) return 0;
    return ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
  }
  function draw(i) {
    canvasB.getContext("2d").drawImage(clip.after[i], 0, 0);
    if (clip.hasBefore && clip.before[i]) canvasA.getContext("2d").drawImage(clip.before[i], 0, 0);
    const now = performance.now();
    times.push(now);
    while (times.length > 2 && now - times[0] > 1000) times.shift();
    const frame = clip.first + i;
    seq += 1;
    canvasB.dataset.frame = String(frame);
    canvasB.dataset.index = String(i);
    canvasB.setAttribute("data-play-seq", String(seq));
    root.dataset.playFps = rate().toFixed(2);
    root.dataset.playDropped = String(dropped);
    const r = rate();
    status.textContent = `${r ? r.toFixed(1) : "–"}/${+clip.fps.toFixed(3)} fps${dropped ? ` · ${dropped} dropped` : ""}`;
    status.title = "Frames drawn per second over the last second, of the shot's rate; "
      + "frames skipped to keep time are counted as dropped";
    const tc = clip.timecodes[i];
    // The timecode first: the line is cut at its end when the row is narrow.
    info.textContent = [tc, `frame ${frame}`, model.get("shot"), "playing"].filter(Boolean).join(" · ");
    scrub.value = frame;
    scrubLabel.textContent = `frame ${frame}`;
  }
  // Stop; `seek`: ask the kernel for the frame stopped on (shown meanwhile on the canvas).
  function stop(seek = true, why = "") {
    const was = state;
    cancelAnimationFrame(raf);
    setState("stopped");
    if (model.get("playing")) {
      model.set("playing", false);
      model.save_changes();
    }
    status.textContent = why;
    showInfo();
    const frame = was === "playing" && clip && lastPos >= 0 ? clip.first + (lastPos % clip.count) : null;
    if (seek && frame !== null && frame !== Number(model.get("frame"))) {
      holding = Number(imgAfter.getAttribute("data-frame-seq"));
      model.send({ type: "seek", frame, shot: model.get("shot") });
      setTimeout(() => { if (holding) { holding = 0; showCanvases(false); } }, 5000);
    } else {
      holding = 0;
      showCanvases(false);
    }
  }
  function play() {
    if (state !== "stopped") return;
    setState("rendering");
    status.textContent = "rendering…";
    model.set("playing", true);
    model.save_changes();
    model.send({ type: "play", have: clip && clip.ready ? clip.key : null });
  }
  const toggle = () => (state === "stopped" ? play() : stop());
  // The kernel's frame of the place stopped on has painted: the canvases step aside.
  const seqWatch = new MutationObserver(() => {
    if (holding && Number(imgAfter.getAttribute("data-frame-seq")) > holding) {
      holding = 0;
      showCanvases(false);
    }
  });
  seqWatch.observe(imgAfter, { attributes: true, attributeFilter: ["data-frame-seq"] });
  button.addEventListener("click", toggle);
  // Scrubbing stops playback; the scrubber's own release shows the frame it points at.
  for (const ev of ["pointerdown", "keydown"]) scrub.addEventListener(ev, () => { if (state !== "stopped") stop(false); });
  const onKernelStop = () => { if (!model.get("playing") && state !== "stopped") stop(); };
  const onShot = () => { if (state !== "stopped") stop(false); dropClip(); };
  model.on("msg:custom", onMsg);
  model.on("change:playing", onKernelStop);
  model.on("change:shot", onShot);
  setState("stopped");
  showCanvases(false);
  return {
    toggle,
    close() {
      closed = true;
      cancelAnimationFrame(raf);
      seqWatch.disconnect();
      model.off("msg:custom", onMsg);
      model.off("change:playing", onKernelStop);
      model.off("change:shot", onShot);
      dropClip();
    },
  };
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-compare", { "data-testid": "wb-compare", tabindex: "0" });
    const bar = el("div", "wb-toolbar");
    const modeButtons = {};
    for (const mode of MODES) {
      const b = el("button", "wb-btn", { type: "button", "data-mode": mode });
      b.textContent = mode;
      b.addEventListener("click", () => { model.set("mode", mode); model.save_changes(); });
      modeButtons[mode] = b;
      bar.append(b);
    }
    const fitBtn = el("button", "wb-btn", { type: "button", "data-testid": "wb-fit" });
    fitBtn.textContent = "fit";
    const oneBtn = el("button", "wb-btn", { type: "button", "data-testid": "wb-one-to-one" });
    oneBtn.textContent = "1:1";
    const zoomLabel = el("span", "wb-dim wb-zoom");
    const info = el("span", "wb-info", { "data-testid": "wb-frame-info" });
    const fullBtn = el("button", "wb-btn", { type: "button", "data-testid": "wb-fullscreen", title: "Full screen (Esc leaves)" });
    fullBtn.textContent = "full screen";
    fullBtn.addEventListener("click", () => {
      if (document.fullscreenElement === root) document.exitFullscreen();
      else root.requestFullscreen?.().catch(() => {});
    });
    // What "before" shows: the source, the scene's anchor, another version, a still.
    const refSelect = el("select", "wb-select", { "data-testid": "wb-reference", title: "Compare against" });
    refSelect.addEventListener("change", () => { model.set("reference", refSelect.value); model.save_changes(); });
    const grabBtn = el("button", "wb-btn", { type: "button", "data-testid": "wb-grab-still", title: "Keep the graded frame in the title's still gallery" });
    grabBtn.textContent = "grab still";
    grabBtn.addEventListener("click", () => model.send({ type: "grab" }));
    const gain = el("select", "wb-select", { "data-testid": "wb-diff-gain", title: "Gain on the difference" });
    for (const g of [1, 4, 16]) {
      const o = el("option", "", { value: g });
      o.textContent = `×${g}`;
      gain.append(o);
    }
    gain.addEventListener("change", () => { model.set("difference_gain", Number(gain.value)); model.save_changes(); });
    function drawRefs() {
      refSelect.replaceChildren(...(model.get("references") || []).map((r) => {
        const o = el("option", "", { value: r.key });
        o.textContent = `vs ${r.label}`;
        return o;
      }));
      refSelect.value = model.get("reference");
      refSelect.disabled = refSelect.options.length < 2;
    }
    bar.append(fitBtn, oneBtn, fullBtn, refSelect, grabBtn, gain, zoomLabel);

    const view = el("div", "wb-viewport");
    const paneA = el("div", "wb-pane wb-pane-before");
    const paneB = el("div", "wb-pane wb-pane-after");
    const stageA = el("div", "wb-stage");
    const stageB = el("div", "wb-stage");
    const imgBefore = el("img", "wb-frame", { alt: "before", draggable: "false" });
    const imgAfter = el("img", "wb-frame", {
      alt: "after", draggable: "false", "data-testid": "wb-preview", "data-frame-seq": "0",
    });
    stageA.append(imgBefore);
    stageB.append(imgAfter);
    paneA.append(stageA);
    paneB.append(stageB);
    const labelA = el("span", "wb-label wb-label-before");
    const labelB = el("span", "wb-label wb-label-after");
    const divider = el("div", "wb-divider", { "data-testid": "wb-divider", title: "Drag to move the wipe" });
    divider.append(el("div", "wb-wipe-handle", { "data-testid": "wb-wipe-handle" }));
    view.append(paneA, paneB, divider, labelA, labelB);
    // The scrubber: any frame of the shot (released = shown); `,` and `.` step one.
    const scrubRow = el("div", "wb-toolbar wb-scrub-row");
    const scrub = el("input", "wb-range wb-scrub", { type: "range", step: 1, "data-testid": "wb-scrub", title: "Frame of the shot (, and . step one)" });
    const scrubLabel = el("span", "wb-dim");
    const playBtn = el("button", "wb-btn wb-play", { type: "button", "data-testid": "wb-play", title: "Play the shot through the grade, looping (Space)" });
    const playStatus = el("span", "wb-dim wb-play-status", { "data-testid": "wb-play-status" });
    scrubRow.append(playBtn, scrub, scrubLabel, playStatus, info);  // below the frame: its length moves nothing
    scrub.addEventListener("input", () => { scrubLabel.textContent = `frame ${scrub.value}`; });
    scrub.addEventListener("change", () => model.send({ type: "seek", frame: Number(scrub.value) }));
    function drawScrub() {
      const [a, b] = model.get("frame_range") || [0, 0];
      scrub.min = a;
      scrub.max = b;
      scrub.value = model.get("frame");
      scrub.disabled = b <= a;
      scrubLabel.textContent = `frame ${model.get("frame")} of ${a}–${b}`;
    }
    root.append(bar, view, scrubRow);
    host.append(root);

    // Zoom is scale (CSS px per source pixel); 0 in the model means "fit".
    let scale = 1, tx = 0, ty = 0, fit = true, showAfter = true, painted = 0, token = 0;

    const srcSize = () => {
      const w = model.get("source_width") || imgAfter.naturalWidth || imgBefore.naturalWidth || 1;
      const h = model.get("source_height") || imgAfter.naturalHeight || imgBefore.naturalHeight || 1;
      return [w, h];
    };
    const paneSize = () => {
      const r = paneA.getBoundingClientRect();
      return [Math.max(r.width, 1), Math.max(r.height, 1)];
    };
    function fitView() {
      const [w, h] = srcSize(), [pw, ph] = paneSize();
      scale = Math.min(pw / w, ph / h);
      tx = (pw - w * scale) / 2;
      ty = (ph - h * scale) / 2;
      fit = true;
      apply();
    }
    function zoomTo(s, cx, cy) {
      const [pw, ph] = paneSize();
      cx = cx ?? pw / 2;
      cy = cy ?? ph / 2;
      s = Math.min(Math.max(s, 0.02), 64);
      tx = cx - ((cx - tx) * s) / scale;
      ty = cy - ((cy - ty) * s) / scale;
      scale = s;
      fit = false;
      apply();
    }
    let zoomTimer = 0;
    function syncZoom() {
      clearTimeout(zoomTimer);
      zoomTimer = setTimeout(() => {
        model.set("zoom", fit ? 0 : scale);
        model.save_changes();
      }, 150);
    }
    function apply() {
      const [w, h] = srcSize();
      // The viewer keeps one shape whatever the shot's (the frame fits inside it), so the
      // panels and the decision buttons below never move from shot to shot.
      for (const img of [imgBefore, imgAfter]) {
        img.style.width = `${w}px`;
        img.style.height = `${h}px`;
        img.classList.toggle("wb-pixelated", scale * devicePixelRatio >= 2);
      }
      const t = `translate(${tx}px, ${ty}px) scale(${scale})`;
      stageA.style.transform = t;
      stageB.style.transform = t;
      const oneToOne = Math.abs(scale * devicePixelRatio - 1) < 1e-3;
      zoomLabel.textContent = fit ? "fit" : oneToOne ? "1:1" : `${Math.round(scale * 100)}%`;
      reportWidth(Math.round(w * scale * devicePixelRatio));
    }
    // How many device pixels the frame spans on screen, so the kernel renders no more.
    let widthTimer = 0;
    function reportWidth(px) {
      if (px === model.get("display_width")) return;
      clearTimeout(widthTimer);
      widthTimer = setTimeout(() => {
        model.set("display_width", px);
        model.save_changes();
      }, 150);
    }

    function layout() {
      const mode = model.get("mode");
      const wipe = model.get("wipe");
      for (const [m, b] of Object.entries(modeButtons)) b.classList.toggle("wb-active", m === mode);
      root.dataset.mode = mode;
      view.classList.toggle("wb-side", mode === "side-by-side");
      paneB.style.clipPath = "";
      paneB.style.visibility = "";
      paneB.style.mixBlendMode = mode === "difference" ? "difference" : "";
      // The filter applies to the blended result: small differences made visible.
      const g = model.get("difference_gain");
      view.style.filter = mode === "difference" && g > 1 ? `brightness(${g})` : "";
      gain.style.display = mode === "difference" ? "" : "none";
      gain.value = String(g);
      divider.style.display = mode === "wipe" || mode === "split" ? "" : "none";
      divider.classList.toggle("wb-horizontal", mode === "split");
      if (mode === "wipe") {
        paneB.style.clipPath = `inset(0 0 0 ${wipe * 100}%)`;
        divider.style.left = `${wipe * 100}%`;
        divider.style.top = "";
      } else if (mode === "split") {
        paneB.style.clipPath = `inset(${wipe * 100}% 0 0 0)`;
        divider.style.top = `${wipe * 100}%`;
        divider.style.left = "";
      }
      // `t` (or a click in toggle mode) shows the whole before frame in any mode.
      const whole = mode === "toggle" || !showAfter;
      if (!showAfter) {
        paneB.style.visibility = "hidden";
        divider.style.display = "none";
      }
      const before = model.get("label_before"), after = model.get("label_after");
      labelA.textContent = whole ? `${showAfter ? after : before} · t: ${showAfter ? before : after}`
        : mode === "difference" ? `|${after} − ${before}|${model.get("difference_gain") > 1 ? ` ×${model.get("difference_gain")}` : ""}`
        : `${before} · t: toggle`;
      labelB.textContent = after;
      labelB.style.display = whole || mode === "difference" ? "none" : "";
      labelB.style.top = mode === "split" ? "auto" : "";
      labelB.style.bottom = mode === "split" ? "6px" : "";
      if (fit) requestAnimationFrame(fitView);
    }

    function showInfo() {
      const tc = model.get("timecode");
      const parts = [model.get("shot"), `frame ${model.get("frame")}`];
      if (tc) parts.push(tc);
      if (model.get("proxy")) parts.push("proxy");
      info.textContent = parts.filter(Boolean).join(" · ");
    }

    function setBefore() {
      const url = blobUrl(model.get("before"), model.get("mime"));
      const old = imgBefore.src;
      imgBefore.src = url;
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      imgBefore.decode().then(() => { if (fit) fitView(); }).catch(() => {});
    }

    // The kernel's frame. A tagged one is kept (frame cache); one made for an older move while
    // the page already shows the kept frame of the newest is kept but not shown: the kernel's
    // answer to the newest move follows it.
    async function setAfter() {
      const tag = model.get("after_tag") || {};
      const tagged = tag.epoch !== undefined;
      const entry = tagged ? frameCache.put(tag, model.get("after"), model.get("mime"), shownUrl) : null;
      noteKeptFrames();
      if (tagged && wantFromCache && keptFrameFits(wantTag) && !keptFrameFits(tag, true)) return;
      const url = entry ? entry.url : blobUrl(model.get("after"), model.get("mime"));
      if (!url) return;
      await paintAfter(url, entry ? entry.tag : null, false);
    }

    // The preview's data-frame-seq rises only once the new frame is decoded and painted.
    async function paintAfter(url, tag, fromCache) {
      const mine = ++token;
      wantTag = tag;
      wantFromCache = fromCache;
      const old = imgAfter.src;
      if (old !== url) imgAfter.src = url;
      try {
        await imgAfter.decode();
      } catch {
        if (mine === token && !frameCache.owns(url)) URL.revokeObjectURL(url);
        return;  // a newer frame replaced this one before it decoded
      }
      if (old !== url && old.startsWith("blob:") && !frameCache.owns(old)) URL.revokeObjectURL(old);
      if (mine !== token) return;
      requestAnimationFrame(() => {
        if (mine !== token) return;  // a newer frame took the preview before this one painted
        imgAfter.dataset.frameFrom = fromCache ? "cache" : "kernel";
        painted += 1;
        imgAfter.setAttribute("data-frame-seq", String(painted));
        if (fit && painted === 1) fitView();
      });
    }

    // ---- Frame cache: the page's side (see makeFrameCache) ----
    const frameCache = makeFrameCache();
    const shownUrl = () => imgAfter.src;
    let wantTag = null, wantFromCache = false, staleFrames = false, grade = null, closed = false;
    const gradeContext = {};
    const noteKeptFrames = () => { root.dataset.keptFrames = String(frameCache.size); };
    // A kept frame fits when its tag is the page's state now: epoch, compare mode, proxy, and
    // the grade panel's strength, values and bypasses (its local copy: a slider the artist just
    // moved counts at once, before the kernel has heard of it).
    function keptFrameFits(tag, anyProxy = false) {
      if (!tag || tag.epoch === undefined || !grade || staleFrames) return false;
      return tag.epoch === model.get("cache_epoch") && tag.mode === model.get("mode")
        && (anyProxy || Boolean(tag.proxy) === Boolean(model.get("proxy")))
        && strengthKey(tag.strength) === strengthKey(grade.get("strength"))
        && sameValue(tag.bypass, grade.get("bypass")) && sameValue(tag.values, grade.get("values"));
    }
    // The grade panel moved (or a frame arrived): paint the kept frame of this state, if any.
    function showKeptFrame() {
      if (!grade || staleFrames) return;
      const entry = frameCache.get(frameCache.keyOf({
        epoch: model.get("cache_epoch"), strength: grade.get("strength"), proxy: model.get("proxy"),
      }));
      if (!entry || !keptFrameFits(entry.tag)) return;
      if (imgAfter.src === entry.url) return;  // shown already (or on its way)
      paintAfter(entry.url, entry.tag, true);
    }
    function onKeptFrame(msg, buffers) {
      if (!msg || msg.type !== "frame" || !msg.tag || !buffers || !buffers.length) return;
      if (msg.tag.epoch !== model.get("cache_epoch")) return;  // for a frame no longer shown
      frameCache.put(msg.tag, buffers[0], model.get("mime"), shownUrl);
      noteKeptFrames();
      showKeptFrame();
    }
    // The shot, its frame or the panel's operators changed: nothing kept is used until the
    // kernel's new epoch arrives (it follows those changes).
    const staleKeptFrames = () => { staleFrames = true; };
    function onEpoch() {
      staleFrames = false;
      frameCache.keepOnly(model.get("cache_epoch"), shownUrl);
      noteKeptFrames();
    }
    const gradeId = String(model.get("grade_model") || "").replace(/^IPY_MODEL_/, "");
    if (gradeId && model.widget_manager) {
      model.widget_manager.get_model(gradeId).then((g) => {
        if (closed || !g) return;
        grade = g;
        g.on("change:strength change:values change:bypass", showKeptFrame, gradeContext);
        g.on("change:spec change:shot", staleKeptFrames, gradeContext);
      }).catch(() => {});
    }
    model.on("msg:custom", onKeptFrame);
    model.on("change:cache_epoch", onEpoch);
    model.on("change:shot", staleKeptFrames);
    model.on("change:frame", staleKeptFrames);

    // Divider drag.
    let draggingDivider = false;
    divider.addEventListener("pointerdown", (e) => {
      draggingDivider = true;
      divider.setPointerCapture(e.pointerId);
      e.stopPropagation();
    });
    divider.addEventListener("pointermove", (e) => {
      if (!draggingDivider) return;
      const r = view.getBoundingClientRect();
      const split = model.get("mode") === "split";
      const v = split ? (e.clientY - r.top) / r.height : (e.clientX - r.left) / r.width;
      model.set("wipe", Math.min(Math.max(v, 0), 1));
      layout();
    });
    divider.addEventListener("pointerup", () => {
      draggingDivider = false;
      model.save_changes();
    });

    // Pan and zoom.
    let pan = null;
    view.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      root.focus({ preventScroll: true });
      pan = { x: e.clientX, y: e.clientY, tx, ty, moved: false };
      view.setPointerCapture(e.pointerId);
    });
    view.addEventListener("pointermove", (e) => {
      if (!pan) return;
      const dx = e.clientX - pan.x, dy = e.clientY - pan.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) pan.moved = true;
      tx = pan.tx + dx;
      ty = pan.ty + dy;
      fit = false;
      apply();
    });
    view.addEventListener("pointerup", () => {
      if (pan && !pan.moved && model.get("mode") === "toggle") {
        toggle();
      } else if (pan && pan.moved) {
        syncZoom();
      }
      pan = null;
    });
    // The wheel zooms once the viewer has focus (click it) or with Ctrl/Cmd held, so that
    // scrolling the notebook past the widget still scrolls the notebook.
    view.addEventListener("wheel", (e) => {
      if (!(e.ctrlKey || e.metaKey || root.contains(document.activeElement))) return;
      e.preventDefault();
      const r = paneA.getBoundingClientRect();
      zoomTo(scale * Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      syncZoom();
    }, { passive: false });
    fitBtn.addEventListener("click", () => { fitView(); syncZoom(); });
    oneBtn.addEventListener("click", () => { zoomTo(1 / devicePixelRatio); syncZoom(); });
    const toggle = () => {
      showAfter = !showAfter;
      root.dataset.showing = showAfter ? "after" : "before";
      layout();
    };
    root.addEventListener("keydown", (e) => {
      if (e.key === " " && !e.ctrlKey && !e.metaKey && !e.altKey) {
        player.toggle();  // play/pause, as in an editor
        e.preventDefault();
        return;
      }
      if (e.key === "t" && !e.ctrlKey && !e.metaKey && !e.altKey) {
        toggle();
        e.preventDefault();
      }
    });
    // The app's key map sends `t` from anywhere in the app as a wb-toggle event.
    const onToggle = (e) => { if (e.target.contains(root)) toggle(); };
    // The app's key map sends Space from anywhere in the app as a wb-play event.
    const onPlayKey = (e) => { if (e.target.contains(root)) player.toggle(); };
    document.addEventListener("wb-play", onPlayKey);
    document.addEventListener("wb-toggle", onToggle);

    const onZoom = () => {
      const z = model.get("zoom");
      if (z === 0) fitView();
      else if (Math.abs(z - scale) > 1e-6) zoomTo(z);
    };
    const onSize = () => { if (fit) fitView(); else apply(); };
    const observer = new ResizeObserver(() => onSize());
    observer.observe(view);

    model.on("change:before", setBefore);
    model.on("change:after", setAfter);
    // A new frame can be byte-identical to the last (a tiny slider step): traitlets then sends
    // no `after`, but `seq` always moves, and the frame still counts as painted.
    model.on("change:seq", setAfter);
    model.on("change:mode", layout);
    model.on("change:wipe", layout);
    model.on("change:zoom", onZoom);
    model.on("change:source_width", onSize);
    for (const key of ["shot", "frame", "timecode", "proxy"]) model.on(`change:${key}`, showInfo);
    model.on("change:references", drawRefs);
    model.on("change:reference", drawRefs);
    model.on("change:difference_gain", layout);
    drawRefs();
    model.on("change:frame", drawScrub);
    model.on("change:frame_range", drawScrub);
    drawScrub();
    model.on("change:label_before", layout);
    model.on("change:label_after", layout);

    setBefore();
    setAfter();
    showInfo();
    layout();
    const player = makePlayer({
      model, root, stageA, stageB, info, showInfo, button: playBtn, status: playStatus, scrub, scrubLabel, imgAfter,
    });

    return () => {
      closed = true;
      grade?.off(null, null, gradeContext);
      frameCache.clear(() => "");
      document.removeEventListener("wb-toggle", onToggle);
      document.removeEventListener("wb-play", onPlayKey);
      player.close();
      observer.disconnect();
      for (const img of [imgBefore, imgAfter]) {
        if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
      }
    };
  },
};
