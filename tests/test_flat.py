"""The fast reverse-mode passes (flat.py) against the reference passes of engine.py."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli import engine, flat
from backprop_cli.errors import BackpropError
from backprop_cli.graph import Graph
from backprop_cli.ops import FUNCTIONS
from backprop_cli.parse import parse

# Every scalar function of the op table (array ops have a shape rule), with its arity: a new op is
# tested the day it is added.
CALLS = sorted((name, op.arity) for name, op in FUNCTIONS.items() if op.arity >= 1 and op.shape is None)
LEAVES = st.sampled_from(["x", "y", "z", "0", "1", "2.5", "pi", "-x", "1e308", "1e-320"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def call(t: tuple[tuple[str, int], list[str]]) -> str:
        (name, arity), args = t
        return f"{name}({', '.join(args[:arity])})"

    return st.one_of(
        st.tuples(st.sampled_from(CALLS), st.lists(children, min_size=3, max_size=3)).map(call),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
    )


programs = st.recursive(LEAVES, _combine, max_leaves=14).map(lambda e: f"q = {e}\nq * x + sin(q) - y")
points = st.fixed_dictionaries(
    {n: st.one_of(st.floats(-3, 3), st.sampled_from([0.0, -0.0, 1.0, -1.0, 710.0])) for n in "xyz"}
)


def reference(graph: Graph, inputs: dict[str, float]) -> tuple[object, ...]:
    try:
        values = engine.forward(graph, inputs)
        local = engine.local_gradients(graph, values)
        grads = engine.backward(graph, local)
    except BackpropError as err:
        return ("error", type(err), err.message, err.span)
    return ("ok", values, local, grads)


def fast(graph: Graph, inputs: dict[str, float]) -> tuple[object, ...]:
    try:
        ev = engine.evaluate(graph, inputs)
    except BackpropError as err:
        return ("error", type(err), err.message, err.span)
    return ("ok", ev.values, ev.local, ev.grads)


@settings(max_examples=300, deadline=None)
@given(programs, points)
def test_fast_passes_equal_the_reference_on_random_programs(source: str, at: dict[str, float]) -> None:
    graph = parse(source)
    inputs = {n: at[n] for n in graph.inputs}
    expected = reference(graph, inputs)
    assert fast(graph, inputs) == expected
    if expected[0] == "ok":  # and the fast path itself gave it, not the fallback
        values, local, grads = flat.reverse(graph, inputs)
        assert (values, local, grads) == expected[1:]
        signs = [math.copysign(1, v) for v in values]  # -0.0 == 0.0: the signs of zeros too
        assert signs == [math.copysign(1, v) for v in engine.forward(graph, inputs)]


@pytest.mark.parametrize(
    ("source", "at"),
    [
        ("log(x - 3)", {"x": 1.0}),  # a domain error in the forward pass
        ("sqrt(x) * y", {"x": 0.0, "y": 1.0}),  # an infinite local gradient
        ("exp(x) * exp(x)", {"x": 400.0}),  # an overflow
        ("x ^ 0.5 + 1 / (x - x)", {"x": 2.0}),  # division by zero after a valid node
        ("(x * 1e300) * (y * 1e300)", {"x": 1.0, "y": 1.0}),  # overflow of a value
        ("exp(x) * 1e300 * 1e10", {"x": 700.0}),
    ],
)
def test_failures_fall_back_and_are_worded_as_the_reference_words_them(source: str, at: dict[str, float]) -> None:
    graph = parse(source)
    expected = reference(graph, at)
    assert expected[0] == "error"
    with pytest.raises(flat.Fallback):
        flat.reverse(graph, at)
    assert fast(graph, at) == expected


def test_gradient_overflow_in_the_reverse_pass_falls_back() -> None:
    # Every value and local gradient is finite; only the product of local gradients overflows.
    graph = parse("sin(1e200 * sin(1e200 * x))")
    at = {"x": 1e-200}
    expected = reference(graph, at)
    assert expected[0] == "error" and "overflows" in str(expected[2])
    with pytest.raises(flat.Fallback):
        flat.reverse(graph, at)
    assert fast(graph, at) == expected
