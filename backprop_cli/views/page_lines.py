"""The derivation's lines for the live page: written once in Python, with slots for the numbers.

A line of ``--steps`` is text with numbers in it. Here the same text is written with a slot where a
number of the evaluation goes, ``{"slot": "v3"}`` (the value of node 3), ``"g5"`` (the gradient of node
5) or ``"l5_1"`` (node 5's local derivative towards its input 1), so that the page writes the line
again at any point and any number of digits. A slot marked ``paren`` is one where a negative number
is written in parentheses. A piece is ``[text or slot, kind]``, kind as in views/steps.py.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine import Evaluation
from ..graph import Graph
from ..ops import OPS
from .notation import Refs, Style
from .steps import _is_plain as is_plain

Piece = list[Any]

_MARK = re.compile("\x01(\\w+)\x02")

def _structure(graph: Graph) -> Evaluation:
    """An evaluation without numbers: :class:`Refs` reads only the graph to write formulas."""
    return Evaluation(graph, [], [], [], [])


def slot(name: str, kind: str, paren: bool = False) -> Piece:
    return [{"slot": name, "paren": paren}, kind]


def _numeric(style: Style, notation: str, args: tuple[int, ...], kind: str) -> list[Piece]:
    """An op's notation with a slot for each input's value; a slot is marked ``paren`` where the
    notation puts a negative number in parentheses (filling that one slot with a negative number
    makes the text longer by the two parentheses)."""
    marks = [f"\x01v{j}\x02" for j in args]
    plain = style.fill(notation, marks)
    paren = {
        f"v{j}": len(style.fill(notation, [("-" + m if n == k else m) for n, m in enumerate(marks)])) > len(plain) + 1
        for k, j in enumerate(args)
    }
    pieces: list[Piece] = []
    at = 0
    for m in _MARK.finditer(plain):
        pieces += [[plain[at : m.start()], ""], slot(m.group(1), kind, paren[m.group(1)])]
        at = m.end()
    return [*pieces, [plain[at:], ""]]


def lines(graph: Graph, style: Style, digits: int) -> dict[str, Any]:
    """``forward``: per non-literal node, its line; ``backward``: per node with a gradient, its line."""
    refs = Refs(_structure(graph), style, digits)
    forward = []
    for i in range(len(graph)):
        if refs.is_literal(i):
            continue
        label = style.label(graph.labels[i])
        if not graph.args[i]:
            forward.append({"node": i, "head": f"{label} = ", "symbolic": None, "numeric": None})
            continue
        symbolic = refs.formula(i)
        numeric = _numeric(style, OPS[graph.ops[i]].notation, graph.args[i], "value")
        forward.append({"node": i, "head": f"{label} = {symbolic} = ", "symbolic": symbolic, "numeric": numeric})
    return {"forward": forward, "backward": _backward(graph, refs, style)}


def _backward(graph: Graph, refs: Refs, style: Style) -> list[dict[str, Any]]:
    out = graph.labels[-1]
    users = graph.users()
    explained: set[int] = set()
    result = []
    for i in range(len(graph) - 1, -1, -1):
        if not graph.needs_grad[i]:
            continue
        node = graph.labels[i]
        line: list[Piece] = [[f"{style.derivative(out, node)} = ", ""]]
        if i == graph.output:
            result.append({"node": i, "line": [*line, slot(f"g{i}", "grad")]})
            continue
        chain = [
            f"{style.derivative(out, graph.labels[u])} {style.cdot} {style.derivative(graph.labels[u], node)}"
            for u, _ in users[i]
        ]
        line[0][0] += " + ".join(chain) + " = "
        formulas = [refs.local_formula(u, k) for u, k in users[i]]
        for n, ((u, _), formula) in enumerate(zip(users[i], formulas)):
            line += [[" + " if n else "", ""], slot(f"g{u}", "grad"), [f" {style.times} {formula}", ""]]
        if not all(is_plain(f) for f in formulas):
            line.append([" = ", ""])
            for n, (u, k) in enumerate(users[i]):
                line += [[" + " if n else "", ""], slot(f"g{u}", "grad")]
                line += [[f" {style.times} ", ""], slot(f"l{u}_{k}", "")]
        line += [[" = ", ""], slot(f"g{i}", "grad")]
        gates = []
        for u, _ in users[i]:
            gate = OPS[graph.ops[u]].gate
            if gate and u not in explained:
                explained.add(u)
                gates.append(gate)
        if gates:
            line.append([f"   {style.arrow} {'; '.join(dict.fromkeys(gates))}", "note"])
        result.append({"node": i, "line": line})
    return result
