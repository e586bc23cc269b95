"""Every elementwise op of the table over vectors: the same numbers as the float engine entry by entry,
and the table's gradient rules written in the program's own names (clip's third input too)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from backprop_cli.arrays.engine import evaluate
from backprop_cli.formula import Builder
from backprop_cli.ops import OPS, Op
from backprop_cli.parse import parse
from backprop_cli.printer import to_text
from backprop_cli.rules import LOCAL
from backprop_cli.styles import ASCII
from conftest import domain, ok

SCALAR_OPS = [op for op in OPS.values() if op.rules and op.arity]
NAMES = ("x", "y", "z")


def program(op: Op) -> str:
    b = Builder()
    b.node(op.name, *(b.var(NAMES[k]) for k in range(op.arity)))
    return f"q = {to_text(b.build(), ASCII)}\nf = sum(w * q)"


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_every_elementwise_op_over_vectors_is_the_float_op_entry_by_entry(op: Op) -> None:
    points = domain(op)
    columns = {NAMES[k]: np.array([xs[k] for xs in points]) for k in range(op.arity)}
    w = np.linspace(0.5, 1.5, len(points))
    ev = evaluate(parse(program(op)), {**columns, "w": w})
    grads = ev.input_grads()
    assert ev.value == pytest.approx(float(np.sum(w * [op.forward(*p) for p in points])), rel=1e-14)
    for n, xs in enumerate(points):
        out = op.forward(*xs)
        for k in range(op.arity):
            grad = grads[NAMES[k]]
            assert grad is not None
            expected = w[n] * LOCAL[op.name][k](*xs, out)
            assert grad[n] == pytest.approx(expected, rel=1e-14, abs=1e-300), (op.name, k, xs)


@pytest.mark.parametrize("op", SCALAR_OPS, ids=lambda op: op.name)
def test_the_table_writes_every_rule_in_the_programs_names(op: Op) -> None:
    points = domain(op)
    values = [f"{NAMES[k]}=[{', '.join(repr(xs[k]) for xs in points)}]" for k in range(op.arity)]
    out = ok("eval", program(op), *values, f"w=[{', '.join(['1'] * len(points))}]", "--ascii").stdout
    rules = re.findall(r"\bd[xyz] = dq\b[^|\n]*", out)
    assert len(rules) == op.arity, out
    for rule in rules:
        assert not re.search(r"\b[abc]\b", rule), rule  # a rule's own input names never reach the user
