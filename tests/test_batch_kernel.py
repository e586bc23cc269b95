"""The vectorized kernel: every op of the table against the float engine, row by row, and the Python API.

NumPy's +, -, *, /, sqrt, exp, log, sin, cos, tan and float_power are the C library's, as Python's math
is; sigmoid and tanh are written as the float functions compute them (NumPy's own tanh is up to 2 ulp
away, and ``**`` squares by x * x, 1 ulp away from pow: 1 - tanh^2 turns either into many ulp of a
gradient). So on this platform rows agree to the last bit; the contract tested is 4 ulp.
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest

import backprop_cli
from backprop_cli.batch.kernel import Kernel
from backprop_cli.engine import evaluate
from backprop_cli.errors import MathError
from backprop_cli.formula import Builder
from backprop_cli.ops import OPS
from backprop_cli.parse import parse
from backprop_cli.printer import to_text
from backprop_cli.styles import ASCII

ULPS = 4
NAMES = ("x", "y", "z")


def op_expression(op: str) -> str:
    """``q = op(x, y, z)``, written by the printer in the tool's own language (as a statement, so that
    even ``copy`` is a node of its own)."""
    b = Builder()
    b.node(op, *(b.var(NAMES[k]) for k in range(OPS[op].arity)))
    return f"q = {to_text(b.build(), ASCII)}"


SCALAR_OPS = [name for name, op in OPS.items() if op.arity and op.shape is None and not op.rule_only]
"""The ops of scalar expressions (array ops and the array rules' helpers are not batch's)."""


def ulps(a: float, b: float) -> float:
    """Distance in units in the last place (of the larger magnitude)."""
    if a == b:
        return 0.0
    return abs(a - b) / math.ulp(max(abs(a), abs(b)))


def points(arity: int, rng: np.random.Generator, rows: int = 400) -> dict[str, np.ndarray]:
    """Random points, with the values where rules have conventions (0, ties, integers) mixed in."""
    columns = {}
    for k in range(arity):
        values = rng.normal(0, 2, rows)
        values[::7] = 0.0
        values[::11] = np.round(values[::11])
        values[::13] = -values[::13]
        columns[NAMES[k]] = values
    if arity >= 2:
        columns["y"][::5] = columns["x"][::5]  # ties of max and min
    return columns


def assert_rows_agree(expr: str, columns: dict[str, np.ndarray], kernel: Kernel) -> int:
    """Every row of the kernel equals the float engine's evaluation of that point (or both fail)."""
    graph = parse(expr)
    result = kernel.evaluate(columns)
    failed = {row for row, _ in result.errors}
    rows = len(next(iter(columns.values())))
    agreed = 0
    for r in range(rows):
        point = {name: float(column[r]) for name, column in columns.items()}
        message: str | None = None
        try:
            ev = evaluate(graph, point, wrt=kernel.wrt)
        except MathError as err:
            message = err.message
        if message is not None:
            assert dict(result.errors).get(r) is not None, (
                f"{expr} at {point}: eval fails ({message}), the kernel does not"
            )
            assert dict(result.errors)[r].message == message
            continue
        assert r not in failed, f"{expr} at {point}: the kernel fails, eval does not"
        assert ulps(result.value[r], ev.value) <= ULPS, (expr, point, result.value[r], ev.value)
        for name, grad in ev.input_grads().items():
            assert ulps(result.gradients[name][r], grad) <= ULPS, (expr, name, point, result.gradients[name][r], grad)
        agreed += 1
    return agreed


@pytest.mark.parametrize("op", SCALAR_OPS)
def test_every_op_vectorized_equals_the_float_engine_row_by_row(op: str) -> None:
    expr = op_expression(op)
    columns = points(OPS[op].arity, np.random.default_rng(len(op)))
    graph = parse(expr)
    assert op in graph.ops, expr
    columns = {name: columns[name] for name in graph.inputs}
    agreed = assert_rows_agree(expr, columns, Kernel(graph))
    assert agreed >= 100, f"only {agreed} rows of {expr} were in the op's domain"


@pytest.mark.parametrize(
    "expr",
    [
        "sigmoid(w0*x0 + w1*x1 + w2)",
        "q = x + y; f = q * z",
        "x^2 * y + sin(x*y) / (1 + exp(-y))",
        "log(1 + x^2) - tanh(x) * y + max(x, y) - relu(x - y) + abs(y)",
        "a = x*y; b = a + x; f = a*b + sqrt(1 + b^2)",
    ],
)
def test_programs_equal_the_float_engine(expr: str) -> None:
    graph = parse(expr)
    rng = np.random.default_rng(5)
    columns = {name: rng.normal(0, 1.5, 300) for name in graph.inputs}
    assert assert_rows_agree(expr, columns, Kernel(graph)) == 300


