"""The fast parser (Lark's tables in a short loop) against Lark's own parser, the reference."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli import builder as builder_module
from backprop_cli.errors import ExpressionError
from backprop_cli.graph import Graph
from backprop_cli.parse import parse, parse_with_lark
from conftest import expressions

# Pieces of programs, valid or not: statements, calls, parentheses over lines, comments, and
# characters no terminal matches.
PIECES = [
    "x", "y", "q", "w0", "θ", "2", "0.5", "1e3", "1e999", "pi", "e", "+", "-", "*", "/", "^", "**",
    "(", ")", "(", ")", ",", "=", ";", "\n", "\n", " ", "# note\n", "sin", "max", "foo", "log",
    "sin(", "max(", "q =", "f =", "x =", "$", "@",
]  # fmt: skip
programs = st.lists(st.sampled_from(PIECES), max_size=30).map(" ".join)
statements = st.lists(st.tuples(st.sampled_from(["q", "r", "s", ""]), expressions), min_size=1, max_size=4).map(
    lambda parts: "\n".join(f"{name} = {expr}" if name else expr for name, expr in parts)
)


def outcome(parser: object, source: str) -> tuple[object, ...]:
    """What a parser makes of ``source``: the graph's data, or the error's every detail."""
    assert callable(parser)
    try:
        graph: Graph = parser(source)
    except ExpressionError as err:
        return ("error", err.message, err.span, err.kind, err.exit_code)
    return ("graph", graph.to_data(), graph.needs_grad, graph.inputs)


@settings(max_examples=400, deadline=None)
@given(st.one_of(programs, statements, expressions))
def test_fast_parser_matches_lark_on_random_programs(source: str) -> None:
    assert outcome(parse, source) == outcome(parse_with_lark, source)


def test_fast_parser_matches_lark_on_hand_picked_programs() -> None:
    cases = [
        "max(\n  x,\n  y\n) * 2",
        "q = (x +\n y)\n\nf = q * z  # the output\n",
        "a = x; b = a * a; a + 1",  # an unused statement warns
        "foo(1) $",  # an unknown function before a bad character: the character is reported
        "x +",
        "(x",
        "x)\n",
        "1 = x",
        "sin(x, y)",
        "x + y\n* 2",
        "",
        "# only a comment",
        # Carriage returns, ignored text at the very end, a bad character after ignored text.
        "q = x\r\nq * 2\r\n",
        "(x\r\n+ y)\r",
        "x + y   ",
        "x  # the end",
        "x # a note\n  $",
        "x\t\f+ 1",
    ]
    for source in cases:
        assert outcome(parse, source) == outcome(parse_with_lark, source), source


@pytest.mark.parametrize("parser", [parse, parse_with_lark])
def test_parsing_is_re_entrant(monkeypatch: pytest.MonkeyPatch, parser: Callable[[str], Graph]) -> None:
    """A parse inside a parse (as a callback of another thread or a nested tool would) keeps both
    programs apart: each parse has its own builder, on either path (Lark's parser is loaded once and
    shared, its callbacks bound per call), and a syntax error inside leaves the outer parse alone."""
    inner: list[object] = []
    number = builder_module.Builder.number

    def nested(self: builder_module.Builder, c: list[object]) -> object:
        if self.source == "x + 3":
            inner.append(parser("a * b + 7"))
            inner.append(outcome(parser, "a * * b"))
        return number(self, c)

    monkeypatch.setattr(builder_module.Builder, "number", nested)
    outer = parser("x + 3")
    monkeypatch.undo()
    assert outer.to_data() == parse("x + 3").to_data()
    assert isinstance(inner[0], Graph)
    assert inner[0].to_data() == parse("a * b + 7").to_data()
    assert outer.labels == ["x", "c1", "f"]
    assert list(inner[0].inputs) == ["a", "b"]
    assert inner[1] == outcome(parse, "a * * b")
    assert inner[1][0] == "error"


def test_every_column_survives_the_cache_format() -> None:
    graph = parse("q = x * 2\nr = q + 1  # unused\nsin(q) / y")
    again = Graph.from_data(graph.to_data())
    assert again == graph
    assert again.columns().keys() == graph.columns().keys() >= {"ops", "args", "names", "consts", "spans", "labels"}
    assert again.warnings == ["'r' is assigned but not used by the output (the last statement)"]
