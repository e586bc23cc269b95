"""Every op of the table in every view, so that an op can never again crash one view; --wrt narrows
the work; math errors name each input once; the derivation's notes."""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from backprop_cli.formatting import number
from backprop_cli.ops import OPS, RULE_INPUTS, Op
from conftest import compile_latex, domain, ok, overfull_by_block, run

SCALAR_OPS = [op for op in OPS.values() if op.rules]


def call(op: Op) -> tuple[str, list[str]]:
    """An expression that uses ``op`` on inputs a, b, c (times an input, so every rule is a product's
    operand somewhere), and its values."""
    names = RULE_INPUTS[: op.arity]
    args = ", ".join(names)
    expr = (
        f"{op.name}({args})"
        if op.is_function
        else {"add": "a + b", "sub": "a - b", "mul": "a * b", "div": "a / b", "pow": "a^b", "neg": "-a", "copy": "a"}[
            op.name
        ]
    )
    values = [f"{n}={v}" for n, v in zip(names, domain(op)[0])]  # inside its domain, off its kinks
    # `t = a` makes t a copy of a: the copy op.
    return f"t = {expr}\nf = t * w", [*values, "w=2"]


@functools.cache
def as_json(name: str) -> dict[str, Any]:
    """``eval --json`` of the op's call: the numbers every view of the op must show (run, and its
    schema checked, once per op and process instead of once per view)."""
    source, values = call(OPS[name])
    data: dict[str, Any] = ok("eval", source, *values, "--json").json()
    return data


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
@pytest.mark.parametrize(
    "view",
    [
        [],
        ["--steps"],
        ["--circuit"],
        ["--steps", "--ascii"],
        ["--circuit", "--ascii"],
        ["--mode", "forward", "--steps"],
        ["--mode", "forward", "--circuit"],
    ],
)
def test_every_op_in_every_terminal_view(op: Op, view: list[str]) -> None:
    source, values = call(op)
    out = ok("eval", source, *values, *view).stdout.replace("−", "-")
    data = as_json(op.name)
    # the value of f, and ∂f/∂w (which is t's value), at the view's six digits
    assert number(data["value"]) in out
    assert number(data["gradients"]["w"]) in out


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_in_json_dot_and_check(op: Op) -> None:
    source, values = call(op)
    data = ok("eval", source, *values, "--steps", "--json").json()
    assert set(data["gradients"]) == {*RULE_INPUTS[: op.arity], "w"}
    assert ok("eval", source, *values, "--mode", "forward", "--json").json()["gradients"] == data["gradients"]
    assert ok("graph", source, *values).stdout.startswith("digraph")
    assert ok("check", source, *values, "--json").json()["ok"]


MODES = ("reverse", "forward")


@functools.cache
def latex(op: Op, mode: str) -> str:
    """The op's derivation in LaTeX (run once per op, mode and process: the fixture below and the
    op's test read the same text)."""
    source, values = call(op)
    return ok("eval", source, *values, "--latex", "--mode", mode).stdout


@pytest.fixture(scope="module")
def overfull(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]] | None:
    """Every op's derivation in both modes, compiled in one pdflatex run (not 2 per op): the Overfull
    warnings of each; None if that document does not compile (each test then compiles its own)."""
    if not shutil.which("pdflatex"):
        return None
    blocks = {f"{op.name}-{mode}": latex(op, mode) for op in SCALAR_OPS for mode in MODES}
    return overfull_by_block(tmp_path_factory.mktemp("latex"), blocks)


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_in_latex(op: Op, tmp_path: Path, overfull: dict[str, list[str]] | None) -> None:
    for mode in MODES:
        tex = latex(op, mode)
        assert "{" in tex and "∂" not in tex and "×" not in tex
        if shutil.which("pdflatex"):
            if overfull is None:  # the whole document failed: which block, and why
                log = compile_latex(tmp_path, f"{op.name}-{mode}", tex)
                warnings = [line for line in log.splitlines() if line.startswith("Overfull")]
            else:
                warnings = overfull[f"{op.name}-{mode}"]
            assert not warnings, warnings


def test_tanh_latex_is_no_internal_error() -> None:
    assert "1 - f^{2}" in ok("eval", "tanh(x)", "-x", "0.5", "--latex").stdout
    assert "1 + f^{2}" in ok("eval", "tan(x)", "-x", "0.5", "--latex").stdout


def test_a_formula_is_parenthesised_by_precedence() -> None:
    out = ok("eval", "tanh(x)*y", "-x", "0.5", "-y", "2", "--steps").stdout
    assert "∂f/∂x = ∂f/∂t1 · ∂t1/∂x = 2 × (1 − t1^2) = 2 × 0.786448 = 1.5729" in out


