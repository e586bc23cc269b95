"""Gradient checking, as CS231n's notes teach it: the analytic gradient (reverse mode) against the
centred difference (f(x + h) − f(x − h)) / 2h, compared by relative error.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .args import PLAIN_NUMBER
from .engine import Evaluation, evaluate, forward
from .errors import InputError, MathError
from .functions import sign
from .graph import Graph
from .ops import OPS

OK_BELOW = 1e-7
"""A relative error below this is a match."""
SUSPICIOUS_BELOW = 1e-4
"""Below this (and not below OK_BELOW) it is suspicious; at or above it, wrong."""
TINY = 1e-10
"""When both gradients are smaller than this, their absolute difference is the error."""
RELATIVE_STEP = 1e-5
"""The default step is RELATIVE_STEP × max(1, |x|)."""


def default_step(x: float) -> float:
    """About the cube root of float64's epsilon, scaled to x: it balances the centred difference's
    truncation error (∝ h²) against its rounding error (∝ ε/h)."""
    return RELATIVE_STEP * max(1.0, abs(x))


def relative_error(a: float, n: float) -> float:
    """|a − n| / max(|a|, |n|), or |a − n| when both are tiny (no division by ~0)."""
    scale = max(abs(a), abs(n))
    return abs(a - n) if scale < TINY else abs(a - n) / scale


def grade(error: float) -> str:
    """The verdict of a relative error: ``ok``, ``suspicious`` or ``wrong``."""
    return "ok" if error < OK_BELOW else "suspicious" if error < SUSPICIOUS_BELOW else "wrong"


def step_for(name: str, x: float, h: float | None) -> float:
    """The step of the centred difference at ``x`` (``h``, or the default); an input error when
    x ± h is beyond the largest float64."""
    step = h if h is not None else default_step(x)
    if not all(map(math.isfinite, (x + step, x - step, 2 * step))):
        raise InputError(
            f"the centred difference overflows: {name} ± h is beyond the largest float64 "
            f"({name} = {x!r}, h = {step!r}); a smaller step is needed"
        )
    return step


@dataclass(frozen=True, slots=True)
class InputCheck:
    """The check of one input's gradient."""

    name: str
    value: float
    analytic: float
    numerical: float | None
    step: float
    rel_error: float | None
    verdict: str
    """``ok``, ``suspicious``, ``wrong``, ``kink`` (the difference straddles a kink), ``inconclusive`` (the
    step's own error explains the disagreement) or ``undefined``."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Expectation:
    """A hand-derived gradient and the true one."""

    name: str
    text: str
    expected: float
    actual: float
    right: bool


def kinks_within(graph: Graph, points: Sequence[list[float]]) -> list[int]:
    """Nodes whose kink the points straddle: its function changes sign between them (a point on the
    kink is a side of its own). A kink the varied input does not move is left out: along that input
    the function is as smooth there as anywhere."""
    found = []
    for i, (name, args) in enumerate(zip(graph.ops, graph.args)):
        kink = OPS[name].kink
        if kink is None:
            continue
        sides = {sign(kink(*[p[j] for j in args])) for p in points}
        if len(sides) > 1:
            found.append(i)
    return found


def check_input(
    graph: Graph, ev: Evaluation, inputs: Mapping[str, float], name: str, analytic: float, h: float | None
) -> InputCheck:
    """Check the analytic ∂output/∂name numerically."""
    x = inputs[name]
    step = step_for(name, x, h)
    try:
        up = forward(graph, {**inputs, name: x + step})
        down = forward(graph, {**inputs, name: x - step})
    except MathError as err:
        note = f"f is not defined at {name} ± h: {err.message}"
        return InputCheck(name, x, analytic, None, step, None, "undefined", note)
    numerical = (up[-1] - down[-1]) / (2 * step)
    if not math.isfinite(numerical):
        note = f"f(x + h) − f(x − h) overflows a float64 at {name} ± h"
        return InputCheck(name, x, analytic, None, step, None, "undefined", note)
    error = relative_error(analytic, numerical)
    verdict = grade(error)
    note = ""
    kinks = kinks_within(graph, [down, ev.values, up])
    if kinks:
        where = ", ".join(graph.expr(i) for i in kinks)
        note = f"{name} is within h of the kink of {where}: the centred difference is not reliable there"
        if verdict != "ok":
            verdict = "kink"
    elif verdict != "ok":
        step_note = _step_error(graph, inputs, name, step, analytic, numerical)
        if step_note:
            verdict, note = "inconclusive", step_note
    return InputCheck(name, x, analytic, numerical, step, error, verdict, note)


def _step_error(
    graph: Graph, inputs: Mapping[str, float], name: str, step: float, analytic: float, numerical: float
) -> str:
    """Why a disagreement may be the difference's own error, not the gradient's: "" if it is not.

    The centred difference's error is estimated by halving h: its truncation error shrinks ~4 times,
    so |D(h) − D(h/2)| · 4/3 estimates the error of D(h) (Richardson). When the disagreement is
    within twice that, the step, not the gradient, is to blame.
    """
    x = inputs[name]
    lost = step_lost(name, x, step)
    if lost:
        return lost
    try:
        up = forward(graph, {**inputs, name: x + step / 2})[-1]
        down = forward(graph, {**inputs, name: x - step / 2})[-1]
    except MathError:
        return ""
    estimate = abs(numerical - (up - down) / step) * 4 / 3
    return step_blame(x, step, estimate, abs(analytic - numerical))


def step_lost(name: str, x: float, step: float) -> str:
    """The note when h is below x's precision (the "difference" is rounding alone): "" otherwise."""
    if x + step == x or x - step == x:
        return f"the step is too small: {name} ± h rounds to {name} itself; " + _TRY_LARGER
    return ""


