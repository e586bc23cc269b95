"""The expression language: numbers, names, precedence, functions, statements, and its errors."""

from __future__ import annotations

import math

import pytest

from backprop_cli.errors import ExpressionError
from backprop_cli.parse import parse
from conftest import ev
from recursion_limit import lowered_recursion_limit


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("1.5E+2", 150.0), ("5.", 5.0), ("0.1", 0.1)],
)
def test_numbers(text: str, value: float) -> None:
    assert ev(text).value == value


@pytest.mark.parametrize("name", ["x", "w0", "x_1", "_tmp", "θ", "Δx", "αβγ"])
def test_names(name: str) -> None:
    e = ev(f"{name} * 2", **{name: 3.0})
    assert e.value == 6
    assert list(e.graph.inputs) == [name]


def test_constants() -> None:
    assert ev("pi").value == math.pi
    assert ev("e").value == math.e
    e = ev("pi * x", x=1)
    assert e.input_grads() == {"x": math.pi}
    assert e.grads[0] is None  # a constant has no gradient


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-x^2", -9),
        ("(-x)^2", 9),
        ("2^3^2", 512),
        ("2**3**2", 512),
        ("x^-1", 1 / 3),
        ("x**-1", 1 / 3),
        ("-x**2", -9),
        ("2*x^2", 18),
        ("1 - 2 - 3", -4),
        ("8 / 4 / 2", 1),
        ("1 + 2 * x", 7),
        ("+x", 3),
        ("--x", 3),
        ("- -x", 3),
        ("2^-x", 0.125),
        ("x/2*3", 4.5),
        ("ln(e)", 1),
        ("pow(x, 2)", 9),
    ],
)
def test_precedence_and_associativity(text: str, value: float) -> None:
    assert ev(text, x=3).value == pytest.approx(value, rel=1e-15)


def test_statements_and_comments() -> None:
    source = """
    # the notes' circuit
    q = x + y   # an intermediate
    f = q * z
    """
    e = ev(source, x=-2, y=5, z=-4)
    assert e.value == -12
    assert list(e.graph.inputs) == ["x", "y", "z"]
    assert e.graph.labels == ["x", "y", "q", "z", "f"]


def test_semicolons_and_blank_statements() -> None:
    assert ev("q = x + 1;; f = q * 2;", x=1).value == 4


def test_newlines_inside_parentheses_continue_the_line() -> None:
    assert ev("f = (x +\n  1) * max(x,\n 2)", x=3).value == 12


def test_the_last_statement_is_the_output_even_if_it_is_an_assignment() -> None:
    e = ev("a = x * 2; b = a + 1", x=1)
    assert e.value == 3
    assert e.graph.labels[-1] == "b"


def test_alias_of_a_variable_is_a_node_of_its_own() -> None:
    e = ev("q = x; f = q * q", x=3)
    assert e.graph.labels == ["x", "q", "f"]
    assert e.graph.ops == ["var", "copy", "mul"]
    assert e.input_grads() == {"x": 6}


def test_every_variable_is_one_shared_node_and_repeated_text_is_not_merged() -> None:
    e = ev("x*y + x*y", x=2, y=3)
    assert e.graph.ops.count("var") == 2
    assert e.graph.ops.count("mul") == 2  # the same text twice is two nodes
    assert e.input_grads() == {"x": 6, "y": 4}


def test_unused_statements_are_dropped_with_a_warning() -> None:
    g = parse("a = w * 2; b = x + 1")
    assert list(g.inputs) == ["x"]
    assert g.warnings == ["'a' is assigned but not used by the output (the last statement)"]


def test_generated_labels_do_not_collide_with_names() -> None:
    g = parse("t1 * 2 + f")
    assert len(set(g.labels)) == len(g.labels)
    assert g.labels[-1] == "out"  # "f" is an input here


