// Vectors and matrices on the live page: a small float64 array runtime (NumPy's broadcasting and the
// kernels of backprop_cli/arrays/kernels.py, under the same names as the op table's `numpy` field),
// and the passes of backprop_cli/arrays/engine.py over the op table's rules (OPS, generated): an
// elementwise op is its scalar forward and local derivatives applied entry by entry, an array op its
// kernel and its `vjp` rules, printed from the table as calls of F (below).
"use strict";

// An array is {shape: [rows, columns, ...], data: Float64Array in row-major order}; shape [] is a scalar.

class KernelError extends Error {} // values an op cannot take; {0}, {1} name its inputs
class PageError extends Error {} // what the page itself cannot do (the message is for the reader)

const size = (shape) => shape.reduce((n, d) => n * d, 1);
const scalar = (x) => ({ shape: [], data: Float64Array.of(x) });
const asArray = (x) => (typeof x === "number" ? scalar(x) : x);
const sameShape = (s, t) => s.length === t.length && s.every((d, k) => d === t[k]);
// (2×3), (4), (): as backprop_cli/shapes.py words(...) writes a shape.
const shapeWords = (shape) => `(${shape.join("×")})`;

function strides(shape) {
  const result = new Array(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) result[k] = result[k + 1] * shape[k + 1];
  return result;
}

function unravel(flat, shape) {
  const index = new Array(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return index;
}

// Nested lists (JSON) <-> arrays. `shapeOfNested` returns null for anything but a rectangular
// nesting of finite numbers.
function shapeOfNested(value) {
  if (typeof value === "number") return Number.isFinite(value) ? [] : null;
  if (!Array.isArray(value) || value.length === 0) return null;
  const inner = shapeOfNested(value[0]);
  if (inner === null) return null;
  for (const item of value) {
    const s = shapeOfNested(item);
    if (s === null || !sameShape(s, inner)) return null;
  }
  return [value.length, ...inner];
}

function fromNested(value) {
  const shape = shapeOfNested(value);
  return { shape, data: Float64Array.from([value].flat(Infinity)) };
}

function toNested(x) {
  if (!x.shape.length) return x.data[0];
  const rows = (offset, k) => {
    const n = x.shape[k];
    const step = size(x.shape.slice(k + 1));
    return Array.from({ length: n }, (_, i) =>
      k === x.shape.length - 1 ? x.data[offset + i] : rows(offset + i * step, k + 1),
    );
  };
  return rows(0, 0);
}

// ---- Broadcasting ---------------------------------------------------------------------------------

function broadcastShapes(shapes) {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array(n).fill(1);
  for (const s of shapes) {
    s.forEach((d, k) => {
      const o = n - s.length + k;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) throw new PageError(`shapes ${shapes.map(shapeWords).join(" and ")} do not broadcast`);
    });
  }
  return out;
}

// For an array of `shape` broadcast to `target`: the offset of each flat entry of the target
// (walked as an odometer: a dimension the array lacks or has as 1 does not move its offset).
function offsets(shape, target) {
  const n = size(target);
  const result = new Int32Array(n);
  if (sameShape(shape, target)) {
    for (let i = 0; i < n; i++) result[i] = i;
    return result;
  }
  const lead = target.length - shape.length;
  const own = strides(shape);
  const step = target.map((_, k) => (k < lead || shape[k - lead] === 1 ? 0 : own[k - lead]));
  const index = new Array(target.length).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    result[i] = offset;
    for (let k = target.length - 1; k >= 0; k--) {
      index[k]++;
      offset += step[k];
      if (index[k] < target[k]) break;
      offset -= step[k] * target[k];
      index[k] = 0;
    }
  }
  return result;
}

