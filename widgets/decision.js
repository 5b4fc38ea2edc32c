// DecisionBar: accept / adjust / reject with a note; the kernel journals the decision and
// reports errors (e.g. a DecisionError) back in `error`, shown inline.

function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export default {
  render({ model, el: host }) {
    const root = el("div", "wb-decision-bar", { "data-testid": "wb-decision-bar", "data-lm-suppress-shortcuts": "true" });
    const plan = el("div", "wb-plan", { "data-testid": "wb-plan" });
    const row = el("div", "wb-toolbar");
    const note = el("input", "wb-note", {
      type: "text", placeholder: "note", "data-testid": "wb-note", "data-lm-suppress-shortcuts": "true",
    });
    const buttons = {};
    for (const verdict of ["accept", "adjust", "reject"]) {
      const b = el("button", `wb-btn wb-${verdict}`, { type: "button", "data-testid": `wb-${verdict}` });
      b.textContent = verdict;
      b.addEventListener("click", () => {
        model.set("note", note.value);
        model.save_changes();
        model.send({ type: "decide", verdict, note: note.value });
      });
      buttons[verdict] = b;
    }
    row.append(note, buttons.accept, buttons.adjust, buttons.reject);
    const error = el("div", "wb-error", { "data-testid": "wb-decision-error", role: "alert" });
    const last = el("div", "wb-dim", { "data-testid": "wb-last-decision" });
    root.append(plan, row, error, last);
    host.append(root);

    function drawPlan() {
      const p = model.get("plan") || {};
      const version = model.get("model_version");
      if (!p.shot) {
        plan.textContent = "Select a shot.";
        return;
      }
      const ops = (p.operators || []).join(" → ") || "identity";
      plan.textContent = `Renders ${p.shot}, frames ${p.frames[0]}–${p.frames[1] - 1} `
        + `(${p.frame_count}), strength ${p.strength.toFixed(3)}, ${ops}`
        + (version ? ` · model ${version}` : "");
      buttons.accept.textContent = p.verdict === "adjust" ? "accept (as adjust)" : "accept";
      const off = !p.shot;
      for (const b of Object.values(buttons)) b.disabled = off;
    }
    function drawError() {
      error.textContent = model.get("error");
      error.style.display = model.get("error") ? "" : "none";
    }
    function drawLast() {
      const d = model.get("last") || {};
      last.textContent = d.id
        ? `Journaled #${d.seq}: ${d.shot} ${d.strength == null ? "rejected" : `${d.verdict} at ${Number(d.strength).toFixed(3)}`} by ${d.decided_by}`
        : "";
    }
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
