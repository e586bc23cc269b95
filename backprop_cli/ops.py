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

from . import shapes
from .shapes import Shape

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
    vjp: tuple[str, ...] = ()
    """An array op's gradient rules, one per input, as formulas in the upstream gradient ``g``, the
    inputs ``a``, ``b``, the output ``out`` and ``axis`` (autograd's ``defvjp``): the gradient of
    the output with respect to that input. "" for an input that takes no gradient (an index).
    Elementwise ops have none: their rule is ``g × local``, summed back to the input's shape."""
    shape: Callable[..., Shape] | None = None
    """An array op's output shape from its inputs' shapes (and constant arguments such as the axis);
    raises :class:`~.shapes.ShapeError`. None: elementwise, NumPy broadcasting."""
    axis: bool = False
    """Takes an optional constant ``axis=k`` (by position too, for ``sum(A, 0)``), as a last input."""
    numpy: str = ""
    """The function computing the forward over arrays, elementwise where the op is: a NumPy name
    (``exp``, ``add``) or a function of ``backprop_cli/arrays/kernels.py`` (``relu``, ``matmul``)."""
    promote: bool = False
    """The rules see vectors as matrices, as NumPy's ``matmul`` does: a row on the left, a column on
    the right; each gradient is reshaped back to its input's shape."""


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


def sign(a: float) -> float:
    """-1, 0 or 1 (0 for -0.0 too)."""
    return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


def _leaf(*args: float) -> float:
    raise TypeError("a leaf node has no forward function")


def _array_only(*args: float) -> float:
    raise TypeError("an array op is evaluated by backprop_cli.arrays")


def _array_op(
    name: str, arity: int, vjp: tuple[str, ...], notation: str, shape: Callable[..., Shape], **more: object
) -> Op:
    """An op that only the array engine evaluates (its forward lives in ``arrays/kernels.py``)."""
    return Op(name, arity, _array_only, (), (), notation, vjp=vjp, shape=shape, numpy=name, **more)  # type: ignore[arg-type]


