"""Gradient checking (backprop check) and forward mode (--mode forward)."""

from __future__ import annotations

import math

import pytest
from hypothesis import event, given, settings

from backprop_cli.demos import DEMOS
from backprop_cli.engine import Evaluation, evaluate
from backprop_cli.errors import MathError
from backprop_cli.gradcheck import default_step, matches, relative_error
from backprop_cli.graph import Graph
from backprop_cli.parse import parse
from conftest import expressions, ok, points, rounding_bound, run

SEED = ["q = x + y; f = q * z", "-x", "-2", "-y", "5", "-z", "-4"]


def demo_args(name: str) -> list[str]:
    demo = DEMOS[name]
    return [demo.source, *(f"{k}={v}" for k, v in demo.values.items())]


@pytest.mark.parametrize("name", list(DEMOS))
def test_reverse_forward_and_numerical_agree_on_the_worked_examples(name: str) -> None:
    reverse = ok("eval", *demo_args(name), "--json").json()["gradients"]
    forward = ok("eval", *demo_args(name), "--json", "--mode", "forward").json()["gradients"]
    assert forward.keys() == reverse.keys()
    for key in reverse:
        assert forward[key] == pytest.approx(reverse[key], rel=1e-12, abs=1e-15)
    data = ok("check", *demo_args(name), "--json").json()
    assert data["ok"] is True
    for c in data["checks"]:
        assert c["analytic"] == reverse[c["input"]]
        assert c["verdict"] == "ok", c
        assert c["rel_error"] < 1e-7


def _attempt(graph: Graph, inputs: dict[str, float], mode: str) -> Evaluation | MathError:
    try:
        return evaluate(graph, inputs, mode=mode)
    except MathError as err:
        return err


@settings(max_examples=200, deadline=None)
@given(expressions, points)
def test_forward_mode_equals_reverse_mode(source: str, at: dict[str, float]) -> None:
    graph = parse(source)
    inputs = {n: at[n] for n in graph.inputs}
    reverse, forward = _attempt(graph, inputs, "reverse"), _attempt(graph, inputs, "forward")
    if isinstance(reverse, MathError) or isinstance(forward, MathError):
        # The passes both modes share fail alike; only their own accumulations can overflow apart.
        errors = [r.message for r in (reverse, forward) if isinstance(r, MathError)]
        if not any("overflows" in message for message in errors):
            assert len(errors) == 2 and errors[0] == errors[1], errors
        event("math error")
        return
    bound = rounding_bound(reverse)
    gradients = forward.input_grads()
    for name, grad in reverse.input_grads().items():
        assert abs(gradients[name] - grad) <= bound[name], (source, name, gradients[name], grad, bound[name])
    event("compared")


def test_check_table() -> None:
    out = ok("check", *SEED).stdout
    assert out.splitlines()[0] == "f = -12   (centred differences, h = 1e-5 × max(1, |x|))"
    assert "relative error: ok below 1e-7, suspicious below 1e-4, wrong above" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("x ", "y ", "z "))]
    assert [(r[0], r[1], r[2], r[3], r[-1]) for r in rows] == [
        ("x", "-2", "-4", "-4", "ok"),
        ("y", "5", "-4", "-4", "ok"),
        ("z", "-4", "3", "3", "ok"),
    ]


def test_check_json_schema() -> None:
    data = ok("check", *SEED, "--json").json()
    assert list(data) == ["schema_version", "expression", "value", "h", "checks", "expectations", "ok", "warnings"]
    assert data["h"] is None
    assert list(data["checks"][0]) == [
        "input",
        "value",
        "analytic",
        "numerical",
        "step",
        "rel_error",
        "verdict",
        "note",
    ]
    assert [c["step"] for c in data["checks"]] == [2e-5, 5e-5, 4e-5]  # 1e-5 × max(1, |x|)
    assert ok("check", *SEED, "--json", "--h", "0.001").json()["h"] == 0.001