// A function of numbers applied entry by entry, with broadcasting (as NumPy's ufuncs).
function lift(fn) {
  return (...inputs) => {
    const xs = inputs.map(asArray);
    const shape = broadcastShapes(xs.map((x) => x.shape));
    const [o0, o1, o2] = xs.map((x) => offsets(x.shape, shape));
    const [d0, d1, d2] = xs.map((x) => x.data);
    const data = new Float64Array(size(shape));
    // One loop per arity (the table's ops take one to three inputs, and their local derivatives
    // the output too): no argument list built per entry.
    if (xs.length === 1) for (let i = 0; i < data.length; i++) data[i] = fn(d0[o0[i]]);
    else if (xs.length === 2) for (let i = 0; i < data.length; i++) data[i] = fn(d0[o0[i]], d1[o1[i]]);
    else if (xs.length === 3) for (let i = 0; i < data.length; i++) data[i] = fn(d0[o0[i]], d1[o1[i]], d2[o2[i]]);
    else {
      const where = xs.map((x) => offsets(x.shape, shape));
      const args = new Array(xs.length);
      for (let i = 0; i < data.length; i++) {
        for (let m = 0; m < xs.length; m++) args[m] = xs[m].data[where[m][i]];
        data[i] = fn(...args);
      }
    }
    return { shape, data };
  };
}

const plus = lift((a, b) => a + b);
const times = lift((a, b) => a * b);

function broadcastTo(x, shape) {
  broadcastShapes([x.shape, shape]);
  const where = offsets(x.shape, shape);
  return { shape: [...shape], data: Float64Array.from(where, (o) => x.data[o]) };
}

// ---- Reductions over everything or one axis -------------------------------------------------------

function axisOf(axis, ndim) {
  if (axis === null || axis === undefined) return null;
  const k = asArray(axis).data[0];
  return k < 0 ? k + ndim : k;
}

// Each line along the axis (the whole array when the axis is null) as a Float64Array, given to
// `fn`; its result (a number, or a line of the same length) is put back in place.
function lines(a, axis, fn, keep) {
  const k = axisOf(axis, a.shape.length);
  if (k === null) {
    const r = fn(a.data);
    return keep ? { shape: [...a.shape], data: Float64Array.from(r) } : scalar(r);
  }
  const outer = size(a.shape.slice(0, k));
  const n = a.shape[k];
  const inner = size(a.shape.slice(k + 1));
  const shape = keep ? [...a.shape] : [...a.shape.slice(0, k), ...a.shape.slice(k + 1)];
  const data = new Float64Array(size(shape));
  const line = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < n; j++) line[j] = a.data[(o * n + j) * inner + i];
      const r = fn(line);
      if (keep) for (let j = 0; j < n; j++) data[(o * n + j) * inner + i] = r[j];
      else data[o * inner + i] = r;
    }
  }
  return { shape, data };
}

const total = (v) => v.reduce((s, x) => s + x, 0);
const largest = (v) => v.reduce((m, x) => (x > m || Number.isNaN(x) ? x : m), -Infinity);

function unbroadcast(g, shape) {
  while (g.shape.length > shape.length) g = lines(g, scalar(0), total, false);
  shape.forEach((n, k) => {
    if (n === 1 && g.shape[k] !== 1) {
      const summed = lines(g, scalar(k), total, false);
      g = { shape: [...g.shape.slice(0, k), 1, ...g.shape.slice(k + 1)], data: summed.data };
    }
  });
  return g;
}

// ---- The kernels (backprop_cli/arrays/kernels.py), by the op table's `numpy` names ----------------

function indices(a, y) {
  for (const v of y.data) {
    if (Math.floor(v) !== v) throw new KernelError(`the index {1} must be a whole number, not ${number(v, 6)}`);
  }
  const n = a.shape[a.shape.length - 1];
  for (const v of y.data) {
    if (!(v >= 0 && v < n)) {
      throw new KernelError(`the index {1} = ${number(v, 6)} is out of range: {0} has ${n} entries (0 to ${n - 1})`);
    }
  }
  return y.data;
}

