"""Vectors and matrices: the worked examples of issue 14 checked entry by entry against central
differences and against closed forms written here with NumPy; broadcasting; values and literals."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.arrays.engine import evaluate
from backprop_cli.arrays.evaluation import ArrayEvaluation
from backprop_cli.arrays.gradcheck import check
from backprop_cli.parse import parse
from conftest import run

rng = np.random.default_rng(14)
Array = Any


def ev(source: str, **values: Any) -> ArrayEvaluation:
    inputs = {k: np.asarray(v, dtype=np.float64) if np.ndim(v) else float(v) for k, v in values.items()}
    return evaluate(parse(source), inputs)


def numerical(f: Callable[..., float], values: dict[str, Array], name: str, h: float = 1e-3) -> Array:
    """Fourth-order central differences of a NumPy function f(**values), entry by entry of values[name]:
    (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, accurate to ~1e-12 where second order is not
    (its rounding error alone is ~1e-11, too much for 1e-7 relative on an entry of 1e-4)."""
    x = np.asarray(values[name], dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        step = h * max(1.0, abs(float(x[index])))
        f_at = []
        for k in (2, 1, -1, -2):
            moved = x.copy()
            moved[index] += k * step
            f_at.append(f(**{**values, name: moved}))
        grad[index] = (-f_at[0] + 8 * f_at[1] - 8 * f_at[2] + f_at[3]) / (12 * step)
    return grad


def _stencil_is_smooth(f: Callable[..., float], values: dict[str, Any], name: str) -> bool:
    """Central differences of ``f`` with the step of :func:`numerical` and with a tenth of it agree:
    no kink lies within the stencil (a smooth f agrees to ~1e-9; a kink changes the slope by O(1))."""

    def g(**v: Any) -> float:
        return f(**{k: np.asarray(x) if np.ndim(x) else float(x) for k, x in v.items()})

    arrays = {k: np.asarray(v) for k, v in values.items()}
    return rel_error(numerical(g, arrays, name), numerical(g, arrays, name, h=1e-4)) < 1e-6


def rel_error(a: Array, b: Array) -> float:
    """The worst |a − b| / max(|a|, |b|), or |a − b| where both are below 1e-10 (an exact zero)."""
    scale = np.maximum(np.abs(a), np.abs(b))
    return float(np.max(np.where(scale < 1e-10, np.abs(a - b), np.abs(a - b) / np.maximum(scale, 1e-10))))


def assert_gradients(source: str, f: Callable[..., float], closed: dict[str, Array], **values: Any) -> ArrayEvaluation:
    """The tool's gradients equal the closed forms (1e-12) and NumPy central differences (1e-7) entry by
    entry, and the tool's own check agrees."""
    result = ev(source, **values)
    assert float(result.value) == pytest.approx(f(**values), rel=1e-12)
    grads = result.input_grads()
    for name, expected in closed.items():
        got = grads[name]
        assert got is not None and got.shape == np.shape(values[name]), name
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14, err_msg=name)
        assert rel_error(got, numerical(f, values, name)) < 1e-7, name
    _, checks = check(parse(source), {k: np.asarray(v, dtype=np.float64) for k, v in values.items()})
    for c in checks:
        if c.name in closed:
            assert c.verdict == "ok" and c.worst_error is not None and c.worst_error < 1e-7, (c.name, c.worst_error)
    return result


# The worked examples of the issue ------------------------------------------------------------------


def test_the_notes_matrix_product_D_equals_W_X() -> None:
    W, X = rng.normal(size=(5, 10)), rng.normal(size=(10, 3))
    dD = np.ones((5, 3))
    assert_gradients(
        "D = W @ X; f = sum(D)",
        lambda W, X: float(np.sum(W @ X)),
        {"W": dD @ X.T, "X": W.T @ dD},
        W=W,
        X=X,
    )


