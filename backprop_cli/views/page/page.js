// The live circuit: the passes of backprop's engine, run on the op table's rules (OPS, generated
// from backprop_cli/ops.py), and the drawing's numbers, steps and inputs kept up to date.
"use strict";

const MODEL = JSON.parse(document.getElementById("model").textContent);
const NODES = MODEL.nodes;
const OUT = NODES.length - 1;
// Vectors and matrices (views/page/arrays.js): the same page, whose numbers are arrays.
const ARRAYS = Boolean(MODEL.arrays);
const ORDINALS = ["first", "second", "third"];
const $ = (id) => document.getElementById(id);

// ---- Numbers, written exactly as the command line writes them ----------------------------------

// |x| rounded to p significant digits, half to even on its exact binary value (as Python does):
// [digit string, decimal exponent of the first digit].
function rounded(x, p) {
  const [mantissa, exp] = Math.abs(x).toExponential(100).split("e");
  const all = mantissa.replace(".", "");
  let head = all.slice(0, p);
  const rest = all.slice(p);
  const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || head[p - 1] % 2 === 1));
  let e = Number(exp);
  if (up) {
    const digits = head.split("").map(Number);
    let i = p - 1;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i < 0) {
      digits.unshift(1);
      digits.pop();
      e += 1;
    } else {
      digits[i] += 1;
    }
    head = digits.join("");
  }
  return [head, e];
}

function scientific(sign, digits, e) {
  const tail = digits.slice(1).replace(/0+$/, "");
  const exp = (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  return sign + digits[0] + (tail ? "." + tail : "") + "e" + exp;
}

function positional(sign, digits, e) {
  let text;
  if (e < 0) text = "0." + "0".repeat(-e - 1) + digits;
  else if (digits.length > e + 1) text = digits.slice(0, e + 1) + "." + digits.slice(e + 1);
  else text = digits + "0".repeat(e + 1 - digits.length);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return sign + text;
}

// views/fmt.py number(): Python's format(value, ".{digits}g"), and 0 for -0.
function number(x, digits) {
  if (x === null || x === undefined) return "";
  if (x === 0) return "0";
  const sign = x < 0 ? "-" : "";
  const [ds, e] = rounded(x, digits);
  return e < -4 || e >= digits ? scientific(sign, ds, e) : positional(sign, ds, e);
}

// engine.exact(): Python's repr() of a float, without a trailing ".0".
function exact(x) {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e");
  const e = Number(exp);
  const ds = mantissa.replace(".", "");
  return e < -4 || e >= 16 ? scientific(sign, ds, e) : positional(sign, ds, e);
}

// ---- The passes (backprop_cli/engine.py), generic over OPS --------------------------------------

// " where a = 1; b = 2" as the command line words it: each input named once, literals left out.
function describe(i, values) {
  const parts = new Map();
  for (const j of NODES[i].args) {
    const leaf = NODES[j];
    if (!leaf.args.length && leaf.input === null) continue;
    if (!parts.has(leaf.expr)) parts.set(leaf.expr, `${leaf.expr} = ${exact(values[j])}`);
  }
  return parts.size ? ` where ${[...parts.values()].join("; ")}` : "";
}

// Every value, local gradient and gradient; a math error stops the passes where it happens, with
// the command line's message and a few words for the node.
function evaluate(inputs) {
  const n = NODES.length;
  // Leaves are known from the start, even when a gate fails before them.
  const values = NODES.map((node) => (node.args.length ? null : node.input === null ? node.const : inputs[node.input]));
  const fail = (node, words, message) => ({ values, local: null, grads: null, error: { node, words, message } });
  for (let i = 0; i < n; i++) {
    const node = NODES[i];
    if (!node.args.length) continue;
    const op = OPS[node.op];
    const xs = node.args.map((j) => values[j]);
    const out = op.forward(...xs);
    if (!Number.isFinite(out)) {
      const why = op.explain ? op.explain(...xs) : MODEL.overflow;
      return fail(i, why, `${why}: ${node.expr}${describe(i, values)}`);
    }
    values[i] = out;
  }
  const local = [];
  for (let i = 0; i < n; i++) {
    const node = NODES[i];
    const xs = node.args.map((j) => values[j]);
    const row = [];
    for (let k = 0; k < node.args.length; k++) {
      if (!NODES[node.args[k]].needs) {
        row.push(null);
        continue;
      }
      const d = OPS[node.op].local[k](...xs, values[i]);
      if (!Number.isFinite(d)) {
        const which = node.args.length > 1 ? ` with respect to its ${ORDINALS[k]} input` : "";
        const message = `the gradient of ${node.expr}${which} is infinite or undefined${describe(i, values)}`;
        return fail(i, "its gradient is infinite or undefined here", message);
      }
      row.push(d);
    }
    local.push(row);
  }
  const grads = new Array(n).fill(0);
  grads[OUT] = 1;
  for (let i = n - 1; i >= 0; i--) {
    NODES[i].args.forEach((j, k) => {
      if (local[i][k] !== null) grads[j] += grads[i] * local[i][k];
    });
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(grads[i])) {
      const message = `the gradient of the output with respect to ${NODES[i].expr} overflows`;
      return { ...fail(i, "its gradient overflows", message), local };
    }
  }
  return { values, local, grads: grads.map((g, i) => (NODES[i].needs ? g : null)), error: null };
}