def test_expectations_right_and_wrong() -> None:
    right = ok("check", *SEED, "--expect", "x=-4", "--expect", "y=-4", "--expect", "q=-4")
    assert right.stdout.count("right") == 3
    result = run("check", *SEED, "--expect", "x=-4", "--expect", "z=-4", "--json")
    assert result.code == 3
    expectations = result.json()["expectations"]
    assert expectations == [
        {"name": "x", "expected": -4.0, "gradient": -4.0, "right": True},
        {"name": "z", "expected": -4.0, "gradient": 3.0, "right": False},
    ]
    table = run("check", *SEED, "--expect", "z=-4")
    assert table.code == 3
    assert "∂f/∂z = -4 wrong: it is 3" in table.stdout


def test_expectation_to_the_digits_written() -> None:
    neuron = demo_args("neuron")
    assert ok("check", *neuron, "--expect", "w0=-0.1966", "--expect", "x0=0.39").code == 0
    assert run("check", *neuron, "--expect", "w0=-0.1967").code == 3
    assert matches(-4.0, "-4", -4.0)
    assert not matches(-4.0, "-4", -3.9)
    assert matches(0.2, "0.2", 0.196611933241)
    assert not matches(0.19, "0.19", 0.196611933241)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expect", "x"], "--expect takes NAME=VALUE"),
        (["--expect", "w=1"], "the expression has no node named 'w'"),
        (["--expect", "x=abc"], "--expect x is not a number: 'abc'"),
        (["--h", "0"], "--h must be a positive number"),
        (["--h", "-1"], "--h must be a positive number"),
        (["--wrt", "w"], "--wrt w: the expression has no input named w (inputs: x, y, z)"),
    ],
)
def test_check_bad_input_exits_2(args: list[str], message: str) -> None:
    result = run("check", *SEED, *args)
    assert result.code == 2, result
    assert message in result.stderr


def test_check_math_error_exits_1() -> None:
    assert run("check", "log(x)", "-x", "-1").code == 1


def test_kink_is_explained_not_called_wrong() -> None:
    result = run("check", "relu(x) * y", "-x", "1e-7", "-y", "2", "--json")
    assert result.code == 0, result
    (x, _) = result.json()["checks"]
    assert x["verdict"] == "kink"
    assert "x is within h of the kink of relu(x)" in x["note"]
    for source in ["relu(x)", "abs(x)", "max(x, y)", "min(y, x)"]:
        data = ok("check", source, "-x", "1e-7", "-y", "0", "--json").json()
        assert data["checks"][0]["verdict"] == "kink", source
    # At the kink itself the two can still agree (abs'(0) = 0 = (|h| - |-h|) / 2h): that is ok,
    # with the note.
    data = ok("check", "abs(x)", "-x", "0", "--json").json()
    assert data["checks"][0]["verdict"] == "ok"
    assert "within h of the kink of abs(x)" in data["checks"][0]["note"]


def test_away_from_a_kink_the_check_is_ok() -> None:
    data = ok("check", "relu(x) * y", "-x", "0.5", "-y", "2", "--json").json()
    assert [c["verdict"] for c in data["checks"]] == ["ok", "ok"]