const KERNELS = {
  matmul(a, b) {
    // NumPy's rules for vectors: a row on the left, a column on the right.
    const [m, n] = a.shape.length === 2 ? a.shape : [1, a.shape[0]];
    const [n2, p] = b.shape.length === 2 ? b.shape : [b.shape[0], 1];
    if (n !== n2) throw new PageError(`${shapeWords(a.shape)} @ ${shapeWords(b.shape)} do not fit`);
    // Row by row of b (memory in order); each entry still sums over k in order.
    const data = new Float64Array(m * p);
    for (let i = 0; i < m; i++) {
      const row = data.subarray(i * p, (i + 1) * p);
      for (let k = 0; k < n; k++) {
        const x = a.data[i * n + k];
        const line = b.data.subarray(k * p, (k + 1) * p);
        for (let j = 0; j < p; j++) row[j] += x * line[j];
      }
    }
    return { shape: [...a.shape.slice(0, -1), ...b.shape.slice(1)], data };
  },
  transpose(a) {
    const shape = [...a.shape].reverse();
    if (shape.length === 2) {
      const [m, n] = a.shape;
      const data = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[j * m + i] = a.data[i * n + j];
      return { shape, data };
    }
    const own = strides(a.shape);
    const data = new Float64Array(a.data.length);
    for (let i = 0; i < data.length; i++) {
      const index = unravel(i, shape).reverse();
      data[i] = a.data[index.reduce((o, x, k) => o + x * own[k], 0)];
    }
    return { shape, data };
  },
  outer(a, b) {
    return KERNELS.matmul({ shape: [a.data.length, 1], data: a.data }, { shape: [1, b.data.length], data: b.data });
  },
  sum: (a, axis) => lines(a, axis, total, false),
  mean: (a, axis) => lines(a, axis, (v) => total(v) / v.length, false),
  amax: (a, axis) => lines(a, axis, largest, false),
  logsumexp: (a, axis) =>
    lines(
      a,
      axis,
      (v) => {
        const top = largest(v);
        return top + Math.log(total(v.map((x) => Math.exp(x - top))));
      },
      false,
    ),
  softmax: (a, axis) =>
    lines(
      a,
      axis,
      (v) => {
        const top = largest(v);
        const z = v.map((x) => Math.exp(x - top));
        const s = total(z);
        return z.map((x) => x / s);
      },
      true,
    ),
  pick(a, y) {
    const index = indices(a, y);
    const n = a.shape[a.shape.length - 1];
    return { shape: a.shape.slice(0, -1), data: Float64Array.from(index, (v, r) => a.data[r * n + v]) };
  },
  reshape(a, target) {
    const dims = [...target.data];
    const known = size(dims.filter((d) => d !== -1));
    const shape = dims.map((d) => (d === -1 ? a.data.length / known : d));
    if (size(shape) !== a.data.length) throw new PageError(`${shapeWords(a.shape)} cannot be reshaped to ${shapeWords(dims)}`);
    return { shape, data: a.data };
  },
  // Helpers of the gradient rules.
  expand(g, a, axis) {
    const k = axisOf(axis, a.shape.length);
    const shape = k === null ? g.shape : [...g.shape.slice(0, k), 1, ...g.shape.slice(k)];
    return broadcastTo({ shape, data: g.data }, a.shape);
  },
  count(a, axis) {
    const k = axisOf(axis, a.shape.length);
    return scalar(k === null ? a.data.length : a.shape[k]);
  },
  winners(a, out, axis) {
    const top = lift((x, m) => (x === m ? 1 : 0))(a, KERNELS.expand(out, a, axis));
    return lift((t, s) => t / s)(top, KERNELS.expand(KERNELS.sum(top, axis), a, axis));
  },
  scatter(g, a, y) {
    const n = a.shape[a.shape.length - 1];
    const data = new Float64Array(a.data.length);
    y.data.forEach((v, r) => (data[r * n + v] = g.data[r]));
    return { shape: [...a.shape], data };
  },
  reshape_as: (g, a) => ({ shape: [...a.shape], data: g.data }),
};

// F.name: every op of the table as a function of arrays, for the forward pass and the rules.
const F = Object.fromEntries(
  Object.entries(OPS).map(([name, op]) => {
    if (!op.kernel) return [name, lift(op.forward)];
    const kernel = KERNELS[op.kernel];
    const missing = () => {
      throw new PageError(`this page cannot compute ${name} (eval can)`);
    };
    return [name, kernel ? (...xs) => kernel(...xs.map((x) => (x === null ? null : asArray(x)))) : missing];
  }),
);

