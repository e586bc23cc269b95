"""The four worked examples of shared/reference/worked-examples.md, with their exact numbers."""

from __future__ import annotations

import pytest

from conftest import NEURON_GRADS, ev, ok

REL = 1e-9


def approx(x: float) -> object:
    return pytest.approx(x, rel=REL, abs=1e-15)


def by_expr(source: str, **inputs: float) -> dict[str, tuple[float, float | None]]:
    """Node source text -> (value, gradient)."""
    e = ev(source, **inputs)
    return {e.graph.expr(i): (e.values[i], e.grads[i]) for i in range(len(e.graph))}


def test_seed_circuit_nodes() -> None:
    e = ev("q = x + y; f = q * z", x=-2, y=5, z=-4)
    nodes = {e.graph.labels[i]: (e.values[i], e.grads[i]) for i in range(len(e.graph))}
    assert nodes == {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4), "f": (-12, 1)}
    assert e.graph.labels == ["x", "y", "q", "z", "f"]


def test_seed_circuit_unnamed_has_the_same_numbers() -> None:
    e = ev("(x+y)*z", x=-2, y=5, z=-4)
    assert e.value == -12
    assert e.input_grads() == {"x": -4, "y": -4, "z": 3}


NEURON = "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"
NEURON_INPUTS = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
# The reference shows 12 significant digits: compare to what they carry.
REF = 5e-12


def test_sigmoid_neuron_nodes() -> None:
    nodes = by_expr(NEURON, **NEURON_INPUTS)
    expected = {
        "w0*x0": (-2, 0.196611933241),
        "w1*x1": (6, 0.196611933241),
        "w0*x0 + w1*x1": (4, 0.196611933241),
        "w0*x0 + w1*x1 + w2": (1, 0.196611933241),
        "-(w0*x0 + w1*x1 + w2)": (-1, -0.196611933241),
        "exp(-(w0*x0 + w1*x1 + w2))": (0.367879441171, -0.534446645389),
        "1 + exp(-(w0*x0 + w1*x1 + w2))": (1.36787944117, -0.534446645389),
        NEURON: (0.731058578630, 1),
        "w0": (2, -0.196611933241),
        "x0": (-1, 0.393223866483),
        "w1": (-3, -0.393223866483),
        "x1": (-2, -0.589835799724),
        "w2": (-3, 0.196611933241),
    }
    for expr, (value, grad) in expected.items():
        got_value, got_grad = nodes[expr]
        assert got_value == pytest.approx(value, rel=REF), expr
        assert got_grad == pytest.approx(grad, rel=REF), expr


@pytest.mark.parametrize("source", [NEURON, "sigmoid(w0*x0 + w1*x1 + w2)"])
def test_sigmoid_neuron_both_forms(source: str) -> None:
    e = ev(source, **NEURON_INPUTS)
    assert e.value == pytest.approx(0.731058578630, rel=REF)
    for name, grad in e.input_grads().items():
        assert grad == pytest.approx(NEURON_GRADS[name], rel=REF), name


def test_sigmoid_gate_local_gradient_is_sigma_one_minus_sigma() -> None:
    e = ev("sigmoid(w0*x0 + w1*x1 + w2)", **NEURON_INPUTS)
    s = e.value
    assert e.local[-1] == (approx(s * (1 - s)),)


STAGED = """
sigy = sigmoid(y)
num = x + sigy
sigx = sigmoid(x)
xpy = x + y
xpysqr = xpy^2
den = sigx + xpysqr
invden = 1 / den
f = num * invden
"""


def test_staged_computation() -> None:
    e = ev(STAGED, x=3, y=-4)
    values = {e.graph.labels[i]: e.values[i] for i in range(len(e.graph))}
    expected = {
        "sigy": 0.0179862100,
        "num": 3.0179862100,
        "sigx": 0.9525741268,
        "xpy": -1,
        "xpysqr": 1,
        "den": 1.9525741268,
        "invden": 0.5121444488,
        "f": 1.54564488411,
    }
    for label, value in expected.items():
        # The reference gives these to 10-12 significant digits.
        assert values[label] == pytest.approx(value, rel=5e-10, abs=5e-11), label
    grads = e.input_grads()
    assert grads["x"] == pytest.approx(2.05956979557, rel=5e-12)
    assert grads["y"] == pytest.approx(1.59223275148, rel=5e-12)


def test_staged_computation_forks_sum() -> None:
    e = ev(STAGED, x=3, y=-4)
    g = e.graph
    x = g.inputs["x"]
    users = [i for i in range(len(g)) if x in g.args[i]]
    assert len(users) == 3  # num, sigx, xpy
    contributions = 0.0
    for i in users:
        upstream = e.grads[i]
        assert upstream is not None
        contributions += sum(upstream * d for j, d in zip(g.args[i], e.local[i]) if j == x and d is not None)
    assert e.grads[x] == pytest.approx(contributions, rel=1e-15)


def test_backward_flow_patterns() -> None:
    e = ev("f = 2 * (x*y + max(z, w))", x=3, y=-4, z=2, w=-1)
    assert e.value == -20
    assert e.input_grads() == {"x": -8, "y": 6, "z": 2, "w": 0}


def test_golden_numbers_through_the_cli() -> None:
    data = ok("eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4", "--json").json()
    assert data["value"] == -12
    assert data["inputs"] == {"x": -2, "y": 5, "z": -4}
    assert data["gradients"] == {"x": -4, "y": -4, "z": 3}
    assert [n["value"] for n in data["nodes"]] == [-2, 5, 3, -4, -12]
    assert [n["grad"] for n in data["nodes"]] == [-4, -4, -4, 3, 1]
