"""backprop diff: derivatives as formulas that eval reads back, simplified, staged when long."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings

from backprop_cli.engine import evaluate
from backprop_cli.errors import MathError
from backprop_cli.parse import parse
from conftest import NEURON_GRADS, ev, expressions, ok, points, run


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
    chain = "sin(" * 10_000 + "x" + ")" * 10_000
    out = ok("diff", chain).stdout
    assert out.count("\n") < 30_000


def test_latex_and_errors() -> None:
    tex = ok("diff", "(x+y)*z", "--latex").stdout
    assert r"\frac{\partial f}{\partial z} &= x + y" in tex
    assert run("diff", "x", "--latex", "--json").code == 2
    assert run("diff", "log(x)", "-x", "0").code == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=expressions, at=points)
def test_every_printed_derivative_evaluates_to_the_numeric_gradient(source: str, at: dict[str, float]) -> None:
    try:
        numeric = evaluate(parse(source), at).input_grads()
    except MathError:
        assume(False)
        return
    assume(all(math.isfinite(g) and abs(g) < 1e6 for g in numeric.values()))
    data = ok("diff", source, "--json").json()
    for name, text in data["derivatives"].items():
        graph = parse(text)
        try:
            value = evaluate(graph, {n: at[n] for n in graph.inputs}).value
        except MathError:
            continue  # defined numerically but not as written (a removable 0/0): not a round trip
        assert value == pytest.approx(numeric[name], rel=1e-9, abs=1e-12), (source, name, text)
