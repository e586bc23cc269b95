"""The op table: every operation's forward function, local derivatives and spelling, in one place.

Each entry is data. The engine, forward mode, the views, the printers and the tests read it and never
branch on an op's name, so adding a function is adding one entry here (and running
``python -m backprop_cli.rulegen``, which a test asks for when it is needed).

An op's local derivatives are formulas of the expression language in its inputs ``a``, ``b``, ``c``
and its output ``out``. They are parsed once, with the project's grammar, into trees
(``rules.TREES``) and compiled into float functions (``rules.LOCAL``); the numeric passes, the views
and every printer read those, so formula and number cannot disagree.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from . import shapes
from .functions import clip, leaky_relu, relu, sigmoid, sign, softplus, step, where
from .shapes import Shape

Fn = Callable[..., float]

OVERFLOW = "overflow (the result is too large for a float64)"

# Precedence levels of the language, loosest first. An operand slot of a spelling needs at least a
# level (see printer.py); a call or a leaf is an atom.
SUM, PRODUCT, NEG, POW, ATOM = 1, 2, 3, 4, 5

RULE_INPUTS = ("a", "b", "c")
"""The names of an op's inputs in its rule formulas (its output is ``out``)."""


class Spelling(NamedTuple):
    """How an operator is written: a template with ``$0``, ``$1`` for its operands, its precedence
    level and its associativity: "left", "right" (powers) or "both" (a product for people:
    ``a × (b × c)`` and ``a × (b / c)`` are written ``a × b × c`` and ``a × b / c``, equal in mathematics
    but not in float64; so only the styles for people, Unicode and LaTeX, use it: the language and the
    code styles keep every grouping of the tree)."""

    template: str
    level: int = ATOM
    assoc: str = "left"


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: how to compute it, differentiate it and write it down."""

    name: str
    """Stable lowercase name, used in JSON; a function is called by this name."""
    arity: int
    forward: Fn
    """``forward(*inputs) -> out``."""
    rules: tuple[str, ...]
    """``rules[k]`` = ∂out/∂(input k), a formula in ``a``, ``b``, ``c`` and ``out``."""
    spelling: Spelling | None = None
    """How the language writes an operator; None for a function, written ``name(a, b)``."""
    doc: str = ""
    """What the function is, in a few words (for help and docs)."""
    aliases: tuple[str, ...] = ()
    """Other names it can be called by."""
    params: tuple[str, ...] = ()
    """Its inputs' names as help and docs write them; () for the usual ``x``, ``a, b``, ``c, x, y``."""
    callable: bool = False
    """An operator that can also be called as a function by its name (``pow(x, 2)``)."""
    failures: tuple[tuple[str, str], ...] = ()
    """Why ``forward`` failed, when better words than the generic OVERFLOW exist: (condition, words)
    pairs tried in order, a condition being a formula in the inputs that holds where it is nonzero.
    Formulas rather than code, so that the live page prints them as JavaScript (views/page_ops.py)."""
    gate: str = ""
    """The backward-flow pattern of this gate, for the step-by-step view."""
    kink: Fn | None = None
    """For an op with a kink: a function of the inputs that is zero at the kink and changes sign
    across it (gradient checking warns when a centred difference straddles it)."""
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
    rule_only: bool = False
    """A function that gradient rules are written with, not callable from an expression."""

    @property
    def explain(self) -> Callable[..., str] | None:
        """``explain(*inputs)``: the words of the first failure condition that holds, else OVERFLOW."""
        return _explainer(self.name) if self.failures else None

    @property
    def is_function(self) -> bool:
        """True when the language calls it by name: ``sin(x)`` (and ``pow(x, 2)``)."""
        return self.arity > 0 and (self.spelling is None or self.callable) and not self.rule_only


@cache
def _explainer(name: str) -> Callable[..., str]:
    """An op's failure conditions, parsed once (only when a math error happens) and evaluated."""
    from .formula import evaluate, float_impl
    from .rulegen import formula

    op = OPS[name]
    conditions = [(formula(text), words) for text, words in op.failures]
    impl = float_impl()

    def explain(*inputs: float) -> str:
        env = dict(zip(RULE_INPUTS, inputs))
        return next((words for tree, words in conditions if evaluate(tree, env, impl) != 0), OVERFLOW)

    return explain


LARGEST_LOG = math.log(sys.float_info.max)
"""log of the largest float64: a power whose logarithm exceeds it overflows."""

HYPERBOLIC_LIMIT = math.asinh(sys.float_info.max)
"""|x| beyond which sinh(x) and cosh(x) are too large for a float64 (710.4758600739439)."""


