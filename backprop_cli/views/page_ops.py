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
from ..ops import OPS, OVERFLOW, RULE_INPUTS
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


def ops_js(graph: Graph) -> str:
    """``const OPS = {name: {forward, local}}`` for the ops the graph uses, with the helpers they call."""
    entries = []
    for name in sorted({op for op in graph.ops if OPS[op].arity}):
        inputs = ", ".join(RULE_INPUTS[: OPS[name].arity])
        forward = to_text(_applied(name, OPS[name].arity), JAVASCRIPT)
        local = ", ".join(f"({inputs}, out) => {to_text(tree, JAVASCRIPT)}" for tree in TREES[name])
        explain = _explain(name)
        entries.append(
            f"  {name}: {{\n    forward: ({inputs}) => {forward},\n    local: [{local}],\n"
            f"    explain: {f'({inputs}) => {explain}' if explain else 'null'},\n  }},"
        )
    body = "\n".join(entries)
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
