"""The live page with vectors and matrices, driven in a real headless browser.

The page computes values and gradients in JavaScript (the op table's rules printed for arrays and a
small array runtime); they are read from the page and compared with `backprop eval --json`, at the
starting point and after an input is edited as a user types it.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backprop_cli.demos import ARRAY_DEMOS
from backprop_cli.ops import OPS
from backprop_cli.views.arrays import array_text
from browser import Keys, boxes_overlap, console_problems, current, keys, load, paste, requests, retype, visible_text
from conftest import expressions, ok, run

DOCS = Path(__file__).resolve().parent.parent / "docs"
TWO_LAYER = ARRAY_DEMOS["two-layer"]
NOTES = "D = W @ X\nf = sum(D)"
"""The notes' vectorized example: dW = ones · Xᵀ, dX = Wᵀ · ones."""

READ = """
const nested = (x) => (x === null ? null : toNested(x));
const r = state.result;
return {
  values: r.values.map(nested),
  grads: r.grads === null ? null : r.grads.map(nested),
  contrib: r.contrib === null ? null : r.contrib.map((row) => row.map(nested)),
  error: r.error,
  wires: [...document.querySelectorAll("#circuit .wire")].map((g) => [
    g.querySelector("text.value").textContent, g.querySelector("text.grad").textContent]),
  table: [...document.querySelectorAll("#nodes tbody tr")].map((tr) => [tr.cells[4].textContent, tr.cells[5].textContent]),
  line: document.getElementById("line").textContent,
  failed: [...document.querySelectorAll("#circuit .node.failed")].map((g) => Number(g.dataset.node)),
  errors: [...document.querySelectorAll("#circuit .node")].map((g) => g.querySelector("text.error").textContent),
  page: document.body.innerText,
};
"""


def words(values: dict[str, Any]) -> list[str]:
    return [w for name, v in values.items() for w in (f"-{name}", json.dumps(v))]


def make_page(tmp_path: Path, source: str, values: dict[str, Any]) -> Path:
    path = tmp_path / "page.html"
    ok("html", source, *words(values), "--output", str(path))
    return path


def shown(browser: Any) -> dict[str, Any]:
    result: dict[str, Any] = browser.execute_script(READ)
    return result


def assert_close(actual: Any, expected: Any, where: str) -> None:
    """Entry by entry, 1e-12 relative (the page's arithmetic is JavaScript's, eval's NumPy's)."""
    if expected is None:
        assert actual is None, where
        return
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert a.shape == e.shape, (where, a.shape, e.shape)
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    bad = [
        (index, x, y)
        for index, x, y in zip(np.ndindex(e.shape), a.flat, e.flat)
        if not math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15 * scale)
    ]
    assert not bad, (where, bad[:3])


def assert_matches_eval(
    page: dict[str, Any], source: str, values: dict[str, Any], data: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every node's value and gradient as eval --json has them (``data``, when the test has run it
    already); every wire's own contribution as graph --json has it. Returns both JSONs."""
    if data is None:
        data = ok("eval", source, *words(values), "--json").json()
    assert page["error"] is None, page["error"]
    for i, node in enumerate(data["nodes"]):
        assert_close(page["values"][i], node["value"], f"value of {node['label']}")
        assert_close(page["grads"][i], node["grad"], f"gradient of {node['label']}")
    graph = ok("graph", source, *words(values), "--json").json()
    for w in graph["wires"]:
        if w["to"] is not None:
            assert_close(page["contrib"][w["to"]][w["position"]], w["grad"], f"wire {w}")
    return data, graph


NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])")
"""A number in a message (not the digits of a name such as x1)."""