def _hyperbolic_overflow(name: str) -> tuple[tuple[str, str], ...]:
    return (("1", f"overflow ({name}(x) is too large for a float64 beyond |x| = {HYPERBOLIC_LIMIT!r})"),)


def _log_failures(name: str) -> tuple[tuple[str, str], ...]:
    return (("1 - abs(sign(a))", f"{name} of zero"), ("1", f"{name} of a negative number"))


def _leaf(*args: float) -> float:
    raise TypeError("a leaf node has no forward function")


def _array_only(*args: float) -> float:
    raise TypeError("an array op is evaluated by backprop_cli.arrays")


def _array_op(name: str, arity: int, vjp: tuple[str, ...], shape: Callable[..., Shape], **more: object) -> Op:
    """An op that only the array engine evaluates (its forward lives in ``arrays/kernels.py``)."""
    return Op(name, arity, _array_only, (), vjp=vjp, shape=shape, numpy=name, **more)  # type: ignore[arg-type]


def _axis(args: tuple[object, ...]) -> float | None:
    return float(args[0]) if args else None  # type: ignore[arg-type]


def _reduced(a: object, *axis: object) -> shapes.Shape:
    """The shape of a reduction (sum, mean, logsumexp) of ``a`` over everything or one axis."""
    return shapes.reduce(shapes.shape_of(a), _axis(axis))


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        # Leaves: their value is given (an input) or written (a literal, pi, e).
        Op("var", 0, _leaf, ()),
        Op("const", 0, _leaf, ()),
        Op(
            "add",
            2,
            lambda a, b: a + b,
            ("1", "1"),
            Spelling("$0 + $1", SUM),
            gate="add gate: passes the upstream gradient to every input unchanged",
            numpy="add",
        ),
        Op("sub", 2, lambda a, b: a - b, ("1", "-1"), Spelling("$0 - $1", SUM), numpy="subtract"),
        Op(
            "mul",
            2,
            lambda a, b: a * b,
            ("b", "a"),
            Spelling("$0 * $1", PRODUCT),
            gate="multiply gate: each input gets the upstream gradient times the other input's value",
            numpy="multiply",
        ),
        Op(
            "div",
            2,
            lambda a, b: a / b,
            ("1 / b", "-out / b"),
            Spelling("$0 / $1", PRODUCT),
            failures=(("1 - abs(sign(b))", "division by zero"),),
            numpy="divide",
        ),
        # Conventions as PyTorch (and autograd) have them: b = 0 sends no gradient to a, and 0^b sends
        # none to b; where() keeps both formulas finite there, without a special case in code.
        Op(
            "pow",
            2,
            math.pow,
            ("b * a^where(b, b - 1, 1)", "out * log(where(a, a, 1))"),
            Spelling("$0^$1", POW, "right"),
            doc="a to the power b (also written a^b or a**b)",
            callable=True,
            # a = 0 with b < 0; then too large; then a negative base, which fails only to a non-integer power.
            failures=(
                ("(1 - abs(sign(a))) * step(-b)", "division by zero (0 to a negative power)"),
                (f"step(b * log(abs(where(a, a, 1))) - {LARGEST_LOG!r})", OVERFLOW),
                ("step(-a)", "a negative base to a non-integer power"),
            ),
            numpy="power",
        ),
        Op("neg", 1, lambda a: -a, ("-1",), Spelling("-$0", NEG), numpy="negative"),
        # `q = x` names a copy of x, so that q is a node of its own; it is written as its input.
        Op("copy", 1, lambda a: a, ("1",), Spelling("$0"), numpy="positive"),
        Op("exp", 1, math.exp, ("out",), doc="e to the power x", numpy="exp"),
        Op(
            "log",
            1,
            math.log,
            ("1 / a",),
            doc="natural logarithm",
            aliases=("ln",),
            numpy="log",
            failures=_log_failures("log"),
        ),
        Op(
            "log2",
            1,
            math.log2,
            ("1 / (a * log(2))",),
            doc="base-2 logarithm",
            numpy="log2",
            failures=_log_failures("log2"),
        ),
        Op(
            "log10",
            1,
            math.log10,
            ("1 / (a * log(10))",),
            doc="base-10 logarithm",
            numpy="log10",
            failures=_log_failures("log10"),
        ),
        Op(
            "sqrt",
            1,
            math.sqrt,
            ("1 / (2 * out)",),
            doc="square root",
            failures=(("1", "square root of a negative number"),),
            numpy="sqrt",
        ),
        Op("sin", 1, math.sin, ("cos(a)",), doc="sine (radians)", numpy="sin"),
        Op("cos", 1, math.cos, ("-sin(a)",), doc="cosine (radians)", numpy="cos"),
        Op("tan", 1, math.tan, ("1 + out^2",), doc="tangent (radians)", numpy="tan"),
        Op("atan", 1, math.atan, ("1 / (1 + a^2)",), doc="inverse tangent (radians)", numpy="arctan"),
        Op(
            "asin",
            1,
            math.asin,
            ("1 / sqrt(1 - a^2)",),
            doc="inverse sine (radians), of x in [-1, 1]",
            failures=(("1", "asin of a number outside [-1, 1]"),),
            numpy="arcsin",
        ),
        Op(
            "acos",
            1,
            math.acos,
            ("-1 / sqrt(1 - a^2)",),
            doc="inverse cosine (radians), of x in [-1, 1]",
            failures=(("1", "acos of a number outside [-1, 1]"),),
            numpy="arccos",
        ),
        Op(
            "sinh",
            1,
            math.sinh,
            ("cosh(a)",),
            doc="hyperbolic sine",
            failures=_hyperbolic_overflow("sinh"),
            numpy="sinh",
        ),
        Op(
            "cosh",
            1,
            math.cosh,
            ("sinh(a)",),
            doc="hyperbolic cosine",
            failures=_hyperbolic_overflow("cosh"),
            numpy="cosh",
        ),
        Op("tanh", 1, math.tanh, ("1 - out^2",), doc="hyperbolic tangent", numpy="tanh"),
        Op(
            "sigmoid",
            1,
            sigmoid,
            ("out * (1 - out)",),
            doc="logistic sigmoid 1 / (1 + exp(-x))",
            aliases=("σ",),  # as the tool prints it
            numpy="sigmoid",
        ),
        Op(
            "softplus",
            1,
            softplus,
            ("sigmoid(a)",),
            doc="log(1 + exp(x)), computed without overflow; its derivative is sigmoid(x)",
            numpy="softplus",
        ),
        Op(
            "relu",
            1,
            relu,
            ("step(a)",),
            doc="max(x, 0); relu'(0) = 0",
            gate="relu gate: passes the gradient only where its input is positive",
            kink=lambda a: a,
            numpy="relu",
        ),
        # The slope is meant as a constant (0.01); given as an expression it gets its gradient too,
        # x where x <= 0 (PyTorch's prelu). At 0 the gradient is the slope's side, as relu'(0) = 0.
        Op(
            "leaky_relu",
            2,
            leaky_relu,
            ("where(step(a), 1, b)", "where(step(a), 0, a)"),
            doc="x where x > 0, else slope * x; its gradient at 0 is the slope's side",
            params=("x", "slope"),
            gate="leaky relu gate: passes the gradient where its input is positive, scaled by the slope elsewhere",
            kink=lambda a, b: a,
            numpy="leaky_relu",
        ),
        Op("abs", 1, abs, ("sign(a)",), doc="absolute value; abs'(0) = 0", kink=lambda a: a, numpy="absolute"),
        # At a tie each input gets half the gradient: (1 + sign(a - b)) / 2 is 1, 0 or 1/2.
        Op(
            "max",
            2,
            max,
            ("(1 + sign(a - b)) / 2", "(1 + sign(b - a)) / 2"),
            doc="the larger of two values; at a tie each gets half the gradient",
            gate="max gate: routes the upstream gradient to the larger input only",
            kink=lambda a, b: a - b,
            numpy="maximum",
        ),
        Op(
            "min",
            2,
            min,
            ("(1 + sign(b - a)) / 2", "(1 + sign(a - b)) / 2"),
            doc="the smaller of two values; at a tie each gets half the gradient",
            gate="min gate: routes the upstream gradient to the smaller input only",
            kink=lambda a, b: a - b,
            numpy="minimum",
        ),
        # At a bound the bound takes the gradient and x none, as relu'(0) = 0: clip(x, 0, hi) is relu(x)
        # near 0, gradient included; x gets the gradient strictly between the bounds (lo == hi: lo's).
        Op(
            "clip",
            3,
            clip,
            ("step(a - b) * step(c - a)", "1 - step(a - b)", "step(a - b) * (1 - step(c - a))"),
            doc="min(max(x, lo), hi); at a bound the gradient goes to the bound, as relu'(0) = 0",
            params=("x", "lo", "hi"),
            gate="clip gate: passes the gradient to x between the bounds, to the bound it is clipped to outside",
            failures=(("1", "clip's lower bound is above its upper bound"),),
            kink=lambda a, b, c: (a - b) * (a - c),
            numpy="clip",
        ),
        # The kink conventions above are written with these.
        Op(
            "step",
            1,
            step,
            ("0",),
            doc="the unit step: 1 where x > 0, else 0 (step(0) = 0)",
            kink=lambda a: a,
            numpy="step",
        ),
        Op("sign", 1, sign, ("0",), doc="-1, 0 or 1 (sign(0) = 0)", kink=lambda a: a, numpy="sign"),
        Op(
            "where",
            3,
            where,
            ("0", "where(a, 1, 0)", "where(a, 0, 1)"),
            doc="where(c, x, y): x where c is not 0, else y (both are computed)",
            kink=lambda c, x, y: c,
            numpy="where",
        ),
        # Array ops: vectors and matrices (see backprop_cli/arrays).
        _array_op(
            "matmul",
            2,
            ("g @ transpose(b)", "transpose(a) @ g"),
            lambda a, b: shapes.matmul(shapes.shape_of(a), shapes.shape_of(b)),
            spelling=Spelling("$0 @ $1", PRODUCT),
            aliases=("dot",),
            promote=True,
        ),
        _array_op("transpose", 1, ("transpose(g)",), lambda a: shapes.transpose(shapes.shape_of(a))),
        _array_op(
            "outer", 2, ("g @ b", "transpose(g) @ a"), lambda a, b: shapes.outer(shapes.shape_of(a), shapes.shape_of(b))
        ),
        _array_op(
            "sum",
            1,
            ("expand(g, a, axis)",),
            _reduced,
            axis=True,
        ),
        _array_op(
            "mean",
            1,
            ("expand(g, a, axis) / count(a, axis)",),
            _reduced,
            axis=True,
        ),
        _array_op(
            "amax",
            1,
            ("expand(g, a, axis) * winners(a, out, axis)",),
            lambda a, *axis: shapes.reduce(shapes.array(shapes.shape_of(a), "max"), _axis(axis)),
            spelling=Spelling("max($0)"),
            axis=True,
            gate="max gate: routes the upstream gradient to the largest entry (shared at a tie)",
        ),
        _array_op(
            "logsumexp",
            1,
            ("expand(g, a, axis) * exp(a - expand(out, a, axis))",),
            _reduced,
            axis=True,
        ),
        _array_op(
            "softmax",
            1,
            ("out * (g - expand(sum(g * out, axis), out, axis))",),
            lambda a, *axis: shapes.keep(shapes.shape_of(a), _axis(axis)),
            axis=True,
        ),
        _array_op(
            "pick",
            2,
            ("scatter(g, a, b)", ""),
            lambda a, b: shapes.pick(shapes.shape_of(a), shapes.shape_of(b)),
            spelling=Spelling("$0[$1]"),
            callable=True,
        ),
        _array_op(
            "reshape",
            2,
            ("reshape_as(g, a)", ""),
            lambda a, b: shapes.reshape(shapes.shape_of(a), [float(d) for d in b]),
        ),
        # Helpers that gradient rules are written with (not callable from an expression).
        Op("expand", 2, _array_only, (), axis=True, numpy="expand", rule_only=True),
        Op("count", 1, _array_only, (), axis=True, numpy="count", rule_only=True),
        Op("winners", 2, _array_only, (), axis=True, numpy="winners", rule_only=True),
        Op("scatter", 3, _array_only, (), numpy="scatter", rule_only=True),
        Op("reshape_as", 2, _array_only, (), numpy="reshape_as", rule_only=True),
    ]
}

FUNCTIONS: dict[str, Op] = {
    name: op for op in OPS.values() for name in ((op.name,) if op.is_function else ()) + op.aliases
}
"""Functions callable by name in an expression, with their aliases (``ln`` is ``log``, ``dot`` is
``@``); ``max`` with one argument is ``amax`` (see :data:`OVERLOADS`)."""

RULE_FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS.values() if op.rule_only}
"""Functions of the ``vjp`` rules only, with ``axis`` a name there (bound to the op's axis or None)."""

OVERLOADS: dict[tuple[str, int], Op] = {("max", 1): OPS["amax"]}
"""(name, number of arguments) -> op, where one name has two meanings: max(A) is the largest entry
of A, max(a, b) the larger of a and b."""

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "π": math.pi}
"""Reserved names with fixed values; ``π`` (as the tool prints it) is ``pi``."""
