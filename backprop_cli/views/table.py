"""The default view: the output's value, a table of every node, the gradients of the inputs."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..engine import Evaluation
from .fmt import number, one_line

VALUE = "green"
GRAD = "red"


def _local(ev: Evaluation, i: int, digits: int) -> str:
    g = ev.graph
    return ", ".join(
        f"∂/∂{g.labels[j]} {number(d, digits)}" for j, d in zip(g.args[i], ev.local[i]) if d is not None
    )


def _rows(n: int, max_rows: int) -> tuple[range, range]:
    """The node ids to show: all, or the first and last halves of ``max_rows``."""
    if max_rows <= 0 or n <= max_rows:
        return range(n), range(0)
    head = (max_rows + 1) // 2
    return range(head), range(n - (max_rows - head), n)


def render(ev: Evaluation, digits: int = 6, max_rows: int = 200) -> RenderableType:
    """Header, node table and input gradients as one Rich renderable."""
    g = ev.graph
    out = g.labels[-1]
    header = Text.assemble((out, "bold"), " = ", (number(ev.value, digits), VALUE))

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("node", no_wrap=True)
    table.add_column("op", no_wrap=True)
    table.add_column("expr", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True, style=VALUE)
    table.add_column(f"grad ∂{out}/∂node", justify="right", no_wrap=True, style=GRAD)
    table.add_column("local gradients", overflow="fold")
    head, tail = _rows(len(g), max_rows)
    for ids in (head, tail):
        if ids is tail and len(tail):
            hidden = len(g) - len(head) - len(tail)
            table.add_row("⋮", "", f"{hidden:,} more nodes", "", "", "")
        for i in ids:
            table.add_row(
                g.labels[i],
                g.ops[i],
                one_line(g.expr(i)),
                number(ev.values[i], digits),
                number(ev.grads[i], digits) if ev.grads[i] is not None else "—",
                _local(ev, i, digits),
            )

    parts: list[RenderableType] = [header, table]
    if len(tail):
        parts.append(Text(f"showing {max_rows} of {len(g):,} nodes; --max-rows 0 shows all", "dim"))
    grads = ev.input_grads()
    if grads:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(justify="right", no_wrap=True, style=GRAD)
        for name, grad in grads.items():
            grid.add_row(f"∂{out}/∂{name} =", number(grad, digits))
        parts += [Text("gradients of the output:"), grid]
    else:
        parts.append(Text("no inputs: the output is a constant"))
    return Group(*parts)
