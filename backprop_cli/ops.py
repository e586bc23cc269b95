"""The op table: every operation's forward function and local partial derivatives, in one place.

Each entry is data. The engine, forward mode, the views and the tests read it and never branch on an
op's name, so adding a function is adding one entry here.

Local derivatives come twice in an entry, as the same rule: a Python function for the numeric passes
and a formula in the expression language (in the op's inputs ``a``, ``b`` and its output ``out``) for
the step-by-step view. ``tests/test_ops.py`` evaluates every formula with the engine and checks it
equals the function, and checks both against central finite differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Fn = Callable[..., float]

OVERFLOW = "overflow (the result is too large for a float64)"


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: how to compute it, differentiate it and write it down."""

    name: str
    """Stable lowercase name, used in JSON."""
    arity: int
    forward: Fn
    """``forward(*inputs) -> out``."""
    local: tuple[Fn, ...]
    """``local[i](*inputs, out) -> ∂out/∂inputs[i]``."""
    local_text: tuple[str, ...]
    """The same rules as formulas in ``a``, ``b`` (the inputs) and ``out``."""
    notation: str
    """How the op is written, with ``{0}``, ``{1}`` for its inputs (Unicode)."""
    explain: Callable[..., str] | None = None
    """Why ``forward`` failed for these inputs, when a better word than the generic one exists."""
    gate: str = ""
    """The backward-flow pattern of this gate, for the step-by-step view."""
    kink: Fn | None = None
    """For an op with a kink: a function of the inputs that is zero at the kink and changes sign
    across it (gradient checking warns when a centred difference straddles it). The ``local_text`` of
    such an op uses [condition] brackets or sign(), which are not in the expression language."""


def _sigmoid(a: float) -> float:
    # Two branches so that neither exp() can overflow.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    z = math.exp(a)
    return z / (1.0 + z)


def _pow_d_base(a: float, b: float, out: float) -> float:
    if b == 0:
        return 0.0
    return b * math.pow(a, b - 1)


def _pow_d_exponent(a: float, b: float, out: float) -> float:
    # PyTorch's convention: 0^b with b >= 0 sends no gradient to b.
    if a == 0 and b >= 0:
        return 0.0
    return out * math.log(a)


def _pow_explain(a: float, b: float) -> str:
    if a == 0 and b < 0:
        return "division by zero (0 to a negative power)"
    if a < 0 and not float(b).is_integer():
        return "a negative base to a non-integer power"
    return OVERFLOW


def _tie(x: float, y: float) -> float:
    """Gradient share of ``x`` in max(x, y): 1 if it wins, 0 if it loses, half at a tie."""
    return 1.0 if x > y else 0.0 if x < y else 0.5


def _log_explain(a: float) -> str:
    return "log of zero" if a == 0 else "log of a negative number"


def _sign(a: float) -> float:
    return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


def _leaf(*args: float) -> float:
    raise TypeError("a leaf node has no forward function")


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        # Leaves: their value is given (an input) or written (a literal, pi, e).
        Op("var", 0, _leaf, (), (), "{label}"),
        Op("const", 0, _leaf, (), (), "{label}"),
        Op(
            "add",
            2,
            lambda a, b: a + b,
            (lambda a, b, out: 1.0, lambda a, b, out: 1.0),
            ("1", "1"),
            "{0} + {1}",
            gate="add gate: passes the upstream gradient to every input unchanged",
        ),
        Op(
            "sub",
            2,
            lambda a, b: a - b,
            (lambda a, b, out: 1.0, lambda a, b, out: -1.0),
            ("1", "-1"),
            "{0} − {1}",
        ),
        Op(
            "mul",
            2,
            lambda a, b: a * b,
            (lambda a, b, out: b, lambda a, b, out: a),
            ("b", "a"),
            "{0} × {1}",
            gate="multiply gate: each input gets the upstream gradient times the other input's value",
        ),
        Op(
            "div",
            2,
            lambda a, b: a / b,
            (lambda a, b, out: 1.0 / b, lambda a, b, out: -out / b),
            ("1 / b", "-out / b"),
            "{0} / {1}",
            explain=lambda a, b: "division by zero" if b == 0 else OVERFLOW,
        ),
        Op(
            "pow",
            2,
            math.pow,
            (_pow_d_base, _pow_d_exponent),
            ("b * a^(b - 1)", "out * log(a)"),
            "{0}^{1}",
            explain=_pow_explain,
        ),
        Op("neg", 1, lambda a: -a, (lambda a, out: -1.0,), ("-1",), "−{0}"),
        # `q = x` names a copy of x, so that q is a node of its own.
        Op("copy", 1, lambda a: a, (lambda a, out: 1.0,), ("1",), "{0}"),
        Op("exp", 1, math.exp, (lambda a, out: out,), ("out",), "exp({0})"),
        Op(
            "log",
            1,
            math.log,
            (lambda a, out: 1.0 / a,),
            ("1 / a",),
            "log({0})",
            explain=_log_explain,
        ),
        Op(
            "sqrt",
            1,
            math.sqrt,
            (lambda a, out: 0.5 / out,),
            ("1 / (2 * out)",),
            "sqrt({0})",
            explain=lambda a: "square root of a negative number",
        ),
        Op("sin", 1, math.sin, (lambda a, out: math.cos(a),), ("cos(a)",), "sin({0})"),
        Op("cos", 1, math.cos, (lambda a, out: -math.sin(a),), ("-sin(a)",), "cos({0})"),
        Op("tan", 1, math.tan, (lambda a, out: 1.0 + out * out,), ("1 + out^2",), "tan({0})"),
        Op("tanh", 1, math.tanh, (lambda a, out: 1.0 - out * out,), ("1 - out^2",), "tanh({0})"),
        Op(
            "sigmoid",
            1,
            _sigmoid,
            (lambda a, out: out * (1.0 - out),),
            ("out * (1 - out)",),
            "σ({0})",
        ),
        Op(
            "relu",
            1,
            lambda a: a if a > 0 else 0.0,
            (lambda a, out: 1.0 if a > 0 else 0.0,),
            ("[a > 0]",),
            "relu({0})",
            gate="relu gate: passes the gradient only where its input is positive",
            kink=lambda a: a,
        ),
        Op("abs", 1, abs, (lambda a, out: _sign(a),), ("sign(a)",), "|{0}|", kink=lambda a: a),
        Op(
            "max",
            2,
            max,
            (lambda a, b, out: _tie(a, b), lambda a, b, out: _tie(b, a)),
            ("[a > b]", "[b > a]"),
            "max({0}, {1})",
            gate="max gate: routes the upstream gradient to the larger input only",
            kink=lambda a, b: a - b,
        ),
        Op(
            "min",
            2,
            min,
            (lambda a, b, out: _tie(b, a), lambda a, b, out: _tie(a, b)),
            ("[a < b]", "[b < a]"),
            "min({0}, {1})",
            gate="min gate: routes the upstream gradient to the smaller input only",
            kink=lambda a, b: a - b,
        ),
    ]
}

FUNCTIONS: dict[str, Op] = {
    name: OPS[name]
    for name in (
        "exp log sqrt sin cos tan tanh sigmoid relu abs max min pow".split()  # noqa: SIM905
    )
} | {"ln": OPS["log"]}
"""Functions callable by name in an expression; ``ln`` is an alias of ``log``."""

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
"""Reserved names with fixed values."""