// ---- The derivation's lines (views/page_lines.py): templates with slots for the numbers --------

function slotValue(name, r) {
  const [, kind, i, k] = name.match(/^([vgl])(\d+)(?:_(\d+))?$/);
  return kind === "v" ? r.values[i] : kind === "g" ? r.grads[i] : r.local[i][k];
}

// A number as the derivation writes it: at the digits, with the style's minus sign.
const spelled = (x, digits) => number(x, digits).replaceAll("-", MODEL.minus);

// A template's pieces with every slot written as a number, in parentheses where the printer put a
// negative number in parentheses.
function fill(template, r, digits) {
  return template.map(([what, kind]) => {
    if (typeof what === "string") return [what, kind];
    if (ARRAYS) return [arrayText(slotValue(what.slot, r), digits), kind];
    const v = "slot" in what ? slotValue(what.slot, r) : what.value;
    const text = spelled(v, digits);
    return [what.paren && v < 0 ? MODEL.parens[0] + text + MODEL.parens[1] : text, kind];
  });
}

const joined = (pieces) => pieces.map(([text]) => text).join("");

function forwardLine(entry, r, digits) {
  const i = entry.node;
  if (ARRAYS) return r.values[i] === null ? [[r.error.message, "error"]] : fill(entry.line, r, digits);
  if (r.values[i] === null) return [[entry.head, ""], [r.error.message, "error"]];
  const result = [spelled(r.values[i], digits), "value"];
  if (entry.numeric === null) return [[entry.head, ""], result];
  const numeric = joined(fill(entry.numeric, r, digits));
  const line = [[entry.head, ""]];
  if (numeric !== entry.symbolic && numeric !== result[0]) line.push([numeric, "value"], [" = ", ""]);
  return [...line, result];
}

function backwardLine(entry, r, digits) {
  return fill(entry.line, r, digits);
}

function showLine(element, pieces) {
  element.replaceChildren(
    ...pieces.filter(([text]) => text).map(([text, kind]) => {
      const span = document.createElement("span");
      span.textContent = text;
      if (kind) span.className = kind === "error" ? "error-text" : kind;
      return span;
    }),
  );
}

// ---- State ---------------------------------------------------------------------------------------

const state = {
  inputs: Object.fromEntries(MODEL.inputs.map((inp) => [inp.name, ARRAYS ? fromNested(inp.value) : inp.value])),
  digits: MODEL.digits,
  step: -1, // -1: every value and gradient at once
  selected: null,
  result: null,
};

