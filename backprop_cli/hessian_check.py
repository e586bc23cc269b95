"""Checking the Hessian: each entry against the centred difference of the gradient.

Row x of the Hessian is the derivative of the gradient along x, so it is checked by
(∇f(x + h) − ∇f(x − h)) / 2h, the gradients coming from the reverse pass. The verdicts are the
first-order check's (gradcheck.py): the same thresholds, "kink" where x ± h straddles a kink,
"inconclusive" where halving h shows the step's own error explains the disagreement, "undefined"
where the gradient is not defined at x ± h.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .engine import Evaluation, evaluate
from .errors import MathError
from .gradcheck import grade, kinks_within, relative_error, step_blame, step_for, step_lost
from .graph import Graph


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """The check of one entry ∂²output/∂row∂column."""

    row: str
    """The input the difference moves."""
    column: str
    """The input whose gradient is differenced."""
    analytic: float
    numerical: float | None
    step: float
    rel_error: float | None
    verdict: str
    """As a first-order check's: ``ok``, ``suspicious``, ``wrong``, ``kink``, ``inconclusive``, ``undefined``."""
    note: str = ""


def check_hessian(
    graph: Graph, ev: Evaluation, inputs: Mapping[str, float], h: float | None = None
) -> list[EntryCheck]:
    """Check every entry of ``ev.hessian`` (rows in order, then columns), two reverse passes per row."""
    hessian = ev.hessian or {}
    result = []
    for row, analytic in hessian.items():
        x = inputs[row]
        step = step_for(row, x, h)
        try:
            up, down = (evaluate(graph, {**inputs, row: x + s}, wrt=ev.wrt) for s in (step, -step))
            up_grads, down_grads = up.input_grads(), down.input_grads()
        except MathError as err:
            note = f"the gradient is not defined at {row} ± h: {err.message}"
            result += [EntryCheck(row, c, a, None, step, None, "undefined", note) for c, a in analytic.items()]
            continue
        kinks = kinks_within(graph, [down.values, ev.values, up.values])
        halved: dict[str, float] | None = None
        for column, exact in analytic.items():
            numerical = (up_grads[column] - down_grads[column]) / (2 * step)
            if not math.isfinite(numerical):
                note = f"the gradients' difference overflows a float64 at {row} ± h"
                result.append(EntryCheck(row, column, exact, None, step, None, "undefined", note))
                continue
            error = relative_error(exact, numerical)
            verdict, note = grade(error), ""
            if kinks:
                where = ", ".join(graph.expr(i) for i in kinks)
                note = f"{row} is within h of the kink of {where}: the centred difference is not reliable there"
                verdict = "kink" if verdict != "ok" else verdict
            elif verdict != "ok" and step_lost(row, x, step):
                verdict, note = "inconclusive", step_lost(row, x, step)
            elif verdict != "ok":
                halved = halved if halved is not None else _halved(graph, inputs, row, step, ev.wrt)
                if column in halved:
                    estimate = abs(numerical - halved[column]) * 4 / 3
                    blame = step_blame(x, step, estimate, abs(exact - numerical))
                    if blame:
                        verdict, note = "inconclusive", blame
            result.append(EntryCheck(row, column, exact, numerical, step, error, verdict, note))
    return result


def _halved(graph: Graph, inputs: Mapping[str, float], row: str, step: float, wrt: Sequence[str]) -> dict[str, float]:
    """The differences of the gradient with half the step (Richardson: see gradcheck._step_error);
    empty when the gradient is not defined there."""
    x = inputs[row]
    try:
        up = evaluate(graph, {**inputs, row: x + step / 2}, wrt=wrt).input_grads()
        down = evaluate(graph, {**inputs, row: x - step / 2}, wrt=wrt).input_grads()
    except MathError:
        return {}
    return {name: (up[name] - down[name]) / step for name in up}


def worst(checks: Sequence[EntryCheck]) -> EntryCheck | None:
    """The entry with the largest relative error (None when no entry has one)."""
    measured = [c for c in checks if c.rel_error is not None]
    return max(measured, key=lambda c: c.rel_error or 0.0) if measured else None
