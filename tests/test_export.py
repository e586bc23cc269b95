"""backprop export: the exported Python runs and computes eval's numbers to the last bit (so within
any tolerance), on the worked examples, every op of the table, forks, random programs and big ones;
the LaTeX compiles; errors are the project's."""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.ops import OPS, RULE_INPUTS, Op
from backprop_cli.printer import spell
from backprop_cli.styles import ASCII
from conftest import NEURON_GRADS, Run, compile_latex, domain, expressions, ok, overfull_by_block, points, run
from recursion_limit import lowered_recursion_limit

Exported = Callable[..., tuple[float, dict[str, float]]]

SEED = ("q = x + y; f = q * z", {"x": -2.0, "y": 5.0, "z": -4.0})
NEURON = "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"
NEURON_AT = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
STAGED = (
    "sigy = sigmoid(y); num = x + sigy; sigx = sigmoid(x); xpy = x + y; xpysqr = xpy^2;"
    " den = sigx + xpysqr; invden = 1 / den; f = num * invden"
)
PATTERNS = ("f = 2 * (x*y + max(z, w))", {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0})


def load(code: str, name: str = "value_and_grad") -> Exported:
    """The function of exported code, run in a namespace of its own (our generated code, never the user's text)."""
    namespace: dict[str, Any] = {}
    exec(compile(code, "<backprop export>", "exec"), namespace)
    function: Exported = namespace[name]
    return function


def values(at: dict[str, float]) -> list[str]:
    return [f"{name}={value!r}" for name, value in at.items()]


def assert_matches_eval(source: str, at: dict[str, float], *options: str) -> tuple[float, dict[str, float]]:
    """Export, run at ``at`` and compare with ``eval --json`` there: bit for bit (so also to 1e-12)."""
    function = load(ok("export", source, *options).stdout)
    expected = ok("eval", source, *values(at), *options, "--json").json()
    value, gradients = function(**at)
    assert value == expected["value"]
    assert gradients == expected["gradients"]
    assert list(gradients) == list(expected["gradients"])  # the same inputs, in the same order
    return value, gradients


def test_the_seed_circuit_reads_as_the_notes() -> None:
    code = ok("export", SEED[0]).stdout
    assert "    q = x + y\n    f = q * z\n" in code
    assert "    # f = q * z\n    dq = z\n    dz = q\n    # q = x + y\n    dx = dq\n    dy = dq\n" in code
    value, gradients = assert_matches_eval(*SEED)
    assert (value, gradients) == (-12.0, {"x": -4.0, "y": -4.0, "z": 3.0})


@pytest.mark.parametrize("source", [NEURON, "sigmoid(w0*x0 + w1*x1 + w2)"])
def test_the_neuron(source: str) -> None:
    value, gradients = assert_matches_eval(source, NEURON_AT)
    assert value == pytest.approx(0.731058578630, rel=1e-9)
    assert gradients == pytest.approx(NEURON_GRADS, rel=1e-9)


def test_the_staged_computation_adds_at_forks() -> None:
    code = ok("export", STAGED).stdout
    # The notes' staged backward pass: the program's own names, += where x and y fork.
    assert "    dsigy = dnum\n    # sigy = sigmoid(y)\n    dy += sigy * (1.0 - sigy) * dsigy\n" in code
    assert code.count("    dx += ") == 2 and code.count("    dy += ") == 1
    assert "def sigmoid(x: float) -> float:" in code
    _, gradients = assert_matches_eval(STAGED, {"x": 3.0, "y": -4.0})
    assert gradients == pytest.approx({"x": 2.05956979557, "y": 1.59223275148}, rel=1e-9)


def test_patterns_in_backward_flow() -> None:
    _, gradients = assert_matches_eval(*PATTERNS)
    assert gradients == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}
    assert "def sign(x: float) -> float:" in ok("export", PATTERNS[0]).stdout  # max's rule is written with sign


SCALAR_OPS = [op for op in OPS.values() if op.rules]


def program(op: Op, point: tuple[float, ...], literal_tail: bool) -> tuple[str, dict[str, float]]:
    """``t = op(a, b...)`` then ``f = t * w + t`` (t forks, so its gradient is added to, and w asks
    for t's value), and the point; with ``literal_tail``, inputs after the first are numbers."""
    names = list(RULE_INPUTS[: op.arity])
    at = dict(zip(names, point))
    operands = names
    if literal_tail:
        operands = [names[0], *(f"({v!r})" for v in point[1:])]
        at = {names[0]: point[0]}
    return f"t = {spell(op.name, operands, ASCII)}\nf = t * w + t", {**at, "w": 1.5}