def step_blame(x: float, step: float, estimate: float, disagreement: float) -> str:
    """The note that blames the step when the difference's estimated error ``estimate`` explains the
    ``disagreement`` (within twice it): "" when it does not."""
    if not estimate or disagreement > 2 * estimate:
        return ""
    if step > default_step(x):
        return (
            f"the step is too large: halving h moves the difference by {estimate * 3 / 4:.1e}, as much as "
            "it disagrees; try a smaller step h (the default is 1e-5 × max(1, |x|))"
        )
    return "the step is too small: rounding error moves the difference as much as it disagrees; " + _TRY_LARGER


_TRY_LARGER = "try a larger step h (the default is 1e-5 × max(1, |x|))"


def written_decimals(text: str) -> int | None:
    """How many decimals a hand-written number has, whatever its spelling: ``0.197``, ``1.97e-1`` and
    ``197e-3`` all have 3. None for an integer (``-4``, ``2e3``) or an expression (``-3/5``)."""
    match = PLAIN_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    mantissa, exponent = match.group(1), int((match.group(2) or "e0")[1:])
    decimals = len(mantissa.partition(".")[2]) - exponent
    return decimals if decimals > 0 else None


def matches(expected: float, text: str, actual: float) -> bool:
    """Right when equal to ~1e-9, or when the true value rounded to the decimals written is the number
    written (see :func:`rounds_to`)."""
    return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12) or rounds_to(actual, text)


def rounds_to(actual: float, text: str) -> bool:
    """Whether ``actual``, rounded half-up to the decimals written in ``text``, is the number written.

    In decimal arithmetic, from the shortest decimal that is ``actual`` (what the tool shows at full
    precision): at 0.25, ``0.3`` is right and ``0.2`` wrong, as taught (Python's ``round`` on binary
    floats rounds half to even, and 0.15 is below 0.15 in binary). Halves round away from zero, the
    same on both sides. A number written without decimals (``1``, ``1.``, ``2e3``) is never rounded.
    """
    decimals = written_decimals(text)
    if decimals is None:
        return False
    with decimal.localcontext(decimal.Context(prec=1000, Emax=10_000, Emin=-10_000)):
        try:
            written = decimal.Decimal(text.strip())
            shown = decimal.Decimal(repr(actual)).quantize(decimal.Decimal(1).scaleb(-decimals), decimal.ROUND_HALF_UP)
        except (decimal.InvalidOperation, ValueError):
            return False
    return shown == written


class ExpectationError(InputError):
    """A hand-derived gradient of a node that has none (the CLI names the option it came from)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def expectations(ev: Evaluation, expected: Sequence[tuple[str, str, float]]) -> list[Expectation]:
    """Compare hand-derived gradients ∂output/∂NAME (inputs or named nodes), given as (name, the text
    written, its value), with the true ones."""
    g = ev.graph
    labels = {label: i for i, label in enumerate(g.labels)}
    result = []
    for name, text, value in expected:
        if name not in labels:
            raise ExpectationError(name, f"the expression has no node named {name!r}")
        grad = ev.grads[labels[name]]
        if grad is None:
            raise ExpectationError(name, f"{name} is a constant, it has no gradient")
        result.append(Expectation(name, text, value, grad, matches(value, text, grad)))
    return result


def check(
    graph: Graph,
    inputs: Mapping[str, float],
    h: float | None = None,
    wrt: Sequence[str] | None = None,
    expected: Sequence[tuple[str, str, float]] = (),
) -> tuple[Evaluation, list[InputCheck], list[Expectation]]:
    """Evaluate, check every input's gradient (or those in ``wrt``) and the expectations."""
    ev = evaluate(graph, inputs, wrt=wrt)
    checks = [check_input(graph, ev, inputs, name, grad, h) for name, grad in ev.input_grads().items()]
    return ev, checks, expectations(ev, expected)


def passed(checks: Sequence[InputCheck], expected: Sequence[Expectation]) -> bool:
    """False when a gradient check says wrong or an expectation is wrong."""
    return all(c.verdict != "wrong" for c in checks) and all(e.right for e in expected)
