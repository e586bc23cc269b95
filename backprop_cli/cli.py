"""The command line as click reads it: the ``backprop`` group and its commands (one module each),
every failure turned into a message and an exit code by ``run.guarded``, never a Python traceback.
``backprop eval``'s usual command lines are read without click (commands/eval_argv.py).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .commands.options import HELP_HINT, SETTINGS, unknown_option
from .errors import UsageError
from .run import Run, guarded


def usage_error(exc: click.ClickException) -> UsageError:
    """Click's own usage errors in backprop's words."""
    if isinstance(exc, click.NoSuchOption):
        if exc.option_name in ("-h", "-help"):
            return UsageError(HELP_HINT)
        return unknown_option(exc.option_name, sorted(exc.possibilities or ()))
    return UsageError(exc.format_message())


class Backprop(click.Group):
    """The command group, whose ``main`` makes sure no input ends in a Python traceback.

    Commands are imported when used (``backprop eval`` never imports the others' modules).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules: dict[str, str] = {}

    def register(self, name: str) -> None:
        """Add the command ``name``, defined as ``command`` in ``backprop_cli/commands/<name>.py``."""
        self.modules[name] = f"{__package__}.commands.{name}"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.modules)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's summary whole (click cuts them to the terminal's width with "...")."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.modules:
            return None
        from importlib import import_module

        command: click.Command = import_module(self.modules[cmd_name]).command
        return command

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        run = Run()

        def body() -> object:
            try:
                name = prog_name or "backprop"
                return super(Backprop, self).main(argv, name, standalone_mode=False, obj=run, **extra)
            except click.ClickException as exc:
                raise usage_error(exc) from None
            except (click.Abort, _Interrupted):  # click's word for Ctrl-C (or end of input), and ours
                raise KeyboardInterrupt from None

        guarded(body, run)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, EOFError):  # past click's main, which would write a blank line on stderr
            raise _Interrupted from None


class _Interrupted(Exception):
    """Ctrl-C (or the end of input) during a command, on its way to ``guarded`` (which says
    "interrupted", exit 130)."""


@click.group(cls=Backprop, invoke_without_command=True, context_settings=SETTINGS)
@click.version_option(__version__, "--version", prog_name="backprop")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Differentiate expressions by backpropagation and show every step.

    \b
    Examples:
      backprop eval "(x+y)*z" -x -2 -y 5 -z -4
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --steps
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --json | jq .gradients
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 --output circuit.svg
      backprop demo neuron --circuit
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


cli.register("eval")
cli.register("demo")
cli.register("graph")
cli.register("check")
cli.register("batch")
cli.register("html")
cli.register("diff")
cli.register("export")


def main() -> None:
    """Console-script entry point."""
    cli.main()