def op_program(op: Op, point: tuple[float, ...]) -> tuple[str, dict[str, float]]:
    """The program of ``op`` at ``point``; with numbers for the later inputs if the op wants constants there."""
    source, at = program(op, point, literal_tail=False)
    if run("eval", source, *values(at)).code == 2:
        return program(op, point, literal_tail=True)
    return source, at


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_exports_and_runs_at_every_point_of_its_domain(op: Op) -> None:
    points = domain(op)
    assert points
    for point in points:
        source, at = op_program(op, point)
        same_numbers_or_same_failure(source, at)


def test_every_op_compiles_in_latex(tmp_path: Path) -> None:
    blocks = {}
    for op in SCALAR_OPS:
        source, _ = op_program(op, domain(op)[0])
        tex = ok("export", source, "--to", "latex").stdout
        assert r"\frac{\partial f}{\partial w} &= t \times \frac{\partial f}{\partial \mathit{t1}}" in tex, op.name
        blocks[op.name] = tex
    if not shutil.which("pdflatex"):
        pytest.skip("no pdflatex here: the blocks are not compiled")
    overfull = overfull_by_block(tmp_path, blocks)
    if overfull is None:  # one block breaks the document: compile each alone to name it
        for name, tex in blocks.items():
            compile_latex(tmp_path, name, tex)
    assert overfull == {name: [] for name in blocks}


def test_forks_in_multi_statement_programs() -> None:
    source = "a = x * y\nb = sin(a) + a\nc = b * b - x\nf = c / (1 + exp(-b)) + a"
    code = ok("export", source).stdout
    assert code.count("    da += ") == 2  # a is used three times
    for at in ({"x": 0.5, "y": -1.25}, {"x": 2.0, "y": 3.0}, {"x": -0.1, "y": 1e-3}):
        assert_matches_eval(source, at)


def test_wrt_narrows_the_gradients_and_the_code() -> None:
    source = "q = x * y; f = sin(q) + z"
    code = ok("export", source, "--wrt", "x").stdout
    assert "dz" not in code and "dy" not in code
    _, gradients = assert_matches_eval(source, {"x": 0.5, "y": 2.0, "z": 1.0}, "--wrt", "x")
    assert list(gradients) == ["x"]
    assert run("export", source, "--wrt", "u").code == 2


def test_names_that_python_reserves_or_that_collide() -> None:
    # x and dx are both inputs; lambda is a keyword; math the module; 𝐦𝐚𝐭𝐡 is math to Python (NFKC).
    source = "s = lambda * dx + x * math\nf = s * x + 𝐦𝐚𝐭𝐡"
    at = {"lambda": 2.0, "dx": 3.0, "x": 0.5, "math": 7.0, "𝐦𝐚𝐭𝐡": 1.0}
    code = ok("export", source).stdout
    function = load(code)
    expected = ok("eval", source, *values(at), "--json").json()
    assert function(*at.values()) == (expected["value"], expected["gradients"])
    assert "lambda_" in code and "dx_" in code


def test_a_gradient_that_no_rule_reaches_is_zero() -> None:
    assert_matches_eval("sign(x) * y + step(y)", {"x": 0.5, "y": 2.0})
    assert "    dx = 0.0\n" in ok("export", "sign(x)").stdout


def test_an_input_or_a_constant_as_the_whole_program() -> None:
    assert load(ok("export", "x").stdout)(4.0) == (4.0, {"x": 1.0})
    assert load(ok("export", "2 * pi").stdout)() == (2 * math.pi, {})
    assert load(ok("export", "π").stdout)() == (math.pi, {})


