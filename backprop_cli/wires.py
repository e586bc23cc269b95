"""The circuit's wires: each input of each node, with the value it carries forward and the gradient it
carries back.

Where a node feeds several others (a fork), each wire carries back only its own contribution,
upstream × local; the node's gradient is their sum. Every picture of the circuit (DOT, Mermaid, the
circuit tree, the JSON graph, the live page) draws from this list, so none of them labels a branch with
the node's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .engine import Evaluation
from .graph import Graph

if TYPE_CHECKING:
    from .arrays.evaluation import ArrayEvaluation


@dataclass(frozen=True, slots=True)
class Wire:
    """One wire, from node ``src`` into input ``position`` of node ``dst`` (None: the output's wire)."""

    src: int
    dst: int | None
    position: int
    value: float | None = None
    """The value flowing forward (None without values)."""
    grad: float | None = None
    """The gradient flowing back along this wire alone: ∂out/∂dst · ∂dst/∂src (None towards a constant)."""


def wires_of(graph: Graph) -> list[Wire]:
    """The wires without values: every input of every node in node order, then the output's wire."""
    result = [Wire(j, i, k) for i, args in enumerate(graph.args) for k, j in enumerate(args)]
    result.append(Wire(graph.output, None, 0))
    return result


def wires(ev: Evaluation | ArrayEvaluation) -> list[Wire]:
    """The wires with their values and per-wire gradient contributions (reverse mode); with arrays on
    them, each wire's contribution is the vjp of that one use (arrays/engine.py)."""
    from .derivation import backward_steps

    if not isinstance(ev, Evaluation):
        from .arrays.engine import wires as array_wires

        return array_wires(ev)

    contribution = {(c.user, c.position): c.product for step in backward_steps(ev) for c in step.contributions}
    result = []
    for w in wires_of(ev.graph):
        grad = ev.grads[w.src] if w.dst is None else contribution.get((w.dst, w.position))
        result.append(Wire(w.src, w.dst, w.position, ev.values[w.src], grad))
    return result


def forks(graph: Graph) -> list[int]:
    """Nodes with more than one wire out, in node order (their gradient is a sum)."""
    return [i for i, users in enumerate(graph.users()) if len(users) + (i == graph.output) > 1]