def test_linear_svm_loss_of_one_example() -> None:
    W, x, y = rng.normal(size=(3, 4)), rng.normal(size=4), 1

    def svm(W: Array, x: Array) -> float:
        s = W @ x
        margins = np.maximum(0.0, s - s[y] + 1.0)
        margins[y] = 0.0
        return float(np.sum(margins))

    s = W @ x
    positive = (s - s[y] + 1.0 > 0).astype(float)
    positive[y] = 0.0
    ds = positive.copy()
    ds[y] = -positive.sum()
    assert_gradients(
        "s = W @ x; loss = sum(max(s - s[y] + 1, 0)) - 1",
        lambda W, x, **_: svm(W, x),
        {"W": np.outer(ds, x), "x": W.T @ ds},
        W=W,
        x=x,
        y=y,
    )


@pytest.mark.parametrize(
    "source",
    [
        "s = W @ x; loss = logsumexp(s) - s[y]",
        "s = W @ x; loss = -log(softmax(s)[y])",
        "loss = -log(pick(softmax(W @ x), y))",
    ],
)
def test_softmax_loss_of_one_example(source: str) -> None:
    W, x, y = rng.normal(size=(3, 4)), rng.normal(size=4), 2

    def softmax_loss(W: Array, x: Array, **_: Any) -> float:
        s = W @ x
        return float(np.log(np.sum(np.exp(s))) - s[y])

    s = W @ x
    p = np.exp(s - s.max()) / np.sum(np.exp(s - s.max()))
    ds = p - np.eye(3)[y]
    assert_gradients(source, softmax_loss, {"W": np.outer(ds, x), "x": W.T @ ds}, W=W, x=x, y=y)


TWO_LAYER = "h = relu(W1 @ x + b1); s = W2 @ h + b2; loss = logsumexp(s) - s[y]"


def test_two_layer_net_with_relu_and_logsumexp() -> None:
    W1, b1 = rng.normal(size=(5, 4)), rng.normal(size=5)
    W2, b2 = rng.normal(size=(3, 5)), rng.normal(size=3)
    x, y = rng.normal(size=4), 0

    def net(W1: Array, b1: Array, W2: Array, b2: Array, x: Array, **_: Any) -> float:
        h = np.maximum(0.0, W1 @ x + b1)
        s = W2 @ h + b2
        return float(np.log(np.sum(np.exp(s))) - s[y])

    z = W1 @ x + b1
    h = np.maximum(0.0, z)
    s = W2 @ h + b2
    ds = np.exp(s) / np.sum(np.exp(s)) - np.eye(3)[y]
    dh = W2.T @ ds
    dz = dh * (z > 0)
    closed = {"W2": np.outer(ds, h), "b2": ds, "W1": np.outer(dz, x), "b1": dz, "x": W1.T @ dz}
    result = assert_gradients(TWO_LAYER, net, closed, W1=W1, b1=b1, W2=W2, b2=b2, x=x, y=y)
    assert result.input_grads()["y"] is None  # an index has no gradient


def test_a_batch_softmax_loss_with_one_index_per_row() -> None:
    X, W, y = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), np.array([0, 2, 1, 1, 0, 2])

    def loss(X: Array, W: Array, **_: Any) -> float:
        S = X @ W
        return float(np.mean(np.log(np.sum(np.exp(S), axis=1)) - S[np.arange(6), y]))

    S = X @ W
    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    dS = (P - np.eye(3)[y]) / 6
    assert_gradients(
        "S = X @ W; loss = mean(logsumexp(S, axis=1) - S[y])",
        loss,
        {"W": X.T @ dS, "X": dS @ W.T},
        X=X,
        W=W,
        y=y,
    )


# Every array op of the table, and broadcasting ----------------------------------------------------

