// DecisionBar: accept / adjust / reject with a note; the kernel journals the decision and
// reports errors (e.g. a DecisionError) back in `error`, shown inline.

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
    const root = el("div", "wb-decision-bar", { "data-testid": "wb-decision-bar" });
    const plan = el("div", "wb-plan", { "data-testid": "wb-plan" });
    const row = el("div", "wb-toolbar");
    const note = el("input", "wb-note", {
      type: "text", placeholder: "note", "data-testid": "wb-note",
    });
    const buttons = {};
    // One click, one entry: every button is disabled from the click until the kernel has
    // answered; the message names the decision count it was made at (`seen`).
    let pending = false;
    for (const verdict of ["accept", "adjust", "reject"]) {
      const b = el("button", `wb-btn wb-${verdict}`, { type: "button", "data-testid": `wb-${verdict}` });
      b.textContent = verdict;
      b.addEventListener("click", () => {
        if (pending || b.disabled) return;
        pending = true;
        drawPlan();
        model.set("note", note.value);
        model.save_changes();
        model.send({ type: "decide", verdict, note: note.value, seen: model.get("journaled") });
      });
      buttons[verdict] = b;
    }
    buttons.accept.title = "Accept the proposal as shown (g)";
    buttons.reject.title = "Reject: nothing is rendered for this shot (f)";
    buttons.adjust.title = "Journal the strength and parameters as edited";
    row.append(note, buttons.accept, buttons.adjust, buttons.reject);
    const error = el("div", "wb-error", { "data-testid": "wb-decision-error", role: "alert" });
    const last = el("div", "wb-dim", { "data-testid": "wb-last-decision" });
    root.append(plan, row, error, last);
    host.append(root);

    function drawPlan() {
      const p = model.get("plan") || {};
      const version = model.get("model_version");
      root.dataset.pending = String(pending);
      if (!p.shot) {
        plan.textContent = "Select a shot.";
        for (const b of Object.values(buttons)) b.disabled = true;
        return;
      }
      const ops = (p.operators || []).join(" → ") || "identity";
      const changes = p.changes || [];
      plan.textContent = `Renders ${p.shot}, frames ${p.frames[0]}–${p.frames[1] - 1} `
        + `(${p.frame_count}), strength ${p.strength.toFixed(3)}, ${ops}`
        + (version ? ` · model ${version}` : "")
        + (changes.length ? ` · changed: ${changes.join(", ")}` : "");
      plan.title = plan.textContent;
      // What the button says is what the journal will say.
      buttons.accept.textContent = p.verdict === "adjust" ? "accept as adjust" : "accept";
      const off = pending || p.has_proposal === false;
      buttons.accept.disabled = off;
      buttons.reject.disabled = off;
      buttons.adjust.disabled = off || !changes.length;
      buttons.adjust.title = changes.length ? `Journal: ${changes.join(", ")}`
        : "Nothing changed: move the strength or a parameter first";
    }
    function drawError() {
      error.textContent = model.get("error");
      error.style.display = model.get("error") ? "" : "none";
    }
    function drawLast() {
      const d = model.get("last") || {};
      last.textContent = d.id
        ? `Journaled #${d.seq}: ${d.shot} ${d.strength == null ? "rejected" : `${d.verdict} at ${Number(d.strength).toFixed(3)}`} by ${d.decided_by}`
          + ((d.changes || []).length ? ` (${d.changes.join(", ")})` : "")
        : "";
    }
    const answered = () => { pending = false; drawPlan(); };
    model.on("change:answered", answered);
    note.addEventListener("change", () => { model.set("note", note.value); model.save_changes(); });
    model.on("change:note", () => { if (note.value !== model.get("note")) note.value = model.get("note"); });
    model.on("change:plan", drawPlan);
    model.on("change:model_version", drawPlan);
    model.on("change:error", drawError);
    model.on("change:last", drawLast);
    note.value = model.get("note");
    drawPlan();
    drawError();
    drawLast();
    return () => root.remove();
  },
};