def _axis(args: tuple[object, ...]) -> float | None:
    return float(args[0]) if args else None  # type: ignore[arg-type]


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
            numpy="add",
        ),
        Op(
            "sub",
            2,
            lambda a, b: a - b,
            (lambda a, b, out: 1.0, lambda a, b, out: -1.0),
            ("1", "-1"),
            "{0} − {1}",
            numpy="subtract",
        ),
        Op(
            "mul",
            2,
            lambda a, b: a * b,
            (lambda a, b, out: b, lambda a, b, out: a),
            ("b", "a"),
            "{0} × {1}",
            gate="multiply gate: each input gets the upstream gradient times the other input's value",
            numpy="multiply",
        ),
        Op(
            "div",
            2,
            lambda a, b: a / b,
            (lambda a, b, out: 1.0 / b, lambda a, b, out: -out / b),
            ("1 / b", "-out / b"),
            "{0} / {1}",
            explain=lambda a, b: "division by zero" if b == 0 else OVERFLOW,
            numpy="divide",
        ),
        Op(
            "pow",
            2,
            math.pow,
            (_pow_d_base, _pow_d_exponent),
            ("b * a^(b - 1)", "out * log(a)"),
            "{0}^{1}",
            explain=_pow_explain,
            numpy="power",
        ),
        Op("neg", 1, lambda a: -a, (lambda a, out: -1.0,), ("-1",), "−{0}", numpy="negative"),
        # `q = x` names a copy of x, so that q is a node of its own.
        Op("copy", 1, lambda a: a, (lambda a, out: 1.0,), ("1",), "{0}", numpy="positive"),
        Op("exp", 1, math.exp, (lambda a, out: out,), ("out",), "exp({0})", numpy="exp"),
        Op(
            "log",
            1,
            math.log,
            (lambda a, out: 1.0 / a,),
            ("1 / a",),
            "log({0})",
            explain=_log_explain,
            numpy="log",
        ),
        Op(
            "sqrt",
            1,
            math.sqrt,
            (lambda a, out: 0.5 / out,),
            ("1 / (2 * out)",),
            "sqrt({0})",
            explain=lambda a: "square root of a negative number",
            numpy="sqrt",
        ),
        Op("sin", 1, math.sin, (lambda a, out: math.cos(a),), ("cos(a)",), "sin({0})", numpy="sin"),
        Op("cos", 1, math.cos, (lambda a, out: -math.sin(a),), ("-sin(a)",), "cos({0})", numpy="cos"),
        Op("tan", 1, math.tan, (lambda a, out: 1.0 + out * out,), ("1 + out^2",), "tan({0})", numpy="tan"),
        Op("tanh", 1, math.tanh, (lambda a, out: 1.0 - out * out,), ("1 - out^2",), "tanh({0})", numpy="tanh"),
        Op(
            "sigmoid",
            1,
            _sigmoid,
            (lambda a, out: out * (1.0 - out),),
            ("out * (1 - out)",),
            "σ({0})",
            numpy="sigmoid",
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
            numpy="relu",
        ),
        Op("abs", 1, abs, (lambda a, out: sign(a),), ("sign(a)",), "|{0}|", kink=lambda a: a, numpy="absolute"),
        Op(
            "max",
            2,
            max,
            (lambda a, b, out: _tie(a, b), lambda a, b, out: _tie(b, a)),
            ("[a > b]", "[b > a]"),
            "max({0}, {1})",
            gate="max gate: routes the upstream gradient to the larger input only",
            kink=lambda a, b: a - b,
            numpy="maximum",
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
            numpy="minimum",
        ),
        # Array ops: vectors and matrices (see backprop_cli/arrays).
        _array_op(
            "matmul",
            2,
            ("g @ transpose(b)", "transpose(a) @ g"),
            "{0} @ {1}",
            lambda a, b: shapes.matmul(shapes.shape_of(a), shapes.shape_of(b)),
            promote=True,
        ),
        _array_op("transpose", 1, ("transpose(g)",), "{0}ᵀ", lambda a: shapes.transpose(shapes.shape_of(a))),
        _array_op(
            "outer",
            2,
            ("g @ b", "transpose(g) @ a"),
            "outer({0}, {1})",
            lambda a, b: shapes.outer(shapes.shape_of(a), shapes.shape_of(b)),
        ),
        _array_op(
            "sum",
            1,
            ("expand(g, a, axis)",),
            "sum({0})",
            lambda a, *axis: shapes.reduce(shapes.shape_of(a), _axis(axis)),
            axis=True,
        ),
        _array_op(
            "mean",
            1,
            ("expand(g, a, axis) / count(a, axis)",),
            "mean({0})",
            lambda a, *axis: shapes.reduce(shapes.shape_of(a), _axis(axis)),
            axis=True,
        ),
        _array_op(
            "amax",
            1,
            ("expand(g, a, axis) * winners(a, out, axis)",),
            "max({0})",
            lambda a, *axis: shapes.reduce(shapes.array(shapes.shape_of(a), "max"), _axis(axis)),
            axis=True,
            gate="max gate: routes the upstream gradient to the largest entry (shared at a tie)",
        ),
        _array_op(
            "logsumexp",
            1,
            ("expand(g, a, axis) * exp(a - expand(out, a, axis))",),
            "logsumexp({0})",
            lambda a, *axis: shapes.reduce(shapes.shape_of(a), _axis(axis)),
            axis=True,
        ),
        _array_op(
            "softmax",
            1,
            ("out * (g - expand(sum(g * out, axis), out, axis))",),
            "softmax({0})",
            lambda a, *axis: shapes.keep(shapes.shape_of(a), _axis(axis)),
            axis=True,
        ),
        _array_op(
            "pick",
            2,
            ("scatter(g, a, b)", ""),
            "{0}[{1}]",
            lambda a, b: shapes.pick(shapes.shape_of(a), shapes.shape_of(b)),
        ),
        _array_op(
            "reshape",
            2,
            ("reshape_as(g, a)", ""),
            "reshape({0}, {1})",
            lambda a, b: shapes.reshape(shapes.shape_of(a), [float(d) for d in b]),
        ),
        # Helpers that gradient rules are written with (not callable from an expression).
        Op("expand", 2, _array_only, (), (), "expand({0}, {1})", axis=True, numpy="expand"),
        Op("count", 1, _array_only, (), (), "count({0})", axis=True, numpy="count"),
        Op("winners", 2, _array_only, (), (), "winners({0}, {1})", axis=True, numpy="winners"),
        Op("scatter", 3, _array_only, (), (), "scatter({0}, {1}, {2})", numpy="scatter"),
        Op("reshape_as", 2, _array_only, (), (), "reshape_as({0}, {1})", numpy="reshape_as"),
    ]
}

FUNCTIONS: dict[str, Op] = {
    name: OPS[name]
    for name in (
        *("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "max", "min", "pow"),
        *("transpose", "outer", "sum", "mean", "logsumexp", "softmax", "pick", "reshape"),
    )
} | {"ln": OPS["log"], "dot": OPS["matmul"]}
"""Functions callable by name in an expression; ``ln`` is an alias of ``log``, ``dot`` of ``@``."""

RULE_FUNCTIONS: dict[str, Op] = {name: OPS[name] for name in ("expand", "count", "winners", "scatter", "reshape_as")}
"""Functions of the ``vjp`` rules only, with ``axis`` a name there (bound to the op's axis or None)."""

OVERLOADS: dict[tuple[str, int], Op] = {("max", 1): OPS["amax"]}
"""(name, number of arguments) -> op, where one name has two meanings: max(A) is the largest entry
of A, max(a, b) the larger of a and b."""

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
"""Reserved names with fixed values."""
