"""The default view: the output's value, a table of every node, the gradients of the inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len

from ..engine import Evaluation
from ..formatting import number, one_line
from ..symbols import UNICODE, Symbols
from .lines import Line, joined, rich_text
from .theme import DIM, GRAD, LABEL, VALUE

if TYPE_CHECKING:
    from rich.box import Box
    from rich.console import RenderableType


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


class TableView:
    """Header, node table and input gradients: drawn by Rich (``__rich__``), or as plain text when
    nothing needs Rich (:meth:`plain`: piped output, without importing Rich's console)."""

    def __init__(self, ev: Evaluation, digits: int = 6, max_rows: int = 200, style: Symbols = UNICODE) -> None:
        g = ev.graph
        d, dots, dash = style.partial, style.vdots, style.dash
        out = g.labels[-1]
        self.ascii = style.ascii
        self.header: Line = [(out, LABEL), (" = ", None), (number(ev.value, digits), VALUE)]

        # Reverse mode: one column of ∂output/∂node. Forward mode: a column of ∂node/∂input per input.
        derivatives = {
            ("grad " if column.wrt is None else "") + column.title(out, d): column.values for column in ev.derivatives
        }
        self.titles = ["node", "op", "expr", "value", *derivatives, "local gradients"]
        # The columns of numbers are right-justified and coloured: values green, derivatives red.
        self.styles: list[str | None] = [None, None, None, VALUE, *[GRAD] * len(derivatives), None]
        self.right = [style is not None for style in self.styles]
        head, tail = shown_rows(len(g), max_rows)
        self.rows: list[tuple[str, ...]] = []
        for ids in (head, tail):
            if ids is tail and len(tail):
                hidden = len(g) - len(head) - len(tail)
                self.rows.append((dots, "", f"{hidden:,} more nodes", "", *[""] * len(derivatives), ""))
            self.rows += [
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
        self.note = f"showing {max_rows} of {len(g):,} nodes; --max-rows 0 shows all" if len(tail) else None

        grads = ev.input_grads()
        self.lines: list[Line] = []
        if grads:
            # Plain lines, numbers right-aligned: a second Rich table would cost start-up time.
            names = {name: f"{d}{out}/{d}{name} =" for name in grads}
            numbers = {name: number(grad, digits) for name, grad in grads.items()}
            left, right = max(map(len, names.values())), max(map(len, numbers.values()))
            self.lines.append([("gradients of the output:", None)])
            self.lines += [[(names[n].ljust(left) + " ", None), (numbers[n].rjust(right), GRAD)] for n in grads]
        else:
            self.lines.append([("no inputs: the output is a constant", None)])
        self.hessian = None
        if ev.hessian:
            from .hessian_view import matrix_lines

            self.hessian = matrix_lines(ev.hessian, out, digits, style, max_rows)

    def _box(self) -> Box:
        from rich.box import ASCII2, SIMPLE_HEAD

        return ASCII2 if self.ascii else SIMPLE_HEAD

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from .fit import FittedTable

        # On a narrow terminal only the text columns fold, never inside a word; labels and numbers are
        # never cut (see fit.py).
        table = Table(box=self._box(), pad_edge=False, show_edge=False)
        # Every column is at least as wide as its cells' longest word, so only the text columns
        # (expr, local gradients) ever wrap, and a header wraps at its spaces.
        for title, style, right in zip(self.titles, self.styles, self.right):
            table.add_column(title, justify="right" if right else "left", overflow="fold", style=style)
        for row in self.rows:
            table.add_row(*row)
        fitted = FittedTable(table, self.rows, folding=[-1, 2])

        parts: list[RenderableType] = [rich_text(self.header), fitted]
        if self.note:
            parts.append(Text(self.note, DIM))
        parts += [rich_text(line) for line in self.lines]
        if self.hessian:
            from .hessian_view import matrix

            parts.append(matrix(self.hessian))
        return Group(*parts)

    def plain(self, width: int) -> list[str] | None:
        """The lines Rich prints without colour at ``width`` cells, or None where Rich itself must
        decide: a line wider than ``width`` (it would wrap), a character that is not printable (Rich
        strips or expands some)."""
        from .text_table import draw

        note: list[Line] = [[(self.note, DIM)]] if self.note else []
        texts = [joined(line) for line in (self.header, *note, *self.lines, *(self.hessian or []))]
        cells = [*self.titles, *(cell for row in self.rows for cell in row)]
        if not all(text.isprintable() for text in (*texts, *cells)):
            return None
        table = draw(self._box(), self.titles, self.right, self.rows)
        shown = [texts[0], *table, *texts[1:]]
        return shown if max(map(cell_len, shown)) <= width else None


def render(ev: Evaluation, digits: int = 6, max_rows: int = 200, style: Symbols = UNICODE) -> TableView:
    """Header, node table and input gradients, for Rich or as plain text (see :class:`TableView`)."""
    return TableView(ev, digits, max_rows, style)
