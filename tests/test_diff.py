"""backprop diff: derivatives as formulas that eval reads back, simplified, staged when long."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from backprop_cli.engine import evaluate
from backprop_cli.errors import MathError
from backprop_cli.parse import parse
from conftest import NEURON_GRADS, SMOOTH_UNARY, ev, expressions, leaves, ok, points, rounding_bound, run
from recursion_limit import lowered_recursion_limit

# Every function of the language, each where it is defined: the round trip covers the new ops too.
WRAPPED = [
    *(f"{name}({{}})" for name in SMOOTH_UNARY if name != "-"),
    "-({})",
    "atan({})",
    "sinh({})",
    "cosh({})",
    "softplus({})",
    "asin(tanh({}))",
    "acos(sigmoid({}))",
    "log2(1 + ({})^2)",
    "log10(1 + ({})^2)",
    "leaky_relu({}, 0.1)",
    "clip({}, -1, 1)",
]


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.tuples(st.sampled_from(WRAPPED), children).map(lambda t: t[0].format(t[1]))
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(
        lambda t: f"({t[0]})^2" if t[1] == "^" else f"({t[0]}) {t[1]} ({t[2]})"
    )
    return st.one_of(unary, binary)


every_function = st.recursive(leaves, _combine, max_leaves=10).filter(lambda s: any(n in s for n in "xyz"))


def test_derivative_of_a_product() -> None:
    assert ok("diff", "x^2 * sin(x)").stdout == "df/dx = x^2 * cos(x) + 2 * sin(x) * x\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x * 1 + 0", "df/dx = 1"),
        ("x * x", "df/dx = 2 * x"),
        ("x - x + y", "df/dx = 0"),
        ("-(-x)", "df/dx = 1"),
        ("x^1", "df/dx = 1"),
        ("3 * x^4", "df/dx = 12 * x^3"),
        # one quotient, common factors cancelled
        ("log(x * y)", "df/dx = 1 / x"),
        ("log10(x * y)", "df/dx = 1 / (x * log(10))"),
        ("sqrt(x^2 + y^2)", "df/dx = x / sqrt(x^2 + y^2)"),
        ("1 / (x^2 + y^2)", "df/dx = -(2 * x / (x^2 + y^2)^2)"),
        ("sinh(x) / cosh(x)", "df/dx = 1 - sinh(x)^2 / cosh(x)^2"),
        ("(x^2 + 1) / (x - 1)", "df/dx = 2 * x / (x - 1) - (x^2 + 1) / (x - 1)^2"),
        ("2 * (x*y + max(x, w))", "df/dx = 1 + sign(x - w) + 2 * y"),
        # a negated quotient as a person writes it (was -(1 / sqrt(1 - x^2)): the same float64)
        ("acos(x)", "df/dx = -1 / sqrt(1 - x^2)"),
        ("1 / x", "df/dx = -1 / x^2"),
        ("cos(x) / y", "df/dx = -sin(x) / y"),
        ("y - acos(x)", "df/dx = 1 / sqrt(1 - x^2)"),
    ],
)
def test_simplification(source: str, expected: str) -> None:
    assert ok("diff", source, "--wrt", "x").stdout.splitlines()[0] == expected


def test_values_and_json() -> None:
    assert ok("diff", "x*y + sin(x)", "-x", "1", "-y", "2").stdout == (
        f"df/dx = cos(x) + y = {math.cos(1) + 2!r}\ndf/dy = x = 1\n"
    )
    data = ok("diff", "x^3 * y", "--order", "2", "--json").json()
    assert data["derivatives"] == {"x,x": "6 * y * x", "x,y": "3 * x^2", "y,x": "3 * x^2", "y,y": "0"}
    assert data["order"] == 2 and data["wrt"] == ["x", "y"]


def test_the_notes_examples_round_trip() -> None:
    neuron = "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"
    at = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    derivatives = ok("diff", neuron, "--json").json()["derivatives"]
    for name, text in derivatives.items():
        assert ev(text, **at).value == pytest.approx(NEURON_GRADS[name], rel=1e-11)


def test_long_derivatives_are_staged_and_linear() -> None:
    deep = "x"
    for _ in range(40):
        deep = f"sigmoid({deep})"
    out = ok("diff", deep).stdout
    assert out.startswith("# df/dx\nt1 = sigmoid(x)\n")
    assert len(out.splitlines()) < 200
    program = out.split("\n", 1)[1]
    numeric = evaluate(parse(deep), {"x": 0.3}).input_grads()["x"]
    assert ev(program, x=0.3).value == pytest.approx(numeric, rel=1e-12)
    assert ok("diff", "sin(x)*x", "--staged").stdout.startswith("# df/dx\n")


def test_a_ten_thousand_term_sum_and_a_deep_chain() -> None:
    assert ok("diff", "+".join(["x*y"] * 10_000), "--wrt", "x").stdout == "df/dx = 10000 * y\n"
    depth = 1_000
    chain = "sin(" * depth + "x" + ")" * depth
    with lowered_recursion_limit() as limit:  # the chain is several times deeper: no recursion over it
        assert depth > 3 * limit
        out = ok("diff", chain).stdout
    assert out.count("\n") < 3 * depth  # linear in size


def test_latex_and_errors() -> None:
    tex = ok("diff", "(x+y)*z", "--latex").stdout
    assert r"\frac{\partial f}{\partial z} &= x + y" in tex
    assert run("diff", "x", "--latex", "--json").code == 2
    assert run("diff", "log(x)", "-x", "0").code == 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.one_of(expressions, every_function), at=points)
@example(source="log(1 + (log(1 + ((z * 1.75) / z)^2))^2)", at={"x": 0.0, "y": 0.0, "z": 1.5})
@example(source="(y)/(x)", at={"x": 0.7, "y": 5e-324, "z": 0.0})  # subnormal: one spacing apart
def test_every_printed_derivative_evaluates_to_the_numeric_gradient(source: str, at: dict[str, float]) -> None:
    """To 1e-12 relative, as issue 10 asks, except where the gradient is a cancellation: then the
    reverse pass's own sum is only accurate to 4·n·ε·Σ|path products| (conftest.rounding_bound), and a
    printed derivative that cancels symbolically is the more accurate of the two. Measured: for
    log(1 + (log(1 + ((z * 1.75) / z)^2))^2) at z = 1.5 the true derivative is 0, `diff` prints 0 (z
    cancels) and the reverse pass gives -2.2e-16, where the bound is 2.6e-14. The bound exceeds 1e-12
    of the gradient only when the paths cancel by a factor of 1e-12 / (4·n·ε), about 40 for n = 30.
    Near the subnormals relative precision is gone: y/x at y = 5e-324, x = 0.7 prints -(y / x^2) = -1e-323
    where the reverse pass gives -5e-324, one spacing apart (the bound's underflow term)."""
    try:
        reverse = evaluate(parse(source), at)
    except MathError:
        assume(False)
        return
    numeric = reverse.input_grads()
    assume(all(math.isfinite(g) and abs(g) < 1e6 for g in numeric.values()))
    bound = rounding_bound(reverse)
    data = ok("diff", source, "--json").json()
    for name, text in data["derivatives"].items():
        graph = parse(text)
        try:
            value = evaluate(graph, {n: at[n] for n in graph.inputs}).value
        except MathError:
            continue  # defined numerically but not as written (a removable 0/0): not a round trip
        tolerance = max(1e-12 * abs(numeric[name]), bound[name])
        event("1e-12 relative" if tolerance == 1e-12 * abs(numeric[name]) else "a cancellation: the rounding bound")
        assert abs(value - numeric[name]) <= tolerance, (source, name, text, value, numeric[name], bound[name])