def test_generated_code_is_readable_staged_numpy() -> None:
    source = Kernel(parse("(x+y)*z")).source
    assert source.splitlines()[:6] == [
        "def kernel(inputs, consts, check):",
        "    v0 = inputs[0]",
        "    v1 = inputs[1]",
        "    v2 = v0 + v1",
        "    v3 = inputs[3]",
        "    v4 = v2 * v3",
    ]
    # Nodes are named by number: no text of the user's reaches the generated code.
    assert "secret" not in Kernel(parse("secret_name * exp(secret_name)")).source


def test_docs_show_the_real_generated_code() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "batch.md").read_text(encoding="utf-8")
    call = '>>> print(backprop_cli.compile("(x+y)*z").source)\n'
    shown = doc[doc.index(call) + len(call) :].split("```")[0]
    assert shown == backprop_cli.compile("(x+y)*z").source


def test_wrt_and_scalars_broadcast() -> None:
    f = backprop_cli.compile("sigmoid(w0*x0 + w1*x1 + w2)", wrt=["x0", "x1"])
    xs = np.linspace(-2, 2, 5)
    result = f(w0=2.0, x0=xs, w1=-3.0, x1=-2.0, w2=-3.0)
    assert list(result.gradients) == ["x0", "x1"]
    assert result.value.shape == (5,)
    ev = evaluate(parse("sigmoid(w0*x0 + w1*x1 + w2)"), {"w0": 2.0, "x0": xs[1], "w1": -3.0, "x1": -2.0, "w2": -3.0})
    assert result.gradients["x1"][1] == ev.input_grads()["x1"]


def test_returned_arrays_are_fresh_even_where_gradients_are_shared() -> None:
    f = backprop_cli.compile("(x+y)*z")
    x = np.array([1.0, 2.0])
    result = f(x=x, y=np.array([3.0, 4.0]), z=np.array([5.0, 6.0]))
    assert result.gradients["x"] is not result.gradients["y"]
    result.gradients["x"][0] = 99.0
    assert result.gradients["y"][0] == 5.0
    identity = backprop_cli.compile("x")(x=x)
    assert identity.value is not x
    assert list(identity.gradients["x"]) == [1.0, 1.0]


def test_math_errors_raise_naming_the_row_or_leave_nan() -> None:
    f = backprop_cli.compile("log(x)")
    with pytest.raises(MathError, match=r"row 1: log of zero"):
        f(x=np.array([1.0, 0.0, -1.0]))
    result = f("nan", x=np.array([1.0, 0.0, -1.0]))
    assert result.value[0] == 0.0
    assert np.isnan(result.value[1:]).all()
    assert [row for row, _ in result.errors] == [1, 2]


def test_missing_input_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="missing input: y"):
        backprop_cli.compile("x*y")(x=1.0)


def test_the_kernel_pickles_for_dask_workers() -> None:
    f = backprop_cli.compile("x^2 * y", wrt=["x"])
    g: Any = pickle.loads(pickle.dumps(f))
    assert g.source == f.source
    assert g(x=3.0, y=2.0).gradients["x"] == 12.0


def test_the_package_and_eval_import_no_numpy_pyarrow_or_polars() -> None:
    import subprocess
    import sys

    code = (
        "import sys, contextlib, io, backprop_cli.cli as c\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    c.cli.main(['eval', 'sigmoid(w*x)', '-w', '2', '-x', '1', '--json'])\n"
        "print(sorted(m for m in ('numpy', 'pyarrow', 'polars') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_long_columns_run_in_tiles_with_errors_at_their_global_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_cli.batch import kernel

    monkeypatch.setattr(kernel, "TILE", 7)
    x = np.arange(1.0, 31.0)
    x[[3, 22]] = 0.0
    result = backprop_cli.compile("log(x) * y")("nan", x=x, y=2.0)
    assert [row for row, _ in result.errors] == [3, 22]
    assert result.value[4] == math.log(5.0) * 2.0
    assert result.gradients["x"][29] == 2.0 / 30.0
    assert result.gradients["y"].shape == (30,)