// ---- The passes (backprop_cli/arrays/engine.py) ---------------------------------------------------

const fillNames = (text, names) => text.replace(/\{(\d)\}/g, (_, k) => names[Number(k)]);
const at = (index) => (index.length ? `[${index.join(", ")}]` : "");

// An array in a message: a number, or its entries ("[1, -2]"), shortened when long.
function entries(x) {
  if (!x.shape.length) return exact(x.data[0]);
  const text = JSON.stringify(toNested(x)).replaceAll(",", ", ");
  return text.length > 80 ? `${shapeWords(x.shape)} array` : text;
}

// "x[1] = -1" for the inputs of node i at one entry of its output (flat), or whole.
function whereText(i, xs, flat, shape) {
  return NODES[i].args
    .map((j, m) => {
      const x = xs[m];
      if (flat === null || !x.shape.length) return `${NODES[j].expr} = ${entries(x)}`;
      const index = unravel(flat, shape).slice(shape.length - x.shape.length).map((v, k) => (x.shape[k] === 1 ? 0 : v));
      const offset = index.reduce((o, v, k) => o + v * strides(x.shape)[k], 0);
      return `${NODES[j].expr}${at(index)} = ${exact(x.data[offset])}`;
    })
    .join("; ");
}

function vjpOf(node, k, g, xs, out) {
  const op = OPS[node.op];
  if (op.forward) {
    const local = lift(op.local[k])(...xs, out);
    return unbroadcast(times(g, local), xs[k].shape);
  }
  const rule = op.vjp[k];
  if (rule === null) return null; // an index: no gradient
  const axis = xs.length > op.arity ? xs[op.arity] : null;
  let [a, b] = xs;
  if (op.promote) {
    // Vectors seen as matrices, as NumPy's matmul sees them: a row on the left, a column on the right.
    if (a.shape.length === 1) a = { shape: [1, a.shape[0]], data: a.data };
    if (b.shape.length === 1) b = { shape: [b.shape[0], 1], data: b.data };
    g = { shape: [a.shape[0], b.shape[1]], data: g.data };
  }
  const d = asArray(rule(g, a, op.arity > 1 ? b : null, out, axis));
  return { shape: [...xs[k].shape], data: d.data };
}

// Every value and gradient; each wire's own contribution (contrib[i][k]: what node i sends back to
// its input k). A math error stops the passes where it happens, with words for the node.
function evaluateArrays(inputs) {
  const n = NODES.length;
  const values = NODES.map((node) =>
    node.args.length ? null : node.input === null ? fromNested(node.const) : inputs[node.input],
  );
  const fail = (i, words, message, forward) => ({
    values,
    grads: null,
    contrib: null,
    local: forward ? null : [],
    error: { node: i, words, message },
  });
  for (let i = 0; i < n; i++) {
    const node = NODES[i];
    if (!node.args.length) continue;
    const op = OPS[node.op];
    const xs = node.args.map((j) => values[j]);
    let out;
    try {
      out = F[node.op](...xs);
    } catch (err) {
      if (!(err instanceof KernelError || err instanceof PageError)) throw err;
      const words = fillNames(err.message, node.args.map((j) => NODES[j].expr));
      return fail(i, words, `${node.expr}: ${words}`, true);
    }
    if (!sameShape(out.shape, node.shape)) {
      const words = `this page is drawn for ${shapeWords(node.shape)} here, not ${shapeWords(out.shape)}`;
      return fail(i, words, `${node.expr}: ${words} (make a new page for other shapes)`, true);
    }
    const bad = out.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const elementwise = Boolean(op.forward);
      let why = MODEL.overflow;
      if (elementwise && op.explain) {
        why = op.explain(...xs.map((x) => x.data[offsets(x.shape, out.shape)[bad]]));
      }
      const where = whereText(i, xs, elementwise ? bad : null, out.shape);
      const place = out.shape.length ? ` at ${at(unravel(bad, out.shape))}` : "";
      return fail(i, why, `${why}: ${node.expr}${place} where ${where}`, true);
    }
    values[i] = out;
  }
  const grads = new Array(n).fill(null);
  const contrib = NODES.map((node) => node.args.map(() => null));
  grads[OUT] = lift(() => 1)(values[OUT]);
  for (let i = n - 1; i >= 0; i--) {
    const node = NODES[i];
    const g = grads[i];
    if (g === null || !node.args.length) continue;
    const xs = node.args.map((j) => values[j]);
    for (let k = 0; k < node.args.length; k++) {
      const j = node.args[k];
      if (!NODES[j].needs) continue;
      const d = vjpOf(node, k, g, xs, values[i]);
      if (d === null) continue;
      if (!d.data.every(Number.isFinite)) {
        const which = node.args.length > 1 ? ` with respect to its ${ORDINALS[k]} input` : "";
        const message = `the gradient of ${node.expr}${which} is infinite or undefined where ${whereText(i, xs, null)}`;
        return fail(i, "its gradient is infinite or undefined here", message, false);
      }
      contrib[i][k] = d;
      grads[j] = grads[j] === null ? d : plus(grads[j], d);
    }
  }
  return { values, grads, contrib, local: [], error: null };
}

