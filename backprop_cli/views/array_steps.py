"""The derivation with vectors and matrices: each node's shape in the forward pass, then each
gradient by its rule, with the shapes that make it fit (CS231n: ``dW = dD · Xᵀ`` because
(5×10) = (5×3)(3×10)), and the sums that undo broadcasting.

``dX`` is the gradient of the output with respect to X, in X's shape. The rules are the op table's:
an array op's ``vjp`` formulas and an elementwise op's local derivative times the upstream gradient.
"""

from __future__ import annotations

from typing import Any

from ..arrays.evaluation import ArrayEvaluation
from ..formatting import number
from ..ops import OPS
from ..printer import spell
from ..shapes import words
from ..styles import ASCII, UNICODE
from . import theme
from .arrays import array_text, contribution

Line = list[tuple[str, str]]


def forward_lines(ev: ArrayEvaluation, digits: int, ascii: bool = False) -> list[Line]:
    """``label = formula   (shape) = (shapes of the inputs)`` for every operation; scalars with values."""
    g = ev.graph
    style = ASCII if ascii else UNICODE
    lines: list[Line] = []
    for i in range(len(g)):
        op = OPS[g.ops[i]]
        if op.arity == 0:
            continue
        names = [g.labels[j] if OPS[g.ops[j]].arity or g.names[j] else g.expr(j) for j in g.args[i]]
        formula = spell(op.name, names[: op.arity], style)
        shapes = spell(op.name, [words(ev.shape(j)) for j in g.args[i]][: op.arity], style)
        if op.axis and len(names) > op.arity:
            axis = f", axis={array_text(ev.values[g.args[i][-1]])})"
            formula, shapes = formula[:-1] + axis, shapes[:-1] + axis
        line: Line = [(f"{g.labels[i]} = {formula}", "")]
        line.append((f"   {words(ev.shape(i))} = {shapes}" if ev.shape(i) or shapes != "()" else "", theme.NOTE))
        if not ev.shape(i):
            line += [(" = ", ""), (number(float(ev.values[i]), digits), "value")]
        lines.append(line)
    return lines


def backward_steps(ev: ArrayEvaluation, ascii: bool = False) -> list[tuple[int, str, str]]:
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
            text, note = contribution(ev, i, k, ascii)
            terms.append(text)
            notes.append(note)
        steps.append((j, f"d{g.labels[j]} = {' + '.join(terms)}", notes[0] if len(notes) == 1 else words(ev.shape(j))))
    return steps


def backward_lines(ev: ArrayEvaluation, digits: int, ascii: bool = False) -> list[Line]:
    """``dX = rule + rule   (shape) = (shapes)`` for every node with a gradient, the output first;
    the gradient itself where it is small."""
    out = ev.graph.labels[-1]
    lines: list[Line] = [[(f"d{out} = ", ""), ("1", "grad"), ("   the gradient of the output by itself", theme.NOTE)]]
    for j, formula, shapes in backward_steps(ev, ascii):
        grad = ev.grads[j]
        assert grad is not None
        line: Line = [(formula, ""), (f"   {shapes}", theme.NOTE)]
        if grad.ndim <= 1 and grad.size <= 4:
            line += [(" = ", ""), (array_text(grad, digits), "grad")]
        lines.append(line)
    return lines


def render(ev: ArrayEvaluation, digits: int = 6, ascii: bool = False) -> Any:
    """The derivation as Rich text: values green, gradients red, shapes dimmed beside each line."""
    from rich.console import Group
    from rich.text import Text

    colours = {"value": theme.VALUE, "grad": theme.GRAD, "": ""}

    def text(line: Line) -> Text:
        return Text.assemble(*((piece, colours.get(kind, kind)) for piece, kind in line))

    out = ev.graph.labels[-1]
    style = ASCII if ascii else UNICODE
    parts = [
        Text("Forward pass (shapes: rows×columns)", theme.TITLE),
        *map(text, forward_lines(ev, digits, ascii)),
        Text(""),
        Text(f"Backward pass (dX is {style.derivative(out, 'X')}, in the shape of X)", theme.TITLE),
        *map(text, backward_lines(ev, digits, ascii)),
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