OP_CASES: list[tuple[str, Callable[..., float], dict[str, tuple[int, ...]]]] = [
    ("sum(A @ B * C)", lambda A, B, C: float(np.sum(A @ B * C)), {"A": (2, 3), "B": (3, 4), "C": (2, 4)}),
    ("sum((A @ v) * u)", lambda A, v, u: float(np.sum((A @ v) * u)), {"A": (2, 3), "v": (3,), "u": (2,)}),
    ("sum((v @ A) * u)", lambda A, v, u: float(np.sum((v @ A) * u)), {"A": (3, 2), "v": (3,), "u": (2,)}),
    ("u @ v", lambda u, v: float(u @ v), {"u": (4,), "v": (4,)}),
    ("dot(u, v) * 2", lambda u, v: float(2 * np.dot(u, v)), {"u": (4,), "v": (4,)}),
    ("sum(outer(u, v) * C)", lambda u, v, C: float(np.sum(np.outer(u, v) * C)), {"u": (2,), "v": (3,), "C": (2, 3)}),
    ("sum(A.T * C)", lambda A, C: float(np.sum(A.T * C)), {"A": (2, 3), "C": (3, 2)}),
    ("sum(transpose(A) * C)", lambda A, C: float(np.sum(A.T * C)), {"A": (2, 3), "C": (3, 2)}),
    ("sum(sum(A, 0) * u)", lambda A, u: float(np.sum(np.sum(A, 0) * u)), {"A": (2, 3), "u": (3,)}),
    ("sum(sum(A, axis=-1) * u)", lambda A, u: float(np.sum(np.sum(A, -1) * u)), {"A": (2, 3), "u": (2,)}),
    ("mean(A * A)", lambda A: float(np.mean(A * A)), {"A": (3, 4)}),
    ("sum(mean(A, axis=1) * u)", lambda A, u: float(np.sum(np.mean(A, 1) * u)), {"A": (2, 3), "u": (2,)}),
    ("max(A * u)", lambda A, u: float(np.max(A * u)), {"A": (2, 3), "u": (3,)}),
    ("sum(max(A, axis=0) * u)", lambda A, u: float(np.sum(np.max(A, 0) * u)), {"A": (4, 3), "u": (3,)}),
    ("logsumexp(A)", lambda A: float(np.log(np.sum(np.exp(A)))), {"A": (2, 3)}),
    (
        "sum(logsumexp(A, axis=0) * u)",
        lambda A, u: float(np.sum(np.log(np.sum(np.exp(A), 0)) * u)),
        {"A": (2, 3), "u": (3,)},
    ),
    (
        "sum(softmax(A, axis=1) * C)",
        lambda A, C: float(np.sum(np.exp(A) / np.sum(np.exp(A), 1, keepdims=True) * C)),
        {"A": (2, 3), "C": (2, 3)},
    ),
    ("sum(reshape(A, [3, 2]) * C)", lambda A, C: float(np.sum(A.reshape(3, 2) * C)), {"A": (2, 3), "C": (3, 2)}),
    ("sum(reshape(A, [-1]) * u)", lambda A, u: float(np.sum(A.reshape(-1) * u)), {"A": (2, 3), "u": (6,)}),
    # Elementwise ops with broadcasting: each gradient summed back to its input's shape.
    ("sum((A + b) * C)", lambda A, b, C: float(np.sum((A + b) * C)), {"A": (4, 3), "b": (3,), "C": (4, 3)}),
    ("sum(A * b)", lambda A, b: float(np.sum(A * b)), {"A": (4, 3), "b": (4, 1)}),
    ("sum(u - v)", lambda u, v: float(np.sum(u - v)), {"u": (3, 1), "v": (1, 4)}),
    ("sum(A / (k + 3))", lambda A, k: float(np.sum(A / (k + 3))), {"A": (2, 2), "k": ()}),
    (
        "sum(exp(A) * sigmoid(A) + tanh(b))",
        lambda A, b: float(np.sum(np.exp(A) / (1 + np.exp(-A)) + np.tanh(b))),
        {"A": (2, 3), "b": (3,)},
    ),
    (
        "sum(sin(A) * cos(b) + A ^ 2)",
        lambda A, b: float(np.sum(np.sin(A) * np.cos(b) + A**2)),
        {"A": (2, 3), "b": (2, 1)},
    ),
]


