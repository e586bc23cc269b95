"""Math errors stop with exit code 1 and name the subexpression and its values; nothing becomes NaN."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backprop_cli.engine import evaluate
from backprop_cli.errors import InputError, MathError, MissingValuesError
from backprop_cli.parse import parse
from conftest import ev


@pytest.mark.parametrize(
    ("source", "inputs", "message", "column"),
    [
        ("1 + log(x - 3)", {"x": 1}, "log of a negative number: log(x - 3) where x - 3 = -2", 5),
        ("log(x)", {"x": 0}, "log of zero: log(x) where x = 0", 1),
        ("log2(x)", {"x": 0}, "log2 of zero: log2(x) where x = 0", 1),
        ("log10(x)", {"x": -1}, "log10 of a negative number: log10(x) where x = -1", 1),
        ("cosh(x)", {"x": -1000}, "overflow (cosh(x) is too large for a float64 beyond |x| = 710.47586", 1),
        ("sqrt(x)", {"x": -1}, "square root of a negative number: sqrt(x) where x = -1", 1),
        ("y / (x - x)", {"x": 1, "y": 2}, "division by zero: y / (x - x) where y = 2; x - x = 0", 1),
        ("1 / (x - x)", {"x": 1}, "division by zero: 1 / (x - x) where x - x = 0", 1),  # the literal left out
        ("exp(x)", {"x": 1000}, "overflow (the result is too large for a float64): exp(x)", 1),
        ("x * x", {"x": 1e200}, "overflow (the result is too large for a float64): x * x", 1),
        ("x / y", {"x": 1e300, "y": 1e-300}, "overflow", 1),
        ("x ^ 0.5", {"x": -8}, "a negative base to a non-integer power: x ^ 0.5", 1),
        ("x ^ -1", {"x": 0}, "division by zero (0 to a negative power)", 1),
        ("x ^ 2000", {"x": 10}, "overflow", 1),
        ("tan(x) * 1e300 * 1e10", {"x": 1.5}, "overflow", 1),
    ],
)
def test_forward_errors(source: str, inputs: dict[str, float], message: str, column: int) -> None:
    with pytest.raises(MathError) as info:
        ev(source, **inputs)
    assert message in info.value.message
    assert info.value.position == (1, column)
    assert info.value.exit_code == 1


@pytest.mark.parametrize(
    ("source", "inputs", "message", "column"),
    [
        ("sqrt(x)", {"x": 0}, "the gradient of sqrt(x) is infinite or undefined where x = 0", 1),
        ("x ^ y", {"x": -2, "y": 2}, "the gradient of x ^ y with respect to its second input is infinite", 1),
        ("x ^ 0.5", {"x": 0}, "the gradient of x ^ 0.5 with respect to its first input", 1),
        ("(x * 1e200) * 1e200", {"x": 1e-300}, "the gradient of the output with respect to x overflows", 2),
    ],
)
def test_gradient_errors(source: str, inputs: dict[str, float], message: str, column: int) -> None:
    with pytest.raises(MathError) as info:
        ev(source, **inputs)
    assert message in info.value.message
    assert info.value.position == (1, column)  # where the caret goes


def test_negative_base_with_constant_integer_exponent_is_fine() -> None:
    e = ev("x ^ 3", x=-2)
    assert e.value == -8
    assert e.input_grads() == {"x": 12}
    assert e.local[-1] == (12, None)  # no gradient is needed towards the constant 3


def test_zero_to_a_positive_power() -> None:
    assert ev("x ^ 2", x=0).input_grads() == {"x": 0}
    assert ev("x ^ 1", x=0).input_grads() == {"x": 1}


def test_missing_values_are_all_listed() -> None:
    from backprop_cli.engine import bind_inputs

    with pytest.raises(MissingValuesError) as info:
        bind_inputs(parse("x * y + z"), {"y": 1})
    # The core names no command-line option: the CLI adds "(give -x VALUE -z VALUE)".
    assert info.value.message == "missing values for x, z"
    assert info.value.names == ["x", "z"]
    assert info.value.exit_code == 2


def test_unused_and_intermediate_values() -> None:
    from backprop_cli.engine import bind_inputs

    values, warnings = bind_inputs(parse("x * 2"), {"x": 1, "w": 2})
    assert values == {"x": 1}
    assert warnings == ["'w' is not used by the expression; its value is ignored"]
    with pytest.raises(InputError, match="'q' is assigned in the expression, so it is not an input"):
        bind_inputs(parse("q = x * 2; q + 1"), {"x": 1, "q": 2})


def test_graph_users_lists_every_use_of_a_node_with_its_position() -> None:
    g = parse("q = x * x\nf = q + x")
    node = {label: i for i, label in enumerate(g.labels)}
    users = g.users()
    assert users[node["x"]] == [(node["q"], 0), (node["q"], 1), (node["f"], 1)]
    assert users[node["q"]] == [(node["f"], 0)]
    assert users[node["f"]] == []


def test_a_tangent_that_overflows_is_a_math_error_in_forward_mode() -> None:
    graph = parse("(x * 1e200) * 1e200")
    with pytest.raises(
        MathError, match=r"^the tangent of \(x \* 1e200\) \* 1e200 with respect to x overflows$"
    ) as info:
        evaluate(graph, {"x": 1e-300}, mode="forward")
    assert info.value.excerpt() == "  (x * 1e200) * 1e200\n  ^~~~~~~~~~~~~~~~~~~"


def test_forward_mode_tangents_are_floats() -> None:
    """A node no input's tangent reaches is 0.0, as every other number of the JSON is a float."""
    result = evaluate(parse("q = x + y; f = q * z"), {"x": -2.0, "y": 5.0, "z": -4.0}, mode="forward")
    for column in result.derivatives:
        assert all(type(t) is float for t in column.values), column


