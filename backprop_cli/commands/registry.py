"""The view registry: every way to show an evaluation, the outputs it has and the options it takes.

A view (``--table``, ``--steps``, ``--circuit``) is one entry of :data:`VIEWS`; an output (the
terminal, ``--json``, ``--latex``) one entry of :data:`OUTPUTS`; a view option (``--digits``...) one
entry of :data:`OPTIONS` and one field of :class:`ViewOptions`. Which combinations make sense is this
data: :func:`view_options_from` checks a command line against it once, and ``--help`` prints it.
"""

# No `from __future__ import annotations`: NamedTuple would compile every annotation string at start-up.
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from ..errors import UsageError
from .options import FIELDS_FLAG, JSON_FLAG, digits_option, wrt_option

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation
    from ..engine import Evaluation

F = TypeVar("F", bound=Callable[..., Any])


class ViewOptions(NamedTuple):
    """How to show an evaluation: the view, the output, and the options the view reads."""

    view: str = "table"
    output: str = "terminal"
    digits: int = 6
    max_rows: int = 200
    ascii: bool = False
    mode: str = "reverse"
    wrt: tuple[str, ...] | None = None
    svg: str | None = None
    pause: bool = False
    fields: tuple[str, ...] | None = None
    no_notes: bool = False


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
    flag: str | None
    """None for the default output (the terminal)."""
    help: str
    title: str
    """Its name in sentences: "JSON", "LaTeX"."""
    takes: frozenset[str]
    """The fields of ViewOptions that mean something in this output."""
    emit: "Emit"