def test_a_wrong_gradient_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken derivative rule in the op table is exactly what gradient checking is for."""
    from backprop_cli import fused, rules

    monkeypatch.setitem(rules.LOCAL, "sin", (lambda a, out: math.sin(a),))
    # The fast passes' step is generated from the same rule (fused.py): without a code for sin they
    # hand its programs to the reference passes, which use the broken rule.
    monkeypatch.delitem(fused.CODES, "sin")
    result = run("check", "sin(x)", "-x", "1", "--json")
    assert result.code == 3
    assert result.json()["checks"][0]["verdict"] == "wrong"


def test_undefined_numerical_gradient_is_reported() -> None:
    data = ok("check", "sqrt(x)", "-x", "1e-6", "--h", "1e-5", "--json").json()
    assert data["checks"][0]["verdict"] == "undefined"
    assert data["checks"][0]["numerical"] is None


def test_relative_error_guard_and_step() -> None:
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(0.0, 1e-12) == 1e-12  # both tiny: the absolute difference
    assert relative_error(-4.0, -4.0000004) == pytest.approx(1e-7, rel=1e-6)
    assert default_step(0.5) == 1e-5
    assert default_step(-300.0) == pytest.approx(3e-3)


# Tangents are written with a combining dot above (q̇ is "q" + U+0307); here "'" stands for it.
FORWARD_STEPS = """\
Forward mode
pass 1 of 3: tangents with respect to x (x' = 1, y' = 0, z' = 0)
q' = x' + y' = 1 + 0 = 1
f' = z · q' + q · z' = −4 × 1 + 3 × 0 = −4
∂f/∂x = −4
pass 2 of 3: tangents with respect to y (x' = 0, y' = 1, z' = 0)
q' = x' + y' = 0 + 1 = 1
f' = z · q' + q · z' = −4 × 1 + 3 × 0 = −4
∂f/∂y = −4
pass 3 of 3: tangents with respect to z (x' = 0, y' = 0, z' = 1)
q' = x' + y' = 0 + 0 = 0
f' = z · q' + q · z' = −4 × 0 + 3 × 1 = 3
∂f/∂z = 3
""".replace("'", "\u0307")


def test_forward_mode_steps() -> None:
    out = ok("eval", *SEED, "--mode", "forward", "--steps").stdout
    assert out.endswith(FORWARD_STEPS)
    assert out.startswith("Forward pass\nx = −2\n")


def test_forward_mode_table_shows_tangents() -> None:
    out = ok("eval", *SEED, "--mode", "forward").stdout
    assert "∂node/∂x   ∂node/∂y   ∂node/∂z" in out
    row = next(line.split() for line in out.splitlines() if line.startswith("q "))
    assert row[:7] == ["q", "add", "x", "+", "y", "3", "1"]


def test_forward_mode_json() -> None:
    data = ok("eval", *SEED, "--mode", "forward", "--json").json()
    assert data["mode"] == "forward"
    assert data["gradients"] == {"x": -4, "y": -4, "z": 3}
    assert data["nodes"][2]["tangents"] == {"x": 1, "y": 1, "z": 0}
    assert data["nodes"][4]["tangents"] == {"x": -4, "y": -4, "z": 3}
    assert all(n["grad"] is None for n in data["nodes"])
    assert list(data["nodes"][0])[-1] == "tangents"


def test_wrt_in_both_modes() -> None:
    reverse = ok("eval", *SEED, "--wrt", "z,x", "--json").json()
    assert reverse["gradients"] == {"x": -4, "z": 3}
    forward = ok("eval", *SEED, "--wrt", "z,x", "--mode", "forward", "--steps", "--json").json()
    assert forward["gradients"] == {"x": -4, "z": 3}
    assert [p["wrt"] for p in forward["steps"]] == ["x", "z"]  # one pass per input asked for
    out = ok("eval", *SEED, "--wrt", "y", "--mode", "forward", "--steps").stdout
    assert "pass 1 of 1: tangents with respect to y" in out
    check = ok("check", *SEED, "--wrt", "y", "--json").json()
    assert [c["input"] for c in check["checks"]] == ["y"]


def test_forward_mode_latex_compiles_structurally() -> None:
    tex = ok("eval", *SEED, "--mode", "forward", "--latex").stdout
    assert r"\dot{q} &= \dot{x} + \dot{y}" in tex
    assert tex.count("{") == tex.count("}")


def test_a_too_large_step_is_inconclusive_not_wrong() -> None:
    """x^3 at 1 with h = 0.1: the centred difference is 3.01 (its truncation error h² = 0.01), the
    gradient 3 is right."""
    result = run("check", "x^3", "-x", "1", "--h", "0.1", "--json")
    assert result.code == 0, result
    row = result.json()["checks"][0]
    assert row["numerical"] == pytest.approx(3.01)
    assert row["verdict"] == "inconclusive"
    assert row["note"].startswith("the step is too large")
    text = run("check", "x^3", "-x", "1", "--h", "0.1").stdout
    assert "inconclusive: the step is too large" in text


def test_a_too_small_step_is_inconclusive_too() -> None:
    row = run("check", "x^3", "-x", "1", "--h", "1e-13", "--json").json()["checks"][0]
    assert row["verdict"] == "inconclusive"
    assert row["note"].startswith("the step is too small")


def test_a_gradient_that_disagrees_beyond_the_step_s_error_is_still_wrong() -> None:
    """A bug in a local derivative is not excused by a large step."""
    from backprop_cli import gradcheck

    graph = parse("x^3")
    ev = evaluate(graph, {"x": 1.0})
    bad = gradcheck.check_input(graph, ev, {"x": 1.0}, "x", 4.0, 0.1)  # the true gradient is 3
    assert bad.verdict == "wrong"
    good = gradcheck.check_input(graph, ev, {"x": 1.0}, "x", 3.0, 0.1)
    assert good.verdict == "inconclusive"


def test_check_in_ascii() -> None:
    result = run("check", *SEED, "--ascii", "--expect", "x=3")
    assert result.code == 3, result
    out = result.stdout
    assert out.isascii()
    assert "analytic df/dinput" in out
    assert "h = 1e-5 * max(1, |x|)" in out
    assert "df/dx = 3 wrong: it is -4" in out
    undefined = run("check", "sqrt(x)", "-x", "1e-6", "--ascii").stdout
    assert undefined.isascii()


def test_max_rows_caps_the_table_and_counts_the_wrong_rows_it_leaves_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """check had no --max-rows: a program of many inputs printed every row. Now the first and last
    rows are shown, as in eval's table, and the note says how many were left out and how many of
    those are wrong; a wrong row left out still fails the check (exit 3), and JSON keeps every row."""
    from backprop_cli import fused, rules

    monkeypatch.setitem(rules.LOCAL, "sin", (lambda a, out: math.sin(a),))  # as in test_a_wrong_gradient_is_caught
    monkeypatch.delitem(fused.CODES, "sin")
    args = ["check", "a*b + sin(m) + c*d", "-a", "1", "-b", "2", "-m", "1", "-c", "3", "-d", "4"]
    capped = run(*args, "--max-rows", "2")
    assert capped.code == 3, capped
    lines = capped.stdout.splitlines()
    assert [line.split()[0] for line in lines[3:6]] == ["a", "⋮", "d"]
    assert lines[6] == "showing 2 of 5 rows: 3 left out, 1 of them wrong; --max-rows 0 shows all"
    whole = run(*args)  # the default, 200, shows these five
    assert whole.code == 3
    assert [line.split()[0] for line in whole.stdout.splitlines()[3:8]] == ["a", "b", "m", "c", "d"]
    assert "showing" not in whole.stdout
    data = run(*args, "--json").json()
    assert [c["verdict"] for c in data["checks"]] == ["ok", "ok", "wrong", "ok", "ok"]
    refused = run(*args, "--json", "--max-rows", "2")
    assert refused.code == 2
    assert (
        refused.json()["error"]["message"] == "--max-rows and --json do not go together: JSON has no use for --max-rows"
    )


def test_max_rows_defaults_to_200_rows() -> None:
    names = [f"x{i}" for i in range(201)]
    values = [word for name in names for word in (f"-{name}", "1")]
    out = ok("check", " + ".join(names), *values).stdout
    assert "showing 200 of 201 rows: 1 left out, 0 of them wrong; --max-rows 0 shows all" in out
    first = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "x99" in first and "x100" not in first and "x101" in first