def test_an_error_on_a_long_line_shows_a_window_around_it() -> None:
    source = "x + " * 60 + "log(y - y) + " + "x + " * 60 + "x"
    with pytest.raises(MathError) as caught:
        evaluate(parse(source), {"x": 1.0, "y": 2.0})
    line, caret = caught.value.excerpt().splitlines()
    assert line.startswith("  …") and line.endswith("…")
    assert len(line) < 120 < len(source)
    assert line[caret.index("^") : caret.index("^") + len("log(y - y)")] == "log(y - y)"
    assert caret.strip() == "^" + "~" * (len("log(y - y)") - 1)


def test_long_subexpressions_are_shortened_in_the_middle() -> None:
    source = "+".join(f"sin(x*{i})" for i in range(30))
    result = evaluate(parse(source), {"x": 1.0})
    text = result.graph.expr(len(result.graph) - 1)
    assert text.startswith("sin(x*0)+sin(x*1)+") and text.endswith("+sin(x*28)+sin(x*29)")
    assert " … " in text and len(text) <= 80 < len(source)


# engine.evaluate has two ways to the same answer: the fast passes (flat.py), and the reference
# passes, which run when the fast path raises flat.Fallback (on any doubt: in practice a math error,
# which the reference passes word). Each is tested here alone, with the other switched off, against
# the worked example's numbers (worked-examples.md: q = x + y; f = q * z at x = -2, y = 5, z = -4),
# so that a correct program through the reference passes is checked too, and a correct program is
# known to take the fast path. Nodes: x, y, q, z, f.
WORKED = "q = x + y; f = q * z"
AT = {"x": -2.0, "y": 5.0, "z": -4.0}
VALUES = [-2.0, 5.0, 3.0, -4.0, -12.0]
Expected = tuple[list[tuple[float | None, ...]], dict[str | None, list[float | None]], list[bool]]
EVALUATIONS: dict[tuple[str, tuple[str, ...] | None], Expected] = {  # (mode, wrt): local, columns, needs
    ("reverse", None): (
        [(), (), (1.0, 1.0), (), (-4.0, 3.0)],
        {None: [-4.0, -4.0, -4.0, 3.0, 1.0]},
        [True, True, True, True, True],
    ),
    ("reverse", ("z",)): (  # nothing towards the nodes z does not reach
        [(), (), (None, None), (), (None, 3.0)],
        {None: [None, None, None, 3.0, 1.0]},
        [False, False, False, True, True],
    ),
    ("reverse", ("z", "x")): (  # y is not differentiated; the inputs in the graph's order
        [(), (), (1.0, None), (), (-4.0, 3.0)],
        {None: [-4.0, None, -4.0, 3.0, 1.0]},
        [True, False, True, True, True],
    ),
    ("forward", None): (
        [(), (), (1.0, 1.0), (), (-4.0, 3.0)],
        {"x": [1.0, 0.0, 1.0, 0.0, -4.0], "y": [0.0, 1.0, 1.0, 0.0, -4.0], "z": [0.0, 0.0, 0.0, 1.0, 3.0]},
        [True, True, True, True, True],
    ),
    ("forward", ("z",)): (
        [(), (), (None, None), (), (None, 3.0)],
        {"z": [None, None, None, 1.0, 3.0]},
        [False, False, False, True, True],
    ),
    ("forward", ("z", "x")): (
        [(), (), (1.0, None), (), (-4.0, 3.0)],
        {"x": [1.0, None, 1.0, 0.0, -4.0], "z": [0.0, None, 0.0, 1.0, 3.0]},
        [True, False, True, True, True],
    ),
}


