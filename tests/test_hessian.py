"""--hessian on eval: the worked examples' closed forms, every op of the table against differences of
the gradient, random expressions against finite differences and SymPy, --wrt, forward mode, errors."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_cli.engine import Evaluation, evaluate
from backprop_cli.errors import MathError
from backprop_cli.formula import from_graph
from backprop_cli.functions import sigmoid
from backprop_cli.gradcheck import kinks_within
from backprop_cli.hessian import hessian, second_rules
from backprop_cli.ops import OPS, RULE_INPUTS, Op
from backprop_cli.parse import parse
from backprop_cli.views.json_stream import EvaluationJSON
from conftest import NAMES, expressions, ok, points, run
from recursion_limit import lowered_recursion_limit

Matrix = Mapping[str, Mapping[str, float]]


def close(actual: Matrix, expected: Matrix, rel: float = 1e-12, tiny: float = 1e-15) -> None:
    """Same rows, same columns, in the same order, every entry equal to ``rel``."""
    assert list(actual) == list(expected)
    for row in expected:
        assert list(actual[row]) == list(expected[row])
        for col in expected[row]:
            assert math.isclose(actual[row][col], expected[row][col], rel_tol=rel, abs_tol=tiny), (row, col)


def cli_hessian(*args: str) -> Matrix:
    """The Hessian of ``backprop eval ARGS --hessian --json`` (validated against the schema by run)."""
    data = ok("eval", *args, "--hessian", "--json").json()
    return data["hessian"]  # type: ignore[no-any-return]


# The four worked examples of worked-examples.md, with their Hessians in closed form.


def test_the_seed_circuit() -> None:
    # f = (x + y) z: the only second derivatives are ∂²f/∂x∂z = ∂²f/∂y∂z = 1.
    expected = {"x": {"x": 0, "y": 0, "z": 1}, "y": {"x": 0, "y": 0, "z": 1}, "z": {"x": 1, "y": 1, "z": 0}}
    close(cli_hessian("q = x + y; f = q * z", "-x", "-2", "-y", "5", "-z", "-4"), expected)


def neuron_hessian(w0: float, x0: float, w1: float, x1: float, w2: float) -> dict[str, dict[str, float]]:
    """f = σ(s), s = w0·x0 + w1·x1 + w2: ∂²f/∂u∂v = σ''(s) s_u s_v + σ'(s) s_uv, σ' = σ(1 − σ),
    σ'' = σ'(1 − 2σ)."""
    s = sigmoid(w0 * x0 + w1 * x1 + w2)
    d1 = s * (1 - s)
    d2 = d1 * (1 - 2 * s)
    first = {"w0": x0, "x0": w0, "w1": x1, "x1": w1, "w2": 1.0}
    pairs = {frozenset(("w0", "x0")), frozenset(("w1", "x1"))}
    return {u: {v: d2 * first[u] * first[v] + d1 * (frozenset((u, v)) in pairs) for v in first} for u in first}