const FORWARD = MODEL.forward;
const BACKWARD = MODEL.backward;
const WIRES = [...document.querySelectorAll("#circuit .wire")].map((g) => {
  const { src, dst, k } = g.dataset;
  const wire = { g, src: Number(src), dst: dst === undefined ? null : Number(dst), k: Number(k) };
  [wire.value, wire.grad] = g.querySelectorAll("text.value, text.grad");
  return wire;
});
const FORKS = new Set(MODEL.forks);
const USERS = NODES.map(() => []); // every use of each node: {user, k}
NODES.forEach((node, i) => node.args.forEach((j, k) => USERS[j].push({ user: i, k })));
const NODE_G = NODES.map((_, i) => $(`n${i}`));

// The steps available: the forward pass, then the backward pass when there are gradients.
function sequence() {
  const r = state.result;
  if (r.error && r.local === null) {
    return FORWARD.filter((f) => f.node <= r.error.node).map((entry) => ({ pass: "forward", entry }));
  }
  const steps = FORWARD.map((entry) => ({ pass: "forward", entry }));
  if (r.grads) steps.push(...BACKWARD.map((entry) => ({ pass: "backward", entry })));
  return steps;
}

function shown(r, seq) {
  // When each node's value and gradient become visible while stepping.
  // Inputs are steps of the scalar derivation; with arrays (as in eval --steps) they are given.
  const value = NODES.map((node) => node.literal || (ARRAYS && !node.args.length) || state.step < 0);
  const grad = NODES.map(() => state.step < 0);
  seq.slice(0, state.step + 1).forEach((s) => (s.pass === "forward" ? value : grad)[s.entry.node] = true);
  return { value, grad };
}

// ---- Drawing -------------------------------------------------------------------------------------

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function draw() {
  const r = state.result;
  const d = state.digits;
  const seq = sequence();
  const vis = shown(r, seq);
  const current = state.step >= 0 ? seq[state.step] : null;
  const has = (i) => r.values[i] !== null;
  for (const w of WIRES) {
    const j = w.src;
    setText(w.value, has(j) && vis.value[j] ? onWire(r.values[j], d) : "");
    let grad = null;
    if (r.grads && vis.grad[j] && NODES[j].needs) {
      if (ARRAYS) grad = w.dst === null ? r.grads[j] : r.contrib[w.dst][w.k];
      else grad = w.dst === null ? r.grads[j] : r.grads[w.dst] * r.local[w.dst][w.k];
    }
    setText(w.grad, grad === null ? "" : onWire(grad, d));
    const hot = current && (w.src === current.entry.node || w.dst === current.entry.node);
    w.g.classList.toggle("current", Boolean(hot));
  }
  NODES.forEach((node, i) => {
    const g = NODE_G[i];
    const fork = FORKS.has(i) && r.grads && vis.grad[i] && node.needs && r.grads[i] !== null;
    setText(g.querySelector("text.sum"), fork ? `Σ ${onWire(r.grads[i], d)}` : "");
    const failed = r.error !== null && r.error.node === i;
    g.classList.toggle("failed", failed);
    setText(g.querySelector("text.error"), failed ? r.error.words : "");
    g.classList.toggle("current", Boolean(current && current.entry.node === i));
    g.classList.toggle("selected", state.selected === i);
    g.setAttribute("aria-label", describeNode(i));
  });
  drawPanel(seq, current);
  if (ARRAYS) drawTable(r, vis);
  $("prev").disabled = state.step === 0;
  $("next").disabled = state.step === seq.length - 1;
}

// A number on a wire; a vector or a matrix is shown there by its shape (its entries are in the table).
function onWire(x, digits) {
  if (!ARRAYS) return number(x, digits);
  return x.shape.length ? shapeWords(x.shape) : number(x.data[0], digits);
}

// A node's value or gradient in words: a number, or an array in full (summarised when large).
const inFull = (x, digits) => (ARRAYS ? arrayText(x, digits) : number(x, digits));

