"""The views of an evaluation with vectors and matrices: the node table with shapes, and JSON.

Small arrays are shown in full, large ones summarised (first and last rows and columns); JSON always
has every entry, as nested lists, with each node's ``"shape"``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..arrays.evaluation import ArrayEvaluation
from ..formatting import number, one_line
from ..ops import OPS
from ..shapes import words
from .symbols import UNICODE, Symbols
from .theme import DIM, GRAD, LABEL, VALUE, VERDICT

SHOWN = 36
"""Arrays with more entries than this are summarised."""
_OPERAND = re.compile(r"\b(g|a|b|c|out|axis)\b")


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


def rule_text(ev: ArrayEvaluation, i: int, k: int, d: str) -> str:
    """How node i sends its gradient to input k, in the nodes' names: ``dW = dD @ transpose(X)``."""
    g = ev.graph
    op = OPS[g.ops[i]]
    args = g.args[i]
    names = {"a": g.labels[args[0]], "out": g.labels[i], "g": f"{d}{g.labels[i]}"}
    if op.axis and len(args) > op.arity:
        names["axis"] = array_text(ev.values[args[-1]])
    if len(args) > 1:
        names["b"] = g.labels[args[1]]
    if op.vjp:
        text = op.vjp[k] if "axis" in names else op.vjp[k].replace(", axis", "")
    else:
        local = op.rules[k]
        text = "g" if local == "1" else f"g * ({local})" if " " in local else f"g * {local}"
    rhs = _OPERAND.sub(lambda m: names.get(m.group(1), m.group(1)), text)
    if not op.vjp and ev.shape(args[k]) != ev.shape(i):
        rhs = f"unbroadcast({rhs}) to {words(ev.shape(args[k]))}"
    return f"{d}{g.labels[args[k]]} = {rhs}"


def _rows(n: int, max_rows: int) -> tuple[range, range]:
    if max_rows <= 0 or n <= max_rows:
        return range(n), range(0)
    head = (max_rows + 1) // 2
    return range(head), range(n - (max_rows - head), n)


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
    head, tail = _rows(len(g), max_rows)
    for ids in (head, tail):
        if ids is tail and len(tail):
            table.add_row(dots, "", f"{len(g) - len(head) - len(tail):,} more nodes", "", "", "", "")
        for i in ids:
            grad = ev.grads[i]
            rules = [rule_text(ev, i, k, d) for k, j in enumerate(g.args[i]) if ev.grads[j] is not None]
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


def evaluation(ev: ArrayEvaluation) -> dict[str, Any]:
    """The eval result as JSON-ready data: the scalar schema, plus each node's ``shape``; values and
    gradients of arrays as nested lists."""
    g = ev.graph
    nodes = [
        {
            "id": i,
            "label": g.labels[i],
            "op": g.ops[i],
            "expr": g.expr(i),
            "inputs": list(g.args[i]),
            "shape": list(ev.shape(i)),
            "value": _data(ev.values[i]),
            "grad": _data(ev.grads[i]),
            "span": list(g.spans[i]),
        }
        for i in range(len(g))
    ]
    return {
        "expression": g.source,
        "mode": "reverse",  # arrays have reverse mode only
        "value": _data(ev.value),
        "shape": list(ev.shape(len(g) - 1)),
        "inputs": {name: _data(ev.values[i]) for name, i in g.inputs.items()},
        "gradients": {name: _data(grad) for name, grad in ev.input_grads().items()},
        "nodes": nodes,
    }


def check_render(ev: ArrayEvaluation, checks: list[Any], h: float | None, digits: int = 10) -> RenderableType:
    """Value, then one row per input: shape, entries checked, the worst relative error and where."""
    from ..gradcheck import OK_BELOW, SUSPICIOUS_BELOW
    from .check_view import _power

    out = ev.graph.labels[-1]
    step = f"h = {number(h, digits)}" if h is not None else "h = 1e-3 × max(1, |x|)"
    parts: list[RenderableType] = [
        Text.assemble(
            (out, LABEL),
            " = ",
            (array_text(ev.value, digits), VALUE),
            f"   (fourth-order centred differences, {step})",
        )
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for title in ("input", "shape", "entries", "worst at", f"analytic ∂{out}/∂input", "numerical", "relative error"):
        table.add_column(title, justify="left" if title in ("input", "shape", "worst at") else "right", no_wrap=True)
    table.add_column("verdict")
    for c in checks:
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
    parts += [table, Text(thresholds, DIM)]
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
