"""The streamed JSON against the reference (``json.dumps`` of ``json_view.evaluation``), and --fields."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.engine import Evaluation, evaluate
from backprop_cli.errors import BackpropError
from backprop_cli.parse import parse
from backprop_cli.views import json_stream
from backprop_cli.views.json_view import dumps, evaluation
from backprop_cli.views.steps import steps_json
from conftest import expressions, ok, points, run


def streamed(document: json_stream.EvaluationJSON) -> str:
    pieces: list[str] = []
    json_stream.write(document, pieces.append)
    return "".join(pieces)


def reference(ev: Evaluation, steps: bool = False) -> str:
    data = evaluation(ev)
    if steps:
        data["steps"] = steps_json(ev)
    return dumps(data) + "\n"


@pytest.mark.parametrize("orjson_from", [0, json_stream.ORJSON_FROM])
@settings(max_examples=200, deadline=None)
@given(
    expressions,
    points,
    st.sampled_from(["reverse", "forward"]),
    st.booleans(),
    st.sampled_from(["", "q = {}\nθ_1 = q * 2 + x\nθ_1 / (1 + q^2)", "a = {}; b = a; max(a, b) - abs(y)"]),
)
def test_streamed_json_is_byte_identical_to_json_dumps(
    orjson_from: int, source: str, at: dict[str, float], mode: str, steps: bool, program: str
) -> None:
    """Both ways of writing the numbers: Python's repr (small graphs), orjson (large ones)."""
    source = program.format(source) if program else source
    graph = parse(source)
    try:
        ev = evaluate(graph, {n: at.get(n, 0.5) for n in graph.inputs}, mode)
    except BackpropError:
        return
    document = json_stream.EvaluationJSON(ev, None, steps_json(ev) if steps else None)
    default, json_stream.ORJSON_FROM = json_stream.ORJSON_FROM, orjson_from
    try:
        assert streamed(document) == reference(ev, steps)
    finally:
        json_stream.ORJSON_FROM = default


# Where orjson's text and Python's repr part: below 1e-4 (0.00001, 1e-7 against 1e-05, 1e-07),
# the smallest subnormal, the exponents' edges.
EDGES = [
    0.0,
    -0.0,
    1e-4,
    9.9e-05,
    1e-05,
    -1.5e-05,
    1e-7,
    7.1850441006303285e-09,
    1e-10,
    5e-324,
    1e16,
    9999999999999998.0,
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(EDGES), st.floats(allow_nan=False, allow_infinity=False))))
def test_orjson_writes_each_number_as_python_does(numbers: list[float | None]) -> None:
    expected = ["null" if x is None else repr(x) for x in numbers]
    assert json_stream._orjson_numbers(numbers) == json_stream._numbers(numbers) == (expected or [""])
    rows = [tuple(numbers[k : k + 2]) for k in range(0, len(numbers), 2)] + [()]
    expected_rows = [", ".join("null" if x is None else repr(x) for x in row) for row in rows]
    assert json_stream._orjson_rows(rows) == json_stream._rows(rows) == expected_rows


def test_a_large_graph_has_its_numbers_written_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default threshold is reached (and the result is the reference's), tiny numbers included."""
    source = "+".join(f"x^{k}" for k in range(1, 3001)) + " + " + "+".join(f"sin(x * {k}e-7)" for k in range(3000))
    ev = evaluate(parse(source), {"x": 0.5})
    assert len(ev.graph) >= json_stream.ORJSON_FROM
    written: list[object] = []
    orjson_numbers = json_stream._orjson_numbers

    def numbers(xs: list[float | None]) -> list[str]:
        written.append(xs)
        return orjson_numbers(xs)

    monkeypatch.setattr(json_stream, "_orjson_numbers", numbers)
    assert streamed(json_stream.EvaluationJSON(ev)) == reference(ev)
    assert written


def test_long_programs_across_chunks_and_long_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_stream, "CHUNK", 7)
    source = "+".join(f"sin(x * {i})" for i in range(60))  # spans longer than EXPR_MAX, shortened
    ev = evaluate(parse(source), {"x": 0.25})
    assert len(ev.graph) > 3 * 7
    assert streamed(json_stream.EvaluationJSON(ev)) == reference(ev)


def test_the_output_is_written_in_pieces_of_bounded_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak memory does not grow with the output's text: no piece holds more than CHUNK nodes
    (the expression is written as one piece: it is in memory anyway)."""
    monkeypatch.setattr(json_stream, "CHUNK", 100)
    ev = evaluate(parse("+".join(["x"] * 5000)), {"x": 2.0})
    pieces = list(json_stream.EvaluationJSON(ev).parts())
    assert len(pieces) > 5000 / 100
    one_node = max(len(json.dumps(node)) for node in evaluation(ev)["nodes"])
    source = json.dumps(ev.graph.source)
    assert source in pieces
    assert max(len(p) for p in pieces if p != source) <= 100 * (one_node + 2)


def test_a_non_finite_number_fails_as_json_dumps_would() -> None:
    ev = evaluate(parse("x * 2"), {"x": 1.0})
    ev.values[0] = float("nan")
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        streamed(json_stream.EvaluationJSON(ev))


SEED = ("eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4")


def test_fields_selects_top_level_keys_in_their_documented_order() -> None:
    out = ok(*SEED, "--fields", "gradients, value")
    expected = '{"schema_version": 1, "value": -12.0, "gradients": {"x": -4.0, "y": -4.0, "z": 3.0}, "warnings": []}\n'
    assert out.stdout == expected
    full = json.loads(ok(*SEED, "--json").stdout)
    nodes = json.loads(ok(*SEED, "--json", "--fields", "nodes").stdout)
    assert nodes == {"schema_version": 1, "nodes": full["nodes"], "warnings": []}


def test_fields_with_steps_and_forward_mode() -> None:
    out = json.loads(ok(*SEED, "--steps", "--mode", "forward", "--fields", "steps,value,mode").stdout)
    assert list(out) == ["schema_version", "mode", "value", "steps", "warnings"]
    assert out["mode"] == "forward"
    assert [s["wrt"] for s in out["steps"]] == ["x", "y", "z"]
    # A key the evaluation does not have (steps, without --steps) is left out, not null.
    assert list(json.loads(ok(*SEED, "--fields", "steps,value").stdout)) == ["schema_version", "value", "warnings"]


def test_fields_keep_the_warnings() -> None:
    out = run("eval", "a = y; x * 2", "-x", "1", "--fields", "value")
    assert json.loads(out.stdout) == {
        "schema_version": 1,
        "value": 2.0,
        "warnings": ["'a' is assigned but not used by the output (the last statement)"],
    }


@pytest.mark.parametrize("fields", ["valu", "", "value,nodez"])
def test_unknown_fields_are_a_usage_error_in_json(fields: str) -> None:
    out = run(*SEED, "--fields", fields)
    assert out.code == 2
    error = json.loads(out.stdout)["error"]
    assert error["kind"] == "usage"
    assert (
        "the fields are: expression, mode, value, shape, inputs, gradients, hessian, nodes, steps" in error["message"]
    )


def test_fields_do_not_go_with_views_that_have_no_json() -> None:
    out = run(*SEED, "--circuit", "--fields", "value")
    assert out.code == 2
    assert "--circuit has no JSON form" in out.stderr
