"""The fast passes (flat.py, with the step generated into fused.py) against the reference passes of
engine.py: the same values, local gradients and derivatives to the last bit, or the same error, in
reverse mode, forward mode, and with --wrt narrowing the inputs differentiated."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli import engine, flat, flatgen, fused
from backprop_cli.errors import BackpropError
from backprop_cli.graph import Graph
from backprop_cli.ops import FUNCTIONS, OPS
from backprop_cli.parse import parse
from backprop_cli.printer import spell
from backprop_cli.styles import ASCII

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


def reference(
    graph: Graph, inputs: dict[str, float], mode: str = "reverse", wrt: list[str] | None = None
) -> tuple[object, ...]:
    """engine.evaluate's reference passes, written out (no fast path)."""
    names = list(graph.inputs) if wrt is None else wrt
    needs = engine.reaches(graph, names)
    try:
        values = engine.forward(graph, inputs)
        local = engine.local_gradients(graph, values, needs)
        if mode == "forward":
            tangents = engine.forward_mode(graph, local, names)
            columns = [[t if needs[i] else None for i, t in enumerate(tangents[name])] for name in names]
        else:
            columns = [engine.backward(graph, local, needs)]
    except BackpropError as err:
        return ("error", type(err), err.message, err.span)
    return ("ok", values, local, columns)


def fast(
    graph: Graph, inputs: dict[str, float], mode: str = "reverse", wrt: list[str] | None = None
) -> tuple[object, ...]:
    try:
        ev = engine.evaluate(graph, inputs, mode, wrt)
    except BackpropError as err:
        return ("error", type(err), err.message, err.span)
    return ("ok", ev.values, ev.local, [d.values for d in ev.derivatives])


def signs(numbers: object) -> object:
    """The numbers with the signs of zeros made visible (-0.0 == 0.0 in Python)."""
    if isinstance(numbers, list | tuple):
        return [signs(x) for x in numbers]
    return (numbers, math.copysign(1, numbers)) if isinstance(numbers, float) else numbers


@settings(max_examples=300, deadline=None)
@given(programs, points, st.sampled_from(["reverse", "forward"]), st.sampled_from([None, ["x"], ["y", "x"]]))
def test_fast_passes_equal_the_reference_on_random_programs(
    source: str, at: dict[str, float], mode: str, wrt: list[str] | None
) -> None:
    graph = parse(source)
    inputs = {n: at[n] for n in graph.inputs}
    names = None if wrt is None else [n for n in graph.inputs if n in wrt]
    expected = reference(graph, inputs, mode, names)
    assert signs(fast(graph, inputs, mode, names)) == signs(expected)
    if expected[0] == "ok":  # and the fast path itself gave it, not the fallback
        differentiated = list(graph.inputs) if names is None else names
        needs = engine.reaches(graph, differentiated)
        result = flat.evaluate(graph, inputs, needs, differentiated if mode == "forward" else None)
        assert signs(list(result)) == signs(list(expected[1:]))


def test_every_scalar_op_has_a_generated_step() -> None:
    """fused.py is generated from the table (tests/test_rules.py checks it is up to date): every op
    with a rule per input has a code, and nothing else has one (array ops take the array engine)."""
    scalar = {name for name, op in OPS.items() if op.arity == 0 or (len(op.rules) == op.arity and not op.vjp)}
    assert set(fused.CODES) == scalar == {op.name for op in flatgen.scalar_ops()}
    assert {name for name, _ in CALLS} - set(fused.CODES) <= {alias for op in OPS.values() for alias in op.aliases}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_every_scalar_op_runs_on_the_fast_path(mode: str) -> None:
    """Each op's branch of the generated step, at a point where everything is finite."""
    for name, op in OPS.items():
        if name not in fused.CODES or op.arity == 0:
            continue
        call = spell(name, ["x", "y", "z"][: op.arity], ASCII)  # as the language writes it
        graph = parse(f"q = {call}\nq * x + y")
        inputs = {n: v for n, v in {"x": 0.25, "y": 0.75, "z": 2.0}.items() if n in graph.inputs}
        assert name in graph.ops, call
        expected = reference(graph, inputs, mode)
        assert expected[0] == "ok", (name, expected)
        needs = engine.reaches(graph, list(graph.inputs))
        result = flat.evaluate(graph, inputs, needs, list(graph.inputs) if mode == "forward" else None)
        assert signs(list(result)) == signs(list(expected[1:])), name


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


def test_reverse_gives_the_reference_answer_itself() -> None:
    """flat.reverse (reverse mode for every input) answers on its own, without the fallback."""
    graph = parse("q = x + y; f = q * z")
    at = {"x": -2.0, "y": 5.0, "z": -4.0}
    _, values, local, columns = reference(graph, at)
    assert flat.reverse(graph, at) == (values, local, columns[0])  # type: ignore[index]


@pytest.mark.parametrize("q", ["x * (0 - 2)", "(0 - 2) * x", "x / (0 - 2)"])
def test_a_zero_tangent_is_a_positive_zero_as_in_the_reference(q: str) -> None:
    """∂q/∂y is 0.0: (−2) × ∂x/∂y is −0.0, and summed from 0.0 it is 0.0, as engine.forward_mode sums
    (y comes first, so that q is computed in y's pass)."""
    source = f"p = y * 1\nq = {q}\np + q"
    graph = parse(source)
    at = {"x": 1.0, "y": 1.0}
    expected = reference(graph, at, "forward")
    assert signs(fast(graph, at, "forward")) == signs(expected)
    on_y = expected[3][list(graph.inputs).index("y")]  # type: ignore[index]
    assert math.copysign(1, on_y[graph.labels.index("q")]) == 1