def test_forward_mode_circuit_shows_the_tangents() -> None:
    out = ok("eval", "q = x + y; f = q * z", "-x", "-2", "-y", "5", "-z", "-4", "--mode", "forward", "--circuit").stdout
    assert out.splitlines()[0] == "f = q × z  [mul]  value −12  ∂/∂x −4  ∂/∂y −4  ∂/∂z 3"


# --wrt: only the gradients asked for are computed, shown and able to fail ---------------------------


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_wrt_does_not_compute_what_was_not_asked(mode: str) -> None:
    # ∂/∂n of x^n at x = -2 is undefined (log of a negative number): not asked for, not computed.
    data = ok("eval", "x^n", "-x", "-2", "-n", "3", "--wrt", "x", "--mode", mode, "--json").json()
    assert data["gradients"] == {"x": 12}
    assert run("eval", "x^n", "-x", "-2", "-n", "3", "--mode", mode).code == 1
    # sqrt'(0) is infinite, and ∂f/∂x goes through it; ∂f/∂y does not.
    data = ok("eval", "sqrt(x)*y", "-x", "0", "-y", "2", "--wrt", "y", "--mode", mode, "--json").json()
    assert data["gradients"] == {"y": 0}


def test_wrt_narrows_check_and_the_views() -> None:
    data = ok("check", "sqrt(x)*y", "-x", "0", "-y", "2", "--wrt", "y", "--json").json()
    assert [c["input"] for c in data["checks"]] == ["y"] and data["ok"]
    table = ok("eval", "x*y", "-x", "3", "-y", "4", "--wrt", "x").stdout
    assert "∂f/∂y" not in table and "∂f/∂x = 4" in table
    steps = ok("eval", "x*y", "-x", "3", "-y", "4", "--wrt", "x", "--steps").stdout
    assert "∂f/∂y" not in steps and "∂f/∂x = ∂f/∂f · ∂f/∂x = 1 × y = 4" in steps
    forward = ok("eval", "x*y", "-x", "3", "-y", "4", "--wrt", "x", "--mode", "forward", "--steps").stdout
    assert "pass 1 of 1" in forward and "ẏ = 1" not in forward


# Math errors name each input once and leave literals out ----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log(0)"], "log of zero: log(0) (line 1"),
        (["x/0", "-x", "1"], "division by zero: x/0 where x = 1 (line 1"),
        (["x*x", "-x", "1e200"], "x*x where x = 1e+200 (line 1"),
        (["log(x - x)", "-x", "1"], "log of zero: log(x - x) where x - x = 0 (line 1"),
        (["sqrt(x)*2", "-x", "0"], "the gradient of sqrt(x) is infinite or undefined where x = 0 (line 1"),
    ],
)
def test_math_errors_name_each_input_once(args: list[str], message: str) -> None:
    result = run("eval", *args)
    assert result.code == 1
    assert message in result.stderr, result.stderr


# The derivation's notes ----------------------------------------------------------------------------


def test_a_fork_has_its_own_note_and_a_gate_note_comes_once_per_kind() -> None:
    out = ok("demo", "neuron").stdout
    assert out.count("add gate: passes the upstream gradient to every input unchanged") == 1
    assert out.count("multiply gate") == 1
    staged = ok("demo", "staged").stdout.splitlines()
    fork = staged.index(next(line for line in staged if line.startswith("∂f/∂x = ")))
    assert staged[fork + 1] == "    ← x is used 3 times: its gradient is the sum of the contributions of its uses"
    assert "add gate" not in staged[fork]


def test_notes_are_on_lines_of_their_own_and_can_be_left_out() -> None:
    lines = ok("demo", "patterns").stdout.splitlines()
    notes = [n for n, line in enumerate(lines) if "gate:" in line]
    assert notes and all(lines[n].startswith("    ← ") and "=" not in lines[n] for n in notes)
    bare = ok("demo", "patterns", "--no-notes").stdout
    assert "gate:" not in bare and "←" not in bare
    assert "gate" not in ok("demo", "patterns", "--latex", "--no-notes").stdout
    assert "\\intertext{\\small (add gate" in ok("demo", "patterns", "--latex").stdout


def test_no_notes_goes_with_steps_only() -> None:
    result = run("eval", "x", "-x", "1", "--no-notes")
    assert result.code == 2
    assert "--no-notes" in result.stderr


def test_long_latex_lines_are_broken_before_equals_signs() -> None:
    tex = ok("demo", "staged", "--latex").stdout
    rows = [row for row in tex.split("\\\\\n") if "\\partial x}" in row and "&= \\frac" in row]
    assert rows and re.search(r"^\s*&= ", tex, flags=re.M)
