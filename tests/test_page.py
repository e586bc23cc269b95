"""`backprop html`: the live circuit page, driven in a real headless browser.

What the page shows is read from its DOM (the SVG's <text> and the panel), as a reader sees it, and
compared with `backprop eval --json` and `backprop eval --steps`.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.demos import DEMOS
from backprop_cli.formatting import number
from browser import Keys, boxes_overlap, console_problems, current, keys, load, paste, requests, retype
from conftest import expressions, ok, points, run

DOCS = Path(__file__).resolve().parent.parent / "docs"
WORKED = ["circuit", "neuron", "neuron-gate", "staged", "patterns"]

READ = """
const text = (el) => (el ? el.textContent : "");
return {
  wires: [...document.querySelectorAll("#circuit .wire")].map((g) => ({
    src: Number(g.dataset.src), dst: g.dataset.dst === undefined ? null : Number(g.dataset.dst),
    k: Number(g.dataset.k), value: text(g.querySelector("text.value")), grad: text(g.querySelector("text.grad")),
  })),
  sums: [...document.querySelectorAll("#circuit .node")].map((g) => text(g.querySelector("text.sum"))),
  errors: [...document.querySelectorAll("#circuit .node")].map((g) => text(g.querySelector("text.error"))),
  failed: [...document.querySelectorAll("#circuit .node.failed")].map((g) => Number(g.dataset.node)),
  line: text(document.getElementById("line")),
  page: document.body.innerText + " " + text(document.getElementById("circuit")),
};
"""


def values_words(values: dict[str, float]) -> list[str]:
    return [word for name, v in values.items() for word in (f"-{name}", repr(v))]


def make_page(tmp_path: Path, source: str, values: dict[str, float], name: str = "page.html") -> Path:
    path = tmp_path / name
    ok("html", source, *values_words(values), "--output", str(path))
    return path


def set_digits(browser: Any, digits: int) -> None:
    retype(browser.find_element("id", "digits"), str(digits))


def set_inputs(browser: Any, values: dict[str, float]) -> None:
    """Type each value into its number field, as a user would (the field fires an input event per key)."""
    for name, v in values.items():
        retype(browser.find_element("id", f"in-{name}"), repr(v))


def shown(browser: Any) -> dict[str, Any]:
    result: dict[str, Any] = browser.execute_script(READ)
    return result


def close(text: str, expected: float) -> bool:
    return math.isclose(float(text), expected, rel_tol=1e-12, abs_tol=0.0)


def assert_numbers(page: dict[str, Any], data: dict[str, Any], exact_text: bool = False) -> None:
    """Every wire's value and gradient contribution, and every fork's sum, equal the JSON's numbers."""
    nodes = data["nodes"]
    compare = (lambda t, v: t == number(v)) if exact_text else close
    for w in page["wires"]:
        value = nodes[w["src"]]["value"]
        assert compare(w["value"], value), (w, value)
        if w["dst"] is None:
            grad = nodes[w["src"]]["grad"]
        else:
            local = nodes[w["dst"]]["local"][w["k"]]
            grad = None if local is None else nodes[w["dst"]]["grad"] * local
        if grad is None:
            assert w["grad"] == "", w  # constants show no gradient
        else:
            assert compare(w["grad"], grad), (w, grad)
    uses = [0] * len(nodes)
    for w in page["wires"]:
        uses[w["src"]] += 1
    for i, node in enumerate(nodes):
        if uses[i] > 1 and node["grad"] is not None:
            assert page["sums"][i].startswith("Σ ")
            assert compare(page["sums"][i][2:], node["grad"]), (i, page["sums"][i])
        else:
            assert page["sums"][i] == ""


def steps_lines(source: str, values: dict[str, float]) -> list[str]:
    """The lines of `eval --steps`, without the two headings and the blank line."""
    out = ok("eval", source, *values_words(values), "--steps", "--no-notes").stdout
    return [line for line in out.splitlines() if line and line not in ("Forward pass", "Backward pass")]


@pytest.mark.parametrize("name", WORKED)
def test_worked_examples_show_the_numbers_of_eval_json(driver: Any, tmp_path: Path, name: str) -> None:
    demo = DEMOS[name]
    path = tmp_path / f"{name}.html"
    ok("demo", name, "--html", str(path))
    data = ok("eval", demo.source, *values_words(dict(demo.values)), "--json").json()
    load(driver, path)
    assert_numbers(shown(driver), data, exact_text=True)  # 6 digits, as the command line writes them
    set_digits(driver, 17)
    assert_numbers(shown(driver), data)
    assert requests(driver) == [path.as_uri()]
    assert console_problems(driver) == []