def only_the_reference_passes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the fast path fall back every time; the returned list records each time it did."""
    from backprop_cli import flat

    fell_back: list[str] = []

    def fall_back(*args: object) -> None:
        fell_back.append("flat.evaluate")
        raise flat.Fallback

    monkeypatch.setattr(flat, "evaluate", fall_back)
    return fell_back


def only_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every reference pass fail the test if it runs (nothing is recorded: it never falls back)."""
    from backprop_cli import engine

    def ran(*args: object) -> None:
        raise AssertionError("the reference passes ran: the fast path fell back on a correct program")

    for name in ("forward", "local_gradients", "forward_mode", "backward"):
        monkeypatch.setattr(engine, name, ran)
    return []


@pytest.mark.parametrize("path", [only_the_fast_path, only_the_reference_passes])
@pytest.mark.parametrize(("mode", "wrt"), list(EVALUATIONS))
def test_each_path_alone_gives_the_worked_examples_evaluation(
    monkeypatch: pytest.MonkeyPatch,
    path: Callable[[pytest.MonkeyPatch], list[str]],
    mode: str,
    wrt: tuple[str, ...] | None,
) -> None:
    from backprop_cli.engine import Derivatives, Evaluation

    fell_back = path(monkeypatch)
    graph = parse(WORKED)
    local, columns, needs = EVALUATIONS[mode, wrt]
    names = [name for name in graph.inputs if wrt is None or name in wrt]
    derivatives = [Derivatives(name, column) for name, column in columns.items()]
    result = evaluate(graph, AT, mode, None if wrt is None else list(wrt))
    assert result == Evaluation(graph, VALUES, local, names, derivatives, needs, mode)
    assert result.graph is graph
    assert fell_back == ([] if path is only_the_fast_path else ["flat.evaluate"])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_reference_passes_compute_no_gradient_that_was_not_asked_for(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """sqrt'(0) is infinite, but with --wrt x the gradient towards y is never computed: an answer,
    not an error, on the reference passes as on the fast path."""
    source, at = "sqrt(y) * x + x * x", {"x": 3.0, "y": 0.0}
    with pytest.raises(MathError, match=r"the gradient of sqrt\(y\) is infinite or undefined where y = 0"):
        evaluate(parse(source), at, mode)
    only_the_reference_passes(monkeypatch)
    result = evaluate(parse(source), at, mode, ["x"])
    assert (result.value, result.input_grads()) == (9.0, {"x": 6.0})
    assert result.local[1] == (None,)  # sqrt(y): its gradient towards y not computed
