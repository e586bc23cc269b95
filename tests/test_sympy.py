"""SymPy as the oracle (tests only): every op's local derivatives, and every op through `backprop diff`,
against SymPy's own derivatives of the same functions (away from kinks, where they agree)."""

from __future__ import annotations

import functools
import math
from typing import Any

import pytest
import sympy as sp

from backprop_cli.engine import evaluate
from backprop_cli.formula import Builder, from_graph
from backprop_cli.ops import OPS, RULE_INPUTS, Op
from backprop_cli.parse import parse
from backprop_cli.printer import to_text
from backprop_cli.rules import LOCAL
from backprop_cli.styles import ASCII
from conftest import domain, ok
from sympy_oracle import COUNTERPARTS, to_language, to_sympy

SCALAR_OPS = [op for op in OPS.values() if op.rules]


def test_every_op_has_a_sympy_counterpart() -> None:
    assert {op.name for op in SCALAR_OPS} <= set(COUNTERPARTS)


def exact(expr: sp.Expr, at: dict[sp.Symbol, float]) -> float:
    """The value at a point, computed by SymPy with 30 digits. The point goes in with ``xreplace``,
    one rebuild of the tree, not ``subs``, which matches and rebuilds once per symbol (4 times the
    CPU; the same value to the last bit at every point these tests use)."""
    return float(sp.N(expr.xreplace({s: sp.Float(v, 40) for s, v in at.items()}), 30))


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_local_rules_equal_sympys_derivatives(op: Op) -> None:
    symbols = [sp.Symbol(n, real=True) for n in RULE_INPUTS[: op.arity]]
    f = COUNTERPARTS[op.name](*symbols)
    for xs in domain(op):
        at = dict(zip(symbols, xs))
        out = op.forward(*xs)
        assert out == pytest.approx(exact(f, at), rel=1e-14, abs=1e-300), (op.name, xs)
        for k, symbol in enumerate(symbols):
            expected = exact(sp.diff(f, symbol), at)
            assert LOCAL[op.name][k](*xs, out) == pytest.approx(expected, rel=1e-13, abs=1e-300), (op.name, k, xs)


def composite(op: Op) -> str:
    """``op`` applied to inputs that are themselves computed (the chain rule), times a function of a."""
    b = Builder()
    args = [b.node("mul", b.var(n), b.var("s")) if n == "a" else b.var(n) for n in RULE_INPUTS[: op.arity]]
    b.node("mul", b.node(op.name, *args), b.node("sin", b.var("a")))
    return to_text(b.build(), ASCII)


@functools.cache
def sympy_function(source: str) -> tuple[Any, dict[str, sp.Symbol]]:
    """The program as a SymPy expression, and its symbols by name."""
    symbols: dict[str, sp.Symbol] = {}
    return to_sympy(from_graph(parse(source)), symbols), symbols


@functools.cache
def sympy_derivative(source: str, key: str) -> Any:
    """SymPy's derivative of the program along the inputs of ``key`` ("a", or "a,b" for ∂²/∂a∂b): a
    second derivative is the derivative of the first, which is worked out once (SymPy is slow)."""
    f, symbols = sympy_function(source)
    *first, last = key.split(",")
    return sp.diff(sympy_derivative(source, ",".join(first)) if first else f, symbols[last])


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_through_diff_equals_sympy(op: Op, order: int) -> None:
    """`backprop diff`'s printed derivatives (and second derivatives), read back by eval, equal SymPy's
    at points of the op's domain."""
    source = composite(op)
    printed = ok("diff", source, "--order", str(order), "--json").json()["derivatives"]
    symbols = sympy_function(source)[1]
    oracle = {key: sympy_derivative(source, key) for key in printed}
    points = domain(op)
    # SymPy is slow: second derivatives at two points (for one input: 0.3 and -1.3, both sides of 0).
    for xs in points if order == 1 else [points[0], points[-2]]:
        at = {**dict(zip(RULE_INPUTS, xs)), "s": 1.0}
        for key, text in printed.items():
            graph = parse(text)
            value = evaluate(graph, {n: at[n] for n in graph.inputs}).value
            expected = exact(oracle[key], {symbols[n]: at[n] for n in symbols})
            assert value == pytest.approx(expected, rel=1e-12, abs=1e-300), (source, key, text, xs)


def test_sympy_results_are_read_back_in_the_language() -> None:
    x = sp.Symbol("x", real=True)
    text = to_language(sp.diff(sp.Max(x, 0) * sp.Abs(x) + sp.E**x, x))
    assert "Heaviside" not in text and "Abs" not in text
    assert evaluate(parse(text), {"x": 1.5}).value == pytest.approx(2 * 1.5 + math.exp(1.5))