@pytest.mark.parametrize("name", ["circuit", "staged", "patterns"])
def test_stepping_visits_every_node_forward_then_backward_with_the_steps_lines(
    driver: Any, tmp_path: Path, name: str
) -> None:
    demo = DEMOS[name]
    values = dict(demo.values)
    data = ok("eval", demo.source, *values_words(values), "--json").json()
    nodes = data["nodes"]
    forward = [i for i, n in enumerate(nodes) if n["op"] != "const"]
    backward = [i for i in range(len(nodes) - 1, -1, -1) if nodes[i]["grad"] is not None]
    lines = steps_lines(demo.source, values)
    path = make_page(tmp_path, demo.source, values)
    load(driver, path)

    visited = []
    keys(driver, "HOME")
    for n in range(len(forward) + len(backward)):
        node, phase, line = current(driver)
        visited.append(node[0])
        assert len(node) == 1
        assert phase.startswith("Forward pass" if n < len(forward) else "Backward pass"), phase
        assert line == lines[n]
        keys(driver, "ARROW_RIGHT" if n % 2 else " ")  # → and space both step forward
    assert visited == forward + backward
    assert current(driver)[0] == [backward[-1]]  # the last step stays the last

    keys(driver, "ARROW_LEFT")
    assert current(driver)[0] == [backward[-2]]
    keys(driver, "END")
    assert current(driver)[0] == [backward[-1]]
    keys(driver, "ESCAPE")
    assert current(driver)[0] == []
    assert console_problems(driver) == []


@pytest.mark.parametrize(
    ("source", "values"),
    [
        ("x", {"x": 2.0}),
        ("2 * 3", {}),
        ("q = x; f = q * q", {"x": 3.0}),
        ("relu(x) * abs(y) - x / y", {"x": -1.5, "y": 2.0}),
    ],
)
def test_small_and_odd_programs_step_as_eval_steps(
    driver: Any, tmp_path: Path, source: str, values: dict[str, float]
) -> None:
    load(driver, make_page(tmp_path, source, values))
    lines = driver.execute_script("return sequence().map((s) => lineOf(s).map((p) => p[0]).join(''))")
    assert lines == steps_lines(source, values)
    assert console_problems(driver) == []