@pytest.mark.parametrize(("source", "f", "shapes"), OP_CASES, ids=[c[0] for c in OP_CASES])
def test_array_ops_match_central_differences(
    source: str, f: Callable[..., float], shapes: dict[str, tuple[int, ...]]
) -> None:
    # Each case draws from its own generator, so that its point does not depend on which tests ran
    # before it in the same process (with pytest-xdist, that changes from run to run); and a point
    # where a max is within the differences' stencil of a tie (about 2% of draws) is drawn again:
    # there the central differences measure the kink, not the gradient.
    draw = np.random.default_rng(zlib.crc32(source.encode()))
    while True:
        values = {name: draw.normal(size=shape) if shape else float(draw.normal()) for name, shape in shapes.items()}
        if all(_stencil_is_smooth(f, values, name) for name in values):
            break
    result = ev(source, **values)
    assert float(result.value) == pytest.approx(f(**values), rel=1e-12)
    for name, grad in result.input_grads().items():
        assert grad is not None and grad.shape == np.shape(values[name])
        expected = numerical(
            lambda **v: f(**{k: np.asarray(x) if np.ndim(x) else float(x) for k, x in v.items()}),
            {k: np.asarray(v) for k, v in values.items()},
            name,
        )
        assert rel_error(grad, expected) < 1e-7, (name, grad, expected)


def test_every_array_op_of_the_table_is_covered() -> None:
    from backprop_cli.ops import FUNCTIONS

    covered = {op for source, _, _ in OP_CASES for op in parse(source).ops}
    array_ops = {op.name for op in FUNCTIONS.values() if op.vjp} - {"pick"}  # pick: the worked examples
    assert array_ops <= covered, array_ops - covered


def test_a_bias_added_to_every_row_gets_the_column_sums() -> None:
    A, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    G = rng.normal(size=(4, 3))
    result = ev("sum((A + b) * G)", A=A, b=b, G=G)
    np.testing.assert_allclose(result.input_grads()["b"], G.sum(axis=0), rtol=1e-12)  # type: ignore[arg-type]


def test_max_shares_the_gradient_at_a_tie_like_the_scalar_max() -> None:
    assert ev("max(A)", A=[1.0, 3.0, 3.0]).input_grads()["A"].tolist() == [0, 0.5, 0.5]  # type: ignore[union-attr]


def test_literals_and_scalars_mix() -> None:
    result = ev("sum([[1, 2], [3, 4]] @ x * k)", x=[1.0, -1.0], k=2.0)
    assert float(result.value) == -4.0
    assert result.input_grads()["x"].tolist() == [8.0, 12.0]  # type: ignore[union-attr]
    assert result.input_grads()["k"].tolist() == -2.0  # type: ignore[union-attr]


# The command line ---------------------------------------------------------------------------------


def test_values_as_json_and_the_table_shows_shapes() -> None:
    result = run("eval", "D = W @ X; f = sum(D)", "-W", "[[1, 2], [3, 4]]", "-X", "[[1, 0], [0, 1]]")
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == "f = 10"
    assert any(line.startswith("D ") and "(2×2)" in line and "dW = dD · Xᵀ" in line for line in lines), result
    assert "∂f/∂W = [[1 1]" in result.stdout


def test_json_has_shapes_and_nested_lists() -> None:
    result = run("eval", "W @ x", "-W", "[[1, 2], [3, 4], [5, 6]]", "-x", "[1, -1]", "--json")
    assert result.code == 0, result
    data = result.json()
    assert data["value"] == [-1, -1, -1] and data["shape"] == [3]
    assert data["gradients"] == {"W": [[1, -1]] * 3, "x": [9, 12]}
    assert [n["shape"] for n in data["nodes"]] == [[3, 2], [2], [3]]
    assert "not a scalar" in result.stderr  # the gradients are those of sum(W @ x)


