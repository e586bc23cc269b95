"""The default view: the output's value, a table of every node, the gradients of the inputs."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..engine import Evaluation
from ..formatting import number, one_line
from ..symbols import UNICODE, Symbols
from .fit import FittedTable
from .theme import DIM, GRAD, LABEL, VALUE


def _local(ev: Evaluation, i: int, digits: int, d: str) -> str:
    g = ev.graph
    return ", ".join(
        f"{d}/{d}{g.labels[j]} {number(x, digits)}" for j, x in zip(g.args[i], ev.local[i]) if x is not None
    )


def shown_rows(n: int, max_rows: int) -> tuple[range, range]:
    """The node ids to show: all, or the first and last halves of ``max_rows``; the last half always
    has the output row (``--max-rows 1`` shows the output alone)."""
    if max_rows <= 0 or n <= max_rows:
        return range(n), range(0)
    tail = max(1, max_rows // 2)
    return range(max_rows - tail), range(n - tail, n)


def render(ev: Evaluation, digits: int = 6, max_rows: int = 200, style: Symbols = UNICODE) -> RenderableType:
    """Header, node table and input gradients as one Rich renderable."""
    g = ev.graph
    d, dots, dash = style.partial, style.vdots, style.dash
    out = g.labels[-1]
    header = Text.assemble((out, LABEL), " = ", (number(ev.value, digits), VALUE))

    # Reverse mode: one column of ∂output/∂node. Forward mode: a column of ∂node/∂input per input.
    derivatives = {
        ("grad " if column.wrt is None else "") + column.title(out, d): column.values for column in ev.derivatives
    }
    head, tail = shown_rows(len(g), max_rows)
    rows = []
    for ids in (head, tail):
        if ids is tail and len(tail):
            hidden = len(g) - len(head) - len(tail)
            rows.append((dots, "", f"{hidden:,} more nodes", "", *[""] * len(derivatives), ""))
        rows += [
            (
                g.labels[i],
                g.ops[i],
                one_line(g.expr(i, style.ellipsis)),
                number(ev.values[i], digits),
                *(dash if t[i] is None else number(t[i], digits) for t in derivatives.values()),
                _local(ev, i, digits, d),
            )
            for i in ids
        ]

    # On a narrow terminal only the text columns fold, never inside a word; labels and numbers are
    # never cut (see fit.py).
    table = Table(box=box.ASCII2 if style.ascii else box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    # Every column is at least as wide as its cells' longest word, so only the text columns
    # (expr, local gradients) ever wrap, and a header wraps at its spaces.
    table.add_column("node", overflow="fold")
    table.add_column("op", overflow="fold")
    table.add_column("expr", overflow="fold")
    table.add_column("value", justify="right", overflow="fold", style=VALUE)
    for title in derivatives:
        table.add_column(title, justify="right", overflow="fold", style=GRAD)
    table.add_column("local gradients", overflow="fold")
    for row in rows:
        table.add_row(*row)
    fitted = FittedTable(table, rows, folding=[-1, 2])

    parts: list[RenderableType] = [header, fitted]
    if len(tail):
        parts.append(Text(f"showing {max_rows} of {len(g):,} nodes; --max-rows 0 shows all", DIM))
    grads = ev.input_grads()
    if grads:
        # Plain lines, numbers right-aligned: a second Rich table would cost start-up time.
        names = {name: f"{d}{out}/{d}{name} =" for name in grads}
        numbers = {name: number(grad, digits) for name, grad in grads.items()}
        left, right = max(map(len, names.values())), max(map(len, numbers.values()))
        parts.append(Text("gradients of the output:"))
        parts += [Text.assemble(names[name].ljust(left), " ", (numbers[name].rjust(right), GRAD)) for name in grads]
    else:
        parts.append(Text("no inputs: the output is a constant"))
    if ev.hessian:
        from .hessian_view import matrix

        parts.append(matrix(ev.hessian, out, digits, style))
    return Group(*parts)
