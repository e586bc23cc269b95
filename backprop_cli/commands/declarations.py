"""Every option that more than one command takes, declared once: its flag, its parameter and its settings.

A command takes one with ``@DECLARED["digits"]``, or with its own default or help:
``@DECLARED["digits"].but(default=10)``. The view options among them are also the fields of
:class:`~backprop_cli.commands.registry.ViewOptions`. An option only one command takes is declared
with that command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

JSON_FLAG = "--json"
FIELDS_FLAG = "--fields"
"""JSON with only some keys: implies --json."""
DEBUG_FLAG = "--debug"


@dataclass(frozen=True)
class Declaration:
    """One option: its flag, the name of its parameter, and click's settings for it."""

    flag: str
    param: str
    settings: dict[str, Any]

    def __call__(self, command: F) -> F:
        """Add this option to a click command."""
        return click.option(self.flag, self.param, **self.settings)(command)

    def but(self, **settings: Any) -> Declaration:
        """The same option with some settings changed for one command (a default, a help text)."""
        return replace(self, settings={**self.settings, **settings})


def _declare(flag: str, param: str | None = None, **settings: Any) -> Declaration:
    return Declaration(flag, param or flag.removeprefix("--").replace("-", "_"), settings)


def _parse_wrt(ctx: click.Context, param: click.Parameter, text: str | None) -> tuple[str, ...] | None:
    """``--wrt x,y`` -> ("x", "y")."""
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names or text.startswith("--"):  # `--wrt --json`: the option's value is missing
        raise click.BadParameter("give input names, as in --wrt x,y", ctx, param)
    return names


def _svg_path(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    if path is not None and not path.lower().endswith(".svg"):
        raise click.BadParameter(f"{path!r}: --svg writes SVG only, to a file ending in .svg", ctx, param)
    return path


def _fields(ctx: click.Context, param: click.Parameter, text: str | None) -> tuple[str, ...] | None:
    if text is None:  # click calls back for every option, given or not: the table imports no JSON writer
        return None
    from ..views.json_stream import parse_fields

    return parse_fields(text)


DECLARED: dict[str, Declaration] = {
    option.param: option
    for option in [
        _declare("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin)."),
        _declare("--output", metavar="FILE", help="Write to FILE."),
        _declare(JSON_FLAG, "as_json", is_flag=True, help="Print one JSON object (errors too)."),
        _declare("--latex", is_flag=True, help="Print the derivation as a LaTeX align* block."),
        _declare("--digits", type=click.IntRange(1, 17), default=6, show_default=True, help="Significant digits."),
        _declare(
            "--max-rows",
            type=click.IntRange(0),
            default=200,
            show_default=True,
            help="Table rows or circuit lines at most (0: all).",
        ),
        _declare("--ascii", is_flag=True, help="Plain ASCII symbols (d, *) instead of ∂, ×, σ."),
        _declare(
            "--mode",
            type=click.Choice(["reverse", "forward"]),
            default="reverse",
            show_default=True,
            help="Reverse mode (backpropagation: one pass for all inputs) or forward mode (one pass per input).",
        ),
        _declare(
            "--wrt",
            metavar="NAMES",
            callback=_parse_wrt,
            help="Differentiate only with respect to these inputs: --wrt x,y.",
        ),
        _declare(
            "--svg",
            metavar="FILE.svg",
            callback=_svg_path,
            help="Also save the view as an SVG picture of the terminal.",
        ),
        _declare("--pause", is_flag=True, help="Wait for Enter between steps (on a terminal only)."),
        _declare("--no-notes", is_flag=True, help="Leave out the notes on gates and forks in the derivation."),
        _declare(
            FIELDS_FLAG,
            metavar="NAMES",
            callback=_fields,
            help="JSON with only these top-level keys: --fields value,gradients (implies --json; see docs/json.md).",
        ),
        _declare(
            "--hessian",
            is_flag=True,
            help="Also the Hessian: every second derivative of the output (over the --wrt inputs; scalars only).",
        ),
        # Read by the entry point (see options.Run), not by the command.
        _declare(DEBUG_FLAG, is_flag=True, expose_value=False, help="Show a Python traceback on an internal error."),
    ]
}
"""Each shared option by the name of its parameter."""


def source_arguments(command: F) -> F:
    """EXPR [VALUES]... and ``--file PATH``: where the program and its input values come from."""
    command = DECLARED["file"](command)
    return click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")(command)