def assert_same_words(actual: str, expected: str) -> None:
    """A message as eval words it: the same words exactly, and the same numbers to 1e-12 relative.

    The numbers a message quotes were computed by JavaScript on the page and by NumPy in eval, whose
    functions (tanh, exp, ...) may differ in the last bit: as in :func:`assert_close`."""
    words, expected_words = NUMBER.split(actual), NUMBER.split(expected)
    assert words == expected_words, (actual, expected)
    numbers, expected_numbers = NUMBER.findall(actual), NUMBER.findall(expected)
    assert len(numbers) == len(expected_numbers), (actual, expected)
    for a, e in zip(numbers, expected_numbers):
        assert math.isclose(float(a), float(e), rel_tol=1e-12, abs_tol=0.0), (actual, expected)


def steps_lines(source: str, values: dict[str, Any], digits: int = 6) -> list[str]:
    out = ok("eval", source, *words(values), "--steps", "--digits", str(digits)).stdout
    return [ln for ln in out.splitlines() if ln and not ln.startswith(("Forward pass", "Backward pass"))]


def page_lines(browser: Any) -> list[str]:
    lines: list[str] = browser.execute_script("return sequence().map((s) => lineOf(s).map((p) => p[0]).join(''))")
    return lines


def type_into(browser: Any, name: str, text: str) -> None:
    """Type over what an input's field holds, key by key, as a user does."""
    retype(browser.find_element("id", f"in-{name}"), text)


def notes_values(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(5, 10)).tolist(), "X": rng.normal(size=(10, 3)).tolist()}