def test_stepping_reveals_values_forward_then_gradients_backward(driver: Any, tmp_path: Path) -> None:
    path = make_page(tmp_path, "q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    load(driver, path)
    keys(driver, "HOME")  # x = -2: only x's value is known
    page = shown(driver)
    assert [w["value"] for w in page["wires"]] == ["-2", "", "", "", ""]
    assert all(w["grad"] == "" for w in page["wires"])
    keys(driver, "END")  # the last backward step: everything is known
    page = shown(driver)
    assert [w["value"] for w in page["wires"]] == ["-2", "5", "3", "-4", "-12"]
    assert [w["grad"] for w in page["wires"]] == ["-4", "-4", "-4", "3", "1"]


def test_buttons_step_as_the_keys_do(driver: Any, tmp_path: Path) -> None:
    source, values = "q = x + y; f = q * z", {"x": -2.0, "y": 5.0, "z": -4.0}
    lines = steps_lines(source, values)  # x, y, q, z, f; then f, z, q, y, x
    load(driver, make_page(tmp_path, source, values))
    first, prev, next_, last, every = driver.execute_script(
        "return ['first', 'prev', 'next', 'last', 'all'].map((id) => document.getElementById(id))"
    )
    first.click()
    assert current(driver)[2] == lines[0]
    next_.click()
    next_.click()
    assert current(driver)[2] == lines[2]
    last.click()
    assert current(driver)[2] == lines[-1]
    prev.click()
    assert current(driver)[2] == lines[-2]
    every.click()
    assert current(driver)[0] == []


def test_clicking_a_node_explains_its_gradient(driver: Any, tmp_path: Path) -> None:
    demo = DEMOS["staged"]
    path = make_page(tmp_path, demo.source, dict(demo.values))
    load(driver, path)
    x = 2  # the forked input x
    driver.find_element("id", f"n{x}").click()
    detail = driver.find_element("id", "detail").text.splitlines()
    lines = steps_lines(demo.source, dict(demo.values))
    assert detail[0] == "Node x (var): x"
    assert "x = 3" in detail
    assert next(line for line in lines if line.startswith("∂f/∂x =")) in detail
    assert "from num: upstream 0.512144 × local 1 = 0.512144" in detail
    assert "from sigx: upstream -0.791593 × local 0.0451767 = -0.0357615" in detail
    assert "from xpy: upstream 1.58319 × local 1 = 1.58319" in detail
    # A gate: its local derivative formulas, evaluated.
    sigx = 4
    driver.find_element("id", f"n{sigx}").click()
    assert "local derivative ∂sigx/∂x = sigx × (1 − sigx) = 0.0451767" in driver.find_element("id", "detail").text


def test_keyboard_alone_reaches_and_explains_a_node(driver: Any, tmp_path: Path) -> None:
    path = make_page(tmp_path, "q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    load(driver, path)
    driver.execute_script("document.getElementById('n2').focus()")
    keys(driver, "ENTER")
    assert driver.find_element("id", "detail").text.startswith("Node q (add): x + y")
    tabbable = driver.execute_script("return [...document.querySelectorAll('#circuit .node')].map(n => n.tabIndex)")
    assert tabbable == [0] * 5


def test_changing_an_input_recomputes_everything(driver: Any, tmp_path: Path) -> None:
    source = "q = x + y; f = q * z"
    path = make_page(tmp_path, source, {"x": -2, "y": 5, "z": -4})
    load(driver, path)
    set_inputs(driver, {"x": 1.5})
    data = ok("eval", source, "-x", "1.5", "-y", "5", "-z", "-4", "--json").json()
    assert_numbers(shown(driver), data, exact_text=True)
    # The slider moves with the field, and moving the slider changes the field.
    slider = driver.find_element("css selector", "#inputs input[type=range]")
    value, step = driver.execute_script("return [arguments[0].value, arguments[0].step]", slider)
    assert abs(float(value) - 1.5) <= float(step)
    slider.send_keys(Keys.ARROW_RIGHT)  # one step of the slider, from the keyboard
    read = "return [arguments[0].value, document.getElementById('in-x').value]"
    moved, field = map(float, driver.execute_script(read, slider))
    assert moved > 1.5
    assert field == moved
    data = ok("eval", source, "-x", repr(moved), "-y", "5", "-z", "-4", "--json").json()
    assert_numbers(shown(driver), data, exact_text=True)
    # A number typed with every kind of key (a sign, a point, an exponent), through partial numbers
    # the field refuses ("-", "-2.", "-2.5e", "-2.5e-"): the page ends at the number typed.
    set_inputs(driver, {"z": -2.5e-05})
    data = ok("eval", source, "-x", repr(moved), "-y", "5", "-z", "-2.5e-05", "--json").json()
    assert_numbers(shown(driver), data, exact_text=True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=expressions, start=points, point=points, digits=st.integers(1, 17))
def test_random_expressions_recompute_as_eval_at_random_points(
    driver: Any, tmp_path: Path, source: str, start: dict[str, float], point: dict[str, float], digits: int
) -> None:
    start_page = make_page(tmp_path, source, start)
    load(driver, start_page)
    inputs = driver.execute_script("return ['x', 'y', 'z'].filter((n) => document.getElementById(`in-${n}`))")
    new = {n: point[n] for n in inputs}
    # The numbers are this test's subject: each value is pasted in one edit. Typing them key by key
    # is tested above and below (test_changing_an_input_..., test_a_domain_error_..., the math errors).
    for name, v in new.items():
        paste(driver, f"in-{name}", repr(v))
    result = run("eval", source, *values_words(new), "--json")
    paste(driver, "digits", "17")
    page = shown(driver)
    if result.code != 0:
        message = result.json()["error"]["message"]
        assert page["line"] == f"error: {message}"
        assert "NaN" not in page["page"] and "Infinity" not in page["page"]
        return
    assert_numbers(page, result.json())
    # Every line of the derivation, at the new point, as `eval --steps` writes it.
    paste(driver, "digits", str(digits))
    lines = driver.execute_script("return sequence().map((s) => lineOf(s).map((p) => p[0]).join(''))")
    expected = ok("eval", source, *values_words(new), "--steps", "--no-notes", "--digits", str(digits)).stdout
    assert lines == [ln for ln in expected.splitlines() if ln and ln not in ("Forward pass", "Backward pass")]
    assert console_problems(driver) == []


def test_a_domain_error_shows_on_its_node_in_words(driver: Any, tmp_path: Path) -> None:
    source = "f = log(x) * y + y"
    path = make_page(tmp_path, source, {"x": 2, "y": 3})
    load(driver, path)
    set_inputs(driver, {"x": -1})
    page = shown(driver)
    error = run("eval", source, "-x", "-1", "-y", "3", "--json").json()["error"]
    assert page["failed"] == [1]  # the log node
    assert page["errors"][1] == "log of a negative number"
    assert page["line"] == f"error: {error['message']}"
    assert "NaN" not in page["page"]
    assert [w["value"] for w in page["wires"]] == ["-1", "", "3", "", "3", ""]  # the inputs only
    set_inputs(driver, {"x": 0.5})
    assert shown(driver)["failed"] == []
    assert console_problems(driver) == []


@pytest.mark.parametrize(
    ("source", "good", "bad"),
    [
        ("log(x)", 1.0, 0.0),
        ("log(x)", 1.0, -1.0),
        ("sqrt(x)", 1.0, -4.0),
        ("1 / x", 1.0, 0.0),
        ("x ^ 0.5", 4.0, -8.0),
        ("x ^ -1", 1.0, 0.0),
        ("(-x) ^ 401", 1.0, 10.0),
        ("exp(x)", 1.0, 1000.0),
        ("sqrt(x - 1) * x", 2.0, 1.0),  # the gradient of sqrt is infinite at 0
    ],
)
def test_every_kind_of_math_error_is_worded_as_eval_words_it(
    driver: Any, tmp_path: Path, source: str, good: float, bad: float
) -> None:
    load(driver, make_page(tmp_path, source, {"x": good}))
    set_inputs(driver, {"x": bad})
    error = run("eval", source, "-x", repr(bad), "--json").json()["error"]
    page = shown(driver)
    assert page["line"] == f"error: {error['message']}"
    assert len(page["failed"]) == 1
    assert page["errors"][page["failed"][0]] in error["message"] or "gradient" in page["errors"][page["failed"][0]]
    assert "NaN" not in page["page"] and "Infinity" not in page["page"]


def test_a_page_made_at_a_failing_point_shows_the_error(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    result = run("html", "sqrt(x) + 1", "-x", "-4", "--output", str(path))
    assert result.code == 0, str(result)
    assert "square root of a negative number" in result.stderr
    load(driver, path)
    page = shown(driver)
    assert page["errors"][1] == "square root of a negative number"
    assert page["line"] == "error: square root of a negative number: sqrt(x) where x = -4"


def test_constants_show_no_gradient(driver: Any, tmp_path: Path) -> None:
    source = "2 * pi * x"
    path = make_page(tmp_path, source, {"x": 3})
    load(driver, path)
    page = shown(driver)
    data = ok("eval", source, "-x", "3", "--json").json()
    assert_numbers(page, data, exact_text=True)
    constant_wires = [w for w in page["wires"] if data["nodes"][w["src"]]["grad"] is None]
    assert len(constant_wires) == 3  # 2, pi, and 2 * pi
    assert all(w["grad"] == "" and w["value"] for w in constant_wires)


@pytest.mark.parametrize("name", list(DEMOS))
def test_demo_labels_never_collide(driver: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.html"
    ok("demo", name, "--html", str(path))
    load(driver, path)
    assert boxes_overlap(driver) == []
    keys(driver, "HOME")  # the panel's line changes, the drawing's labels do not move
    assert boxes_overlap(driver) == []


def test_a_large_circuit_pans_and_zooms(driver: Any, tmp_path: Path) -> None:
    terms = " + ".join(f"w{i} * sigmoid(x{i % 7} - {i})" for i in range(40))
    path = tmp_path / "large.html"
    ok("html", terms, "--output", str(path))
    load(driver, path)
    nodes = driver.find_elements("css selector", "#circuit .node")
    assert len(nodes) > 200
    box = driver.execute_script("return document.getElementById('circuit').getAttribute('viewBox')")
    whole = [float(v) for v in box.split()]
    driver.find_element("id", "zoom-in").click()
    zoomed = [float(v) for v in driver.execute_script("return circuit.getAttribute('viewBox')").split()]
    assert zoomed[2] < whole[2]
    driver.find_element("id", "zoom-fit").click()
    keys(driver, "END")  # stepping brings the current node into view
    node = driver.find_element("css selector", "#circuit .node.current").rect
    view = driver.find_element("id", "view").rect
    assert view["x"] <= node["x"] <= view["x"] + view["width"]
    assert view["y"] <= node["y"] <= view["y"] + view["height"]
    assert console_problems(driver) == []


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    path = make_page(tmp_path, "sigmoid(w*x + b)", {"w": 2, "x": -1, "b": 0.5})
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"""(?<![-\w])(src|href)\s*=\s*["'](?!data:|#)""", text)  # nothing loaded from anywhere
    assert "default-src 'none'" in text  # and the browser is told to refuse it
    assert "@import" not in text and "url(" not in text


def test_html_writes_to_stdout_reads_stdin_and_files(tmp_path: Path) -> None:
    out = ok("html", "-", "-x", "2", "--output", "-", input="x * x").stdout
    assert out.startswith("<!doctype html>") and "x * x" in out
    program = tmp_path / "model.bp"
    program.write_text("q = x + 1\nf = q * q\n", encoding="utf-8")
    out = ok("html", "--file", str(program), "-x", "2", "--output", "-").stdout
    assert "q = x + 1; f = q * q" in out
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = ok("html", "x + 1", "-x", "2")
    finally:
        os.chdir(cwd)
    assert (tmp_path / "circuit.html").exists()
    assert "circuit.html" in result.stderr


def test_html_without_values_starts_the_inputs_at_one(tmp_path: Path) -> None:
    result = run("html", "x * y", "-x", "3", "--output", str(tmp_path / "p.html"))
    assert result.code == 0, str(result)
    assert "warning: y starts at 1" in result.stderr


def test_html_errors_are_clear(tmp_path: Path) -> None:
    result = run("html", "x +", "--output", str(tmp_path / "p.html"))
    assert result.code == 2 and "error:" in result.stderr
    result = run("html", "x", "-x", "1", "--output", str(tmp_path / "missing" / "p.html"))
    assert result.code == 2 and "cannot write" in result.stderr
    assert not (tmp_path / "p.html").exists()


def test_readme_screenshots(driver: Any, tmp_path: Path) -> None:
    """The README's screenshots are taken here: BACKPROP_SCREENSHOTS=update rewrites docs/html-*.png."""
    # The page as it opens, then after 18 steps: one page, loaded once.
    shots = {"html-staged.png": [], "html-step.png": ["HOME"] + ["ARROW_RIGHT"] * 17}
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    path = tmp_path / "shot.html"
    ok("demo", "staged", "--html", str(path))
    load(driver, path)
    for file, presses in shots.items():
        if presses:
            keys(driver, *presses)
        target = DOCS / file if os.environ.get("BACKPROP_SCREENSHOTS") == "update" else tmp_path / file
        driver.save_screenshot(str(target))
        assert target.stat().st_size > 10_000  # a picture, not a blank page
        assert (DOCS / file).exists() and f"docs/{file}" in readme
    assert "backprop demo staged --html staged.html" in readme


def test_printing_gives_the_diagram_with_its_current_values(driver: Any, tmp_path: Path) -> None:
    path = make_page(tmp_path, "q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    load(driver, path)
    driver.find_element("id", "zoom-in").click()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = driver.execute_script(
            "return ['controls', 'zoom'].map((id) => getComputedStyle(document.getElementById(id)).display)"
        )
        assert hidden == ["none", "none"]
        assert driver.find_element("id", "circuit").is_displayed()
        assert "-12" in driver.find_element("id", "circuit").text
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")  # the whole circuit on paper
    box = driver.execute_script("return circuit.getAttribute('viewBox')")
    assert box == driver.execute_script("return `${WHOLE.x} ${WHOLE.y} ${WHOLE.w} ${WHOLE.h}`")
    assert len(driver.print_page()) > 1000  # the browser prints it (a base64 PDF)


def test_html_refuses_what_a_page_cannot_draw(tmp_path: Path) -> None:
    out = str(tmp_path / "p.html")
    huge = run("html", "x" + " + x" * 5000, "-x", "1", "--output", out)
    assert huge.code == 2 and "5,001 nodes" in huge.stderr and "at most 5,000" in huge.stderr
    assert not (tmp_path / "p.html").exists()