def test_values_from_json_and_npy_files(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text("[[1, 2], [3, 4]]")
    np.save(tmp_path / "x.npy", np.array([1, -1], dtype=np.int64))
    result = run("eval", "sum(W @ x)", "-W", f"@{tmp_path / 'w.json'}", "-x", f"@{tmp_path / 'x.npy'}", "--json")
    assert result.code == 0, result
    assert result.json()["value"] == -2
    assert result.json()["gradients"]["x"] == [4, 6]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[[1, 2], [3]]", "the value of W is not rectangular: at depth 2, list 2 has 1 items but list 1 has 2"),
        ("[1, 2", "the value of W is not valid JSON"),
        ('[1, "a"]', 'the value of W holds "a", which is not a number'),
        ("[1, true]", "the value of W holds true, which is not a number"),
        ("[[1], 2]", "the value of W mixes numbers and lists at depth 2"),
        ("[]", "the value of W has an empty list"),
        ("[1e999]", "the value of W has a number too large for a float64"),
        ("[NaN]", "the value of W is not valid: NaN"),
        ("@", "-W @: give a file after the @"),
        ("@/nonexistent/w.json", "cannot read /nonexistent/w.json (the value of W)"),
    ],
)
def test_bad_array_values_are_usage_errors(value: str, message: str) -> None:
    result = run("eval", "sum(W)", "-W", value)
    assert result.code == 2, result
    assert result.stderr.startswith(f"error: {message}"), result


def test_a_npy_file_of_strings_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    result = run("eval", "sum(W)", "-W", f"@{tmp_path / 's.npy'}")
    assert result.code == 2, result
    assert "holds <U1 values, not real numbers" in result.stderr


SHAPE_ERRORS = [
    (
        "W @ x",
        ["-W", "[[1, 2, 3], [4, 5, 6]]", "-x", "[1, 2, 3, 4]"],
        "W @ x: (2×3) @ (4) — W has 3 columns but x has 4 rows",
        "^~~~~",
    ),
    ("A @ B", ["-A", "[[1, 2]]", "-B", "[[1, 2]]"], "A @ B: (1×2) @ (1×2) — A has 2 columns but B has 1 rows", "^~~~~"),
    ("u @ v", ["-u", "[1, 2]", "-v", "[1, 2, 3]"], "u @ v: (2) @ (3) — u has 2 entries but v has 3", "^~~~~"),
    (
        "1 + (A + b)",
        ["-A", "[[1, 2, 3]]", "-b", "[1, 2]"],
        "A + b: (1×3) + (2) — b has 2 entries but A has 3 columns",
        "     ^~~~~",
    ),
    (
        "u * v",
        ["-u", "[[1], [2]]", "-v", "[[1], [2], [3]]"],
        "u * v: (2×1) * (3×1) — their dimension 2 from the right differs, 2 against 3",
        "^~~~~",
    ),
    (
        "x @ A",
        ["-x", "2", "-A", "[[1]]"],
        "x @ A: () @ (1×1) — x is a scalar; @ multiplies vectors and matrices (use * to scale)",
        "^~~~~",
    ),
    (
        "sum(A, 2)",
        ["-A", "[[1]]"],
        "sum(A, 2): sum((1×1), axis=2) — A has 2 dimensions, so the axis is one of 0, 1, -1, -2, not 2",
        "^~~~~~~~~",
    ),
    ("max(x)", ["-x", "1"], "max(x): max(()) — x is a scalar; max() of one argument is the largest entry", "^~~~~~"),
    ("s[y]", ["-s", "[1, 2, 3]", "-y", "3"], "s[y]: the index y = 3 is out of range: s has 3 entries (0 to 2)", "^~~~"),
    ("s[y]", ["-s", "[1, 2, 3]", "-y", "0.5"], "s[y]: the index y must be a whole number, not 0.5", "^~~~"),
    (
        "reshape(A, [4])",
        ["-A", "[1, 2, 3]"],
        "reshape(A, [4]): reshape((3), (1)) — A has 3 entries but (4) holds 4",
        "^~~~",
    ),
    (
        "outer(A, v)",
        ["-A", "[[1]]", "-v", "[1]"],
        "outer(A, v): outer((1×1), (1)) — outer takes two vectors, and A has 2 dimensions (1×1)",
        "^~~~",
    ),
]