@pytest.mark.parametrize(
    ("source", "at"),
    [
        ("log(x)", {"x": 0.0}),  # a domain error: ValueError from math
        ("sqrt(x)", {"x": 0.0}),  # an infinite gradient: division by zero in the backward pass
        ("exp(x) * y", {"x": 800.0, "y": 1.0}),  # OverflowError from math
        ("x * y", {"x": 1e200, "y": 1e200}),  # float overflow, silent in Python: the check stops it
        ("1 / (x * y)", {"x": 1e200, "y": 1e200}),  # an intermediate overflows, the result would not
        ("x^y", {"x": -8.0, "y": 0.5}),
        ("x / 0", {"x": 1.0}),  # a rule that is a constant without a value (1 / 0): exported, and it fails
    ],
)
def test_math_errors_raise_where_eval_reports_them(source: str, at: dict[str, float]) -> None:
    assert run("eval", source, *values(at), "--json").code == 1
    with pytest.raises((ArithmeticError, ValueError)):
        load(ok("export", source).stdout)(**at)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=expressions, at=points)
def test_random_expressions_compute_evals_numbers_or_fail_where_it_fails(source: str, at: dict[str, float]) -> None:
    same_numbers_or_same_failure(source, at)


@functools.cache
def export(source: str, *options: str) -> tuple[Run, Exported | None]:
    """``backprop export SOURCE OPTIONS`` and its function: the code does not depend on the point, so
    an op's program is exported and compiled once for all the points of its domain."""
    exported = run("export", source, *options)
    return exported, load(exported.stdout) if exported.code == 0 else None


def same_numbers_or_same_failure(source: str, at: dict[str, float], *options: str) -> None:
    """The exported function at ``at`` returns eval's numbers exactly, or raises where eval exits 1."""
    exported, function = export(source, *options)
    result = run("eval", source, *values(at), *options, "--json")
    if exported.code == 2:  # --wrt names what the program does not use: a usage error for both
        assert result.code == 2, str(result)
        return
    assert exported.code == 0, str(exported)
    assert function is not None
    args = {name: at[name] for name in function.__code__.co_varnames[: function.__code__.co_argcount]}
    if result.code == 1:
        with pytest.raises((ArithmeticError, ValueError)):
            function(**args)
        return
    assert result.code == 0, str(result)
    expected = result.json()
    value, gradients = function(**args)
    assert value == expected["value"], source
    assert gradients == expected["gradients"], source


@st.composite
def programs(draw: st.DrawFn) -> str:
    """Random programs over every op of the table: statements on the inputs, earlier statements and
    literals, so that values fork and kinks, domains and crossed bounds are met."""
    names = ["x", "y", "z"]
    lines = []
    for k in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(SCALAR_OPS))
        operands = [draw(st.sampled_from([*names, "0", "0.5", "2", "3"])) for _ in range(op.arity)]
        lines.append(f"s{k} = {spell(op.name, operands, ASCII)}")
        names.append(f"s{k}")
    lines.append(f"f = {names[-1]} * {draw(st.sampled_from(names))} + {draw(st.sampled_from(names))}")
    return "\n".join(lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs(), at=points, wrt=st.sampled_from([(), ("--wrt", "x"), ("--wrt", "y,z")]))
def test_random_programs_over_the_whole_table(source: str, at: dict[str, float], wrt: tuple[str, ...]) -> None:
    same_numbers_or_same_failure(source, at, *wrt)


def test_big_programs_export_in_linear_size_without_recursion() -> None:
    terms = 10_000  # a large program's size: the code stays linear in it
    total = "+".join(f"x*{k % 7 + 1}" for k in range(terms))
    code = ok("export", total).stdout
    operations = 2 * terms - 1
    assert code.count("\n") < 4 * operations  # a few lines per operation
    function = load(code)
    expected = ok("eval", total, "x=0.5", "--fields", "value,gradients").json()  # not 20,000 nodes' JSON
    assert function(0.5) == (expected["value"], expected["gradients"])
    depth = 1_000
    chain = "sin(" * depth + "x" + ")" * depth
    with lowered_recursion_limit() as limit:  # the chain is several times deeper: exporting, compiling and
        assert depth > 3 * limit  # running the code do not recurse over it, and it stays linear in size
        code = ok("export", chain).stdout
        assert code.count("\n") < 4 * depth
        expected = ok("eval", chain, "x=0.5", "--fields", "value,gradients").json()
        assert load(code)(0.5) == (expected["value"], expected["gradients"])
        assert ok("export", chain, "--to", "latex").stdout.count("\n") < 3 * depth


