"""A Rich table fitted to the terminal without losing a character.

Rich shrinks a table that is wider than the terminal by narrowing its wrappable columns below their
``min_width``, then crops the lines of cells laid out for the wider column: ``∂/∂x 9876`` for
987654. Here the widths are decided before Rich sees the table: every column is at least as wide as its
longest word (so a number is never folded or cut); the space the terminal has beyond that goes to the
columns that fold, up to their natural width. If even that is too wide, the table is wider than the
terminal (``output.print_rich`` then lets it overflow) rather than cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table

from .text_table import natural


def _longest_word(texts: Sequence[str]) -> int:
    return max((cell_len(word) for text in texts for word in text.split()), default=1)


class FittedTable:
    """``table`` (plain-string cells) with its column widths fitted to the console at each rendering.

    ``folding`` lists the columns that may wrap their text, in the order they get the spare width;
    the others are as wide as their widest cell, so that only their headers may wrap (at spaces).
    """

    def __init__(self, table: Table, rows: Sequence[Sequence[str]], folding: Sequence[int]) -> None:
        self.table = table
        self.folding = [k % len(table.columns) for k in folding]
        self.natural: list[int] = []
        self.minimum: list[int] = []
        for k, column in enumerate(table.columns):
            cells = [row[k] for row in rows]
            header = str(column.header)
            content = max((cell_len(cell) for cell in cells), default=0)
            self.natural.append(natural(header, cells))
            words = _longest_word([*cells, header])
            self.minimum.append(max(words, 1) if k in self.folding else max(content, words))

    def _overhead(self, console: Console, options: ConsoleOptions) -> int:
        """Padding and borders: the table's width beyond its columns'."""
        for column, width in zip(self.table.columns, self.minimum):
            column.width = width
        measured = Measurement.get(console, options.update_width(1_000_000), self.table).maximum
        return measured - sum(self.minimum)

    def widths(self, room: int) -> list[int]:
        """Column widths for ``room`` cells of columns: the minimum, then the spare width to the
        other columns' headers, then to the folding columns in order, each up to its natural width."""
        widths = list(self.minimum)
        spare = room - sum(widths)
        order = [k for k in range(len(widths)) if k not in self.folding] + self.folding
        for k in order:
            grow = max(0, min(spare, self.natural[k] - widths[k]))
            widths[k] += grow
            spare -= grow
        return widths

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        overhead = self._overhead(console, options)
        for column, width in zip(self.table.columns, self.widths(options.max_width - overhead)):
            column.width = width
        yield self.table

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        overhead = self._overhead(console, options)
        return Measurement(sum(self.minimum) + overhead, sum(self.natural) + overhead)
