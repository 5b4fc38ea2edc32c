// AppKeys: guards the whole app against JupyterLab's command-mode shortcuts and turns the
// app's own keys into messages for the kernel; shows the key map.

function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  node.setAttribute("data-lm-suppress-shortcuts", "true");
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

const REPEATS = new Set(["next", "previous", "frame-back", "frame-forward", "undo", "redo"]);

// Typing a note or a number keeps its keys (and the browser's own undo).
function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target.tagName === "INPUT" && !["range", "checkbox", "button"].includes(target.type);
}

function keyName(e) {
  const mod = e.ctrlKey || e.metaKey;
  if (e.altKey) return "";
  if (mod) return `Ctrl+${e.shiftKey ? "Shift+" : ""}${e.key.toLowerCase()}`;
  return e.key.length === 1 ? e.key.toLowerCase() : e.key;
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-keys", { "data-testid": "wb-keymap" });
    host.append(root);

    function draw() {
      root.replaceChildren();
      for (const { key, label } of model.get("keymap")) {
        const item = el("span", "wb-key-item");
        const kbd = el("kbd", "wb-kbd");
        kbd.textContent = key === " " ? "Space" : key.replace("Ctrl+", "Ctrl ").replace("Shift+", "Shift ");
        item.append(kbd, document.createTextNode(` ${label}`));
        root.append(item);
      }
    }

    const actions = () => new Map(model.get("keymap").map((r) => [r.key, r.action]));
    let app = null;
    function onKey(e) {
      if (e.defaultPrevented || typing(e.target)) return;
      const action = actions().get(keyName(e));
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      if (e.repeat && !REPEATS.has(action)) return;  // holding `g` must not accept twice
      if (action === "toggle" || action === "play") {  // the viewer's own: no kernel trip
        app.dispatchEvent(new CustomEvent(`wb-${action}`, { bubbles: true }));
        return;
      }
      model.send({ type: "key", action });
    }
    // A click on the app's background focuses the app itself, so that keys still land here
    // (and not on the notebook cell around it).
    function onPointer(e) {
      const focusable = e.target.closest?.("button, input, select, textarea, summary, [tabindex]");
      if (!focusable || focusable === app) app.focus({ preventScroll: true });
    }
    // The app's container exists only once this widget is attached: look for it then.
    let tries = 0;
    function attach() {
      app = host.closest(".wb-app");
      if (!app) {
        if (host.isConnected || ++tries > 600) return;
        requestAnimationFrame(attach);
        return;
      }
      app.setAttribute("data-lm-suppress-shortcuts", "true");
      if (!app.hasAttribute("tabindex")) app.setAttribute("tabindex", "-1");
      app.addEventListener("keydown", onKey);
      app.addEventListener("pointerdown", onPointer);
    }
    model.on("change:keymap", draw);
    draw();
    attach();
    return () => {
      if (app) {
        app.removeEventListener("keydown", onKey);
        app.removeEventListener("pointerdown", onPointer);
      }
      root.remove();
    };
  },
};
