"""The views of an evaluation with vectors and matrices: the node table with shapes, and JSON.

Small arrays are shown in full, large ones summarised (first and last rows and columns); JSON always
has every entry, as nested lists, with each node's ``"shape"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..arrays.engine import rule_env, rule_formula, rule_values
from ..arrays.evaluation import ArrayEvaluation
from ..formatting import number, one_line
from ..formula import Builder
from ..ops import OPS, RULE_INPUTS
from ..printer import spell, to_text
from ..rule_trees import TREES
from ..shapes import Shape, words
from ..styles import ASCII as ASCII_STYLE
from ..styles import UNICODE as UNICODE_STYLE
from ..symbols import UNICODE, Symbols
from .json_view import node_identity, only
from .table import shown_rows
from .theme import DIM, GRAD, LABEL, VALUE, VERDICT

SHOWN = 36
"""Arrays with more entries than this are summarised."""


def array_text(x: Any, digits: int = 6) -> str:
    """A scalar as a number; an array as rows of numbers, summarised when large."""
    x = np.asarray(x)
    if x.ndim == 0:
        return number(float(x), digits)
    return str(
        np.array2string(
            x,
            threshold=SHOWN,
            edgeitems=2,
            max_line_width=10_000,
            separator=" ",
            formatter={"float_kind": lambda v: number(float(v), digits)},
        )
    )


def _summed_axes(small: Shape, big: Shape) -> list[int]:
    """The axes of ``big`` that broadcasting added to, or stretched in, ``small``."""
    lead = len(big) - len(small)
    return [*range(lead), *(lead + k for k, n in enumerate(small) if n == 1 and big[lead + k] != 1)]


def contribution(ev: ArrayEvaluation, i: int, k: int, ascii: bool = False) -> tuple[str, str]:
    """What node i sends back to its k-th input (the right side of ``dX = ...``) and its shapes: an
    array op's ``vjp`` rule, or an elementwise op's local derivative times the upstream gradient,
    summed back to the input's shape. Printed by the one printer, in the nodes' names."""
    g = ev.graph
    op = OPS[g.ops[i]]
    args = g.args[i]
    style = ASCII_STYLE if ascii else UNICODE_STYLE
    names = {"g": f"d{g.labels[i]}", "out": g.labels[i]}
    names.update(zip(RULE_INPUTS, (g.labels[j] for j in args[: op.arity])))  # a, b, c: clip has three
    target = ev.shape(args[k])
    if op.vjp:
        axis = op.axis and len(args) > op.arity
        if axis:
            names["axis"] = array_text(ev.values[args[-1]])
        rule = rule_formula(op.vjp[k], axis)
        upstream = ev.grads[i]
        assert upstream is not None
        values = rule_values(rule, rule_env(op, upstream, [ev.values[j] for j in args], ev.values[i]))
        root = OPS[rule.ops[-1]]
        shapes = words(target)
        if root.shape is not None and len(rule.args[-1]) > 1:  # a product: the shapes that make it fit
            parts = [words(np.shape(values[j])) for j in rule.args[-1]]
            shapes += " = " + ("".join(parts) if root.promote else spell(root.name, parts, style))
        return to_text(rule, style, names), shapes
    b = Builder()
    local = TREES[op.name][k]
    upstream_id = b.var("g")
    node = (
        upstream_id
        if local.is_constant() and local.consts[0] == 1.0
        else b.node("mul", upstream_id, b.insert(local, {}))
    )
    summed = _summed_axes(target, ev.shape(i))
    note = words(target)
    if summed:
        node = b.node("sum", node, b.const(float(summed[0]))) if len(summed) == 1 else b.node("sum", node)
        where = f"over axis {summed[0]}" if len(summed) == 1 else "over every entry"
        note = f"{words(target)} ← {words(ev.shape(i))}, summed {where}: broadcast"
        if len(summed) > 1 and target:
            note = f"{words(target)} ← {words(ev.shape(i))}, summed over axes {', '.join(map(str, summed))}: broadcast"
    return to_text(b.build(node), style, names), note


def render(ev: ArrayEvaluation, digits: int = 6, max_rows: int = 200, style: Symbols = UNICODE) -> RenderableType:
    """Header, node table (with shapes) and the input gradients."""
    g = ev.graph
    d, dots, dash = style.partial, style.vdots, style.dash
    out = g.labels[-1]
    header = Text.assemble((out, LABEL), " = ", (array_text(ev.value, digits), VALUE))
    table = Table(box=box.ASCII2 if style.ascii else box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("node", no_wrap=True)
    table.add_column("op", no_wrap=True)
    table.add_column("expr", overflow="fold", min_width=10)
    table.add_column("shape", no_wrap=True)
    table.add_column("value", no_wrap=True, style=VALUE)
    table.add_column(f"grad {d}{out}/{d}node", no_wrap=True, style=GRAD)
    table.add_column("gradient rules", overflow="fold", min_width=14)
    head, tail = shown_rows(len(g), max_rows)
    for ids in (head, tail):
        if ids is tail and len(tail):
            table.add_row(dots, "", f"{len(g) - len(head) - len(tail):,} more nodes", "", "", "", "")
        for i in ids:
            grad = ev.grads[i]
            rules = [
                f"d{g.labels[j]} = {contribution(ev, i, k, style.ascii)[0]}"
                for k, j in enumerate(g.args[i])
                if ev.grads[j] is not None
            ]
            table.add_row(
                g.labels[i],
                g.ops[i],
                one_line(g.expr(i, style.ellipsis)),
                words(ev.shape(i)),
                array_text(ev.values[i], digits),
                array_text(grad, digits) if grad is not None else dash,
                "\n".join(rules),
            )
    parts: list[RenderableType] = [header, table]
    if len(tail):
        parts.append(Text(f"showing {max_rows} of {len(g):,} nodes; --max-rows 0 shows all", DIM))
    grads = ev.input_grads()
    if grads:
        parts.append(Text("gradients of the output:"))
        for name, grad in grads.items():
            label = f"{d}{out}/{d}{name} = "
            if grad is None:
                parts.append(Text(f"{label}— (an index: no gradient)"))
                continue
            text = array_text(grad, digits)
            indent = "\n" + " " * len(label)
            parts.append(Text.assemble(label, (text.replace("\n", indent), GRAD)))
    else:
        parts.append(Text("no inputs: the output is a constant"))
    return Group(*parts)


def _data(x: Any) -> Any:
    return None if x is None else np.asarray(x).tolist()


def evaluation(ev: ArrayEvaluation, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The eval result as JSON-ready data: the scalar schema, plus each node's ``shape``; values and
    gradients of arrays as nested lists. ``fields`` (--fields) keeps only those keys, and the large
    ones are not even built when left out."""
    g = ev.graph
    want = set(fields or ("nodes", "inputs", "gradients"))
    nodes = [
        {
            **node_identity(g, i),
            "shape": list(ev.shape(i)),
            "value": _data(ev.values[i]),
            "grad": _data(ev.grads[i]),
            "span": list(g.spans[i]),
        }
        for i in range(len(g) if "nodes" in want else 0)
    ]
    data = {
        "expression": g.source,
        "mode": "reverse",  # arrays have reverse mode only
        "value": _data(ev.value),
        "shape": list(ev.shape(len(g) - 1)),
        "inputs": {name: _data(ev.values[i]) for name, i in g.inputs.items()} if "inputs" in want else {},
        "gradients": {name: _data(grad) for name, grad in ev.input_grads().items()} if "gradients" in want else {},
        "nodes": nodes,
    }
    return only(data, fields)