@pytest.mark.parametrize("source", ["sigmoid(w0*x0 + w1*x1 + w2)", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"])
def test_the_sigmoid_neuron(source: str) -> None:
    values = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    args = [f"{name}={value}" for name, value in values.items()]
    close(cli_hessian(source, *args), neuron_hessian(**values), rel=1e-12, tiny=1e-15)


def test_the_staged_computation() -> None:
    x, y = 3.0, -4.0
    # f = N / D, N = x + σ(y), D = σ(x) + (x + y)²:
    # f_uv = N_uv/D − (N_u D_v + N_v D_u)/D² − N D_uv/D² + 2 N D_u D_v/D³.
    sx, sy = sigmoid(x), sigmoid(y)
    d1x, d1y = sx * (1 - sx), sy * (1 - sy)
    n, d = x + sy, sx + (x + y) ** 2
    n1 = {"x": 1.0, "y": d1y}
    n2 = {("x", "x"): 0.0, ("x", "y"): 0.0, ("y", "x"): 0.0, ("y", "y"): d1y * (1 - 2 * sy)}
    d1 = {"x": d1x + 2 * (x + y), "y": 2 * (x + y)}
    d2 = {("x", "x"): d1x * (1 - 2 * sx) + 2, ("x", "y"): 2.0, ("y", "x"): 2.0, ("y", "y"): 2.0}
    expected = {
        u: {
            v: n2[u, v] / d
            - (n1[u] * d1[v] + n1[v] * d1[u]) / d**2
            - n * d2[u, v] / d**2
            + 2 * n * d1[u] * d1[v] / d**3
            for v in "yx"
        }
        for u in "yx"  # y is used first
    }
    program = "sigy = sigmoid(y); num = x + sigy; sigx = sigmoid(x); xpy = x + y; xpysqr = xpy^2; den = sigx + xpysqr; invden = 1 / den; f = num * invden"
    close(cli_hessian(program, "-x", "3", "-y", "-4"), expected, rel=1e-11)


def test_patterns_in_backward_flow() -> None:
    # f = 2(xy + max(z, w)): ∂²f/∂x∂y = 2; max is linear off its kink, so everything else is 0.
    names = ["x", "y", "z", "w"]
    expected = {u: {v: 2.0 if {u, v} == {"x", "y"} else 0.0 for v in names} for u in names}
    close(cli_hessian("2 * (x*y + max(z, w))", "-x", "3", "-y", "-4", "-z", "2", "-w", "-1"), expected)


# Every op of the table (the new ones too, the day they are added).

SCALAR_OPS = [op for op in OPS.values() if op.rules and op.arity]
CANDIDATES = [(0.7, 1.3, 0.4), (0.4, 0.1, 0.9), (0.3, -0.5, 2.0), (-0.6, -0.2, 0.5), (1.7, 0.9, 2.5)]
"""Points tried in turn until one is inside the op's domain and away from its kinks."""


def program(op: Op) -> tuple[str, list[str]]:
    """``t = op(a, b, c); f = t * t * w``: the op's own second derivatives, and the chain rule's."""
    names = RULE_INPUTS[: op.arity]
    spelled = (
        op.spelling.template
        if op.spelling and not op.is_function
        else f"{op.name}({', '.join(map('${}'.format, range(op.arity)))})"
    )
    for k, name in enumerate(names):
        spelled = spelled.replace(f"${k}", name)
    return f"t = {spelled}\nf = t * t * w", [*names, "w"]


def point(op: Op, source: str, names: list[str]) -> dict[str, float]:
    graph = parse(source)
    for candidate in CANDIDATES:
        at = {**dict(zip(names, candidate)), "w": 1.5}
        try:
            ev = evaluate(graph, at)
            shifted = [evaluate(graph, {**at, n: at[n] + s}).values for n in names for s in (-1e-3, 1e-3)]
        except MathError:
            continue
        if not kinks_within(graph, [ev.values, *shifted]):
            return at
    raise AssertionError(f"no point of {CANDIDATES} is inside {op.name}'s domain and off its kinks")


def differences(source: str, at: dict[str, float], relative: float = 1e-5) -> dict[str, dict[str, float]]:
    """Row x: (∇f(x + h) − ∇f(x − h)) / 2h, h = relative × max(1, |x|), the gradients from the reverse pass."""
    graph = parse(source)
    rows = {}
    for row, x in at.items():
        h = relative * max(1.0, abs(x))
        up = evaluate(graph, {**at, row: x + h}).input_grads()
        down = evaluate(graph, {**at, row: x - h}).input_grads()
        rows[row] = {col: (up[col] - down[col]) / (2 * h) for col in at}
    return rows


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_against_differences_of_the_gradient(op: Op) -> None:
    source, names = program(op)
    at = point(op, source, names)
    actual = cli_hessian(source, *(f"{n}={v!r}" for n, v in at.items()))
    # Central differences: truncation ~h², rounding ~ε/h.
    close(actual, differences(source, at), rel=1e-6, tiny=1e-7)
    # Forward over forward (one pass per pair) gives the same numbers as forward over reverse.
    ev = evaluate(parse(source), at)
    close(hessian(ev, "forward"), hessian(ev), rel=1e-12, tiny=1e-15)


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_op_has_symmetric_second_rules(op: Op) -> None:
    # ∂²out/∂a∂b = ∂²out/∂b∂a: the rules are differentiated independently, so this can fail.
    source, names = program(op)
    at = point(op, source, names)
    rules = second_rules(op.name)
    assert len(rules) == op.arity and all(len(row) == op.arity for row in rules)
    from backprop_cli.formula import evaluate as run_formula
    from backprop_cli.formula import float_impl

    graph = parse(source)
    out = evaluate(graph, at).values[graph.labels.index("t")]
    env = {**dict(zip(RULE_INPUTS, (at[n] for n in names))), "out": out}
    for m in range(op.arity):
        for p in range(m + 1, op.arity):
            a = run_formula(rules[m][p], env, float_impl())
            b = run_formula(rules[p][m], env, float_impl())
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (m, p)


# Random expressions: against finite differences of the gradient, and against SymPy's hessian.


def sympy_derivatives(source: str, at: dict[str, float]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The gradient and the Hessian by SymPy (``sympy.hessian``), exact, evaluated to 30 digits; an
    example is rejected where SymPy's are not finite numbers: its pi is exact, and sin(pi) = 0 makes
    ``x / sin(pi)`` a pole for SymPy only (the tool's pi is a double, its sine 1.2e-16)."""
    import sympy

    from sympy_oracle import to_sympy

    symbols = {n: sympy.Symbol(n, real=True) for n in at}
    f = to_sympy(from_graph(parse(source)), symbols)
    assume(not f.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan))
    variables = list(symbols.values())
    matrix = sympy.hessian(f, variables)
    subs = {symbols[n]: sympy.Float(at[n], 30) for n in at}

    def number(expr: Any) -> float:
        value = expr.evalf(30, subs=subs)
        assume(value.is_real and value.is_finite)
        return float(value)

    gradient = {n: number(sympy.diff(f, symbols[n])) for n in at}
    return gradient, {u: {v: number(matrix[i, j]) for j, v in enumerate(at)} for i, u in enumerate(at)}


def well_conditioned(actual: Mapping[str, float], exact: Mapping[str, float]) -> bool:
    """Whether float64 gets the gradient right to 1e-12 here: where it does not (log(1 + x²) at
    x = 1e-4 loses half its digits in 1 + x²), the expression, not its derivative, is to blame."""
    scale = max([1.0, *map(abs, exact.values())])
    return all(math.isclose(actual[n], exact[n], rel_tol=1e-12, abs_tol=1e-12 * scale) for n in exact)


def with_hessian(source: str, at: dict[str, float]) -> tuple[Evaluation, Matrix, dict[str, float]]:
    """The evaluation, its Hessian and the point (its inputs only); a math error rejects the example."""
    graph = parse(source)
    at = {n: at[n] for n in graph.inputs}
    try:
        ev = evaluate(graph, at)
        return ev, hessian(ev), at
    except MathError:
        assume(False)
        raise


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=expressions, at=points)
def test_random_expressions_against_sympy(source: str, at: dict[str, float]) -> None:
    ev, matrix, at = with_hessian(source, at)
    gradient, exact = sympy_derivatives(source, at)
    assume(well_conditioned(ev.input_grads(), gradient))
    scale = max([1.0, *(abs(x) for row in exact.values() for x in row.values())])
    for u in at:
        for v in at:
            assert math.isclose(matrix[u][v], exact[u][v], rel_tol=1e-9, abs_tol=1e-9 * scale), (u, v)


MODERATE = st.fixed_dictionaries(
    {n: st.floats(min_value=0.1, max_value=2).flatmap(lambda v: st.sampled_from([v, -v])) for n in NAMES}
)
"""Points away from 0, where a centred difference of step 1e-5 does not straddle a pole (1/y)."""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=expressions, at=MODERATE)
def test_random_expressions_against_differences_of_the_gradient(source: str, at: dict[str, float]) -> None:
    _, matrix, at = with_hessian(source, at)
    try:
        numerical, halved = differences(source, at), differences(source, at, 0.5e-5)
    except MathError:
        assume(False)
        return
    for u in at:
        for v in at:
            # Where halving the step moves the difference, the difference is not to be trusted.
            if abs(numerical[u][v] - halved[u][v]) < 1e-6 * max(1.0, abs(numerical[u][v])):
                assert math.isclose(matrix[u][v], numerical[u][v], rel_tol=1e-5, abs_tol=1e-5), (u, v)


# Options: --wrt, forward mode, the views, JSON.

SEED = ["(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"]


def test_wrt_gives_the_submatrix_in_the_inputs_order() -> None:
    whole = cli_hessian("x^2*y*z + sin(x*z)", "-x", "0.5", "-y", "2", "-z", "-1.5")
    part = cli_hessian("x^2*y*z + sin(x*z)", "-x", "0.5", "-y", "2", "-z", "-1.5", "--wrt", "z,x")
    close(part, {u: {v: whole[u][v] for v in ("x", "z")} for u in ("x", "z")}, rel=0, tiny=0)


def test_forward_mode_gives_the_same_hessian() -> None:
    args = ["x^2*y*z + sin(x*z) / y", "-x", "0.5", "-y", "2", "-z", "-1.5"]
    data = ok("eval", *args, "--hessian", "--json", "--mode", "forward").json()
    assert data["mode"] == "forward"
    close(data["hessian"], cli_hessian(*args), rel=1e-13)
    part = ok("eval", *args, "--hessian", "--json", "--mode", "forward", "--wrt", "y").json()["hessian"]
    close(part, {"y": {"y": data["hessian"]["y"]["y"]}}, rel=1e-13)


def test_the_table_shows_a_matrix_under_the_gradients() -> None:
    out = ok("eval", *SEED, "--hessian").stdout
    assert out.endswith(
        "gradients of the output:\n∂f/∂x = -4\n∂f/∂y = -4\n∂f/∂z =  3\n"
        "Hessian of the output (∂²f/∂row ∂column):\n"
        "   x  y  z\n"
        "x  0  0  1\n"
        "y  0  0  1\n"
        "z  1  1  0\n"
    )
    ascii = ok("eval", *SEED, "--hessian", "--ascii").stdout
    assert ascii.isascii()
    assert "Hessian of the output (d^2 f/drow dcolumn):" in ascii
    assert "Hessian" not in ok("eval", *SEED).stdout


def test_max_rows_limits_the_matrix_rows_and_columns_as_the_node_table() -> None:
    """The matrix of n inputs was n lines of n columns whatever --max-rows said (300 inputs: 300 lines
    each thousands of characters wide)."""
    source = " + ".join(f"x{i}*x{i + 1}" for i in range(29))
    values = [f"x{i}=1" for i in range(30)]
    out = ok("eval", source, *values, "--hessian", "--max-rows", "4").stdout
    assert out.endswith(
        "Hessian of the output (∂²f/∂row ∂column):\n"
        "     x0  x1  …  x28  x29\n"
        "x0    0   1       0    0\n"
        "x1    1   0       0    0\n"
        "⋮\n"
        "x28   0   0       0    1\n"
        "x29   0   0       1    0\n"
        "showing 4 of 30 rows and columns; --max-rows 0 shows all\n"
    )
    small = ("x0*x1 + x1*x2", "x0=1", "x1=1", "x2=1", "--hessian")
    for limit in ("0", "3"):  # no limit, and no more inputs than the limit: the whole matrix, no note
        assert ok("eval", *small, "--max-rows", limit).stdout.endswith("x2   0   1   0\n")


def test_the_matrix_is_in_the_gradients_colour() -> None:
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}
    out = run("eval", "x*y", "-x", "2", "-y", "3", "--hessian", "--digits", "3", env=env).stdout
    matrix = out[out.index("Hessian") :]
    assert "\x1b[31m1\x1b[0m" in matrix  # red, as the gradients
    assert "\x1b[32m" not in matrix  # no value green


