"""The command class every command is made with: how it reads the options of a command line.

Every single-dash word names a variable (``-x 2``, ``-w0=1``, ``x=3``), so built-in options are long, and
a word that starts with ``--`` is always an option: an unknown one is an error with a suggestion,
never taken for an expression. The options themselves are declared in :mod:`.declarations`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from ..errors import UsageError
from ..run import Run

SETTINGS: dict[str, Any] = {"help_option_names": ["--help"], "max_content_width": 100}


HELP_HINT = (
    "-h is not an option of backprop: single-dash words name an expression's inputs (-x 2); for help, use --help"
)


def unknown_option(name: str, known: Sequence[str]) -> UsageError:
    """``unknown option '--jsn' (did you mean --json?)``."""
    import difflib  # only for a mistyped option (~1 ms to import)

    close = difflib.get_close_matches(name, known, n=1) if len(name) <= 64 else []  # difflib indexes every character
    hint = f" (did you mean {close[0]}?)" if close else " (see --help)"
    return UsageError(f"unknown option '{name}'{hint}")


def given(ctx: click.Context) -> set[str]:
    """The parameters given on the command line (not left to their defaults)."""
    default = (None, click.core.ParameterSource.DEFAULT)
    return {name for name in ctx.params if ctx.get_parameter_source(name) not in default}


class BackpropCommand(click.Command):
    """A command whose free words (an expression and ``-x 2`` values) pass through untouched, while a
    word that starts with ``--`` must be one of its options."""

    def __init__(self, *args: Any, help_epilog: Callable[[], str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {})
        kwargs["context_settings"] = {**SETTINGS, "ignore_unknown_options": True, **kwargs["context_settings"]}
        super().__init__(*args, **kwargs)
        self.help_epilog = help_epilog
        """Builds the epilog of ``--help`` when it is shown (tables built from the op table and the
        view registry: not worth building on every run)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog is None and self.help_epilog is not None:
            self.epilog = self.help_epilog()
        super().format_epilog(ctx, formatter)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        run = ctx.ensure_object(Run)
        if args in (["-h"], ["-help"]):  # asking for help the short way, with nothing to evaluate
            raise UsageError(HELP_HINT)
        options: list[str] = []
        free: list[str] = []
        value_missing = False
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
                value_missing |= takes_value[name] and not eq and not value_follows
                step = 2 if value_follows else 1
                options += args[i : i + step]
                i += step
            else:
                free.append(word)
                i += 1
        free += args[i + 1 :]
        if not value_missing and any(word.startswith("-") for word in free):
            # The free words after "--", so that click does not take `-x` for an option it lacks: it
            # would raise and catch NoSuchOption for each, and import difflib (~1 ms) to word it.
            args = [*options, "--", *free]
        return super().parse_args(ctx, args)
