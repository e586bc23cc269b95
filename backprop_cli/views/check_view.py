"""The gradient check as a Rich table, and as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def render(
    ev: Evaluation,
    checks: list[InputCheck],
    expected: list[Expectation],
    h: float | None,
    digits: int = 10,
    style: Symbols = UNICODE,
) -> Any:
    """Value, then one row per input (analytic, numerical, relative error, verdict), then expectations.

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
    for c in checks:
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
    parts += [table, Text(thresholds, DIM)]
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
