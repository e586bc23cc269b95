"""The live page of a program with vectors and matrices: what its script needs besides the circuit.

The page keeps the shapes it is drawn with (a wire is labelled by its shape), so everything symbolic
is written here once, from an evaluation at the starting point: each node's shape, the derivation's
lines as ``eval --steps`` writes them for arrays (views/array_steps.py), with a slot where a number
goes (``v3``: the value of node 3, ``g5``: the gradient of node 5), and each gradient rule with the
shapes that make it fit. The numbers themselves are computed by the page's script.
"""

from __future__ import annotations

from typing import Any

from ..arrays.evaluation import ArrayEvaluation
from ..graph import Graph
from ..ops import OPS
from .array_steps import backward_lines, backward_steps, forward_lines
from .arrays import contribution

Piece = list[Any]
NUMBER_KINDS = ("value", "grad")


def _slotted(line: list[tuple[str, str]], slot: str) -> list[Piece]:
    """A line of array_steps with its number (the last piece, when it is one) as a slot."""
    pieces: list[Piece] = [[text, kind if kind in ("", *NUMBER_KINDS) else "note"] for text, kind in line]
    if len(pieces) > 2 and pieces[-1][1] in NUMBER_KINDS and pieces[-2][0] == " = ":
        pieces[-1] = [{"slot": slot, "paren": False}, pieces[-1][1]]
    return pieces


def lines(ev: ArrayEvaluation, digits: int) -> dict[str, Any]:
    """``forward``: one line per operation; ``backward``: one per node with a gradient, the output first."""
    g = ev.graph
    gates = [i for i in range(len(g)) if g.args[i]]
    forward = [{"node": i, "line": _slotted(line, f"v{i}")} for i, line in zip(gates, forward_lines(ev, digits))]
    order = [len(g) - 1] + [j for j, _, _ in backward_steps(ev)]
    backward = [{"node": j, "line": _slotted(line, f"g{j}")} for j, line in zip(order, backward_lines(ev, digits))]
    return {"forward": forward, "backward": backward}


def node_data(ev: ArrayEvaluation, i: int) -> dict[str, Any]:
    """A node's shape, and the rule of what it sends back to each input (``dW = dD · Xᵀ``)."""
    g = ev.graph
    rules: list[dict[str, str] | None] = []
    for k, j in enumerate(g.args[i]):
        if ev.grads[j] is None or ev.grads[i] is None:
            rules.append(None)
            continue
        text, shapes = contribution(ev, i, k)
        rules.append({"head": f"d{g.labels[j]}", "formula": text, "shapes": shapes})
    return {"shape": list(ev.shape(i)), "rules": rules}


def indices(graph: Graph) -> set[int]:
    """The nodes every use of which takes no gradient by the table's rules (``y`` in ``s[y]``): an
    index, whose slider moves in whole steps."""
    return {
        j
        for j, uses in enumerate(graph.users())
        if uses and all(OPS[graph.ops[u]].vjp[k : k + 1] == ("",) for u, k in uses)
    }