// ---- Arrays as text (views/arrays.py array_text: NumPy's array2string, summarised when large) -----

const SHOWN = 36; // arrays with more entries are summarised
const EDGE = 2; // entries kept at each end of a summarised axis

function arrayText(x, digits) {
  if (!x.shape.length) return number(x.data[0], digits);
  if (!x.data.length) return "[]";
  const summarise = x.data.length > SHOWN;
  const ndim = x.shape.length;
  const block = (offset, k) => {
    const n = x.shape[k];
    const step = size(x.shape.slice(k + 1));
    const cut = summarise && n > 2 * EDGE;
    const picks = cut ? [0, 1, null, n - 2, n - 1] : [...Array(n).keys()];
    if (k === ndim - 1) {
      return `[${picks.map((i) => (i === null ? "..." : number(x.data[offset + i], digits))).join(" ")}]`;
    }
    const gap = "\n".repeat(ndim - k - 1) + " ".repeat(k + 1);
    return `[${picks.map((i) => (i === null ? "..." : block(offset + i * step, k + 1))).join(gap)}]`;
  };
  return block(0, 0);
}

// ---- On the page ----------------------------------------------------------------------------------

// A failure of the page's own code is shown as an error of the page, never left half-drawn.
function safely(run) {
  try {
    return run();
  } catch (err) {
    console.error(err);
    const message = `the page could not compute this point (${err.message}); eval computes it`;
    return { values: NODES.map(() => null), grads: null, contrib: null, local: null, error: { node: OUT, words: "not computed", message } };
  }
}

// An input with a vector or a matrix: its entries as JSON, one row per line, checked as typed. The
// page keeps the shapes it is drawn with, so a value of another shape is refused in words.
function arrayInput(inp) {
  const row = document.createElement("div");
  row.className = "input array";
  const label = document.createElement("label");
  label.textContent = `${inp.name} ${shapeWords(inp.shape)}`;
  label.htmlFor = `in-${inp.name}`;
  const field = document.createElement("textarea");
  field.id = `in-${inp.name}`;
  field.dataset.input = inp.name;
  field.spellcheck = false;
  field.rows = inp.shape.length === 2 ? Math.min(inp.shape[0], 6) + 1 : 1;
  field.value = written(fromNested(inp.value));
  const problem = document.createElement("span");
  problem.className = "field-error error-text";
  problem.id = `problem-${inp.name}`;
  problem.setAttribute("role", "alert");
  field.setAttribute("aria-describedby", problem.id);
  field.addEventListener("input", () => {
    const [value, why] = readArray(field.value, inp.shape);
    field.setAttribute("aria-invalid", String(value === null));
    problem.textContent = value === null ? `${inp.name}: ${why}` : "";
    if (value === null) return;
    state.inputs[inp.name] = value;
    recompute();
  });
  row.append(label, field, problem);
  return row;
}