def test_json_keys_fields_and_the_streamed_writer() -> None:
    data = ok("eval", *SEED, "--hessian", "--json").json()
    assert list(data) == [
        "schema_version",
        "expression",
        "mode",
        "value",
        "inputs",
        "gradients",
        "hessian",
        "nodes",
        "warnings",
    ]
    assert "hessian" not in ok("eval", *SEED, "--json").json()
    # --fields hessian asks for it (no --hessian needed), alone or with others, in the documented order.
    only = ok("eval", *SEED, "--fields", "hessian,value").json()
    assert list(only) == ["schema_version", "value", "hessian", "warnings"]
    assert only["hessian"] == data["hessian"]
    # The streamed writer prints what the reference dumps prints.
    from backprop_cli.views.json_view import dumps
    from backprop_cli.views.json_view import evaluation as reference

    ev = evaluate(parse("x^3 * y / (1 + z^2)"), {"x": 0.3, "y": -1.7, "z": 2.2})
    ev.hessian = hessian(ev)
    streamed = "".join(EvaluationJSON(ev).parts())
    assert streamed == dumps(reference(ev))
    assert repr(ev.hessian["x"]["z"]) in streamed  # full precision


def test_views_without_a_hessian_refuse_it() -> None:
    for view in (["--steps"], ["--circuit"], ["--latex"], ["--steps", "--json"]):
        out = run("eval", *SEED, "--hessian", *view)
        assert out.code == 2, out
        assert "--hessian" in out.stderr + out.stdout
    out = run("eval", *SEED, "--steps", "--fields", "hessian")
    assert out.code == 2
    assert out.json()["error"]["message"] == "--fields hessian and --steps do not go together: --steps has no Hessian"
    # The demos: the table view takes it.
    assert "Hessian of the output" in ok("demo", "circuit", "--table", "--hessian").stdout


