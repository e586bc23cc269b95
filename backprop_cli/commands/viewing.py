"""The view registry on a command line: its flags on a command, the check of what a command line
chose (once), showing an evaluation as chosen, and the table of combinations that ``--help`` prints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from ..errors import UsageError
from .declarations import DECLARED
from .registry import OPTIONS, OUTPUTS, VIEWS, Output, View, ViewOptions, view_parameters

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation
    from ..engine import Evaluation

F = TypeVar("F", bound=Callable[..., Any])


def view_options(command: F) -> F:
    """Decorate a command with every view flag, output flag and view option, in that order."""
    for decorate in reversed(view_parameters()):
        command = decorate(command)
    return command


def refuse_given(
    given: Iterable[str],
    fields: Iterable[str],
    flag: str,
    title: str,
    hint: str = "",
    local: Mapping[str, str] | None = None,
) -> None:
    """A usage error if any of the options ``fields`` is among those ``given`` on the command line:
    ``flag`` (called ``title`` in words) has no use for it. A field is a declared option, a view flag
    (``view_circuit``) or one of the command's own (``local``: its flag by its parameter); ``hint``
    (``{flag}`` standing for the refused option) ends the message."""
    both = sorted(set(fields) & set(given))
    if both:
        name = both[0]
        if local and name in local:
            shown = local[name]
        elif name.startswith("view_"):
            shown = VIEWS[name.removeprefix("view_")].flag
        else:
            shown = DECLARED[name].flag
        more = hint.format(flag=shown)
        raise UsageError(f"{shown} and {flag} do not go together: {title} has no use for {shown}{more}")


def _refuse_for_default(command: str, view: View, output: Output, given: str, option: str) -> NoReturn:
    """A usage error for ``given`` that the view shown when none is chosen has no use for: it names that
    view as such (not a flag the user did not type) and the views that take ``option``."""
    others = [v.flag for v in VIEWS.values() if option in v.takes and output.name in v.renders]
    choose = f": choose {' or '.join(others)}" if others else ""
    shown = f"which {command} shows unless another view is chosen"
    raise UsageError(f"{given} does not go with the {view.name} view, {shown}{choose}")


def view_options_from(params: Mapping[str, Any], given: Iterable[str], command: str, default_view: str) -> ViewOptions:
    """The ViewOptions of a ``command`` line (its parameters' values, and the names of those given on
    it), or a usage error naming the two options that do not go together.

    Without a view flag the view is ``default_view``, or, if that view lacks the chosen output, the
    first view that has it (``--latex`` alone writes the derivation).
    """
    named = set(given)
    views = [name for name in VIEWS if params.get(f"view_{name}")]
    outputs = [name for name, output in OUTPUTS.items() if output.option and params.get(output.option)]
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
        refuse_given(named, OPTIONS.keys() - output.takes, output.flag, output.title)
    if views:
        refuse_given(named, OPTIONS.keys() - view.takes, view.flag, view.flag)
    else:
        for name in sorted((OPTIONS.keys() - view.takes) & named):
            _refuse_for_default(command, view, output, DECLARED[name].flag, name)
    options = ViewOptions(view.name, output.name, **{name: params[name] for name in OPTIONS})
    if options.fields is not None and "hessian" in options.fields:  # --fields hessian asks for it
        if "hessian" not in view.takes and not views:
            _refuse_for_default(command, view, output, "--fields hessian", "hessian")
        if "hessian" not in view.takes:
            raise UsageError(f"--fields hessian and {view.flag} do not go together: {view.flag} has no Hessian")
        options = options._replace(hessian=True)
    from ..streams import unicode_output

    # An output that cannot encode ∂ (Latin-1, ASCII) gets the ASCII symbols without being asked.
    return options if options.ascii or unicode_output() else options._replace(ascii=True)


def show(ev: Evaluation | ArrayEvaluation, options: ViewOptions) -> None:
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
        takes = " ".join(option.flag for name, option in OPTIONS.items() if name in view.takes)
        lines.append(f"  {view.flag:<{width}}  {outs}; takes {takes}")
    for output in OUTPUTS.values():
        if output.flag:
            takes = " ".join(option.flag for name, option in OPTIONS.items() if name in output.takes)
            lines.append(f"  {output.flag:<{width}}  takes {takes}")
    lines.append("Any other combination is refused (exit 2), naming the two options.")
    return "\n".join(lines)
