"""Gradient checking of every entry: the analytic gradient of each array input against a centred
difference for each of its entries, and the worst relative error per input.

The difference is of fourth order, (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h with
h = 1e-3 × max(1, |x|): accurate to ~1e-12, where the second-order one's rounding error (~ε|f|/h)
alone would call a small entry of a correct gradient (1e-4 next to entries of 1) suspicious.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import MathError
from ..gradcheck import OK_BELOW, SUSPICIOUS_BELOW, TINY
from ..graph import Graph
from ..ops import OPS
from ..shapes import Shape
from .engine import evaluate, forward
from .evaluation import ArrayEvaluation

if TYPE_CHECKING:
    from .engine import Array


RELATIVE_STEP = 1e-3
"""The default step is RELATIVE_STEP × max(1, |x|)."""


def default_step(x: float) -> float:
    """Balances the fourth-order difference's truncation error (∝ h⁴) against rounding (∝ ε/h)."""
    return RELATIVE_STEP * max(1.0, abs(x))


@dataclass(frozen=True, slots=True)
class ArrayCheck:
    """The check of one input's gradient, entry by entry."""

    name: str
    shape: Shape
    analytic: Array
    numerical: Array | None
    rel_error: Array | None
    """Per entry; the verdict is the worst."""
    worst: tuple[int, ...] | None
    """The index of the worst entry."""
    verdict: str
    note: str = ""

    @property
    def worst_error(self) -> float | None:
        return None if self.rel_error is None or self.worst is None else float(self.rel_error[self.worst])


def relative_errors(a: Array, n: Array) -> Array:
    """|a − n| / max(|a|, |n|) entry by entry, or |a − n| where both are tiny."""
    scale = np.maximum(np.abs(a), np.abs(n))
    diff = np.abs(a - n)
    return np.where(scale < TINY, diff, diff / np.where(scale < TINY, 1.0, scale))


def _kinks(graph: Graph, points: Sequence[list[Array]]) -> list[int]:
    """Nodes whose kink lies between the points, at any entry."""
    found = []
    for i, (name, args) in enumerate(zip(graph.ops, graph.args)):
        kink = OPS[name].kink
        if kink is None:
            continue
        signs = [np.sign(kink(*[p[j] for j in args])) for p in points]
        if any((s == 0).any() for s in signs) or any((s != signs[0]).any() for s in signs[1:]):
            found.append(i)
    return found


def check_input(
    graph: Graph, ev: ArrayEvaluation, inputs: Mapping[str, object], name: str, analytic: Array, h: float | None
) -> ArrayCheck:
    """The centred difference of every entry of input ``name``."""
    x = np.asarray(inputs[name], dtype=np.float64)
    numerical = np.zeros_like(x)
    points: dict[tuple[int, ...], list[list[Array]]] = {}
    for index in np.ndindex(*x.shape):
        step = h if h is not None else default_step(float(x[index]))
        passes = []
        for k in (2, 1, -1, -2):
            moved = x.copy()
            moved[index] += k * step
            try:
                # ev's pass checked the shapes, at inputs of the same shapes.
                passes.append(forward(graph, {**inputs, name: moved if x.ndim else float(moved)}, same_shapes=True))
            except MathError as err:
                note = f"f is not defined at {name}{list(index) if index else ''} ± 2h: {err.message}"
                return ArrayCheck(name, x.shape, analytic, None, None, None, "undefined", note)
        f = [float(np.sum(p[-1])) for p in passes]
        numerical[index] = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * step)
        points[index] = passes
    errors = relative_errors(analytic, numerical)
    worst = tuple(int(k) for k in np.unravel_index(int(np.argmax(errors)), x.shape))
    error = float(errors[worst])
    verdict = "ok" if error < OK_BELOW else "suspicious" if error < SUSPICIOUS_BELOW else "wrong"
    note = ""
    kinks = _kinks(graph, [*points[worst], ev.values])
    if kinks and verdict != "ok":
        where = ", ".join(graph.expr(i) for i in kinks)
        entry = f"{name}{list(worst)}" if worst else name
        note = f"{entry} is within h of the kink of {where}: the centred difference is not reliable there"
        verdict = "kink"
    return ArrayCheck(name, x.shape, analytic, numerical, errors, worst, verdict, note)


def check(
    graph: Graph, inputs: Mapping[str, object], h: float | None = None, wrt: Sequence[str] | None = None
) -> tuple[ArrayEvaluation, list[ArrayCheck]]:
    """Evaluate, then check every entry of every input's gradient (indices have none to check)."""
    ev = evaluate(graph, inputs, wrt=wrt)
    checks = [
        check_input(graph, ev, inputs, name, grad, h) for name, grad in ev.input_grads().items() if grad is not None
    ]
    return ev, checks


def passed(checks: Sequence[ArrayCheck]) -> bool:
    return all(c.verdict != "wrong" for c in checks)
