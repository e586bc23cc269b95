"""The gradient check as a Rich table, and as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..engine import Evaluation
from ..formatting import number
from ..gradcheck import OK_BELOW, SUSPICIOUS_BELOW, Expectation, InputCheck
from ..symbols import UNICODE, Symbols
from .theme import DIM, GRAD, LABEL, VALUE, VERDICT

if TYPE_CHECKING:
    from ..hessian_check import EntryCheck


def _power(x: float) -> str:
    """1e-07 -> 1e-7."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


_TO_ASCII = str.maketrans({"±": "+/-", "×": "*", "∂": "d", "−": "-", "—": "-", "…": "..."})


def note_text(text: str, style: Symbols) -> str:
    """A checker's note (written in Unicode) in the style's symbols."""
    return text.translate(_TO_ASCII) if style.ascii else text


class _Checked(Protocol):
    @property
    def verdict(self) -> str: ...


C = TypeVar("C", bound=_Checked)


def elided(checks: Sequence[C], max_rows: int) -> tuple[list[C | None], str | None]:
    """The rows to show over more than ``max_rows`` (0: no limit): the first and last halves, as in the
    node table, with None for the gap; and a note on the rows left out: how many, and how many of them
    are wrong, since a wrong one fails the check whether it is shown or not."""
    from .table import shown_rows

    head, tail = shown_rows(len(checks), max_rows)
    if not len(tail):
        return list(checks), None
    left_out = checks[head.stop : tail.start]
    wrong = sum(c.verdict == "wrong" for c in left_out)
    note = (
        f"showing {len(head) + len(tail)} of {len(checks):,} rows: {len(left_out):,} left out, "
        f"{wrong:,} of them wrong; --max-rows 0 shows all"
    )
    return [*(checks[i] for i in head), None, *(checks[i] for i in tail)], note


def render(
    ev: Evaluation,
    checks: list[InputCheck],
    expected: list[Expectation],
    h: float | None,
    digits: int = 10,
    style: Symbols = UNICODE,
    max_rows: int = 200,
) -> Any:
    """Value, then one row per input (analytic, numerical, relative error, verdict; at most ``max_rows``,
    see :func:`elided`), then expectations.

    In ASCII ``style`` the notes are translated too (the printer makes the table's rules ASCII)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    out = ev.graph.labels[-1]
    d, times, none = style.partial, style.times, style.dash

    def note(text: str) -> str:
        return note_text(text, style)

    step = f"h = {number(h, digits)}" if h is not None else f"h = 1e-5 {times} max(1, |x|)"
    parts: list[Any] = [
        Text.assemble((out, LABEL), " = ", (number(ev.value, digits), VALUE), f"   (centred differences, {step})")
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for title in ("input", "value", f"analytic {d}{out}/{d}input", "numerical", "relative error"):
        table.add_column(title, justify="left" if title == "input" else "right", no_wrap=True)
    table.add_column("verdict")
    shown, left_out = elided(checks, max_rows)
    for c in shown:
        if c is None:
            table.add_row(style.vdots)
            continue
        table.add_row(
            c.name,
            number(c.value, digits),
            Text(number(c.analytic, digits), GRAD),
            number(c.numerical, digits) if c.numerical is not None else none,
            format(c.rel_error, ".1e") if c.rel_error is not None else none,
            Text.assemble((c.verdict, VERDICT[c.verdict]), (f": {note(c.note)}" if c.note else "", DIM)),
        )
    thresholds = (
        f"relative error: ok below {_power(OK_BELOW)}, suspicious below {_power(SUSPICIOUS_BELOW)}, wrong above"
    )
    parts += [table, *([Text(left_out, DIM)] if left_out else []), Text(thresholds, DIM)]
    if expected:
        grid = Table.grid(padding=(0, 1))
        for e in expected:
            verdict = (
                Text("right", VERDICT["right"])
                if e.right
                else Text.assemble(("wrong", VERDICT["wrong"]), f": it is {number(e.actual, digits)}")
            )
            grid.add_row(f"{d}{out}/{d}{e.name} = {e.text}", verdict)
        parts += [Text("your gradients:"), grid]
    return Group(*parts)


def measured(c: InputCheck | EntryCheck) -> dict[str, Any]:
    """What every check has, as JSON: the analytic and numerical derivatives, the step, the relative
    error, the verdict and its note."""
    return {
        "analytic": c.analytic,
        "numerical": c.numerical,
        "step": c.step,
        "rel_error": c.rel_error,
        "verdict": c.verdict,
        "note": c.note,
    }


def to_json(
    ev: Evaluation, checks: list[InputCheck], expected: list[Expectation], h: float | None, ok: bool
) -> dict[str, Any]:
    """The check's JSON object (keys in a stable order)."""
    return {
        "expression": ev.graph.source,
        "value": ev.value,
        "h": h,
        "checks": [{"input": c.name, "value": c.value, **measured(c)} for c in checks],
        "expectations": [
            {"name": e.name, "expected": e.expected, "gradient": e.actual, "right": e.right} for e in expected
        ],
        "ok": ok,
    }