# Errors.


def test_a_second_derivative_that_is_infinite_is_a_math_error() -> None:
    out = run("eval", "y * x^1.5", "-x", "0", "-y", "2", "--hessian")
    assert out.code == 1
    assert out.stderr == (
        "error: the second derivative of x^1.5 is infinite or undefined where x = 0 (line 1, column 5)\n"
        "  y * x^1.5\n"
        "      ^~~~~\n"
    )
    error = run("eval", "y * x^1.5", "-x", "0", "-y", "2", "--hessian", "--json").json()["error"]
    assert error == {
        "kind": "math",
        "message": "the second derivative of x^1.5 is infinite or undefined where x = 0",
        "line": 1,
        "column": 5,
    }
    # Without --hessian the same point is fine (the gradient 1.5·√x is 0 there).
    assert ok("eval", "y * x^1.5", "-x", "0", "-y", "2").code == 0
    # The Hessian of sqrt(x) at 0 fails already at first order, and says so the same way.
    first = run("eval", "sqrt(x)", "-x", "0", "--hessian", "--json").json()["error"]
    assert first["kind"] == "math"
    assert first["message"].startswith("the gradient of sqrt(x) is infinite or undefined")


def test_two_inputs_are_named_when_both_have_gradients() -> None:
    # x^y at x = 0, y = 1.5: the gradient is 0, ∂²/∂x² = y(y − 1)·x^(y − 2) is infinite.
    out = run("eval", "x^y", "-x", "0", "-y", "1.5", "--hessian", "--json").json()["error"]
    assert out["message"] == (
        "the second derivative of x^y with respect to its first input twice is infinite or undefined where x = 0; y = 1.5"
    )
    assert ok("eval", "x^y", "-x", "0", "-y", "1.5").code == 0