function describeNode(i) {
  const r = state.result;
  const node = NODES[i];
  let text = `${node.label}${node.args.length ? ` = ${node.expr}` : ""}`;
  if (ARRAYS) text += `, shape ${shapeWords(node.shape)}`;
  if (r.values[i] !== null) text += `, value ${inFull(r.values[i], state.digits)}`;
  if (r.grads && node.needs && r.grads[i] !== null) text += `, gradient ${inFull(r.grads[i], state.digits)}`;
  if (r.error && r.error.node === i) text += `, error: ${r.error.words}`;
  return text;
}

function lineOf(step) {
  const r = state.result;
  return step.pass === "forward"
    ? forwardLine(step.entry, r, state.digits)
    : backwardLine(step.entry, r, state.digits);
}

function drawPanel(seq, current) {
  const r = state.result;
  if (current) {
    const count = current.pass === "forward" ? FORWARD.length : BACKWARD.length;
    const index = current.pass === "forward" ? state.step + 1 : state.step + 1 - FORWARD.length;
    const name = current.pass === "forward" ? "Forward pass" : "Backward pass";
    $("phase").textContent = `${name}: step ${index} of ${count} (node ${NODES[current.entry.node].label})`;
    setText($("position"), `${state.step + 1} / ${seq.length}`);
    showLine($("line"), lineOf(current));
  } else {
    $("phase").textContent = "Every value and gradient. Step through the forward pass, then the backward pass, with → (or Home).";
    if (ARRAYS && MODEL.warnings.length) $("phase").textContent += ` Note: ${MODEL.warnings.join(" ")}`;
    setText($("position"), `${seq.length} steps`);
    if (r.error) showLine($("line"), [[`error: ${r.error.message}`, "error"]]);
    else showLine($("line"), summary(r));
  }
  drawDetail();
}

const SUMMARY = 8; // input gradients in the summary line

function summary(r) {
  const d = state.digits;
  const out = NODES[OUT].label;
  if (ARRAYS) return [[`${out} = `, ""], [arrayText(r.values[OUT], d), "value"]];
  const line = [[`${out} = `, ""], [number(r.values[OUT], d), "value"]];
  for (const inp of MODEL.inputs.slice(0, SUMMARY)) {
    line.push([`   ∂${out}/∂${inp.name} = `, ""], [number(r.grads[inp.node], d), "grad"]);
  }
  if (MODEL.inputs.length > SUMMARY) line.push([`   … (${MODEL.inputs.length} inputs: click one for its gradient)`, "note"]);
  return line;
}

// The selected node: its lines, its local derivatives and the contributions to its gradient.
function drawDetail() {
  const detail = $("detail");
  const i = state.selected;
  if (i === null) {
    detail.replaceChildren();
    return;
  }
  const r = state.result;
  const d = state.digits;
  const node = NODES[i];
  const parts = [];
  const para = (pieces, cls = "line") => {
    const p = document.createElement("p");
    p.className = cls;
    showLine(p, pieces);
    parts.push(p);
  };
  para([[`Node ${node.label} (${node.op}): ${node.expr}`, "title"]], "");
  if (ARRAYS) {
    detailArrays(i, r, d, para);
    detail.replaceChildren(...parts);
    return;
  }
  const fwd = FORWARD.find((f) => f.node === i);
  if (fwd) para(forwardLine(fwd, r, d));
  else para([[`${node.expr} is a constant: ${number(node.const, d)}, no gradient`, ""]]);
  node.locals.forEach((loc, k) => {
    const value = r.local && r.local[i][k] !== null ? number(r.local[i][k], d) : null;
    para([
      [`local derivative ${loc.head} = ${loc.formula}`, ""],
      [value === null ? (NODES[node.args[k]].needs ? "" : "   (towards a constant: none)") : ` = ${value}`, ""],
    ]);
  });
  const bwd = BACKWARD.find((b) => b.node === i);
  if (bwd && r.grads) {
    para(backwardLine(bwd, r, d));
    for (const c of USERS[i]) {
      const up = r.grads[c.user];
      const loc = r.local[c.user][c.k];
      para([
        [`from ${NODES[c.user].label}: upstream `, ""],
        [number(up, d), "grad"],
        [` ${MODEL.times} local ${number(loc, d)} = `, ""],
        [number(up * loc, d), "grad"],
      ]);
    }
  }
  if (r.error && r.error.node === i) para([[`error: ${r.error.message}`, "error"]]);
  detail.replaceChildren(...parts);
}

