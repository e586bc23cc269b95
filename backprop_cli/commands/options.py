"""What every command shares: the command class, and options declared once (source, digits, JSON, debug).

Every single-dash word names a variable (``-x 2``, ``-w0=1``, ``x=3``), so built-in options are long, and
a word that starts with ``--`` is always an option: an unknown one is an error with a suggestion,
never taken for an expression.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from ..errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

JSON_FLAG = "--json"
FIELDS_FLAG = "--fields"
"""JSON with only some keys: implies --json."""
DEBUG_FLAG = "--debug"
SETTINGS: dict[str, Any] = {"help_option_names": ["--help"], "max_content_width": 100}


@dataclass
class Run:
    """What one run of the command line knows before click converts any value: the options named
    (so that even a usage error is printed as JSON when ``--json`` was asked for)."""

    named: set[str] = field(default_factory=set)

    @property
    def as_json(self) -> bool:
        return JSON_FLAG in self.named or FIELDS_FLAG in self.named

    @property
    def debug(self) -> bool:
        return DEBUG_FLAG in self.named


HELP_HINT = (
    "-h is not an option of backprop: single-dash words name an expression's inputs (-x 2); for help, use --help"
)


def unknown_option(name: str, known: Sequence[str]) -> UsageError:
    """``unknown option '--jsn' (did you mean --json?)``."""
    close = difflib.get_close_matches(name, known, n=1) if len(name) <= 64 else []  # difflib indexes every character
    hint = f" (did you mean {close[0]}?)" if close else " (see --help)"
    return UsageError(f"unknown option '{name}'{hint}")


class BackpropCommand(click.Command):
    """A command whose free words (an expression and ``-x 2`` values) pass through untouched, while a
    word that starts with ``--`` must be one of its options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {})
        kwargs["context_settings"] = {**SETTINGS, "ignore_unknown_options": True, **kwargs["context_settings"]}
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        run = ctx.ensure_object(Run)
        if args in (["-h"], ["-help"]):  # asking for help the short way, with nothing to evaluate
            raise UsageError(HELP_HINT)
        i = 0
        while i < len(args) and args[i] != "--":  # after "--" every word is an expression or a value
            word = args[i]
            name, eq, _ = word.partition("=")
            if word.startswith("--"):
                if name not in takes_value:
                    raise unknown_option(name, [n for n in takes_value if n.startswith("--")])
                run.named.add(name)
                # A value is the next word, unless that is an option (`--wrt --json`: the value is missing).
                value_follows = takes_value[name] and not eq and i + 1 < len(args) and not args[i + 1].startswith("--")
                i += 2 if value_follows else 1
            else:
                i += 1
        return super().parse_args(ctx, args)


def source_arguments(command: F) -> F:
    """EXPR [VALUES]... and ``--file PATH``: where the program and its input values come from."""
    command = click.option("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin).")(command)
    return click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")(command)


def digits_option(default: int) -> Callable[[F], F]:
    return click.option(
        "--digits", type=click.IntRange(1, 17), default=default, show_default=True, help="Significant digits."
    )


def json_option(command: F) -> F:
    return click.option(JSON_FLAG, "as_json", is_flag=True, help="Print one JSON object (errors too).")(command)


def debug_option(command: F) -> F:
    """``--debug``: read by the entry point (see :class:`Run`), not by the command."""
    return click.option(
        DEBUG_FLAG, is_flag=True, expose_value=False, help="Show a Python traceback on an internal error."
    )(command)


def wrt_option(help: str) -> Callable[[F], F]:
    return click.option("--wrt", metavar="NAMES", callback=_parse_wrt, help=help)


def _parse_wrt(ctx: click.Context, param: click.Parameter, text: str | None) -> tuple[str, ...] | None:
    """``--wrt x,y`` -> ("x", "y")."""
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names or text.startswith("--"):  # `--wrt --json`: the option's value is missing
        raise click.BadParameter("give input names, as in --wrt x,y", ctx, param)
    return names
