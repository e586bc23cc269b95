"""The command line: the ``backprop`` group, its commands (one module each), and the entry point that
turns every failure into a message and an exit code, never a Python traceback.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .commands.options import HELP_HINT, SETTINGS, Run, unknown_option
from .errors import BackpropError, InternalError, UsageError
from .output import forget_warnings, report
from .streams import OutputFailed, ReaderGone


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
        forget_warnings()
        # One run is short and makes no reference cycles of its own; the cyclic garbage collector
        # would only add ~10% to the time of a large expression (many small objects).
        gc.disable()
        try:
            code = super().main(argv, prog_name or "backprop", standalone_mode=False, obj=run, **extra)
        except BackpropError as err:
            report(err, run.as_json)
        except click.ClickException as exc:
            report(usage_error(exc), run.as_json)
        except (KeyboardInterrupt, EOFError, click.Abort):
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None
        except BrokenPipeError:
            # The reader (head, less) went away: stop quietly, as Unix tools do.
            raise SystemExit(0) from None
        except (ReaderGone, OutputFailed):
            raise  # the entry point reports a failed output (entry.py)
        except MemoryError:
            report(UsageError("out of memory: the expression is too large for this machine"), run.as_json)
        except Exception:
            if run.debug:
                raise
            report(
                InternalError("internal error: this is a bug in backprop; run again with --debug for the traceback"),
                run.as_json,
            )
        finally:
            gc.enable()
        raise SystemExit(code if isinstance(code, int) else 0)


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
