"""The live page's op table (views/page_ops.py): every op of the table, printed as JavaScript, computes
in a real browser what the float engine computes, and fails with the same words where it fails."""

from __future__ import annotations

import json
import math
from typing import Any

from backprop_cli.formula import Builder
from backprop_cli.ops import OPS, RULE_INPUTS, Op
from backprop_cli.parse import parse
from backprop_cli.printer import to_text
from backprop_cli.rules import LOCAL
from backprop_cli.styles import ASCII
from backprop_cli.views.page_ops import ops_js
from conftest import CANDIDATES, domain

SCALAR_OPS = [op for op in OPS.values() if op.rules and op.arity]
# Points outside some op's domain (a zero, a negative number, beyond ±1, an overflow, crossed bounds).
PROBES: dict[int, list[tuple[float, ...]]] = {
    1: [(0.0,), (-1.3,), (1.7,), (800.0,), (-800.0,)],
    2: [(1.0, 0.0), (0.0, -1.0), (-8.0, 0.5), (10.0, 400.0)],
    3: [(0.7, 1.3, 0.4)],
}


def program() -> str:
    """One statement per op, so that the page's table has them all (``t = a`` is a copy)."""
    lines = []
    for n, op in enumerate(SCALAR_OPS):
        b = Builder()
        b.node(op.name, *(b.var(v) for v in RULE_INPUTS[: op.arity]))
        lines.append(f"q{n} = {to_text(b.build(), ASCII)}")
    return "\n".join([*lines, "f = " + " + ".join(f"q{n}" for n in range(len(SCALAR_OPS)))])


def failures(op: Op) -> list[tuple[float, ...]]:
    """Points where the float forward function fails."""
    found = []
    for xs in dict.fromkeys(PROBES[op.arity] + CANDIDATES[op.arity]):
        try:
            ok = math.isfinite(op.forward(*xs))
        except (ArithmeticError, ValueError):
            ok = False
        if not ok:
            found.append(xs)
    return found


def test_every_op_computes_in_javascript_as_in_python(driver: Any) -> None:
    graph = parse(program())
    assert {op.name for op in SCALAR_OPS} <= set(graph.ops)
    cases = {op.name: domain(op) for op in SCALAR_OPS}
    bad = {op.name: failures(op) for op in SCALAR_OPS}
    assert all(bad[op.name] for op in SCALAR_OPS if op.failures), "every failure condition is probed"
    script = ops_js(graph) + (
        f"\nconst cases = {json.dumps(cases)}, bad = {json.dumps(bad)};\n"
        "const result = {};\n"
        "for (const [name, points] of Object.entries(cases)) {\n"
        "  const op = OPS[name];\n"
        "  result[name] = {\n"
        "    ok: points.map((xs) => { const out = op.forward(...xs); return [out, op.local.map((l) => l(...xs, out))]; }),\n"
        "    bad: bad[name].map((xs) => [String(op.forward(...xs)), op.explain ? op.explain(...xs) : null]),\n"
        "  };\n"
        "}\n"
        "return result;"
    )
    result = driver.execute_script(script)
    for op in SCALAR_OPS:
        for xs, (out, local) in zip(cases[op.name], result[op.name]["ok"]):
            assert math.isclose(out, op.forward(*xs), rel_tol=1e-14, abs_tol=1e-300), (op.name, xs, out)
            expected = [rule(*xs, op.forward(*xs)) for rule in LOCAL[op.name]]
            assert all(math.isclose(a, e, rel_tol=1e-14, abs_tol=1e-300) for a, e in zip(local, expected)), (
                op.name,
                xs,
                local,
                expected,
            )
        for xs, (out, words) in zip(bad[op.name], result[op.name]["bad"]):
            assert out in ("NaN", "Infinity", "-Infinity"), (op.name, xs, out)
            if op.explain is not None:
                assert words == op.explain(*xs), (op.name, xs)
