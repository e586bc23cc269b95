"""A table drawn as plain text, character for character as ``rich.table.Table`` draws ours when every
column has its natural width and there is no colour: output that is not a terminal.

Rich's console, its table and their imports cost about a quarter of the table view's start-up (issue 11);
this needs only Rich's box characters and its cell widths (``rich.box``, ``rich.cells``: no console).
The table is the one the view gives Rich (``views/table.py``): no edge, no padding at its left and right
edges, one space of padding elsewhere; ``tests/test_text_table.py`` compares the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.box import Box
from rich.cells import cell_len


def natural(header: str, cells: Sequence[str]) -> int:
    """A column's natural width: its widest cell or header, at least 1 (as Rich measures it)."""
    return max(cell_len(header), *map(cell_len, cells), 1)


def width(widths: Sequence[int]) -> int:
    """The width of a table whose columns are ``widths`` wide: each column's padding and the dividers."""
    return sum(widths) + 3 * (len(widths) - 1)


def draw(box: Box, headers: Sequence[str], right: Sequence[bool], rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of the table at its natural width (trailing spaces kept, as Rich writes them).

    ``right`` says which columns are right-justified (their headers too); a cell is one line.
    """
    widths = [natural(header, [row[k] for row in rows]) for k, header in enumerate(headers)]
    last = len(widths) - 1

    def line(cells: Sequence[str], divider: str) -> str:
        padded = []
        for k, text in enumerate(cells):
            space = " " * (widths[k] - cell_len(text))
            body = space + text if right[k] else text + space
            padded.append(("" if k == 0 else " ") + body + ("" if k == last else " "))
        return divider.join(padded)

    # The header row, its rule, then the rows: the last one has the box's foot dividers.
    lines = [line(headers, box.head_vertical)]
    lines.append(box.get_row([w + (k > 0) + (k < last) for k, w in enumerate(widths)], "head", edge=False))
    for n, row in enumerate(rows):
        lines.append(line(row, box.foot_vertical if n == len(rows) - 1 else box.mid_vertical))
    return lines
