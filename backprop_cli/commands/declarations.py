"""Every option that more than one command takes, declared once: its flag, its parameter and its settings.

A command takes one with ``@DECLARED["digits"]``, or with its own default or help:
``@DECLARED["digits"].but(default=10)``. The view options among them are also the fields of
:class:`~backprop_cli.commands.registry.ViewOptions`. An option only one command takes is declared
with that command.

A declaration is plain data (its values' type too), so that ``backprop eval`` can read a command line
from it without importing click (see :mod:`.eval_argv`); click is imported only to make an option.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import click

F = TypeVar("F", bound=Callable[..., Any])

JSON_FLAG = "--json"
FIELDS_FLAG = "--fields"
"""JSON with only some keys: implies --json."""
DEBUG_FLAG = "--debug"


@dataclass(frozen=True)
class Declaration:
    """One option: its flag, the name of its parameter, click's settings for it, and what its value may be."""

    flag: str
    param: str
    settings: dict[str, Any]
    """click's settings as plain data: help, metavar, default, is_flag..."""
    between: tuple[int, int | None] | None = None
    """An integer between these bounds (None: no upper bound)."""
    choices: tuple[str, ...] | None = None
    """One of these words."""
    convert: Callable[[str], Any] | None = None
    """Reads the value's text; a ValueError is click's "Invalid value for" that option, with its message."""

    @property
    def is_flag(self) -> bool:
        return bool(self.settings.get("is_flag"))

    @property
    def default(self) -> Any:
        """The value when the option is not given."""
        return self.settings.get("default", False if self.is_flag else None)

    def read(self, text: str) -> Any:
        """The value of ``text`` as click converts it, or a ValueError where click would refuse it."""
        if self.is_flag:
            raise ValueError(f"{self.flag} takes no value")
        if self.between is not None:
            lo, hi = self.between
            number = int(text)
            if number < lo or (hi is not None and number > hi):
                raise ValueError(f"{number} is not between {lo} and {hi}")
            return number
        if self.choices is not None and text not in self.choices:
            raise ValueError(f"{text!r} is not one of {self.choices}")
        return text if self.convert is None else self.convert(text)

    def __call__(self, command: F) -> F:
        """Add this option to a click command."""
        import click

        settings = dict(self.settings)
        if self.between is not None:
            settings["type"] = click.IntRange(*self.between)
        if self.choices is not None:
            settings["type"] = click.Choice(self.choices)
        if self.convert is not None:
            settings["callback"] = _callback(self.convert)
        return click.option(self.flag, self.param, **settings)(command)

    def but(self, **settings: Any) -> Declaration:
        """The same option with some settings changed for one command (a default, a help text)."""
        return replace(self, settings={**self.settings, **settings})


@cache  # one callback per function: every command's option the same
def _callback(convert: Callable[[str], Any]) -> Callable[[click.Context, click.Parameter, str | None], Any]:
    """click's callback for a ``convert`` function: a ValueError is a bad value of that option."""
    import click

    def callback(ctx: click.Context, param: click.Parameter, text: str | None) -> Any:
        if text is None:  # click calls back for every option, given or not
            return None
        try:
            return convert(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None

    return callback


def _declare(flag: str, param: str | None = None, **settings: Any) -> Declaration:
    typed = {key: settings.pop(key) for key in ("between", "choices", "convert") if key in settings}
    return Declaration(flag, param or flag.removeprefix("--").replace("-", "_"), settings, **typed)


def _parse_wrt(text: str) -> tuple[str, ...]:
    """``--wrt x,y`` -> ("x", "y")."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names or text.startswith("--"):  # `--wrt --json`: the option's value is missing
        raise ValueError("give input names, as in --wrt x,y")
    return names


def _svg_path(path: str) -> str:
    if not path.lower().endswith(".svg"):
        raise ValueError(f"{path!r}: --svg writes SVG only, to a file ending in .svg")
    return path


def _fields(text: str) -> tuple[str, ...]:
    from ..views.json_stream import parse_fields  # not on the table's path: it imports no JSON writer

    return parse_fields(text)


DECLARED: dict[str, Declaration] = {
    option.param: option
    for option in [
        _declare("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin)."),
        _declare("--output", metavar="FILE", help="Write to FILE."),
        _declare(JSON_FLAG, "as_json", is_flag=True, help="Print one JSON object (errors too)."),
        _declare("--latex", is_flag=True, help="Print the derivation as a LaTeX align* block."),
        _declare("--digits", between=(1, 17), default=6, show_default=True, help="Significant digits."),
        _declare(
            "--max-rows",
            between=(0, None),
            default=200,
            show_default=True,
            help="Table rows or circuit lines at most (0: all).",
        ),
        _declare("--ascii", is_flag=True, help="Plain ASCII symbols (d, *) instead of ∂, ×, σ."),
        _declare(
            "--mode",
            choices=("reverse", "forward"),
            default="reverse",
            show_default=True,
            help="Reverse mode (backpropagation: one pass for all inputs) or forward mode (one pass per input).",
        ),
        _declare(
            "--wrt",
            metavar="NAMES",
            convert=_parse_wrt,
            help="Differentiate only with respect to these inputs: --wrt x,y.",
        ),
        _declare(
            "--svg",
            metavar="FILE.svg",
            convert=_svg_path,
            help="Also save the view as an SVG picture of the terminal.",
        ),
        _declare("--pause", is_flag=True, help="Wait for Enter between steps (on a terminal only)."),
        _declare("--no-notes", is_flag=True, help="Leave out the notes on gates and forks in the derivation."),
        _declare(
            FIELDS_FLAG,
            metavar="NAMES",
            convert=_fields,
            help="JSON with only these top-level keys: --fields value,gradients (implies --json; see docs/json.md).",
        ),
        _declare(
            "--hessian",
            is_flag=True,
            help="Also the Hessian: every second derivative of the output (over the --wrt inputs; scalars only).",
        ),
        # Read by the entry point (see run.Run), not by the command.
        _declare(DEBUG_FLAG, is_flag=True, expose_value=False, help="Show a Python traceback on an internal error."),
    ]
}
"""Each shared option by the name of its parameter."""


def source_arguments(command: F) -> F:
    """EXPR [VALUES]... and ``--file PATH``: where the program and its input values come from."""
    import click

    command = DECLARED["file"](command)
    return click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")(command)