@pytest.mark.parametrize(("source", "values", "message", "caret"), SHAPE_ERRORS, ids=[c[2][:40] for c in SHAPE_ERRORS])
def test_shape_errors_say_both_shapes_in_words(source: str, values: list[str], message: str, caret: str) -> None:
    result = run("eval", source, *values)
    assert result.code == 1, result
    assert result.stderr.startswith(f"error: {message}"), result
    assert f"\n  {caret}" in result.stderr, result
    data = run("eval", source, *values, "--json")
    assert data.code == 1 and data.json()["error"]["kind"] == "math"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("[[1, 2], [3]]", "the rows of an array literal must have one shape: this one is (1), the first is (2)"),
        ("[[1, 2], 3]", "an array literal mixes numbers and lists"),
        ("sum(A, x)", "the axis must be a whole number written out, as in sum(A, 0)"),
        ("sum(A, axis=0.5)", "axis= takes a whole number"),
        ("exp(A, axis=0)", "exp() takes no keyword arguments"),
        ("sum(A, 0, 1)", "sum() takes 1 argument and optionally axis=k, got 3"),
        ("expand(A, A)", "unknown function 'expand'"),
    ],
)
def test_array_syntax_errors(source: str, message: str) -> None:
    result = run("eval", source, "-A", "[1]", "-x", "0")
    assert result.code == 2, result
    assert result.stderr.startswith(f"error: {message}"), result


def test_check_of_arrays_takes_max_rows() -> None:
    """One row per input, capped as the scalar check's rows are."""
    values = ["-a", "[1, 2]", "-b", "[1, 2]", "-c", "[1, 2]"]
    result = run("check", "sum(a) + sum(b) + sum(c)", *values, "--max-rows", "2")
    assert result.code == 0, result
    out = result.stdout.splitlines()
    assert [line.split()[0] for line in out[3:6]] == ["a", "⋮", "c"]
    assert out[6] == "showing 2 of 3 rows: 1 left out, 0 of them wrong; --max-rows 0 shows all"


def test_check_reports_the_worst_entry_per_input() -> None:
    result = run(
        "check",
        TWO_LAYER,
        "-W1",
        "[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
        "-x",
        "[1, 2, 3]",
        "-b1",
        "[0.1, -0.1]",
        "-W2",
        "[[1, -1], [0.5, 0.2], [-0.3, 0.8]]",
        "-b2",
        "[0, 0, 0]",
        "-y",
        "2",
        "--json",
    )
    assert result.code == 0, result
    data = result.json()
    assert [c["input"] for c in data["checks"]] == ["W1", "x", "b1", "W2", "b2"]  # y is an index: nothing to check
    for c in data["checks"]:
        assert c["verdict"] == "ok" and c["worst_rel_error"] < 1e-7
        assert np.shape(c["numerical"]) == tuple(c["shape"]) == np.shape(c["rel_error"])
    table = run("check", "sum(W @ x)", "-W", "[[1, 2], [3, 4]]", "-x", "[1, -1]")
    assert table.code == 0, table
    assert "worst relative error over the entries" in table.stdout


def test_graph_labels_wires_with_shapes() -> None:
    result = run("graph", "sum(W @ x)", "-W", "[[1, 2], [3, 4]]", "-x", "[1, -1]", "--format", "mermaid")
    assert result.code == 0, result
    green, red = "<span style='color:#2e7d32'>{}</span>", "<span style='color:#c62828'>{}</span>"
    wire = '  {} -->|"' + green + "<br/>" + red + '"| {}'
    assert wire.format("n0", "(2×2)", "(2×2)", "n2") in result.stdout.splitlines()
    assert wire.format("n2", "(2)", "(2)", "n3") in result.stdout.splitlines()
    assert wire.format("n3", "-2", "1", "out") in result.stdout.splitlines()
    assert run("graph", "sum(W @ x)", "-W", "[[1, 2], [3, 4]]", "-x", "[1, -1]").stdout.count("(2×2)") == 2


# Properties: random shapes and broadcasting -------------------------------------------------------

ELEMENTWISE = ["a + b", "a - b", "a * b", "a / (b * b + 1)", "exp(a) * tanh(b)", "sigmoid(a) - sin(b)", "a * a * b"]