def test_the_exported_code_is_clean_for_ruff_and_mypy_and_stands_alone(tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    source = f"{NEURON} + 0 * (clip(x0, -1, w0) + leaky_relu(x1, 0.1) + softplus(w1) + relu(w2) + abs(x0))"
    result = run("export", source, "--name", "neuron", "--output", str(path))
    assert result.code == 0 and result.stderr == f"wrote {path}\n"
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select=E,F,W,B,UP", "--line-length=120", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    # The project's own mypy cache (`mypy` runs before the tests, in CI too): the standard library's
    # stubs are read from it instead of analysed again (~0.2 s instead of ~1.5 s of CPU); the new file
    # itself is always checked, and a cache that does not match the stubs or options is not used.
    cache = Path(__file__).resolve().parent.parent / ".mypy_cache"
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout
    script = f"from neuron import neuron; print(neuron(**{NEURON_AT!r})[1]['w0'])"
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert float(out.stdout) == pytest.approx(NEURON_GRADS["w0"], rel=1e-9)


def test_output_file_is_written_only_when_the_export_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text("old\n", encoding="utf-8")
    assert run("export", "x +", "--output", str(path)).code == 2
    assert path.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [path]  # no partial file left
    assert run("export", "x", "--output", str(tmp_path / "missing" / "f.py")).code == 2
    directory = run("export", "x", "--output", str(tmp_path))
    assert directory.code == 2 and "cannot write" in directory.stderr
    assert list(tmp_path.iterdir()) == [path]


def test_errors_are_the_projects() -> None:
    bad = run("export", "x * (y +")
    assert bad.code == 2 and "^" in bad.stderr and "Traceback" not in bad.stderr
    data = run("export", "x * (y +", "--json").json()
    assert data["error"]["kind"] == "syntax"
    arrays = run("export", "sum([1, 2] * x)")
    assert arrays.code == 2 and "vectors and matrices" in arrays.stderr and "^" in arrays.stderr
    assert run("export", "x * y", "-x", "2").code == 2  # values make no sense: the code is for every value
    assert run("export", "x", "--name", "lambda").code == 2
    assert run("export", "x", "--name", "f", "--to", "latex").code == 2
    assert run("export", "x", "--json", "--output", "f.py").code == 2
    assert run("export", "x", "--to", "fortran").code == 2


def test_json_carries_the_code() -> None:
    data = ok("export", SEED[0], "--json").json()
    assert data["code"] == ok("export", SEED[0]).stdout
    assert (data["to"], data["wrt"], data["function"]) == ("python", ["x", "y", "z"], "value_and_grad")
    latex = ok("export", SEED[0], "--to", "latex", "--json").json()
    assert "function" not in latex and latex["code"].startswith("% backprop export")


@pytest.mark.parametrize("source", [SEED[0], NEURON, STAGED, PATTERNS[0]])
def test_the_worked_examples_compile_in_latex(source: str, tmp_path: Path) -> None:
    tex = ok("export", source, "--to", "latex").stdout
    assert r"\frac{\partial f}{\partial f} &= 1" in tex
    if shutil.which("pdflatex"):
        log = compile_latex(tmp_path, "example", tex)
        assert "Overfull" not in log


def test_latex_writes_a_node_with_many_uses_one_contribution_per_row(tmp_path: Path) -> None:
    tex = ok("export", "x*y + x*2 + x*3 + x*4 + x", "--to", "latex").stdout
    assert r"  \frac{\partial f}{\partial x} &= 1 \\" in tex
    assert r"  &\quad {} + 4 \times \frac{\partial f}{\partial \mathit{t6}} \\" in tex
    assert tex.count(r"&\quad {} + ") == 4
    if shutil.which("pdflatex"):
        assert "Overfull" not in compile_latex(tmp_path, "rows", tex)


def test_latex_of_the_seed_circuit() -> None:
    assert ok("export", SEED[0], "--to", "latex").stdout.splitlines()[3:] == [
        r"  &\text{Forward pass} \\",
        r"  q &= x + y \\",
        r"  f &= q \times z \\",
        r"  &\text{Backward pass} \\",
        r"  \frac{\partial f}{\partial f} &= 1 \\",
        r"  \frac{\partial f}{\partial z} &= q \\",
        r"  \frac{\partial f}{\partial q} &= z \\",
        r"  \frac{\partial f}{\partial y} &= \frac{\partial f}{\partial q} \\",
        r"  \frac{\partial f}{\partial x} &= \frac{\partial f}{\partial q}",
        r"\end{align*}",
        "}",
    ]
