"""The op table as JavaScript for the live page: each op's forward function, local derivatives and
the words of its failures.

Nothing here knows an op. A forward function is the formula ``op(a, b)``, a local derivative the op's
rule tree (``rule_trees.TREES``) and a failure's condition a formula of the table, all printed by the
JavaScript style of the printer that prints the derivation; the functions JavaScript lacks (sigmoid,
step, where...) come from that style too.
"""

from __future__ import annotations

import json
import re

from ..formula import Builder, Formula
from ..graph import Graph
from ..ops import OPS, OVERFLOW, RULE_INPUTS, Spelling
from ..printer import to_text
from ..rule_trees import TREES
from ..styles import JAVASCRIPT


def _applied(name: str, arity: int) -> Formula:
    """``name(a, b)``: the op applied to its inputs."""
    b = Builder()
    return b.build(b.node(name, *(b.var(v) for v in RULE_INPUTS[:arity])))


def _explain(name: str) -> str:
    """``c1 !== 0 ? "words" : c2 !== 0 ? ... : "overflow..."``, or "" without failure conditions."""
    from ..rulegen import formula  # the language's parser, for the conditions' text

    text = json.dumps(OVERFLOW)
    for condition, words in reversed(OPS[name].failures):
        text = f"({to_text(formula(condition), JAVASCRIPT)}) !== 0 ? {json.dumps(words)} : {text}"
    return text if OPS[name].failures else ""


def _scalar_entry(name: str) -> str:
    """An op of numbers: its forward, local derivatives and failure words (the page lifts them to
    arrays entry by entry, with broadcasting, as NumPy does)."""
    inputs = ", ".join(RULE_INPUTS[: OPS[name].arity])
    forward = to_text(_applied(name, OPS[name].arity), JAVASCRIPT)
    local = ", ".join(f"({inputs}, out) => {to_text(tree, JAVASCRIPT)}" for tree in TREES[name])
    explain = _explain(name)
    return (
        f"  {name}: {{\n    forward: ({inputs}) => {forward},\n    local: [{local}],\n"
        f"    explain: {f'({inputs}) => {explain}' if explain else 'null'},\n  }},"
    )


CALLS = JAVASCRIPT.extend(
    "javascript-arrays",
    spellings={
        name: Spelling(f"F.{name}({', '.join(f'${k}' for k in range(op.arity))})")
        for name, op in OPS.items()
        if op.arity
    },
    axis_keyword="",
)
"""Every op as a call of the page's array function ``F.name(a, b, axis)`` (views/page/arrays.js):
the gradient rules of the array ops, printed for arrays."""


def _rules(name: str) -> list[Formula | None]:
    """An array op's ``vjp`` rules as formulas (None for an input with no gradient: an index)."""
    from ..arrays.engine import rule_formula  # the rules' parser, as the array engine reads them

    return [rule_formula(text) if text else None for text in OPS[name].vjp]


def _array_entry(name: str) -> str:
    """An op of arrays: the function of the page's array runtime that computes it (named as the
    NumPy kernel is, ``Op.numpy``) and its gradient rules, each a function of (g, a, b, out, axis)."""
    op = OPS[name]
    vjp = ", ".join(
        "null" if rule is None else f"(g, a, b, out, axis) => {to_text(rule, CALLS)}" for rule in _rules(name)
    )
    return (
        f"  {name}: {{\n    kernel: {json.dumps(op.numpy)},\n    arity: {op.arity},\n    vjp: [{vjp}],\n"
        f"    promote: {json.dumps(op.promote)},\n  }},"
    )


def _closure(names: set[str]) -> list[str]:
    """The ops and every op their gradient rules call, sorted."""
    todo, seen = list(names), set(names)
    while todo:
        for rule in _rules(todo.pop()):
            for op in [] if rule is None else rule.ops:
                if OPS[op].arity and op not in seen:
                    seen.add(op)
                    todo.append(op)
    return sorted(seen)


def ops_js(graph: Graph, arrays: bool = False) -> str:
    """``const OPS = {name: {forward, local}}`` for the ops the graph uses, with the helpers they call;
    with ``arrays``, also every op the array ops' gradient rules are written with."""
    used = {op for op in graph.ops if OPS[op].arity}
    names = _closure(used) if arrays else sorted(used)
    body = "\n".join(_scalar_entry(name) if OPS[name].rules else _array_entry(name) for name in names)
    helpers = [src for helper, src in JAVASCRIPT.helpers.items() if re.search(rf"(?<![\w.]){helper}\(", body)]
    return "\n".join(
        [
            "// Generated from the op table (backprop_cli/ops.py) by backprop's JavaScript printer.",
            *helpers,
            "const OPS = {",
            body,
            "};",
        ]
    )