@st.composite
def broadcasting_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast: a full one, and the other with dimensions dropped from the left or set to 1."""
    full = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    drop = draw(st.integers(0, len(full)))
    other = tuple(d if draw(st.booleans()) else 1 for d in full[drop:])
    return (full, other) if draw(st.booleans()) else (other, full)


@settings(max_examples=150, deadline=None)
@given(broadcasting_shapes(), st.sampled_from(ELEMENTWISE), st.integers(0, 2**32 - 1))
def test_broadcast_gradients_match_central_differences(
    shapes: tuple[tuple[int, ...], tuple[int, ...]], body: str, seed: int
) -> None:
    """sum(C * f(a, b)) for random broadcasting shapes: each gradient has its input's shape and equals
    the centred differences of every entry."""
    # Entries in [0.5, 1.5]: no gradient entry is near zero, where any finite difference's rounding
    # error (~1e-12 of |f|) would be a large relative error of a correct gradient.
    r = np.random.default_rng(seed)
    a, b = (r.uniform(0.5, 1.5, size=s) for s in shapes)
    C = r.uniform(0.5, 1.5, size=np.broadcast_shapes(*shapes))
    result = ev(f"sum(C * ({body}))", a=a, b=b, C=C)
    _, checks = check(parse(f"sum(C * ({body}))"), {"a": a, "b": b, "C": C})
    for c in checks:
        assert c.analytic.shape == np.shape({"a": a, "b": b, "C": C}[c.name])
        assert c.worst_error is not None and c.worst_error < 1e-7, (body, shapes, c.name, c.worst_error)
    assert result.input_grads()["C"] is not None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.sampled_from(
        ["a @ b", "a + b", "a * b", "outer(a, b)", "sum(a, 1) + b", "a[b]", "reshape(a, [5])", "max(a, axis=2)"]
    ),
)
def test_random_shapes_give_an_answer_or_a_shape_error(sa: list[int], sb: list[int], source: str) -> None:
    """Whatever the shapes, the command line answers or says what does not fit: never a traceback."""
    a = json.dumps(np.ones(sa).tolist())
    b = json.dumps(np.zeros(sb).tolist())
    result = run("eval", source, "-a", a, "-b", b, "--json")
    assert result.code in (0, 1), result
    assert "Traceback" not in result.stderr
    if result.code == 1:
        error = result.json()["error"]
        assert error["kind"] == "math" and error["column"] is not None, error


def test_scalar_runs_never_import_numpy() -> None:
    """The scalar cold start is unchanged: NumPy is imported only when an array value or literal is given."""
    code = (
        "import sys; from backprop_cli.cli import main; sys.argv = {argv!r}\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('numpy' in sys.modules, file=sys.stderr)"
    )
    for argv, imported in [
        (["backprop", "eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4", "--json"], "False"),
        (["backprop", "eval", "sum(W)", "-W", "[1, 2]", "--json"], "True"),
        (["backprop", "eval", "sum([1, 2] * x)", "-x", "3", "--json"], "True"),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", code.format(argv=argv)], capture_output=True, text=True, check=False
        )
        assert done.stderr.strip().splitlines()[-1] == imported, (argv, done.stderr)


def test_steps_write_each_gradient_rule_with_its_shapes() -> None:
    W = json.dumps(rng.normal(size=(5, 10)).round(3).tolist())
    X = json.dumps(rng.normal(size=(10, 3)).round(3).tolist())
    result = run("eval", "D = W @ X; f = sum(D)", "-W", W, "-X", X, "--steps")
    assert result.code == 0, result
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert "D = W · X   (5×3) = (5×10) · (10×3)" in lines
    assert "dD = expand(df, D)   (5×3)" in lines
    assert "dW = dD · Xᵀ   (5×10) = (5×3)(3×10)" in lines
    assert "dX = Wᵀ · dD   (10×3) = (10×5)(5×3)" in lines


def test_steps_show_the_sum_that_undoes_broadcasting() -> None:
    result = run(
        "eval",
        "f = sum((A + b) * C)",
        "-A",
        "[[1, 2], [3, 4], [5, 6]]",
        "-b",
        "[1, -1]",
        "-C",
        "[[1, 0], [0, 1], [1, 1]]",
        "--steps",
    )
    assert result.code == 0, result
    assert "db = sum(dt1, axis=0)   (2) ← (3×2), summed over axis 0: broadcast = [2 2]" in result.stdout.splitlines()
    data = run(
        "eval", "f = sum((A + b) * C)", "-A", "[[1, 2]]", "-b", "[1, -1]", "-C", "[[1, 0]]", "--steps", "--json"
    ).json()
    step = {
        "id": 1,
        "label": "b",
        "formula": "db = sum(dt1, axis=0)",
        "shapes": "(2) ← (1×2), summed over axis 0: broadcast",
    }
    assert step in data["steps"]


def test_the_two_layer_demo() -> None:
    from backprop_cli.demos import ARRAY_DEMOS

    values = {k: np.asarray(v, dtype=np.float64) for k, v in ARRAY_DEMOS["two-layer"].values.items()}
    W1, b1, W2, b2, x, y = (values[k] for k in ("W1", "b1", "W2", "b2", "x", "y"))
    z = W1 @ x + b1
    h = np.maximum(z, 0)
    s = W2 @ h + b2
    ds = np.exp(s) / np.exp(s).sum() - np.eye(3)[int(y)]
    dz = (W2.T @ ds) * (z > 0)
    data = run("demo", "two-layer", "--json").json()
    assert data["value"] == pytest.approx(np.log(np.exp(s).sum()) - s[int(y)], rel=1e-14)
    expected = {"W1": np.outer(dz, x), "x": W1.T @ dz, "b1": dz, "W2": np.outer(ds, h), "b2": ds}
    for name, grad in expected.items():
        np.testing.assert_allclose(data["gradients"][name], grad, rtol=1e-13, atol=1e-15, err_msg=name)
    assert data["gradients"]["y"] is None
    steps = run("demo", "two-layer")
    assert steps.code == 0, steps
    assert "dW2 = dt3 · hᵀ   (3×4) = (3×1)(1×4)" in steps.stdout.splitlines()
    assert "dt2 = dh × step(t2)   (4) = [-0.0281068 -0.0550308 0 0]" in steps.stdout.splitlines()
    assert "two-layer" in run("demo").stdout
    circuit = run("demo", "two-layer", "--circuit").stdout.splitlines()
    assert "│       ├── t3 = W2 · h  [matmul]  value (3)  grad (3)" in circuit  # shapes where values were
    assert "└── t5 = s[y]  [pick]  value 0.32  grad −1" in circuit
    assert run("demo", "two-layer", "--latex").stderr.startswith("error: --steps --latex is for scalar expressions")


def test_the_reference_lists_every_array_op_with_its_rules() -> None:
    """docs/arrays.md's table of operations says what the op table says."""
    from backprop_cli.ops import OPS

    page = (Path(__file__).resolve().parent.parent / "docs" / "arrays.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| ") and "`" in line}
    for op in OPS.values():
        if op.vjp:
            assert op.name in rows, op.name
            for rule in filter(None, op.vjp):
                assert f"`{rule}`" in rows[op.name], (op.name, rule)


def test_large_arrays_are_summarised_in_the_table_and_whole_in_json(tmp_path: Path) -> None:
    np.save(tmp_path / "w.npy", np.arange(100.0).reshape(10, 10))
    table = run("eval", "sum(W * W)", "-W", f"@{tmp_path / 'w.npy'}")
    assert table.code == 0, table
    assert "[[0 1 ... 8 9]" in table.stdout and "[90 91 ... 98 99]]" in table.stdout  # first and last rows, columns
    data = run("eval", "sum(W * W)", "-W", f"@{tmp_path / 'w.npy'}", "--json").json()
    assert data["gradients"]["W"] == (2 * np.arange(100.0).reshape(10, 10)).tolist()
    assert data["value"] == float(np.sum(np.arange(100.0) ** 2))