def test_the_two_layer_demo_shows_eval_numbers_shapes_and_steps(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    page = shown(driver)
    data, graph = assert_matches_eval(page, TWO_LAYER.source, TWO_LAYER.values)
    # Wires show shapes (vectors and matrices) or numbers (scalars), value above, gradient below.
    for (value, grad), w in zip(page["wires"], graph["wires"]):
        shape = data["nodes"][w["from"]]["shape"]
        if shape:
            assert value == "(" + "×".join(map(str, shape)) + ")", (w, value)
            assert grad == value if w["grad"] is not None else grad == "", (w, grad)
        else:
            assert float(value) == pytest.approx(w["value"], rel=1e-5)
    assert ("(4×3)", "(4×3)") in [tuple(x) for x in page["wires"]]  # W1's wire
    # The index y takes no gradient: its wire has none.
    y = data["nodes"].index(next(n for n in data["nodes"] if n["label"] == "y"))
    assert page["wires"][[w["from"] for w in graph["wires"]].index(y)] == ["2", ""]
    # The table: each value and gradient as eval's table writes it.
    for (value, grad), node in zip(page["table"], data["nodes"]):
        assert value == array_text(np.asarray(node["value"]))
        assert grad == ("—" if node["grad"] is None else array_text(np.asarray(node["grad"])))
    # Stepping: the lines of eval --steps, with shapes and rules.
    assert page_lines(driver) == steps_lines(TWO_LAYER.source, TWO_LAYER.values)
    assert requests(driver) == [path.as_uri()]
    assert console_problems(driver) == []


@pytest.mark.parametrize("seed", [1, 2])
def test_the_notes_example_recomputes_after_an_edit(driver: Any, tmp_path: Path, seed: int) -> None:
    values = notes_values(seed)
    load(driver, make_page(tmp_path, NOTES, values))
    page = shown(driver)
    assert_matches_eval(page, NOTES, values)
    # dW = ones · Xᵀ and dX = Wᵀ · ones, as the notes derive them.
    ones = np.ones((5, 3))
    assert_close(page["grads"][0], ones @ np.asarray(values["X"]).T, "dW")
    assert_close(page["grads"][1], np.asarray(values["W"]).T @ ones, "dX")
    # 50 entries: summarised in the table, as eval's table summarises them.
    assert page["table"][0][0] == array_text(np.asarray(values["W"]))
    assert "..." in page["table"][0][0]

    new = notes_values(seed + 10)
    # 30 numbers (640 characters), pasted in one edit: typing them key by key would cost the browser
    # 1.5 s of CPU; typing has its tests (test_editing_the_two_layer_net_..., test_a_value_of_the_wrong_shape_...).
    paste(driver, "in-X", json.dumps(new["X"]))
    page = shown(driver)
    assert_matches_eval(page, NOTES, {"W": values["W"], "X": new["X"]})
    assert page_lines(driver) == steps_lines(NOTES, {"W": values["W"], "X": new["X"]})
    assert console_problems(driver) == []


def test_editing_the_two_layer_net_recomputes_as_eval(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    rng = np.random.default_rng(7)
    values = dict(TWO_LAYER.values)
    values["W1"] = np.round(rng.normal(size=(4, 3)), 3).tolist()
    values["x"] = rng.normal(size=3).tolist()
    values["y"] = 0
    type_into(driver, "W1", json.dumps(values["W1"]))
    type_into(driver, "x", json.dumps(values["x"]))
    type_into(driver, "y", "0")
    assert_matches_eval(shown(driver), TWO_LAYER.source, values)
    assert page_lines(driver) == steps_lines(TWO_LAYER.source, values)
    assert console_problems(driver) == []


def test_a_value_of_the_wrong_shape_is_refused_in_words(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    before = shown(driver)
    field = driver.find_element("id", "in-x")
    for text, message in [
        ("[1, 2, 3, 4]", "x: this is (4), but the circuit is drawn for (3): keep its shape"),
        ("[[1, 2, 3]]", "x: this is (1×3), but the circuit is drawn for (3)"),
        ("[1, 2,", "x: not a list of numbers yet"),
        ('[1, "a", 3]', "x: write numbers in brackets"),
        ("[[1, 2], [3]]", "x: write numbers in brackets, every row as long as the others"),
    ]:
        retype(field, text)
        [problem] = visible_text(driver, "problem-x")
        assert problem.startswith(message), problem
        assert field.get_attribute("aria-invalid") == "true"
        assert shown(driver)["values"] == before["values"]  # the last good point stays
    retype(field, "[0.5, 0.5, 0.5]")
    assert visible_text(driver, "problem-x") == [""]
    assert field.get_attribute("aria-invalid") == "false"
    assert_matches_eval(shown(driver), TWO_LAYER.source, {**TWO_LAYER.values, "x": [0.5, 0.5, 0.5]})
    assert console_problems(driver) == []


@pytest.mark.parametrize(
    ("source", "good", "bad"),
    [
        ("sum(log(x))", {"x": [1, 2]}, {"x": [1, -1]}),
        ("sum(log(x) * y)", {"x": [1, 2], "y": 1}, {"x": [1, 0], "y": 0}),
        ("sum(A / b)", {"A": [[1, 2], [3, 4]], "b": [1, 2]}, {"A": [[1, 2], [3, 4]], "b": [1, 0]}),
        ("s = W @ x; s[y]", {"W": [[1, 2], [3, 4], [5, 6]], "x": [1, 1], "y": 1}, {"y": 5}),
        ("s = W @ x; s[y]", {"W": [[1, 2], [3, 4], [5, 6]], "x": [1, 1], "y": 1}, {"y": 1.5}),
        ("sum(exp(x))", {"x": [1, 2]}, {"x": [1, 1000]}),
    ],
)
def test_a_math_error_shows_on_its_node_as_eval_words_it(
    driver: Any, tmp_path: Path, source: str, good: dict[str, Any], bad: dict[str, Any]
) -> None:
    load(driver, make_page(tmp_path, source, good))
    for name, v in bad.items():
        type_into(driver, name, json.dumps(v))
    error = run("eval", source, *words({**good, **bad}), "--json").json()["error"]
    page = shown(driver)
    assert page["line"] == f"error: {error['message']}"
    assert len(page["failed"]) == 1
    assert page["errors"][page["failed"][0]] in error["message"]
    assert "NaN" not in page["page"] and "Infinity" not in page["page"]
    for name, v in good.items():  # back to a good point: the numbers return
        type_into(driver, name, json.dumps(v))
    assert_matches_eval(shown(driver), source, good)
    assert console_problems(driver) == []


ARRAY_PROGRAMS: list[tuple[str, dict[str, Any]]] = [
    ("sum(A @ B)", {"A": [[1, 2, 3], [4, 5, 6]], "B": [[1, -1], [0.5, 2], [-3, 1]]}),
    ("sum(sin(A @ v))", {"A": [[1, 2, 3], [4, 5, 6]], "v": [0.1, -0.2, 0.3]}),
    ("sum(tanh(v @ A))", {"A": [[1, 2, 3], [4, 5, 6]], "v": [0.1, -0.2]}),
    ("u @ v", {"u": [1, 2, 3], "v": [0.5, -1, 2]}),
    ("dot(u, v) * 2", {"u": [1, 2, 3], "v": [0.5, -1, 2]}),
    ("sum(transpose(A) * A.T)", {"A": [[1, 2, 3], [4, 5, 6]]}),
    ("sum(outer(u, v) ^ 2)", {"u": [1, 2, 3], "v": [0.5, -1]}),
    ("sum(sum(A, 0) * w) + sum(sum(A, axis=1) ^ 2) + sum(A, -1)[0]", {"A": [[1, 2, 3], [4, 5, 6]], "w": [1, 2, 3]}),
    ("mean(A) + sum(mean(A, 0) * w) + sum(mean(A, axis=1))", {"A": [[1, 2, 3], [4, 5, 6]], "w": [1, -2, 3]}),
    ("max(A) + sum(max(A, axis=0)) + sum(max(A, axis=1) * w)", {"A": [[1, 6, 6], [4, 5, 2]], "w": [1, 3]}),
    (
        "logsumexp(v) + sum(logsumexp(A, 1) * w) + sum(logsumexp(A, axis=0))",
        {"A": [[1, 2, 3], [4, 5, 6]], "v": [1, 2], "w": [1, -1]},
    ),
    (
        "sum(softmax(v) * w) + sum(softmax(A, axis=1) * A) + sum(softmax(A, 0) ^ 2)",
        {"A": [[1, 2, 3], [4, 5, 6]], "v": [1, 2, 3], "w": [1, -1, 2]},
    ),
    ("s = A @ v; s[y] + sum(pick(A, z))", {"A": [[1, 2, 3], [4, 5, 6]], "v": [0.5, -1, 2], "y": 1, "z": [2, 0]}),
    (
        "sum(reshape(A, [3, 2]) @ v) + sum(reshape(A, [-1]) * w)",
        {"A": [[1, 2, 3], [4, 5, 6]], "v": [1, -1], "w": [1, 2, 3, 4, 5, 6]},
    ),
    # Broadcasting: a vector over the rows, a column over a row, a scalar over a matrix.
    ("sum((A + b) * c * C) / k", {"A": [[1, 2, 3], [4, 5, 6]], "b": [1, -1, 2], "c": 3, "C": [[1], [2]], "k": 2}),
    (
        "sum(relu(A - 2.5) + sigmoid(A) + abs(A - 3) + sqrt(A) + max(A, 3) + min(A, b))",
        {"A": [[1, 2, 3], [4, 5, 6]], "b": [2, 4, 6]},
    ),
    ("sum(where(A - 3, exp(A / 10), log(A)) + A ^ 1.5 + 2 ^ A + cos(A) - tan(A / 10))", {"A": [[1, 2, 3], [4, 5, 6]]}),
    ("sum([[1, 2], [3, 4]] @ v) * pi", {"v": [1, -1]}),
    (
        "sum(clip(A, lo, 1) + softplus(A) + leaky_relu(A, 0.1) + atan(A) + asin(A / 3) + acos(A / 3) + sinh(A)"
        " + cosh(A) + log2(A + 3) + log10(A + 3))",
        {"A": [[0.5, -2, 1.5], [0.25, 1, -0.75]], "lo": [-1, 0, 0.5]},
    ),
]


def test_every_array_op_is_in_the_programs() -> None:
    """A new array op (or one of its rules' helpers) must be tried on the page: add it above."""
    from backprop_cli.arrays.engine import rule_formula
    from backprop_cli.parse import parse

    used = {op for source, _ in ARRAY_PROGRAMS for op in parse(source).ops}
    array_ops = {name for name, op in OPS.items() if op.vjp}
    assert array_ops <= used, array_ops - used
    # ... and so is every helper the gradient rules are written with.
    helpers = {op for name in array_ops for rule in OPS[name].vjp if rule for op in rule_formula(rule).ops}
    assert {name for name, op in OPS.items() if op.rule_only} <= helpers


@pytest.mark.parametrize(("source", "values"), ARRAY_PROGRAMS)
def test_every_array_op_computes_as_eval(driver: Any, tmp_path: Path, source: str, values: dict[str, Any]) -> None:
    load(driver, make_page(tmp_path, source, values))
    assert_matches_eval(shown(driver), source, values)
    assert page_lines(driver) == steps_lines(source, values)
    assert console_problems(driver) == []


def test_the_page_runtime_has_a_kernel_for_every_array_op(driver: Any, tmp_path: Path) -> None:
    """Each op without a scalar rule is computed by the page's runtime function of its NumPy name."""
    load(driver, make_page(tmp_path, "sum(A)", {"A": [1, 2]}))
    kernels = set(driver.execute_script("return Object.keys(KERNELS)"))
    needed = {op.numpy for op in OPS.values() if op.arity and not op.rules}
    assert needed <= kernels, needed - kernels


def test_an_array_page_at_a_failing_point_is_eval_error(tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    shape = run("html", "W @ x", "-W", "[[1, 2, 3], [4, 5, 6]]", "-x", "[1, 2]", "--output", str(out))
    assert shape.code == 1 and "W has 3 columns but x has 2 rows" in shape.stderr
    math_error = run("html", "sum(log(x))", "-x", "[1, -1]", "--output", str(out))
    assert math_error.code == 1 and "log of a negative number" in math_error.stderr
    assert not out.exists()


SHAPES: list[dict[str, tuple[int, ...]]] = [
    {"x": (2, 3), "y": (3,), "z": ()},
    {"x": (2, 1), "y": (1, 3), "z": (3,)},
    {"x": (3,), "y": (), "z": (2, 3)},
    {"x": (4,), "y": (4,), "z": (4,)},
]
"""Shapes that broadcast together: a row over a matrix, a column times a row, scalars."""


@st.composite
def array_points(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    shapes = draw(st.sampled_from(SHAPES))
    entry = st.floats(min_value=-2, max_value=2, allow_nan=False)

    def point() -> dict[str, Any]:
        return {
            n: np.array(draw(st.lists(entry, min_size=max(1, math.prod(s)), max_size=max(1, math.prod(s)))))
            .reshape(s)
            .tolist()
            for n, s in shapes.items()
        }

    return point(), point()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression=expressions, points=array_points())
# NumPy's tanh(2.375) is one ulp above JavaScript's: the error's " where ..." writes that constant.
@example(
    expression="log(1 + (log(1 + (tanh(2.375) / y)^2))^2)",
    points=(
        {"x": [1.0, 2.0, 3.0], "y": 1.0, "z": [[1.0] * 3] * 2},
        {"x": [1.0, 2.0, 3.0], "y": 0.0, "z": [[1.0] * 3] * 2},
    ),
)
def test_random_elementwise_programs_recompute_as_eval(
    driver: Any, tmp_path: Path, expression: str, points: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """Every scalar op of the random expressions, entry by entry with broadcasting, and its gradient
    summed back to each input's shape, at a random point typed into the page."""
    source = f"sum({expression})"
    start, new = points
    used = [n for n in start if re.search(rf"\b{n}\b", expression)]
    if run("eval", source, *words({n: start[n] for n in used}), "--json").code != 0:
        return  # the page is drawn from a point that computes
    load(driver, make_page(tmp_path, source, {n: start[n] for n in used}))
    for n in used:  # pasted, each in one edit: the numbers are this test's subject (typing has its tests)
        paste(driver, f"in-{n}", json.dumps(new[n]))
    point = {n: new[n] for n in used}
    result = run("eval", source, *words(point), "--json")
    page = shown(driver)
    if result.code != 0:
        message = result.json()["error"]["message"]
        assert page["line"].startswith("error: ")
        line = page["line"][len("error: ") :]
        if message.startswith("the gradient of"):  # eval writes the arrays as NumPy prints them
            assert_same_words(line.split(" where ")[0], message.split(" where ")[0])
        else:  # a value that fails: the entry and the inputs there, as eval words it
            assert_same_words(line, message)
        assert "NaN" not in page["page"] and "Infinity" not in page["page"]
    else:
        assert_matches_eval(page, source, point, result.json())
        assert page_lines(driver) == steps_lines(source, point)
    assert console_problems(driver) == []


def test_an_index_moves_in_whole_steps(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    slider = driver.find_element("css selector", "#inputs input[type=range]")  # y: the only scalar input
    assert driver.execute_script("return [arguments[0].min, arguments[0].step]", slider) == ["0", "1"]
    slider.send_keys(Keys.ARROW_LEFT)
    assert driver.execute_script("return document.getElementById('in-y').value") == "1"
    assert_matches_eval(shown(driver), TWO_LAYER.source, {**TWO_LAYER.values, "y": 1})
    slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # y = 3: past the last class
    error = run("eval", TWO_LAYER.source, *words({**TWO_LAYER.values, "y": 3}), "--json").json()["error"]
    assert shown(driver)["line"] == f"error: {error['message']}"
    assert console_problems(driver) == []


def test_the_two_layer_labels_never_collide(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    assert boxes_overlap(driver) == []


def test_docs_screenshot(driver: Any, tmp_path: Path) -> None:
    """docs/html.md's picture of an array page, taken here: BACKPROP_SCREENSHOTS=update rewrites it."""
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    driver.find_element("id", "n5").click()  # h: its value, gradient and rules in the panel
    driver.execute_script("document.getElementById('panel').scrollIntoView()")  # the panel and the circuit
    name = "html-two-layer.png"
    target = DOCS / name if os.environ.get("BACKPROP_SCREENSHOTS") == "update" else tmp_path / name
    driver.save_screenshot(str(target))
    assert target.stat().st_size > 10_000  # a picture, not a blank page
    assert (DOCS / name).exists() and f"({name})" in (DOCS / "html.md").read_text(encoding="utf-8")


def test_stepping_walks_the_array_derivation(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "two-layer.html"
    ok("demo", "two-layer", "--html", str(path))
    load(driver, path)
    lines = steps_lines(TWO_LAYER.source, TWO_LAYER.values)
    data = ok("eval", TWO_LAYER.source, *words(TWO_LAYER.values), "--json").json()
    gates = [i for i, n in enumerate(data["nodes"]) if n["inputs"]]
    keys(driver, "HOME")
    node, phase, line = current(driver)
    assert (node, line) == ([gates[0]], lines[0]) and phase.startswith("Forward pass: step 1 of 8")
    page = shown(driver)
    assert page["table"][gates[1]] == ["", ""]  # not computed yet at this step
    assert page["table"][0][0] != ""  # inputs are given
    keys(driver, "END")
    node, phase, line = current(driver)
    assert line == lines[-1] and phase.startswith("Backward pass: step 13 of 13")
    assert console_problems(driver) == []


def test_arrays_too_large_for_a_page_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "w.npy"
    np.save(big, np.ones((400, 400)))
    out = tmp_path / "p.html"
    result = run("html", "sum(W @ W)", f"-W=@{big}", "--output", str(out))
    assert (
        result.code == 2 and "at most 250,000 entries in all" in result.stderr and "has 320,001" in result.stderr
    )  # W and W @ W, and the sum
    assert not out.exists()
