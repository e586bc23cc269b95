"""The forward and reverse passes over vectors and matrices, generic over the op table.

The same graph as for scalars; a node's value is a float64 array (0-d for a scalar). Shapes are
checked node by node before any arithmetic, so a mismatch is an error in words on the node's span.
Elementwise ops use the table's scalar rules over every entry, their gradient summed back to each
input's shape (``unbroadcast``); array ops use their ``vjp`` rules, parsed once from the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import MathError, UsageError
from ..formula import Formula
from ..formula import evaluate as evaluate_formula
from ..graph import Graph
from ..ops import OPS, OVERFLOW, RULE_INPUTS, Op
from ..printer import spell
from ..rule_trees import TREES
from ..shapes import Shape, ShapeError, broadcast, shape_of, words
from ..styles import ASCII
from . import kernels
from .evaluation import ArrayEvaluation
from .kernels import KernelError, unbroadcast

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..wires import Wire

    Array = NDArray[np.float64]

_ORDINALS = ("first", "second", "third")
_PLACEHOLDER = re.compile(r"\{(\d)\}")


def _kernel(op: Op) -> Callable[..., Any]:
    fn: Callable[..., Any] = getattr(kernels, op.numpy, None) or getattr(np, op.numpy)
    return fn


def _fill(text: str, parts: Sequence[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: parts[int(m.group(1))], text)


def _at(shape: Shape, flat: int) -> str:
    return "" if not shape else "[" + ", ".join(map(str, np.unravel_index(flat, shape))) + "]"


def _where(graph: Graph, i: int, xs: Sequence[Array], flat: int | None) -> str:
    """ "x[1] = -1" for the inputs of node i, at one entry of the output (all of them if small)."""
    parts = []
    for j, x in zip(graph.args[i], xs):
        if flat is None or x.ndim == 0:
            parts.append(f"{graph.expr(j)} = {_text(x)}")
        else:
            index = np.unravel_index(flat, np.broadcast_shapes(*[y.shape for y in xs]))
            here = tuple(0 if n == 1 else k for k, n in zip(index[len(index) - x.ndim :], x.shape))
            parts.append(f"{graph.expr(j)}{_at(x.shape, int(np.ravel_multi_index(here, x.shape)))} = {_text(x[here])}")
    return "; ".join(parts)


def _text(x: Array) -> str:
    from ..formatting import exact

    return exact(float(x)) if x.ndim == 0 else np.array2string(x, threshold=12, separator=", ")


def node_shape(graph: Graph, i: int, xs: Sequence[Array]) -> Shape:
    """The output shape of node i, or a MathError that names both shapes in words."""
    op = OPS[graph.ops[i]]
    try:
        return op.shape(*xs) if op.shape else broadcast(*[shape_of(x) for x in xs])
    except ShapeError as err:
        names = [graph.expr(j) for j in graph.args[i]]
        parts = [words(x.shape) for x in xs[: op.arity]] + [_text(x) for x in xs[op.arity :]]  # the axis: its value
        formula = spell(op.name, parts, ASCII)  # the language's own operators: (2×3) @ (4)
        message = f"{graph.expr(i)}: {formula} — {_fill(str(err), names)}"
        raise MathError(message, graph.source, graph.spans[i]) from None


def forward(graph: Graph, inputs: Mapping[str, object], same_shapes: bool = False) -> list[Array]:
    """Every node's value, in evaluation order, shapes checked first.

    ``same_shapes``: the inputs have the shapes of a pass that checked them (the gradient check's
    passes), so a broadcast, which depends on shapes only, is not checked again; an op's own shape
    rule is, as it reads values too (an axis, a reshape's target)."""
    values: list[Array] = []
    for i, name in enumerate(graph.ops):
        op = OPS[name]
        if op.arity == 0:
            const = graph.consts[i]
            values.append(np.asarray(inputs[graph.names[i] or ""] if const is None else const, dtype=np.float64))
            continue
        xs = [values[j] for j in graph.args[i]]
        if op.shape or not same_shapes:
            node_shape(graph, i, xs)
        try:
            with np.errstate(all="ignore"):
                out = np.asarray(_kernel(op)(*xs), dtype=np.float64)
        except KernelError as err:
            names = [graph.expr(j) for j in graph.args[i]]
            raise MathError(f"{graph.expr(i)}: {_fill(str(err), names)}", graph.source, graph.spans[i]) from None
        bad = ~np.isfinite(out)
        if bad.any():
            flat = int(np.flatnonzero(bad)[0])
            why = OVERFLOW
            if op.explain and op.shape is None:  # elementwise: explain the first bad entry
                index = np.unravel_index(flat, out.shape)
                why = op.explain(*[float(np.broadcast_to(x, out.shape)[index]) for x in xs])
            where = _where(graph, i, xs, flat if op.shape is None else None)
            at = f" at {_at(out.shape, flat)}" if out.ndim else ""
            raise MathError(f"{why}: {graph.expr(i)}{at} where {where}", graph.source, graph.spans[i])
        values.append(out)
    return values


_RULES: dict[tuple[str, bool], Formula] = {}
NUMPY: dict[str, Callable[..., Any]] = {}
"""Every op with a NumPy forward, by name: the implementation :func:`formula.evaluate` runs a rule with."""


def rule_formula(text: str, axis: bool = True) -> Formula:
    """A gradient rule of the table as a formula, parsed once per run. Without an axis the rule's
    ``axis`` argument is left out (``expand(g, a)``), as the op was called without one."""
    key = (text, axis)
    if key not in _RULES:
        from ..formula import from_graph
        from ..parse import RULES, parse

        _RULES[key] = from_graph(parse(text if axis else text.replace(", axis", ""), RULES))
    return _RULES[key]


def _numpy() -> dict[str, Callable[..., Any]]:
    if not NUMPY:
        NUMPY.update({name: _kernel(op) for name, op in OPS.items() if op.numpy})
    return NUMPY


def rule_values(rule: Formula, env: Mapping[str, Array | None]) -> list[Any]:
    """Every node's value in a rule formula, over arrays (the views show the shapes of its last step)."""
    impl = _numpy()
    values: list[Any] = []
    for op, args, name, const in zip(rule.ops, rule.args, rule.names, rule.consts):
        if op == "var":
            values.append(env[name or ""])
        elif op == "const":
            values.append(np.asarray(const, dtype=np.float64))
        else:
            values.append(impl[op](*(values[j] for j in args)))
    return values


def run_rule(rule: Formula, env: Mapping[str, Array | None]) -> Array:
    """Evaluate a rule formula with ``g``, ``a``, ``b``, ``out`` (and ``axis``) bound to arrays."""
    return np.asarray(evaluate_formula(rule, env, _numpy()), dtype=np.float64)


def _elementwise_local(op: Op, k: int, xs: Sequence[Array], out: Array) -> Array:
    """∂out/∂(input k) entry by entry: the table's rule tree (the same as for floats) over arrays."""
    env = dict(zip(RULE_INPUTS, xs))
    env["out"] = out
    with np.errstate(all="ignore"):
        return run_rule(TREES[op.name][k], env)


def vjp(op: Op, k: int, g: Array, xs: Sequence[Array], out: Array) -> Array | None:
    """What node ``op(xs) = out`` with upstream gradient ``g`` adds to the gradient of input k."""
    if not op.vjp:
        return unbroadcast(g * _elementwise_local(op, k, xs, out), xs[k].shape)
    if not op.vjp[k]:
        return None  # an index: no gradient
    axis = op.axis and len(xs) > op.arity
    return run_rule(rule_formula(op.vjp[k], axis), rule_env(op, g, xs, out)).reshape(xs[k].shape)


def rule_env(op: Op, g: Array, xs: Sequence[Array], out: Array) -> dict[str, Array | None]:
    """What an array op's gradient rules read: ``g``, ``a``, ``b``, ``out`` and ``axis``."""
    axis = xs[op.arity] if op.axis and len(xs) > op.arity else None
    a, b = xs[0], xs[1] if op.arity > 1 else None
    if op.promote:  # vectors as a row on the left, a column on the right
        a = a.reshape(1, -1) if a.ndim == 1 else a
        b = b.reshape(-1, 1) if b is not None and b.ndim == 1 else b
        assert b is not None
        g = g.reshape(a.shape[0], b.shape[1])
    return {"g": g, "a": a, "b": b, "out": out, "axis": axis}


def backward(graph: Graph, values: list[Array]) -> list[Array | None]:
    """Reverse pass: from the output's gradient (ones), add each node's vjp into its inputs."""
    needs = graph.needs_grad
    grads: list[Array | None] = [None] * len(graph)
    grads[-1] = np.ones_like(values[-1])
    for i in range(len(graph) - 1, -1, -1):
        g = grads[i]
        if g is None or not graph.args[i]:
            continue
        op = OPS[graph.ops[i]]
        xs = [values[j] for j in graph.args[i]]
        for k, j in enumerate(graph.args[i]):
            if not needs[j]:
                continue
            with np.errstate(all="ignore"):
                d = vjp(op, k, g, xs, values[i])
            if d is None:
                continue
            if not np.isfinite(d).all():
                which = f" with respect to its {_ORDINALS[k]} input" if len(xs) > 1 else ""
                where = _where(graph, i, xs, None)
                raise MathError(
                    f"the gradient of {graph.expr(i)}{which} is infinite or undefined where {where}",
                    graph.source,
                    graph.spans[i],
                )
            before = grads[j]
            grads[j] = np.array(d) if before is None else before + d
    return grads


def evaluate(
    graph: Graph, inputs: Mapping[str, object], mode: str = "reverse", wrt: Sequence[str] | None = None
) -> ArrayEvaluation:
    """Forward pass with shapes, then the reverse pass (forward mode is for scalar expressions)."""
    from ..engine import check_wrt

    if mode != "reverse":
        raise UsageError("--mode forward is for scalar expressions; vectors and matrices use reverse mode")
    names = list(graph.inputs) if wrt is None else check_wrt(graph, wrt)
    values = forward(graph, inputs)
    warnings = []
    if values[-1].ndim:
        warnings.append(
            f"the output is {words(values[-1].shape)}, not a scalar: the gradients are those of the sum "
            "of its entries, as if it were wrapped in sum(...)"
        )
    return ArrayEvaluation(graph, values, backward(graph, values), names, warnings)


def wires(ev: ArrayEvaluation) -> list[Wire]:
    """The circuit's wires with arrays on them: each carries its source's value forward and, back,
    its own contribution to the source's gradient (the vjp of that one use)."""
    from ..wires import Wire, wires_of

    graph, values, grads = ev.graph, ev.values, ev.grads
    result = []
    for w in wires_of(graph):
        grad: Any = grads[w.src]
        if w.dst is not None:
            g = grads[w.dst]
            xs = [values[j] for j in graph.args[w.dst]]
            with np.errstate(all="ignore"):
                grad = (
                    None
                    if g is None or grads[w.src] is None
                    else vjp(OPS[graph.ops[w.dst]], w.position, g, xs, values[w.dst])
                )
        result.append(Wire(w.src, w.dst, w.position, values[w.src], grad))  # type: ignore[arg-type]
    return result
