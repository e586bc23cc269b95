"""The derivation with vectors and matrices: each node's shape in the forward pass, then each
gradient by its rule, with the shapes that make it fit (CS231n: ``dW = dD · Xᵀ`` because
(5×10) = (5×3)(3×10)), and the sums that undo broadcasting.

``dX`` is the gradient of the output with respect to X, in X's shape. The rules are the op table's:
an array op's ``vjp`` formulas and an elementwise op's local derivative times the upstream gradient.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..arrays.engine import rule_env, rule_graph, rule_values
from ..arrays.evaluation import ArrayEvaluation
from ..formatting import number
from ..graph import Graph
from ..ops import OPS
from ..shapes import Shape, words
from . import theme
from .arrays import array_text

Line = list[tuple[str, str]]
_CALL = re.compile(r"^\w+\(.*\)$")
_HELPERS = {"expand": "{0} copied over {1}", "count": "count({0})", "reshape_as": "{0} in the shape of {1}"}


def _printed(rule: Graph, names: dict[str, str]) -> str:
    """A gradient rule's graph as text in the nodes' names, with parentheses around compound operands."""
    texts: list[str] = []
    compound: list[bool] = []
    for i, name in enumerate(rule.ops):
        op = OPS[name]
        if op.arity == 0:
            const = rule.consts[i]
            texts.append(names.get(rule.names[i] or "", rule.names[i] or "") if const is None else rule.expr(i))
            compound.append(False)
            continue
        args = list(rule.args[i])
        if op.axis and len(args) > op.arity:  # the axis: shown only when there is one
            axis = names.get("axis")
            args = args[: op.arity]
            extra = f", axis={axis}" if axis is not None else ""
        else:
            extra = ""
        notation = _HELPERS.get(name, op.notation)
        call = bool(_CALL.match(notation)) and not notation.startswith("{")
        parts = [f"({texts[j]})" if compound[j] and not call else texts[j] for j in args]
        text = notation.format(*parts)
        if extra:
            text = text[:-1] + extra + ")" if text.endswith(")") else f"{text} (axis {names['axis']})"
        texts.append(text)
        compound.append(" " in notation and not call)
    return texts[-1]


def _summed_axes(small: Shape, big: Shape) -> list[int]:
    lead = len(big) - len(small)
    return [*range(lead), *(lead + k for k, n in enumerate(small) if n == 1 and big[lead + k] != 1)]


def forward_lines(ev: ArrayEvaluation, digits: int) -> list[Line]:
    """``label = formula   (shape) = (shapes of the inputs)`` for every operation; scalars with values."""
    g = ev.graph
    lines: list[Line] = []
    for i in range(len(g)):
        op = OPS[g.ops[i]]
        if op.arity == 0:
            continue
        names = [g.labels[j] if OPS[g.ops[j]].arity or g.names[j] else g.expr(j) for j in g.args[i]]
        formula = op.notation.format(*names[: op.arity])
        shapes = op.notation.format(*[words(ev.shape(j)) for j in g.args[i]][: op.arity])
        if op.axis and len(names) > op.arity:
            axis = f", axis={array_text(ev.values[g.args[i][-1]])})"
            formula, shapes = formula[:-1] + axis, shapes[:-1] + axis
        line: Line = [(f"{g.labels[i]} = {formula}", "")]
        line.append((f"   {words(ev.shape(i))} = {shapes}" if ev.shape(i) or shapes != "()" else "", theme.NOTE))
        if not ev.shape(i):
            line += [(" = ", ""), (number(float(ev.values[i]), digits), "value")]
        lines.append(line)
    return lines


def backward_steps(ev: ArrayEvaluation) -> list[tuple[int, str, str]]:
    """(node, ``dX = rule + rule``, shapes) for every node with a gradient but the output, last first."""
    g = ev.graph
    users: list[list[tuple[int, int]]] = [[] for _ in range(len(g))]
    for i, args in enumerate(g.args):
        for k, j in enumerate(args):
            users[j].append((i, k))
    steps = []
    for j in range(len(g) - 2, -1, -1):
        if ev.grads[j] is None:
            continue
        terms, notes = [], []
        for i, k in users[j]:
            text, note = _contribution(ev, i, k)
            terms.append(text)
            notes.append(note)
        steps.append((j, f"d{g.labels[j]} = {' + '.join(terms)}", notes[0] if len(notes) == 1 else words(ev.shape(j))))
    return steps


def backward_lines(ev: ArrayEvaluation, digits: int) -> list[Line]:
    """``dX = rule + rule   (shape) = (shapes)`` for every node with a gradient, the output first;
    the gradient itself where it is small."""
    out = ev.graph.labels[-1]
    lines: list[Line] = [[(f"d{out} = ", ""), ("1", "grad"), ("   the gradient of the output by itself", theme.NOTE)]]
    for j, formula, shapes in backward_steps(ev):
        grad = ev.grads[j]
        assert grad is not None
        line: Line = [(formula, ""), (f"   {shapes}", theme.NOTE)]
        if grad.ndim <= 1 and grad.size <= 4:
            line += [(" = ", ""), (array_text(grad, digits), "grad")]
        lines.append(line)
    return lines


def _contribution(ev: ArrayEvaluation, i: int, k: int) -> tuple[str, str]:
    """What node i sends back to its k-th input, as a formula and its shapes."""
    g = ev.graph
    op = OPS[g.ops[i]]
    args = g.args[i]
    names = {"g": f"d{g.labels[i]}", "out": g.labels[i], "a": g.labels[args[0]]}
    if len(args) > 1:
        names["b"] = g.labels[args[1]]
    target = ev.shape(args[k])
    if op.vjp:
        if op.axis and len(args) > op.arity:
            names["axis"] = array_text(ev.values[args[-1]])
        rule = rule_graph(op.vjp[k])
        text = _printed(rule, names)
        upstream = ev.grads[i]
        assert upstream is not None
        values = rule_values(op.vjp[k], rule_env(op, upstream, [ev.values[j] for j in args], ev.values[i]))
        root = OPS[rule.ops[-1]]
        shapes = words(target)
        if root.shape is not None and len(rule.args[-1]) > 1:
            parts = [words(np.shape(values[j])) for j in rule.args[-1]]
            shapes += " = " + "".join(parts) if root.promote else " = " + root.notation.format(*parts)
        return text, shapes
    local = op.local_text[k]
    wrap = " " in local and not local.startswith("[")
    text = names["g"] if local == "1" else f"{names['g']} × ({local})" if wrap else f"{names['g']} × {local}"
    text = re.sub(r"\b(a|b|out)\b", lambda m: names[m.group(1)], text) if local != "1" else text
    summed = _summed_axes(target, ev.shape(i))
    if not summed:
        return text, words(target)
    if len(summed) == len(ev.shape(i)) and not target:
        return f"sum({text})", f"{words(target)} ← {words(ev.shape(i))}, summed: the input was broadcast"
    axes = ", ".join(map(str, summed))
    which = f"axis={axes}" if len(summed) == 1 else f"axes {axes}"
    return (
        f"sum({text}, {which})",
        f"{words(target)} ← {words(ev.shape(i))}, summed over {which.replace('=', ' ')}: broadcast",
    )


def render(ev: ArrayEvaluation, digits: int = 6, ascii: bool = False) -> Any:
    """The derivation as Rich text: values green, gradients red, shapes dimmed beside each line."""
    from rich.console import Group
    from rich.text import Text

    colours = {"value": theme.VALUE, "grad": theme.GRAD, "": ""}

    def text(line: Line) -> Text:
        return Text.assemble(*((piece, colours.get(kind, kind)) for piece, kind in line))

    out = ev.graph.labels[-1]
    parts = [
        Text("Forward pass (shapes: rows×columns)", theme.TITLE),
        *map(text, forward_lines(ev, digits)),
        Text(""),
        Text(f"Backward pass (dX is ∂{out}/∂X, in the shape of X)", theme.TITLE),
        *map(text, backward_lines(ev, digits)),
    ]
    return Group(*parts)


def steps_json(ev: ArrayEvaluation) -> list[dict[str, Any]]:
    """The backward pass as data: every gradient's formula and its shapes (the gradients themselves
    are in "nodes")."""
    g = ev.graph
    return [
        {"id": j, "label": g.labels[j], "formula": formula, "shapes": shapes}
        for j, formula, shapes in backward_steps(ev)
    ]