def check_render(
    ev: ArrayEvaluation, checks: list[Any], h: float | None, digits: int = 10, max_rows: int = 200
) -> RenderableType:
    """Value, then one row per input (at most ``max_rows``, see :func:`~.check_view.elided`): shape,
    entries checked, the worst relative error and where."""
    from ..gradcheck import OK_BELOW, SUSPICIOUS_BELOW
    from .check_view import _power, elided

    out = ev.graph.labels[-1]
    step = f"h = {number(h, digits)}" if h is not None else "h = 1e-3 × max(1, |x|)"
    parts: list[RenderableType] = [
        Text.assemble(
            (out, LABEL),
            " = ",
            (array_text(ev.value, digits), VALUE),
            f"   (4th-order centred differences, {step})",
        )
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for title in ("input", "shape", "entries", "worst at", f"analytic ∂{out}/∂input", "numerical", "relative error"):
        table.add_column(title, justify="left" if title in ("input", "shape", "worst at") else "right", no_wrap=True)
    table.add_column("verdict")
    shown, left_out = elided(checks, max_rows)
    for c in shown:
        if c is None:
            table.add_row("⋮")
            continue
        at = "—" if c.worst is None else ("[" + ", ".join(map(str, c.worst)) + "]" if c.worst else "—")
        analytic = number(float(c.analytic[c.worst]), digits) if c.worst is not None else "—"
        numerical = (
            number(float(c.numerical[c.worst]), digits) if c.numerical is not None and c.worst is not None else "—"
        )
        error = c.worst_error
        table.add_row(
            c.name,
            words(c.shape),
            f"{int(np.prod(c.shape)):,}",
            at,
            Text(analytic, GRAD),
            numerical,
            format(error, ".1e") if error is not None else "—",
            Text.assemble((c.verdict, VERDICT[c.verdict]), (f": {c.note}" if c.note else "", DIM)),
        )
    thresholds = (
        "worst relative error over the entries: "
        f"ok below {_power(OK_BELOW)}, suspicious below {_power(SUSPICIOUS_BELOW)}, wrong above"
    )
    parts += [table, *([Text(left_out, DIM)] if left_out else []), Text(thresholds, DIM)]
    return Group(*parts)


def check_json(ev: ArrayEvaluation, checks: list[Any], h: float | None, ok: bool) -> dict[str, Any]:
    """The check's JSON: per input the analytic and numerical gradients in full, the relative error of
    every entry and the worst one."""
    return {
        "expression": ev.graph.source,
        "value": _data(ev.value),
        "h": h,
        "checks": [
            {
                "input": c.name,
                "shape": list(c.shape),
                "value": _data(ev.values[ev.graph.inputs[c.name]]),
                "analytic": _data(c.analytic),
                "numerical": _data(c.numerical),
                "rel_error": _data(c.rel_error),
                "worst": None if c.worst is None else list(c.worst),
                "worst_rel_error": c.worst_error,
                "verdict": c.verdict,
                "note": c.note,
            }
            for c in checks
        ],
        "expectations": [],
        "ok": ok,
    }