def test_constant_subexpressions_have_no_gradient() -> None:
    e = ev("(2 * 3) * x", x=1)
    ops_grads = list(zip(e.graph.ops, e.grads))
    assert ops_grads == [("const", None), ("const", None), ("mul", None), ("var", 6), ("mul", 1)]
    assert e.local[-1] == (None, 6)


def err(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        parse(source)
    return info.value


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("(x+y)*", "unexpected end of the expression; expected a number, a name or '('", 7),
        ("x +* y", "unexpected '*'; expected a number, a name or '('", 4),
        ("(x + y", "unexpected end of the expression; expected", 7),
        ("x + y)", "unexpected ')'", 6),
        ("2x", "unexpected 'x'; expected an operator", 2),
        ("x $ y", "unexpected character '$'", 3),
        ("x == y", "unexpected '='; expected a number, a name or '(' (only a name can be assigned", 4),
        ("1e", "unexpected 'e'", 2),
        ("", "the expression is empty", 1),
        ("# only a comment", "the expression is empty", 1),
        ("foo(x)", "unknown function 'foo'", 1),
        ("expp(x)", "unknown function 'expp' (did you mean exp?)", 1),
        ("min(x)", "min() takes 2 arguments, got 1", 1),
        ("exp(x, y)", "exp() takes 1 argument, got 2", 1),
        ("exp + 1", "'exp' is a function: call it as exp(...)", 1),
        ("pi = 3; pi", "'pi' is a constant and cannot be assigned", 1),
        ("q = x; q = y; q", "'q' is assigned twice (first at line 1, column 1)", 8),
        ("f = q * 2; q = 1; f", "'q' is used (at line 1, column 5) before it is assigned", 12),
        ("q = q + 1", "'q' is used (at line 1, column 5) before it is assigned", 1),
        ("1e999 * x", "the number 1e999 is too large for a float64", 1),
        ("x +\ny", "unexpected end of the line; expected a number, a name or '('", 4),
    ],
)
def test_errors_say_what_and_where(source: str, message: str, column: int) -> None:
    e = err(source)
    assert message in e.message
    assert e.position is not None
    assert e.position[1] == column, e.position


def test_syntax_error_on_a_later_line_points_at_it() -> None:
    e = err("q = x + y\nf = q * * z")
    assert e.position == (2, 9)
    assert e.excerpt() == "  f = q * * z\n          ^"


def test_excerpt_underlines_the_whole_subexpression() -> None:
    e = err("1 + min(x)")
    assert e.excerpt() == "  1 + min(x)\n      ^~~~~~"


def test_nesting_several_times_deeper_than_the_recursion_limit() -> None:
    depth = 1_000
    with lowered_recursion_limit() as limit:
        assert depth > 3 * limit
        assert ev("(" * depth + "x" + ")" * depth, x=2).value == 2
        e = ev("-(" * depth + "x" + ")" * depth, x=2)
        assert e.value == 2
        assert e.input_grads() == {"x": 1}
        e = ev("sin(" * depth + "x" + ")" * depth, x=0.5)
        grad = 1.0
        value = 0.5
        for _ in range(depth):
            grad *= math.cos(value)
            value = math.sin(value)
        assert e.value == value
        assert e.input_grads()["x"] == pytest.approx(grad, rel=1e-12)
        assert ev("x" + "^x" * depth, x=1.0).value == 1


@pytest.mark.slow
def test_sum_of_a_hundred_thousand_terms() -> None:
    e = ev("+".join(["x"] * 100_000), x=2)
    assert e.value == 200_000
    assert e.input_grads() == {"x": 100_000}


@pytest.mark.slow
def test_five_thousand_chained_statements() -> None:
    lines = ["s0 = x"] + [f"s{i} = s{i - 1} + x" for i in range(1, 5000)]
    e = ev("\n".join(lines), x=1.5)
    assert e.value == 1.5 * 5000
    assert e.input_grads() == {"x": 5000}
    assert len(e.graph) == 5001
