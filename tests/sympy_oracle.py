"""SymPy as an oracle, in tests and benchmarks only (never a runtime dependency): every op of the table
as a SymPy expression, a formula or a parsed program converted node by node (a loop, no recursion),
and SymPy's results written back in the tool's own language, so that both can be counted alike.

A new op of the table fails ``tests/test_sympy.py`` until it has its counterpart here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from backprop_cli.formula import Formula

step = sp.Function("step")
"""The language's step written by name (SymPy's Heaviside(0) is 1/2; the tool's step(0) is 0)."""

COUNTERPARTS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "copy": lambda a: a,
    "exp": sp.exp,
    "log": sp.log,
    "log2": lambda a: sp.log(a, 2),
    "log10": lambda a: sp.log(a, 10),
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "atan": sp.atan,
    "asin": sp.asin,
    "acos": sp.acos,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
    "softplus": lambda a: sp.log(1 + sp.exp(a)),
    "relu": lambda a: sp.Max(a, 0),
    "leaky_relu": lambda a, b: sp.Max(a, 0) + b * sp.Min(a, 0),
    "abs": sp.Abs,
    "max": sp.Max,
    "min": sp.Min,
    "clip": lambda a, b, c: sp.Min(sp.Max(a, b), c),
    "step": lambda a: sp.Heaviside(a, 0),
    "sign": sp.sign,
    "where": lambda c, a, b: sp.Piecewise((a, sp.Ne(c, 0)), (b, True)),
}
"""Op name -> the same function in SymPy (away from kinks, where their derivatives agree)."""


def to_sympy(formula: Formula, symbols: dict[str, sp.Symbol] | None = None) -> Any:
    """The formula as a SymPy expression (its variables real symbols)."""
    symbols = {} if symbols is None else symbols
    values: list[Any] = []
    for op, args, name, const in zip(formula.ops, formula.args, formula.names, formula.consts):
        if op == "var":
            values.append(symbols.setdefault(name or "", sp.Symbol(name or "", real=True)))
        elif op == "const":
            named = {"pi": sp.pi, "e": sp.E}.get(name or "")
            value = const or 0.0
            # A whole number stays exact; another is a float, as it is written (one number, no 3/10).
            number = sp.Integer(int(value)) if value.is_integer() else sp.Float(value)
            values.append(named if named is not None else number)
        else:
            values.append(COUNTERPARTS[op](*(values[j] for j in args)))
    return values[-1]


_NAMES = {"Abs": "abs", "Max": "max", "Min": "min", "E": "e"}


def to_language(expr: Any) -> str:
    """A SymPy expression written in the tool's language (``**`` is read as ``^``; Heaviside is step)."""
    expr = expr.replace(lambda e: isinstance(e, sp.Heaviside), lambda e: step(e.args[0]))
    return re.sub(r"\b(Abs|Max|Min|E)\b", lambda m: _NAMES[m.group(1)], sp.sstr(expr))