function recompute() {
  state.result = ARRAYS ? safely(() => evaluateArrays(state.inputs)) : evaluate(state.inputs);
  const last = sequence().length - 1;
  if (state.step > last) state.step = last;
  draw();
}

// ---- Stepping ------------------------------------------------------------------------------------

function go(step) {
  const last = sequence().length - 1;
  state.step = step < 0 ? -1 : Math.min(step, last);
  draw();
  if (state.step >= 0) reveal(sequence()[state.step].entry.node);
}

const STEPS = {
  next: () => go(state.step < 0 ? 0 : state.step + 1),
  prev: () => go(state.step < 0 ? sequence().length - 1 : Math.max(state.step - 1, 0)),
  first: () => go(0),
  last: () => go(sequence().length - 1),
  all: () => go(-1),
};
for (const [id, action] of Object.entries(STEPS)) $(id).addEventListener("click", action);

function select(i) {
  state.selected = state.selected === i ? null : i;
  draw();
}

// ---- Inputs --------------------------------------------------------------------------------------

// The slider's [min, max, step] around a value; an index (it takes no gradient) moves in whole steps from 0.
function sliderRange(value, index = false) {
  const span = 2 * Math.max(1, Math.abs(value));
  if (index) return [0, Math.ceil(Math.max(value, 0) + span), 1];
  return [value - span, value + span, (2 * span) / 1000];
}

function buildInputs() {
  const box = $("inputs");
  for (const inp of MODEL.inputs) {
    if (ARRAYS && inp.shape.length) {
      box.append(arrayInput(inp));
      continue;
    }
    const label = document.createElement("label");
    label.textContent = inp.name;
    label.htmlFor = `in-${inp.name}`;
    const field = document.createElement("input");
    Object.assign(field, { type: "number", id: `in-${inp.name}`, step: "any", value: exact(inp.value) });
    field.dataset.input = inp.name;
    const slider = document.createElement("input");
    const [lo, hi, step] = sliderRange(inp.value, inp.index);
    Object.assign(slider, { type: "range", min: lo, max: hi, step });
    slider.value = inp.value;
    slider.setAttribute("aria-label", `${inp.name} (slider)`);
    field.addEventListener("input", () => {
      const v = Number(field.value); // not valueAsNumber, which turns -0 into 0
      const ok = field.value.trim() !== "" && Number.isFinite(v);
      field.setAttribute("aria-invalid", String(!ok));
      if (!ok) return;
      if (v < Number(slider.min) || v > Number(slider.max)) {
        const [a, b, step] = sliderRange(v, inp.index);
        Object.assign(slider, { min: a, max: b, step });
      }
      slider.value = v;
      state.inputs[inp.name] = ARRAYS ? scalar(v) : v;
      recompute();
    });
    slider.addEventListener("input", () => {
      const v = slider.valueAsNumber;
      field.value = exact(v);
      field.setAttribute("aria-invalid", "false");
      state.inputs[inp.name] = ARRAYS ? scalar(v) : v;
      recompute();
    });
    const row = document.createElement("div");
    row.className = "input";
    row.append(label, field, slider);
    box.append(row);
  }
  const digits = $("digits");
  digits.value = state.digits;
  digits.addEventListener("input", () => {
    const v = digits.valueAsNumber;
    if (Number.isInteger(v) && v >= 1 && v <= 17) {
      state.digits = v;
      draw();
    }
  });
}

// ---- Pan and zoom (the SVG's viewBox) ------------------------------------------------------------

const svg = $("circuit");
const FULL = svg.viewBox.baseVal;
const WHOLE = { x: FULL.x, y: FULL.y, w: FULL.width, h: FULL.height };
const view = { ...WHOLE };
const MIN_SCALE = 0.7; // below this, 13px labels are hard to read

function applyView() {
  svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
}

