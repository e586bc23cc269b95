"""check --hessian: every entry against centred differences of the gradient, with the first-order
check's verdicts and exit codes."""

from __future__ import annotations

from typing import Any

import pytest
from test_hessian import SCALAR_OPS, point, program

from backprop_cli.ops import Op
from conftest import ok, run

SEED = ["(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"]


def entries(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["row"], e["column"]): e for e in data["hessian"]["entries"]}


def test_a_right_hessian_passes_in_json() -> None:
    data = ok("check", "x^3*y^2 + sin(x)", "-x", "2", "-y", "3", "--hessian", "--json").json()
    assert list(data) == [
        "schema_version",
        "expression",
        "value",
        "h",
        "checks",
        "expectations",
        "hessian",
        "ok",
        "warnings",
    ]
    found = entries(data)
    assert list(found) == [("x", "x"), ("x", "y"), ("y", "x"), ("y", "y")]
    assert found["x", "y"]["analytic"] == 72.0  # 6·x²·y
    assert found["x", "x"]["analytic"] == pytest.approx(6 * 2 * 9 - 0.9092974268256817, rel=1e-15)  # 6xy² − sin(x)
    assert all(e["verdict"] == "ok" and e["rel_error"] < 1e-7 for e in found.values())
    worst = max(found.values(), key=lambda e: e["rel_error"])
    assert data["hessian"]["worst"] == {"row": worst["row"], "column": worst["column"], "rel_error": worst["rel_error"]}
    assert data["ok"] is True
    assert "hessian" not in ok("check", *SEED, "--json").json()


def test_a_wrong_hessian_fails_with_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_cli import hessian as module

    right = module.hessian

    error = {"by": 1.0}

    def off(ev: Any, mode: str = "reverse") -> dict[str, dict[str, float]]:
        h = right(ev, mode)
        h["x"]["y"] += error["by"]
        return h

    monkeypatch.setattr(module, "hessian", off)
    out = run("check", "x^3*y^2", "-x", "2", "-y", "3", "--hessian", "--json")
    assert out.code == 3, out
    data = out.json()
    assert data["ok"] is False
    assert entries(data)["x", "y"]["verdict"] == "wrong"
    assert entries(data)["y", "x"]["verdict"] == "ok"
    assert data["hessian"]["worst"]["row"] == "x" and data["hessian"]["worst"]["column"] == "y"
    text = run("check", "x^3*y^2", "-x", "2", "-y", "3", "--hessian")
    assert text.code == 3
    assert "worst relative error 1.4e-02 (row x, column y)" in text.stdout
    # Off by 1.4e-5 (relative): suspicious, which does not fail, as in the first-order check.
    error["by"] = 1e-3
    out = run("check", "x^3*y^2", "-x", "2", "-y", "3", "--hessian", "--json")
    assert out.code == 0
    assert entries(out.json())["x", "y"]["verdict"] == "suspicious"


def test_the_table_form() -> None:
    out = ok("check", "x*y", "-x", "2", "-y", "3", "--hessian").stdout
    lines = out.splitlines()
    start = lines.index("Hessian, against centred differences of the gradient:")
    assert lines[start + 1].split() == [
        "row",
        "column",
        "analytic",
        "∂²f/∂row",
        "∂column",
        "numerical",
        "relative",
        "error",
        "verdict",
    ]
    assert lines[start + 4].split()[:3] == ["x", "y", "1"]
    assert lines[start + 4].split()[-1] == "ok"
    assert lines[-1].startswith("worst relative error ")
    ascii = ok("check", "x*y", "-x", "2", "-y", "3", "--hessian", "--ascii").stdout
    assert ascii.isascii()
    assert "analytic d^2 f/drow dcolumn" in ascii


def test_a_kink_within_h_is_not_a_failure() -> None:
    out = run("check", "relu(x)*x^2*y", "-x", "1e-6", "-y", "3", "--hessian", "--json")
    assert out.code == 0, out
    found = entries(out.json())
    assert found["x", "x"]["verdict"] == "kink"
    assert "within h of the kink of relu(x)" in found["x", "x"]["note"]


def test_a_too_large_step_is_inconclusive() -> None:
    out = run("check", "sin(x)*y", "-x", "1", "-y", "2", "--h", "0.1", "--hessian", "--json")
    assert out.code == 0, out
    found = entries(out.json())
    assert found["x", "x"]["verdict"] == "inconclusive"
    assert found["x", "x"]["note"].startswith("the step is too large")


def test_a_step_lost_in_rounding_is_inconclusive() -> None:
    # x ± 1e-20 == x at x = 1: both gradients are the same, so the difference is 0, not 2.
    out = run("check", "x^2 * y", "-x", "1", "-y", "1", "--h", "1e-20", "--hessian", "--json")
    assert out.code == 0, out
    found = entries(out.json())
    assert found["x", "x"]["verdict"] == "inconclusive"
    assert found["x", "x"]["note"].startswith("the step is too small: x ± h rounds to x itself")


def test_a_gradient_undefined_at_x_plus_or_minus_h() -> None:
    out = run("check", "x^1.5 * y", "-x", "1e-7", "-y", "2", "--hessian", "--json")
    assert out.code == 0, out
    found = entries(out.json())
    assert found["x", "x"]["verdict"] == "undefined"
    assert found["x", "x"]["numerical"] is None
    assert found["x", "x"]["note"].startswith("the gradient is not defined at x ± h: ")
    assert found["y", "y"]["verdict"] == "ok"


def test_wrt_checks_only_the_inputs_chosen() -> None:
    data = ok("check", *SEED, "--hessian", "--wrt", "z,x", "--json").json()
    assert list(entries(data)) == [("x", "x"), ("x", "z"), ("z", "x"), ("z", "z")]
    assert entries(data)["x", "z"]["analytic"] == 1.0


def test_math_errors_in_second_derivatives_exit_1() -> None:
    out = run("check", "y * x^1.5", "-x", "0", "-y", "2", "--hessian", "--json")
    assert out.code == 1
    assert out.json()["error"]["message"] == "the second derivative of x^1.5 is infinite or undefined where x = 0"


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_passes_the_check(op: Op) -> None:
    source, names = program(op)
    at = point(op, source, names)
    data = ok("check", source, *(f"{n}={v!r}" for n, v in at.items()), "--hessian", "--json").json()
    assert data["ok"] is True
    assert all(e["verdict"] == "ok" for e in data["hessian"]["entries"]), data["hessian"]
