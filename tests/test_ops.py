"""Every op in the table: local derivatives against central finite differences, the generated rule
functions against their trees, and PyTorch's conventions at the kinks. A new op is tested the day
it is added."""

from __future__ import annotations

import math

import pytest

from backprop_cli.formula import evaluate, float_impl
from backprop_cli.ops import FUNCTIONS, OPS, RULE_INPUTS, Op
from backprop_cli.parse import RULES, parse
from backprop_cli.rule_trees import TREES
from backprop_cli.rules import LOCAL
from conftest import domain, ev

OPERATIONS = [op for op in OPS.values() if op.rules]
"""The elementwise ops (array ops and their rules' helpers are tested in test_arrays.py)."""
ARRAY_OPS = [op for op in OPS.values() if op.vjp]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_every_op_has_points_in_its_domain_on_both_sides_of_its_kink(op: Op) -> None:
    points = domain(op)
    assert len(points) >= 4, op.name
    if op.kink is not None:
        assert {math.copysign(1, op.kink(*xs)) for xs in points} == {-1, 1}, op.name


def central_difference(op: Op, xs: tuple[float, ...], k: int, h: float = 1e-6) -> float:
    up = list(xs)
    down = list(xs)
    up[k] += h
    down[k] -= h
    return (op.forward(*up) - op.forward(*down)) / (2 * h)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_entry_is_complete(op: Op) -> None:
    assert len(op.rules) == op.arity == len(TREES[op.name]) == len(LOCAL[op.name])
    allowed = {*RULE_INPUTS[: op.arity], "out"}
    for tree in TREES[op.name]:
        assert set(tree.variables()) <= allowed, op.rules


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_local_gradients_match_central_differences(op: Op) -> None:
    for xs in domain(op):
        out = op.forward(*xs)
        for k in range(op.arity):
            analytic = LOCAL[op.name][k](*xs, out)
            numeric = central_difference(op, xs, k)
            assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8), f"∂{op.name}/∂input{k} at {xs}"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_compiled_rule_is_its_tree(op: Op) -> None:
    """The passes run the generated functions; the views print the trees. They must be one rule."""
    for xs in domain(op):
        out = op.forward(*xs)
        env = dict(zip(RULE_INPUTS, xs), out=out)
        for k in range(op.arity):
            assert evaluate(TREES[op.name][k], env, float_impl()) == LOCAL[op.name][k](*xs, out), op.rules[k]


@pytest.mark.parametrize("op", ARRAY_OPS, ids=lambda op: op.name)
def test_array_entry_is_complete(op: Op) -> None:
    """One gradient rule per input, each parsed by the rule grammar; a shape function."""
    assert len(op.vjp) == op.arity and op.shape is not None and op.numpy
    for rule in filter(None, op.vjp):
        assert set(parse(rule, RULES).inputs) <= {"g", "a", "b", "out", "axis"}, rule


@pytest.mark.parametrize("op", [op for op in OPS.values() if op.arity], ids=lambda op: op.name)
def test_every_op_has_rules_or_is_an_array_op(op: Op) -> None:
    assert bool(op.rules) != bool(op.vjp or op.rule_only), op.name


@pytest.mark.parametrize("name", sorted(name for name, op in FUNCTIONS.items() if op.rules))
def test_every_function_is_callable_by_name(name: str) -> None:
    op = FUNCTIONS[name]
    xs = domain(op)[-1]
    assert ev(f"{name}({', '.join(map(repr, xs))})").value == op.forward(*xs)


def test_functions_come_from_the_table() -> None:
    assert all(op is OPS[op.name] for op in FUNCTIONS.values())
    assert FUNCTIONS["ln"] is OPS["log"]
    assert FUNCTIONS["dot"] is OPS["matmul"]
    assert {"step", "sign", "where", "pow", "sin", "sigmoid", "transpose"} <= set(FUNCTIONS)
    assert not {"add", "neg", "copy", "var", "matmul", "expand", "amax"} & set(FUNCTIONS)


def test_kink_conventions_follow_pytorch() -> None:
    assert ev("relu(x)", x=0).input_grads() == {"x": 0}
    assert ev("abs(x)", x=0).input_grads() == {"x": 0}
    assert ev("max(x, y)", x=2, y=2).input_grads() == {"x": 0.5, "y": 0.5}
    assert ev("min(x, y)", x=2, y=2).input_grads() == {"x": 0.5, "y": 0.5}
    assert ev("max(x, y)", x=3, y=2).input_grads() == {"x": 1, "y": 0}
    assert ev("min(x, y)", x=3, y=2).input_grads() == {"x": 0, "y": 1}
    # a^b with a = 0 and b >= 0: no gradient towards b; b = 0: none towards a.
    assert ev("a^b", a=0, b=2).input_grads() == {"a": 0, "b": 0}
    assert ev("a^b", a=0, b=0).input_grads() == {"a": 0, "b": 0}
    assert ev("a^b", a=0, b=1).input_grads() == {"a": 1, "b": 0}


def test_the_convention_functions() -> None:
    assert [ev(f"step({x})").value for x in (-1, 0, 2)] == [0, 0, 1]
    assert [ev(f"sign({x})").value for x in (-3, 0, 2)] == [-1, 0, 1]
    assert ev("where(0, 1, 2)").value == 2
    assert ev("where(-0.5, 1, 2)").value == 1
    assert ev("where(c, x, y)", c=1, x=2, y=3).input_grads() == {"c": 0, "x": 1, "y": 0}


def test_sigmoid_is_stable_far_from_zero() -> None:
    assert ev("sigmoid(x)", x=-800).value == 0.0
    assert ev("sigmoid(x)", x=800).value == 1.0
    assert ev("sigmoid(x)", x=-30).value == pytest.approx(math.exp(-30), rel=1e-12)


def test_the_language_reference_lists_every_function() -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    missing = [name for name in FUNCTIONS if name.isidentifier() and f"`{name}" not in text]
    assert not missing, f"docs/language.md does not name {missing}"


def test_help_names_each_functions_inputs() -> None:
    from backprop_cli.commands.language import language_help

    text = language_help()
    for signature in ("clip(x, lo, hi)", "leaky_relu(x, slope)", "where(c, x, y)", "max(a, b)", "atan(x)"):
        assert f"    {signature} " in text, signature
