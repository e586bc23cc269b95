"""Property tests: random expressions against finite differences; random text never crashes."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backprop_cli.arrays import uses_arrays
from backprop_cli.arrays.engine import evaluate as evaluate_arrays
from backprop_cli.engine import evaluate
from backprop_cli.errors import BackpropError
from backprop_cli.parse import parse
from conftest import expressions, points, run


@settings(max_examples=300, deadline=None)
@given(expressions, points)
def test_reverse_mode_matches_central_differences(source: str, at: dict[str, float]) -> None:
    graph = parse(source)
    inputs = {n: at[n] for n in graph.inputs}
    try:
        result = evaluate(graph, inputs)
    except BackpropError:
        assume(False)
        return
    # Well-conditioned points only: with huge local gradients (x / x at x = 1e-70) float64
    # cancellation defeats any summation order, and finite differences too.
    assume(abs(result.value) < 1e6)
    assume(all(abs(d) < 1e4 for row in result.local for d in row if d is not None))
    for name, grad in result.input_grads().items():
        h = 1e-6 * max(1.0, abs(inputs[name]))
        try:
            up = evaluate(graph, {**inputs, name: inputs[name] + h}).value
            down = evaluate(graph, {**inputs, name: inputs[name] - h}).value
        except BackpropError:
            assume(False)
            return
        numeric = (up - down) / (2 * h)
        assume(abs(numeric) < 1e6)
        assert math.isclose(grad, numeric, rel_tol=1e-4, abs_tol=1e-5), (source, name, grad, numeric)


ALPHABET = "xyz019.eE+-*/^()=;,#\n \tabcdefghijklmnopqrstuvwxyz_θ$@!"
ARRAY_TEXT = st.lists(
    st.sampled_from(
        ["x", "[1, 2]", "[[1, 2], [3, 4]]", "@", "sum(", "max(", ")", ",", "axis=", "0", "-1", ".T", "[", "]"]
    ),
    max_size=10,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet=ALPHABET, max_size=40), ARRAY_TEXT), st.floats(allow_nan=False, allow_infinity=False))
def test_random_text_gives_an_answer_or_a_documented_error(source: str, value: float) -> None:
    error: BackpropError | None = None
    try:
        graph = parse(source)
        inputs = dict.fromkeys(graph.inputs, value)
        if uses_arrays(graph, inputs):  # a literal [1, 2] or an array op such as @
            arrays = evaluate_arrays(graph, inputs)
            assert all(np.isfinite(v).all() for v in arrays.values)
            assert all(g is None or np.isfinite(g).all() for g in arrays.grads)
            return
        result = evaluate(graph, inputs)
    except BackpropError as err:
        error = err
    if error is not None:
        assert error.exit_code in (1, 2)
        assert error.message
        return
    assert all(math.isfinite(v) for v in result.values)
    assert all(g is None or math.isfinite(g) for g in result.grads)


WORDS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["--json", "--steps", "--circuit", "--latex", "--ascii", "--mode", "forward", "--wrt", "x"]),
    st.sampled_from(["-x", "1", "x=2", "-y", "-1e-3", "--digits", "3", "--max-rows", "0", "--h", "1e-4"]),
    st.sampled_from(["--expect", "x=1", "--format", "mermaid", "(x+y)*z", "relu(x)*y", "log(x)", "circuit"]),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["eval", "check", "graph", "demo"]), st.lists(WORDS, max_size=8))
def test_random_command_lines_never_show_a_traceback(command: str, args: list[str]) -> None:
    result = run(command, *args)
    assert result.code in (0, 1, 2, 3), result
    assert "Traceback" not in result.stdout + result.stderr
    if result.code in (1, 2):
        assert result.stderr.startswith("error: ")
    if result.code == 3:  # a gradient check or expectation failed: said on stdout
        assert "wrong" in result.stdout or '"right": false' in result.stdout
