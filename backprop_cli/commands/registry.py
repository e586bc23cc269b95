"""The view registry: every way to show an evaluation, the outputs it has and the options it takes.

A view (``--table``, ``--steps``, ``--circuit``) is one entry of :data:`VIEWS` (its functions in
:mod:`.renders`); an output (the terminal, ``--json``, ``--latex``) one entry of :data:`OUTPUTS`; a
view option (``--digits``...) one field of :class:`ViewOptions` and one entry of
:data:`~.declarations.DECLARED`. Which combinations make sense is this data: :mod:`.viewing` checks a
command line against it once, and ``--help`` prints it.
"""

# No `from __future__ import annotations`: NamedTuple would compile every annotation string at start-up.
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from . import renders
from .declarations import DECLARED, Declaration

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation
    from ..engine import Evaluation


class ViewOptions(NamedTuple):
    """How to show an evaluation: the view, the output, and the options the view reads (their
    declarations, defaults included, are in DECLARED, under the same names)."""

    view: str
    output: str
    digits: int
    max_rows: int
    ascii: bool
    mode: str
    wrt: tuple[str, ...] | None
    svg: str | None
    pause: bool
    no_notes: bool
    fields: tuple[str, ...] | None
    hessian: bool


OPTIONS: dict[str, Declaration] = {name: DECLARED[name] for name in ViewOptions._fields[2:]}
"""The view options, in the order --help lists them."""

if TYPE_CHECKING:
    Render = Callable[[Evaluation, ViewOptions], Any]
    """What a view gives for one output: a Rich renderable, a JSON-ready dict, LaTeX text."""
    Emit = Callable[[Any, ViewOptions], None]
    """How an output prints what a view gave."""
    ArrayRender = Callable[[ArrayEvaluation, ViewOptions], Any]
    """The same as Render, for an evaluation with vectors and matrices."""


class View(NamedTuple):
    """A way to show an evaluation; ``renders`` maps each output it has to a function of
    (evaluation, options) giving what that output prints."""

    name: str
    help: str
    renders: "dict[str, Render]"
    takes: frozenset[str]
    """The fields of ViewOptions this view reads (in any of its outputs)."""
    array_renders: "dict[str, ArrayRender] | None" = None
    """The same for an evaluation with vectors and matrices; None: the view is for scalars only."""

    @property
    def flag(self) -> str:
        return f"--{self.name}"


class Output(NamedTuple):
    """Where and in which form a view is printed; ``emit`` prints what the view's render gave."""

    name: str
    option: str | None
    """Its option in DECLARED; None for the default output (the terminal)."""
    title: str
    """Its name in sentences: "JSON", "LaTeX"."""
    takes: frozenset[str]
    """The fields of ViewOptions that mean something in this output."""
    emit: "Emit"

    @property
    def flag(self) -> str | None:
        return None if self.option is None else DECLARED[self.option].flag


_EVALUATION = frozenset({"mode", "wrt"})
"""What every view of an evaluation reads: which passes were made."""

VIEWS: dict[str, View] = {
    view.name: view
    for view in [
        View(
            "table",
            "Show the node table (eval's default).",
            {"terminal": renders.table, "json": renders.evaluation_json},
            _EVALUATION | {"digits", "max_rows", "ascii", "svg", "fields", "hessian"},
            {"terminal": renders.array_table, "json": renders.array_json},
        ),
        View(
            "steps",
            "Write out the forward pass and the chain rule.",
            {"terminal": renders.steps, "json": renders.steps_json, "latex": renders.steps_latex},
            _EVALUATION | {"digits", "ascii", "svg", "pause", "fields", "no_notes"},
            {"terminal": renders.array_steps, "json": renders.array_steps_json},
        ),
        View(
            "circuit",
            "Draw the circuit as a tree.",
            {"terminal": renders.circuit},
            _EVALUATION | {"digits", "max_rows", "ascii", "svg"},
            {"terminal": renders.circuit},
        ),
    ]
}

OUTPUTS: dict[str, Output] = {
    output.name: output
    for output in [
        Output(
            "terminal",
            None,
            "the terminal",
            frozenset({"digits", "max_rows", "ascii", "svg", "pause", "mode", "wrt", "no_notes", "hessian"}),
            renders.print_terminal,
        ),
        Output("json", "as_json", "JSON", frozenset({"mode", "wrt", "fields", "hessian"}), renders.print_json),
        Output("latex", "latex", "LaTeX", frozenset({"digits", "mode", "wrt", "no_notes"}), renders.print_text),
    ]
}


def view_parameters() -> list[Declaration]:
    """Every view flag, output flag and view option, in the order --help lists them."""
    flags = [Declaration(v.flag, f"view_{v.name}", {"is_flag": True, "help": v.help}) for v in VIEWS.values()]
    outputs = [DECLARED[output.option] for output in OUTPUTS.values() if output.option]
    return [*flags, *outputs, *OPTIONS.values()]