def _svg_path(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    if path is not None and not path.lower().endswith(".svg"):
        raise click.BadParameter(f"{path!r}: --svg writes SVG only, to a file ending in .svg", ctx, param)
    return path


def _fields(ctx: click.Context, param: click.Parameter, text: str | None) -> tuple[str, ...] | None:
    from ..views.json_stream import parse_fields

    return None if text is None else parse_fields(text)


OPTIONS: dict[str, Callable[[F], F]] = {
    "digits": digits_option(6),
    "max_rows": click.option(
        "--max-rows",
        type=click.IntRange(0),
        default=200,
        show_default=True,
        help="Table rows or circuit lines at most (0: all).",
    ),
    "ascii": click.option("--ascii", is_flag=True, help="Plain ASCII symbols (d, *) instead of ∂, ×, σ."),
    "mode": click.option(
        "--mode",
        type=click.Choice(["reverse", "forward"]),
        default="reverse",
        show_default=True,
        help="Reverse mode (backpropagation: one pass for all inputs) or forward mode (one pass per input).",
    ),
    "wrt": wrt_option("Differentiate only with respect to these inputs: --wrt x,y."),
    "svg": click.option(
        "--svg", metavar="FILE.svg", callback=_svg_path, help="Also save the view as an SVG picture of the terminal."
    ),
    "pause": click.option("--pause", is_flag=True, help="Wait for Enter between steps (on a terminal only)."),
    "no_notes": click.option(
        "--no-notes", is_flag=True, help="Leave out the notes on gates and forks in the derivation."
    ),
    "fields": click.option(
        FIELDS_FLAG,
        metavar="NAMES",
        callback=_fields,
        help="JSON with only these top-level keys: --fields value,gradients (implies --json; see docs/json.md).",
    ),
}
"""Each view option's declaration, by its field of ViewOptions (the option is the field's name, dashed)."""


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


# Renders and emitters import their modules when called: --json never imports Rich.


def _table(ev: "Evaluation", o: ViewOptions) -> Any:
    from ..views import table

    return table.render(ev, o.digits, o.max_rows, _symbols(o))


def _symbols(o: ViewOptions) -> Any:
    """The symbols of --ascii or Unicode, for the views that write no formulas."""
    from .. import symbols

    return symbols.ASCII if o.ascii else symbols.UNICODE


def _steps(ev: "Evaluation", o: ViewOptions) -> Any:
    from ..views import steps

    return steps.render(ev, o.digits, _formula_style(o), notes=not o.no_notes)


def _circuit(ev: "Evaluation | ArrayEvaluation", o: ViewOptions) -> Any:
    from ..views import circuit

    return circuit.render(ev, o.digits, _formula_style(o), o.max_rows)


def _formula_style(o: ViewOptions) -> Any:
    """The symbols and formula spellings of --ascii or Unicode, for the views that write formulas."""
    from ..views import notation

    return notation.ASCII if o.ascii else notation.UNICODE


def _evaluation_json(ev: "Evaluation", o: ViewOptions) -> Any:
    from ..views.json_stream import EvaluationJSON

    return EvaluationJSON(ev, o.fields)


def _steps_json(ev: "Evaluation", o: ViewOptions) -> Any:
    from ..views.json_stream import EvaluationJSON
    from ..views.steps import steps_json

    return EvaluationJSON(ev, o.fields, steps_json(ev) if o.fields is None or "steps" in o.fields else None)


def _steps_latex(ev: "Evaluation", o: ViewOptions) -> Any:
    from ..views.steps import latex

    return latex(ev, o.digits, notes=not o.no_notes)


def _array_table(ev: "ArrayEvaluation", o: ViewOptions) -> Any:
    from ..views import arrays

    return arrays.render(ev, o.digits, o.max_rows, _symbols(o))


def _array_json(ev: "ArrayEvaluation", o: ViewOptions) -> Any:
    from ..views import arrays

    return arrays.evaluation(ev, o.fields)


def _only(data: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    """The keys that --fields names (all without it)."""
    return data if fields is None else {key: value for key, value in data.items() if key in fields}


def _array_steps(ev: "ArrayEvaluation", o: ViewOptions) -> Any:
    from ..views import array_steps

    return array_steps.render(ev, o.digits, o.ascii)


def _array_steps_json(ev: "ArrayEvaluation", o: ViewOptions) -> Any:
    from ..views import array_steps, arrays

    return _only({**arrays.evaluation(ev), "steps": array_steps.steps_json(ev)}, o.fields)


def _print_terminal(renderable: Any, o: ViewOptions) -> None:
    from ..output import print_rich

    print_rich(renderable, o.svg, o.pause, o.ascii)


def _print_json(data: Any, o: ViewOptions) -> None:
    import sys

    from ..views.json_stream import EvaluationJSON, write

    if isinstance(data, EvaluationJSON):  # written as it is produced
        write(data, sys.stdout.write)
    else:
        from ..views.json_view import dumps

        click.echo(dumps(data))


def _print_text(text: Any, o: ViewOptions) -> None:
    click.echo(text)


_EVALUATION = frozenset({"mode", "wrt"})
"""What every view of an evaluation reads: which passes were made."""

VIEWS: dict[str, View] = {
    view.name: view
    for view in [
        View(
            "table",
            "Show the node table (eval's default).",
            {"terminal": _table, "json": _evaluation_json},
            _EVALUATION | {"digits", "max_rows", "ascii", "svg", "fields"},
            {"terminal": _array_table, "json": _array_json},
        ),
        View(
            "steps",
            "Write out the forward pass and the chain rule.",
            {"terminal": _steps, "json": _steps_json, "latex": _steps_latex},
            _EVALUATION | {"digits", "ascii", "svg", "pause", "fields", "no_notes"},
            {"terminal": _array_steps, "json": _array_steps_json},
        ),
        View(
            "circuit",
            "Draw the circuit as a tree.",
            {"terminal": _circuit},
            _EVALUATION | {"digits", "max_rows", "ascii", "svg"},
            {"terminal": _circuit},
        ),
    ]
}

OUTPUTS: dict[str, Output] = {
    output.name: output
    for output in [
        Output(
            "terminal",
            None,
            "Rich text on the terminal (coloured), plain text when piped.",
            "the terminal",
            frozenset({"digits", "max_rows", "ascii", "svg", "pause", "mode", "wrt", "no_notes"}),
            _print_terminal,
        ),
        Output(
            "json",
            JSON_FLAG,
            "Print one JSON object (errors too).",
            "JSON",
            frozenset({"mode", "wrt", "fields"}),
            _print_json,
        ),
        Output(
            "latex",
            "--latex",
            "Print the derivation as a LaTeX align* block.",
            "LaTeX",
            frozenset({"digits", "mode", "wrt", "no_notes"}),
            _print_text,
        ),
    ]
}


def view_options(command: F) -> F:
    """Decorate a command with every view flag, output flag and view option, in that order."""
    decorators: list[Callable[[F], F]] = [
        click.option(view.flag, f"view_{view.name}", is_flag=True, help=view.help) for view in VIEWS.values()
    ]
    decorators += [
        click.option(output.flag, f"output_{output.name}", is_flag=True, help=output.help)
        for output in OUTPUTS.values()
        if output.flag
    ]
    decorators += OPTIONS.values()
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def refuse_given(ctx: click.Context, fields: Iterable[str], flag: str, title: str) -> None:
    """A usage error if any of the options ``fields`` was given on the command line: ``flag`` (called
    ``title`` in words) has no use for it."""
    for name in sorted(fields):
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT):
            raise UsageError(f"{_flag(name)} and {flag} do not go together: {title} has no use for {_flag(name)}")


def view_options_from(ctx: click.Context, default_view: str) -> ViewOptions:
    """The ViewOptions of a command line, or a usage error naming the two options that do not go together.

    Without a view flag the view is ``default_view``, or, if that view lacks the chosen output, the
    first view that has it (``--latex`` alone writes the derivation).
    """
    params = ctx.params
    views = [name for name in VIEWS if params.get(f"view_{name}")]
    outputs = [name for name in OUTPUTS if params.get(f"output_{name}")]
    if params.get("fields") is not None and not outputs:
        outputs = ["json"]  # --fields asks for JSON
    for chosen, kind in ((views, "view"), (outputs, "output")):
        if len(chosen) > 1:
            flags = [VIEWS[n].flag if kind == "view" else OUTPUTS[n].flag for n in chosen[:2]]
            raise UsageError(f"{flags[0]} and {flags[1]} do not go together: choose one {kind}")
    output = OUTPUTS[outputs[0] if outputs else "terminal"]
    if views:
        view = VIEWS[views[0]]
        if output.name not in view.renders:
            raise UsageError(
                f"{view.flag} and {output.flag} do not go together: {view.flag} has no {output.title} form"
            )
    else:
        view = VIEWS[default_view]
        if output.name not in view.renders:
            view = next(v for v in VIEWS.values() if output.name in v.renders)
    if output.flag:
        refuse_given(ctx, OPTIONS.keys() - output.takes, output.flag, output.title)
    refuse_given(ctx, OPTIONS.keys() - view.takes, view.flag, view.flag)
    options = ViewOptions(view.name, output.name, **{name: params[name] for name in OPTIONS})
    from ..streams import unicode_output

    # An output that cannot encode ∂ (Latin-1, ASCII) gets the ASCII symbols without being asked.
    return options if options.ascii or unicode_output() else options._replace(ascii=True)


def show(ev: "Evaluation | ArrayEvaluation", options: ViewOptions) -> None:
    """Render an evaluation in its view and print it in its output."""
    from ..engine import Evaluation

    view, output = VIEWS[options.view], OUTPUTS[options.output]
    if not isinstance(ev, Evaluation):  # vectors and matrices
        renders = view.array_renders or {}
        if output.name not in renders:
            what = view.flag if view.array_renders is None else f"{view.flag} {output.flag}"
            can = [v for v in VIEWS.values() if v.array_renders]
            have = " and ".join(f"{v.flag} ({', '.join(OUTPUTS[o].title for o in v.array_renders or {})})" for v in can)
            raise UsageError(f"{what} is for scalar expressions; vectors and matrices have {have}")
        output.emit(renders[output.name](ev, options), options)
        return
    output.emit(view.renders[output.name](ev, options), options)


def combinations_help() -> str:
    """The table of views, their outputs and the options they take, for ``--help``."""
    flags = [o.flag for o in OUTPUTS.values() if o.flag]
    width = max(len(v.flag) for v in VIEWS.values())
    lines = [
        "\b",
        "Views and outputs (one view; the terminal, or one of " + ", ".join(flags) + "):",
    ]
    for view in VIEWS.values():
        outs = ", ".join(OUTPUTS[o].flag or "terminal" for o in view.renders)
        takes = " ".join(_flag(n) for n in OPTIONS if n in view.takes)
        lines.append(f"  {view.flag:<{width}}  {outs}; takes {takes}")
    for output in OUTPUTS.values():
        if output.flag:
            takes = " ".join(_flag(n) for n in OPTIONS if n in output.takes)
            lines.append(f"  {output.flag:<{width}}  takes {takes}")
    lines.append("Any other combination is refused (exit 2), naming the two options.")
    return "\n".join(lines)
