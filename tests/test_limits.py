"""Runs that grow as inputs × nodes are refused up front, saying what they would cost and how to narrow
them, unless the inputs were chosen with --wrt."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_cli.commands import limits
from conftest import ok, run


def many_inputs(tmp_path: Path, n: int) -> list[str]:
    """A sum of n inputs' squares from a file, with every value: the words of a command line."""
    program = tmp_path / "many.bp"
    program.write_text(" + ".join(f"x{i}*x{i}" for i in range(n)))
    return ["--file", str(program), *[f"x{i}=1" for i in range(n)]]


def test_forward_steps_over_every_input_is_refused_up_front(tmp_path: Path) -> None:
    """Issue 7: 400 inputs made 10 s and 7.7 MB of steps; 3,000 over 10 GB of memory."""
    words = many_inputs(tmp_path, 400)
    result = run("eval", *words, "--mode", "forward", "--steps")
    assert result.code == 2, result
    assert result.stdout == ""
    assert "forward mode over all 400 inputs writes 479,600 lines (400 inputs × 1,199 nodes)" in result.stderr
    assert "choose the inputs with --wrt (as in --wrt x0,x1), or use reverse mode" in result.stderr
    narrowed = ok("eval", *words, "--mode", "forward", "--steps", "--wrt", "x0,x1")
    assert "∂x0" in narrowed.stdout or "d/dx0" in narrowed.stdout or "x0" in narrowed.stdout


def test_forward_mode_tangents_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "FORWARD_TANGENTS", 1_000)
    words = many_inputs(tmp_path, 30)
    result = run("eval", *words, "--mode", "forward", "--json")
    assert result.code == 2
    assert result.json()["error"]["kind"] == "usage"
    assert "makes 30 passes over 89 nodes (2,670 tangents)" in result.json()["error"]["message"]
    assert ok("eval", *words, "--mode", "forward", "--json", "--wrt", "x1").json()["gradients"] == {"x1": 2}
    monkeypatch.setattr(limits, "FORWARD_TANGENTS", 10_000)
    assert ok("eval", *words, "--mode", "forward", "--json").code == 0


def test_checking_every_input_of_a_large_program_is_refused_up_front(tmp_path: Path) -> None:
    """Issue 7: check on 10,000 inputs took over 2 minutes (quadratic)."""
    words = many_inputs(tmp_path, 3000)
    result = run("check", *words)
    assert result.code == 2, result
    assert (
        "checking all 3,000 inputs takes 2 forward passes each over 8,999 nodes (53,994,000 node evaluations): "
        "choose the inputs to check with --wrt (as in --wrt x0,x1)"
    ) in result.stderr
    data = ok("check", *words, "--wrt", "x7,x2999", "--json").json()
    assert [c["input"] for c in data["checks"]] == ["x7", "x2999"]
    assert data["ok"] is True


def test_small_programs_are_never_refused(tmp_path: Path) -> None:
    words = many_inputs(tmp_path, 40)
    assert ok("eval", *words, "--mode", "forward", "--steps").code == 0
    assert ok("check", *words).code == 0