def test_an_overflowing_second_derivative_names_the_input() -> None:
    # f = 1e-200 · sin(1e300 · x): the gradient is ~1e100, the second derivative ~1e400.
    out = run("eval", "1e-200 * sin(1e300 * x)", "-x", "1", "--hessian", "--json")
    assert out.code == 1
    assert out.json()["error"]["message"] == "the second derivative of the output with respect to x twice overflows"
    forward = run("eval", "1e-200 * sin(1e300 * x)", "-x", "1", "--hessian", "--json", "--mode", "forward")
    assert (
        forward.json()["error"]["message"]
        == "the second derivative of sin(1e300 * x) with respect to x twice overflows"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["sum(v) * x", "-v", "[1, 2]", "-x", "3"],
        ["sum([1, 2] * x)", "-x", "3"],
    ],
)
def test_arrays_are_refused_in_one_sentence(args: list[str]) -> None:
    for command in ("eval", "check"):
        out = run(command, *args, "--hessian")
        assert out.code == 2, out
        assert out.stderr == "error: --hessian is for scalar expressions only, and this one has vectors or matrices\n"
        # The same program without --hessian runs.
        assert run(command, *args).code == 0


def test_the_hessian_of_many_inputs_is_refused_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    from backprop_cli.commands import limits

    monkeypatch.setattr(limits, "HESSIAN_PASSES", 1_000)
    source = " + ".join(f"x{i}*x{i + 1}" for i in range(40))
    values = [f"x{i}=1" for i in range(41)]
    out = run("eval", source, *values, "--hessian")
    assert out.code == 2
    assert out.stderr.startswith(
        "error: the Hessian of all 41 inputs makes 41 passes over 120 nodes (4,920 node visits): choose the inputs with --wrt"
    )
    forward = run("eval", source, *values, "--hessian", "--mode", "forward")
    assert "makes 861 passes" in forward.stderr  # one per pair of inputs
    checked = run("check", source, *values, "--hessian")
    assert checked.code == 2
    assert "makes 82 passes" in checked.stderr
    # Chosen with --wrt, it runs; without --hessian, nothing is refused.
    assert cli_hessian(source, *values, "--wrt", "x0,x1") == {
        "x0": {"x0": 0.0, "x1": 1.0},
        "x1": {"x0": 1.0, "x1": 0.0},
    }
    assert run("eval", source, *values).code == 0
    monkeypatch.setattr(limits, "HESSIAN_PASSES", 10**9)
    monkeypatch.setattr(limits, "HESSIAN_ENTRIES", 1_000)
    assert "has 1,681 entries" in run("eval", source, *values, "--hessian").stderr


