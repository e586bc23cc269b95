"""The printer keeps a tree's grouping in the language and in code: float64 + - * / and ^ are not
associative, so ``a * (b / c)`` printed ``a * b / c`` would be another computation, and parsing it
back another tree. The styles for people (Unicode, LaTeX) may drop what mathematics allows."""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_cli.formula import Builder, Formula, evaluate, float_impl
from backprop_cli.printer import to_text
from backprop_cli.rulegen import formula
from backprop_cli.styles import ASCII, LATEX, NUMPY, PYTHON, UNICODE


@pytest.mark.parametrize(
    ("source", "ascii", "unicode"),
    [
        ("a * (b / c)", "a * (b / c)", "a × b / c"),  # was "a * b / c" in the language too
        ("a * (b * c)", "a * (b * c)", "a × b × c"),
        ("(a * b) * c", "a * b * c", "a × b × c"),
        ("(a / b) * c", "a / b * c", "a / b × c"),
        ("a / (b * c)", "a / (b * c)", "a / (b × c)"),
        ("a / (b / c)", "a / (b / c)", "a / (b / c)"),
        ("a - (b - c)", "a - (b - c)", "a − (b − c)"),
        ("a - (b + c)", "a - (b + c)", "a − (b + c)"),
        ("a + (b + c)", "a + (b + c)", "a + (b + c)"),
        ("a + (b - c)", "a + (b - c)", "a + (b − c)"),
        ("(a - b) + c", "a - b + c", "a − b + c"),
        ("-(a^2)", "-a^2", "−a^2"),
        ("(-a)^2", "(-a)^2", "(−a)^2"),
        ("a^(b^c)", "a^b^c", "a^b^c"),
        ("(a^b)^c", "(a^b)^c", "(a^b)^c"),
        ("a^(-b)", "a^(-b)", "a^(−b)"),
        ("-(a * b)", "-(a * b)", "−(a × b)"),
        ("(-a) * b", "-a * b", "−a × b"),
        ("a * (-b)", "a * (-b)", "a × (−b)"),
        ("-(-a)", "-(-a)", "−(−a)"),
    ],
)
def test_grouping_in_the_language_and_for_people(source: str, ascii: str, unicode: str) -> None:
    tree = formula(source)
    assert to_text(tree, ASCII) == ascii
    assert _shape(formula(ascii)) == _shape(tree)
    assert to_text(tree, UNICODE) == unicode


def test_latex_drops_only_the_parentheses_of_products() -> None:
    """Said in docs/diff.md: for people, a product is associative."""
    assert to_text(formula("a * (b * c)"), LATEX) == r"a \times b \times c"
    assert to_text(formula("a * (b / c)"), LATEX) == r"a \times \frac{b}{c}"
    assert to_text(formula("a - (b - c)"), LATEX) == r"a - \left(b - c\right)"


def _shape(tree: Formula) -> tuple[Any, ...]:
    """The tree as nested tuples, built by a loop (nodes come after their arguments)."""
    shapes: list[tuple[Any, ...]] = []
    for op, args, name, const in zip(tree.ops, tree.args, tree.names, tree.consts):
        bits = -1 if const is None else struct.unpack("<q", struct.pack("<d", const))[0]
        shapes.append((op, name, bits, *(shapes[j] for j in args)))
    return shapes[-1]


OPERATORS = ["add", "sub", "mul", "div", "pow"]
NUMBERS = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, 0.1, 1e-300, 2.5e300, 5e-324])


def _trees() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.sampled_from(["a", "b", "c", "pi"]), NUMBERS)

    def grow(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        binary = st.tuples(st.sampled_from(OPERATORS), children, children)
        unary = st.tuples(st.sampled_from(["neg", "sin", "exp"]), children)
        return st.one_of(binary, unary)

    return st.recursive(leaves, grow, max_leaves=10)


def _build(tree: Any) -> Formula:
    """A nested tuple (op, *operands), a name or a number as a formula; a negative number is
    ``neg`` of its magnitude, as the language writes it."""
    b = Builder()
    ids: list[int] = []
    stack: list[tuple[Any, bool]] = [(tree, False)]
    while stack:  # post-order, operands left to right, as the parser builds
        node, ready = stack.pop()
        if isinstance(node, tuple) and not ready:
            stack.append((node, True))
            stack += [(operand, False) for operand in reversed(node[1:])]
        elif isinstance(node, tuple):
            operands = [ids.pop() for _ in node[1:]][::-1]
            ids.append(b.node(node[0], *operands))
        elif isinstance(node, float):
            ids.append(b.const(node))
        elif node == "pi":
            ids.append(b.const(math.pi, "pi"))
        else:
            ids.append(b.var(node))
    return b.build(ids[-1])


POINT = st.tuples(*[st.floats(min_value=-3, max_value=3, allow_nan=False)] * 3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_trees())
def test_printing_in_the_language_and_parsing_back_gives_the_same_tree(tree: Any) -> None:
    built = _build(tree)
    assert _shape(formula(to_text(built, ASCII))) == _shape(built)


def _same_float(x: float, y: float) -> bool:
    return struct.pack("<d", x) == struct.pack("<d", y) or (math.isnan(x) and math.isnan(y))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_trees(), point=POINT)
def test_python_and_numpy_code_compute_the_tree_bit_for_bit(tree: Any, point: tuple[float, float, float]) -> None:
    """(JavaScript shares every rule of grouping with them; only its function names differ.)"""
    import numpy as np

    built = _build(tree)
    env = dict(zip("abc", point))
    try:
        expected = evaluate(built, env, float_impl())
    except (ArithmeticError, ValueError):
        assume(False)
        raise
    assume(math.isfinite(expected))
    python: dict[str, Any] = {"math": math}
    for source in PYTHON.helpers.values():
        exec(source, python)  # the style's own helper functions, not user text
    assert _same_float(eval(to_text(built, PYTHON), python, dict(env)), expected)
    numpy: dict[str, Any] = {"np": np}
    for source in NUMPY.helpers.values():
        exec(source, numpy)
    with np.errstate(all="ignore"):
        columns = {name: np.array([value]) for name, value in env.items()}
        column = np.broadcast_to(eval(to_text(built, NUMPY), numpy, columns), (1,))
        assert _same_float(float(column[0]), expected)