function scale() {
  const box = svg.getBoundingClientRect();
  return Math.min(box.width / view.w, box.height / view.h);
}

function zoom(factor, cx = view.x + view.w / 2, cy = view.y + view.h / 2) {
  const w = Math.min(Math.max(view.w / factor, 50), WHOLE.w * 4);
  const h = (view.h * w) / view.w;
  view.x = cx - ((cx - view.x) * w) / view.w;
  view.y = cy - ((cy - view.y) * h) / view.h;
  view.w = w;
  view.h = h;
  applyView();
}

function fit() {
  Object.assign(view, WHOLE);
  applyView();
  const s = scale();
  if (s < MIN_SCALE) {
    // Too small to read: start at a readable size, at the inputs.
    const box = svg.getBoundingClientRect();
    Object.assign(view, { x: WHOLE.x, y: WHOLE.y, w: box.width / MIN_SCALE, h: box.height / MIN_SCALE });
    applyView();
  }
}

// Bring a node into view when stepping reaches it outside the visible part.
function reveal(i) {
  const g = NODE_G[i];
  const m = g.transform.baseVal.consolidate().matrix;
  const margin = 60;
  if (m.e < view.x + margin || m.e > view.x + view.w - margin || m.f < view.y + margin || m.f > view.y + view.h - margin) {
    view.x = m.e - view.w / 2;
    view.y = m.f - view.h / 2;
    applyView();
  }
}

let drag = null;
svg.addEventListener("pointerdown", (event) => {
  drag = { x: event.clientX, y: event.clientY, moved: false, id: event.pointerId };
});
svg.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x;
  const dy = event.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  if (!drag.moved) svg.setPointerCapture(drag.id);
  drag.moved = true;
  $("view").classList.add("dragging");
  const s = scale();
  view.x -= dx / s;
  view.y -= dy / s;
  drag.x = event.clientX;
  drag.y = event.clientY;
  applyView();
});
const endDrag = () => {
  setTimeout(() => (drag = null));
  $("view").classList.remove("dragging");
};
svg.addEventListener("pointerup", endDrag);
svg.addEventListener("pointercancel", endDrag);
svg.addEventListener(
  "wheel",
  (event) => {
    event.preventDefault();
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const p = point.matrixTransform(svg.getScreenCTM().inverse());
    zoom(Math.exp(-event.deltaY * 0.0015), p.x, p.y);
  },
  { passive: false },
);
$("zoom-in").addEventListener("click", () => zoom(1.25));
$("zoom-out").addEventListener("click", () => zoom(0.8));
$("zoom-fit").addEventListener("click", fit);
let beforePrint = null;
window.addEventListener("beforeprint", () => {
  beforePrint = { ...view };
  Object.assign(view, WHOLE);
  applyView();
});
window.addEventListener("afterprint", () => {
  if (beforePrint) Object.assign(view, beforePrint);
  applyView();
});

// ---- Clicks and keys -----------------------------------------------------------------------------

NODE_G.forEach((g, i) => {
  g.addEventListener("click", () => {
    if (!drag || !drag.moved) select(i);
  });
  g.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      select(i);
    }
  });
});

const KEYS = {
  ArrowRight: STEPS.next,
  " ": STEPS.next,
  ArrowLeft: STEPS.prev,
  Home: STEPS.first,
  End: STEPS.last,
  Escape: () => {
    state.selected = null;
    STEPS.all();
  },
  "+": () => zoom(1.25),
  "=": () => zoom(1.25),
  "-": () => zoom(0.8),
  "0": fit,
};
document.addEventListener("keydown", (event) => {
  const tag = event.target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || event.altKey || event.ctrlKey || event.metaKey) return;
  if (tag === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
  const action = KEYS[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

if (ARRAYS) {
  const note = document.createElement("span");
  note.className = "note";
  note.textContent =
    " On vectors and matrices a wire shows the shape of what flows on it (the gradient has the shape of the value)" +
    "; the table below the circuit has every entry.";
  document.querySelector(".legend").append(note);
}
buildInputs();
recompute();
fit();