def test_a_deep_chain_and_a_ten_thousand_term_sum() -> None:
    depth = 1_000
    chain = "sin(" * depth + "x" + ")" * depth
    with lowered_recursion_limit() as limit:  # the chain is several times deeper: no recursion over it
        assert depth > 3 * limit
        exact = evaluate(parse(chain), {"x": 0.5})
        ev = ok("eval", chain, "-x", "0.5", "--fields", "hessian").json()["hessian"]  # no nodes: a quick schema check
        # Forward over forward is an independent second computation of the same number.
        exact.hessian = hessian(exact, "forward")
    close(ev, exact.hessian, rel=1e-12)
    assert ev["x"]["x"] != 0
    terms = 10_000
    total = ok("eval", "+".join(["x*y"] * terms), "-x", "2", "-y", "3", "--fields", "hessian").json()["hessian"]
    assert total == {"x": {"x": 0.0, "y": 10_000.0}, "y": {"x": 10_000.0, "y": 0.0}}


# The kinks: every op with a kink is linear on each side of it in the inputs that decide the side, so
# its own second derivative along them is 0, off the kink and on it (step' = sign' = 0). Elsewhere the
# chain rule applies the first-order conventions (relu'(0) = 0, abs'(0) = 0), as PyTorch does.

KINKED = [op for op in SCALAR_OPS if op.kink is not None]
GRID = [-0.6, -0.2, 0.0, 0.3, 0.7, 1.1]


def kink_points(op: Op, source: str, names: list[str]) -> dict[str, dict[str, float]]:
    """A point on each side of the op's kink (at least 0.05 away) and one on it, where f is defined."""
    import itertools

    assert op.kink is not None
    graph = parse(source)
    found: dict[str, dict[str, float]] = {}
    for values in itertools.product(GRID, repeat=op.arity):
        k = op.kink(*values)
        side = "on" if k == 0 else "above" if k >= 0.05 else "below" if k <= -0.05 else None
        at = {**dict(zip(names, values)), "w": 1.5}
        if side is None or side in found:
            continue
        try:
            evaluate(graph, at)
            for n in names:  # and a centred difference's step away
                evaluate(graph, {**at, n: at[n] + 1e-7})
                evaluate(graph, {**at, n: at[n] - 1e-7})
        except MathError:
            continue
        found[side] = at
    assert set(found) == {"above", "below", "on"}, found
    return found


