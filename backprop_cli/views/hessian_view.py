"""The Hessian as a small matrix under the gradients (rows and columns named by the inputs), and its check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..formatting import number
from ..symbols import UNICODE, Symbols
from .lines import Line, rich_text
from .theme import DIM, GRAD, LABEL, VERDICT

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..hessian_check import EntryCheck


def title(out: str, style: Symbols = UNICODE) -> str:
    """``∂²f/∂row ∂column`` (``d^2 f/drow dcolumn`` in ASCII)."""
    d = style.partial
    square = f"{d}^2 " if style.ascii else f"{d}²"
    return f"{square}{out}/{d}row {d}column"


def matrix_lines(
    hessian: dict[str, dict[str, float]], out: str, digits: int = 6, style: Symbols = UNICODE, max_rows: int = 200
) -> list[Line]:
    """``Hessian of the output (∂²f/∂row ∂column):`` and one line per row, numbers right-aligned
    under their column's name, in the gradients' colour (see :func:`matrix`).

    Over more than ``max_rows`` inputs (0: no limit), the first and last halves of the rows are shown, as
    in the node table, and the same columns (the matrix is symmetric): its corners, with a note.
    """
    from .table import shown_rows

    names = list(hessian)
    head, tail = shown_rows(len(names), max_rows)
    shown: list[str | None] = [names[i] for i in head] + ([None] if len(tail) else []) + [names[i] for i in tail]
    cells = {row: {col: number(hessian[row][col], digits) for col in shown if col} for row in shown if row}
    left = max(len(row or style.vdots) for row in shown)
    widths = {col: max(len(col), *(len(cells[row][col]) for row in cells)) for col in shown if col}
    gap = style.ellipsis
    lines: list[Line] = [[(f"Hessian of the output ({title(out, style)}):", None)]]
    lines.append([(" " * left, None), *(("  " + (col.rjust(widths[col]) if col else gap), DIM) for col in shown)])
    for row in shown:
        if row is None:
            lines.append([(style.vdots.ljust(left), DIM)])
            continue
        line: Line = [(row.ljust(left), LABEL)]
        for col in shown:
            line += [("  ", None), (cells[row][col].rjust(widths[col]) if col else " " * len(gap), GRAD)]
        lines.append(line)
    if len(tail):
        note = f"showing {len(head) + len(tail)} of {len(names):,} rows and columns; --max-rows 0 shows all"
        lines.append([(note, DIM)])
    return lines


def matrix(lines: list[Line]) -> RenderableType:
    """The lines of :func:`matrix_lines` for Rich: the matrix's lines are never wrapped or cut."""
    from rich.console import Group

    return Group(rich_text(lines[0]), *(rich_text(line, no_wrap=True) for line in lines[1:]))


def check_render(
    checks: Sequence[EntryCheck], out: str, digits: int = 10, style: Symbols = UNICODE, max_rows: int = 200
) -> RenderableType:
    """The Hessian check: one row per entry (analytic, numerical, relative error, verdict; at most
    ``max_rows``, see :func:`~.check_view.elided`), then the worst relative error over every entry."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from ..hessian_check import worst
    from .check_view import elided, note_text

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("row", "column", f"analytic {title(out, style)}", "numerical", "relative error"):
        table.add_column(name, justify="left" if name in ("row", "column") else "right", no_wrap=True)
    table.add_column("verdict")
    shown, left_out = elided(checks, max_rows)
    for c in shown:
        if c is None:
            table.add_row(style.vdots)
            continue
        table.add_row(
            c.row,
            c.column,
            Text(number(c.analytic, digits), GRAD),
            number(c.numerical, digits) if c.numerical is not None else style.dash,
            format(c.rel_error, ".1e") if c.rel_error is not None else style.dash,
            Text.assemble((c.verdict, VERDICT[c.verdict]), (f": {note_text(c.note, style)}" if c.note else "", DIM)),
        )
    top = worst(checks)
    summary = (
        f"worst relative error {top.rel_error:.1e} (row {top.row}, column {top.column})"
        if top is not None and top.rel_error is not None
        else "no entry could be compared"
    )
    notes = [Text(left_out, DIM)] if left_out else []
    return Group(Text("Hessian, against centred differences of the gradient:"), table, *notes, Text(summary, DIM))


def check_json(checks: Sequence[EntryCheck]) -> dict[str, Any]:
    """The Hessian check's JSON: every entry, and the worst one."""
    from ..hessian_check import worst
    from .check_view import measured

    top = worst(checks)
    return {
        "entries": [{"row": c.row, "column": c.column, **measured(c)} for c in checks],
        "worst": None if top is None else {"row": top.row, "column": top.column, "rel_error": top.rel_error},
    }