// An array as the field shows it: JSON, a matrix one row per line, every number exact.
function written(x) {
  const nested = toNested(x);
  const flat = (v) => (Array.isArray(v) ? `[${v.map(flat).join(", ")}]` : exact(v));
  if (x.shape.length !== 2) return flat(nested);
  return `[${nested.map(flat).join(",\n ")}]`;
}

// [array, null] or [null, why not]: what the reader typed, if it is numbers of the input's shape.
function readArray(text, shape) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return [null, "not a list of numbers yet: write it as [1, 2] or [[1, 2], [3, 4]]"];
  }
  const got = shapeOfNested(value);
  if (got === null) {
    return [null, "write numbers in brackets, every row as long as the others: [1, 2] or [[1, 2], [3, 4]]"];
  }
  if (!sameShape(got, shape)) {
    return [
      null,
      `this is ${shapeWords(got)}, but the circuit is drawn for ${shapeWords(shape)}: keep its shape ` +
        "(for other shapes, make a new page with backprop html)",
    ];
  }
  return [fromNested(value), null];
}

// Every node's shape, value and gradient, as the table of `backprop eval` shows them.
function drawTable(r, vis) {
  let table = $("nodes");
  if (!table) {
    table = document.createElement("table");
    table.id = "nodes";
    const head = table.createTHead().insertRow();
    for (const title of ["node", "op", "expr", "shape", "value", `grad ∂${NODES[OUT].label}/∂node`]) {
      const th = document.createElement("th");
      th.textContent = title;
      head.append(th);
    }
    const body = table.createTBody();
    NODES.forEach((node, i) => {
      const tr = body.insertRow();
      tr.id = `row${i}`;
      for (const text of [node.label, node.op, node.expr, shapeWords(node.shape), "", ""]) {
        tr.insertCell().textContent = text;
      }
      tr.cells[4].className = "value num";
      tr.cells[5].className = "grad num";
    });
    const section = document.createElement("section");
    section.id = "table";
    section.setAttribute("aria-label", "Every node's value and gradient");
    section.append(table);
    $("view").after(section);
  }
  const d = state.digits;
  NODES.forEach((node, i) => {
    const tr = $(`row${i}`);
    const value = r.values[i] !== null && vis.value[i] ? arrayText(r.values[i], d) : "";
    let grad = "";
    if (r.grads && vis.grad[i]) grad = r.grads[i] === null ? "—" : arrayText(r.grads[i], d);
    if (!node.needs && (vis.grad[i] || state.step < 0) && r.values[i] !== null) grad = "—";
    setText(tr.cells[4], value);
    setText(tr.cells[5], grad);
    tr.classList.toggle("selected", state.selected === i);
  });
}

// The selected node: its shape, value and gradient in full, the rules of what it sends back.
function detailArrays(i, r, d, para) {
  const node = NODES[i];
  const fwd = FORWARD.find((f) => f.node === i);
  if (fwd) para(forwardLine(fwd, r, d));
  else para([[`${node.expr} is ${node.input === null ? "a constant" : "an input"} of shape ${shapeWords(node.shape)}`, ""]]);
  if (r.values[i] !== null) para([["value = ", ""], [arrayText(r.values[i], d), "value"]]);
  if (r.grads && r.grads[i] !== null) para([[`gradient ∂${NODES[OUT].label}/∂${node.label} = `, ""], [arrayText(r.grads[i], d), "grad"]]);
  else if (!node.needs || (r.grads && r.grads[i] === null)) para([["no gradient (a constant or an index)", "note"]]);
  node.rules.forEach((rule, k) => {
    if (rule === null) return;
    para([[`sends back to ${NODES[node.args[k]].label}: ${rule.head} = ${rule.formula}   `, ""], [rule.shapes, "note"]]);
  });
  const bwd = BACKWARD.find((b) => b.node === i);
  if (bwd && r.grads) {
    para(backwardLine(bwd, r, d));
    for (const c of USERS[i]) {
      const part = r.contrib[c.user][c.k];
      if (part !== null) para([[`from ${NODES[c.user].label}: `, ""], [arrayText(part, d), "grad"]]);
    }
  }
  if (r.error && r.error.node === i) para([[`error: ${r.error.message}`, "error"]]);
}