def kink_inputs(op: Op) -> list[int]:
    """The inputs that move the kink function (those that decide the side)."""
    assert op.kink is not None
    base = [0.3, 0.7, 1.1][: op.arity]
    return [m for m in range(op.arity) if op.kink(*(v + 0.01 * (k == m) for k, v in enumerate(base))) != op.kink(*base)]


@pytest.mark.parametrize("op", KINKED, ids=lambda op: op.name)
def test_kinks_follow_the_conventions(op: Op) -> None:
    from backprop_cli.formula import evaluate as run_formula
    from backprop_cli.formula import float_impl

    source, names = program(op)
    graph = parse(source)
    assert kink_inputs(op)
    for side, at in kink_points(op, source, names).items():
        actual = cli_hessian(source, *(f"{n}={v!r}" for n, v in at.items()))  # on the kink too: no error
        if side != "on":
            close(actual, differences(source, at, 1e-7), rel=1e-5, tiny=1e-6)
        out = evaluate(graph, at).values[graph.labels.index("t")]
        env = {**dict(zip(RULE_INPUTS, (at[n] for n in names))), "out": out}
        for m in kink_inputs(op):
            assert run_formula(second_rules(op.name)[m][m], env, float_impl()) == 0.0, (side, m)


@pytest.mark.parametrize(
    ("source", "x", "expected"),
    [
        ("relu(x)^2", 1.0, 2.0),
        ("relu(x)^2", -1.0, 0.0),
        ("relu(x)^2", 0.0, 0.0),  # relu'(0) = 0
        ("abs(x)^2", -1.0, 2.0),
        ("abs(x)^2", 0.0, 0.0),  # abs'(0) = 0 (PyTorch gives 0 too)
        ("max(x, 0.5)^2", 0.5, 0.5),  # half the gradient each at a tie: 2 · (1/2)²
        ("x * step(x)", 1.0, 0.0),  # step' = 0: x·step(x) has derivative step(x), then 0
    ],
)
def test_second_derivatives_at_and_off_kinks(source: str, x: float, expected: float) -> None:
    assert cli_hessian(source, "-x", repr(x)) == {"x": {"x": expected}}


def test_check_hessian_is_capped_by_max_rows_and_a_wrong_entry_left_out_still_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """check --hessian printed every entry of the matrix (n² rows for n inputs); now --max-rows caps it
    as it caps eval's Hessian, the note counts the wrong entries left out, and they still fail the check."""
    from backprop_cli import hessian as module

    def off_by_one(ev: Evaluation) -> dict[str, dict[str, float]]:
        matrix = hessian(ev)
        matrix["m"]["m"] += 1.0  # an entry in the middle, left out below
        return matrix

    monkeypatch.setattr(module, "hessian", off_by_one)
    args = ["check", "a*b + m*m + c*d", "-a", "1", "-b", "2", "-m", "1", "-c", "3", "-d", "4", "--hessian"]
    capped = run(*args, "--max-rows", "4")
    assert capped.code == 3, capped
    out = capped.stdout
    assert "showing 4 of 5 rows: 1 left out, 0 of them wrong; --max-rows 0 shows all" in out  # the gradients
    assert "showing 4 of 25 rows: 21 left out, 1 of them wrong; --max-rows 0 shows all" in out
    assert "worst relative error 3.3e-01 (row m, column m)" in out  # over every entry, shown or not
    hessian_rows = out.split("Hessian, against")[1].splitlines()[3:8]
    assert [row.split()[:2] for row in hessian_rows] == [["a", "a"], ["a", "b"], ["⋮"], ["d", "c"], ["d", "d"]]
    data = run(*args, "--json").json()
    assert len(data["hessian"]["entries"]) == 25
    assert [e["verdict"] for e in data["hessian"]["entries"]].count("wrong") == 1
    assert data["ok"] is False
