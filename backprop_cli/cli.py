"""The command line: parse arguments, call the engine, hand the result to a view.

Every single-dash word names a variable (``-x 2``, ``-w0=1``, ``x=3``), so built-in options are long.
"""

from __future__ import annotations

import gc
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from . import __version__
from .errors import EXIT_INTERNAL, BackpropError, InputError

PIPE_WIDTH = 100_000
CONTEXT = {"help_option_names": ["--help"], "ignore_unknown_options": True, "max_content_width": 100}


@dataclass(frozen=True)
class Invocation:
    """What the user asked for, after argument parsing."""

    source: str
    values: dict[str, float]
    as_json: bool


def parse_values(words: Sequence[str]) -> dict[str, float]:
    """``-x -2``, ``-x=-2`` and ``x=-2`` into ``{"x": -2.0}``."""
    values: dict[str, float] = {}
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("--"):
            raise InputError(f"unknown option {word.split('=')[0]} (see backprop eval --help)", kind="usage")
        name, eq, text = word.lstrip("-").partition("=") if word.startswith("-") else word.partition("=")
        if word.startswith("-") and not eq:
            if i == len(words):
                raise InputError(f"-{name} needs a value, as in -{name} 2")
            text = words[i]
            i += 1
        elif not eq:
            raise InputError(f"unexpected argument {word!r}: give values as -x 2, -x=2 or x=2", kind="usage")
        if not name.isidentifier():
            raise InputError(f"{name!r} is not a variable name (in {word!r})")
        if name in values:
            raise InputError(f"{name} is given more than once")
        values[name] = _number(name, text)
    return values


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"the value of {name} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise InputError(f"the value of {name} must be a finite number, not {text!r}")
    return value


def read_program(expr: str | None, file: str | None) -> str:
    """The program text: the EXPR argument, or ``-`` for stdin, or ``--file PATH``."""
    try:
        if file is not None:
            if file == "-":
                return sys.stdin.read()
            with open(file, encoding="utf-8") as f:
                return f.read()
        if expr == "-":
            return sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read {file or 'standard input'}: {reason}", kind="file") from None
    assert expr is not None
    return expr


def invocation(words: Sequence[str], file: str | None, as_json: bool) -> Invocation:
    """Split EXPR from the values and read the program."""
    expr = None
    if file is None:
        if not words:
            raise InputError(
                "missing EXPR: give an expression, '-' for standard input, or --file PATH", kind="usage"
            )
        expr, words = words[0], words[1:]
    return Invocation(read_program(expr, file), parse_values(words), as_json)


def report(err: BackpropError, as_json: bool) -> NoReturn:
    """Print an error for people on stderr (and for scripts on stdout with --json), then exit."""
    if as_json:
        from .views.json_view import dumps, error

        click.echo(dumps(error(err)))
    pos = err.position
    where = f" (line {pos[0]}, column {pos[1]})" if pos else ""
    click.echo(f"error: {err.message}{where}", err=True)
    excerpt = err.excerpt()
    if excerpt:
        click.echo(excerpt, err=True)
    raise SystemExit(err.exit_code)


def warn(messages: Sequence[str]) -> None:
    for message in messages:
        click.echo(f"warning: {message}", err=True)


def print_rich(renderable: Any) -> None:
    """Print to stdout with Rich: coloured on a terminal (unless NO_COLOR), plain text when piped."""
    from rich.console import Console

    console = Console(highlight=False)
    if console.is_terminal:
        # Narrower than the table's minimum: overflow the terminal rather than cut numbers off.
        needed = Console(width=PIPE_WIDTH).measure(renderable).minimum
        if needed > console.width:
            console = Console(highlight=False, width=needed)
        console.print(renderable)
        return
    # Piped: wide enough that nothing is wrapped or cut off; Rich pads no line to the full width,
    # and any trailing spaces of table cells are stripped.
    console = Console(highlight=False, width=PIPE_WIDTH, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    click.echo("\n".join(line.rstrip() for line in capture.get().splitlines()))


def run(action: Callable[[], None], as_json: bool) -> None:
    try:
        action()
    except BackpropError as err:
        report(err, as_json)


class Backprop(click.Group):
    """The command group, whose ``main`` makes sure no input ends in a Python traceback."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in argv
        # One run is short and makes no reference cycles of its own; the cyclic garbage collector
        # would only add ~10% to the time of a large expression (many small objects).
        gc.disable()
        try:
            extra["standalone_mode"] = False
            code = super().main(argv, prog_name or "backprop", **extra)
        except click.ClickException as exc:
            report(InputError(exc.format_message(), kind="usage"), as_json)
        except (KeyboardInterrupt, EOFError, click.Abort):
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None
        except BrokenPipeError:
            # The reader (head, less) went away: stop quietly, as Unix tools do.
            raise SystemExit(0) from None
        except MemoryError:
            report(BackpropError("out of memory: the expression is too large for this machine"), as_json)
        except Exception:
            if "--debug" in argv:
                raise
            click.echo(
                "internal error: this is a bug in backprop; run again with --debug for the traceback",
                err=True,
            )
            raise SystemExit(EXIT_INTERNAL) from None
        finally:
            gc.enable()
        raise SystemExit(code if isinstance(code, int) else 0)


@click.group(cls=Backprop, invoke_without_command=True, context_settings={"help_option_names": ["--help"]})
@click.version_option(__version__, "--version", prog_name="backprop")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Differentiate expressions by backpropagation and show every step.

    \b
    Examples:
      backprop eval "(x+y)*z" -x -2 -y 5 -z -4
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --json | jq .gradients
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command("eval", context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (errors too).")
@click.option("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin).")
@click.option(
    "--digits", type=click.IntRange(1, 17), default=6, show_default=True, help="Significant digits shown."
)
@click.option(
    "--max-rows", type=click.IntRange(0), default=200, show_default=True, help="Table rows at most (0: all)."
)
@click.option("--debug", is_flag=True, help="Show a Python traceback on an internal error.")
def eval_command(
    words: tuple[str, ...], as_json: bool, file: str | None, digits: int, max_rows: int, debug: bool
) -> None:
    """Evaluate EXPR and its gradients: the forward pass, then backpropagation.

    EXPR is an expression or a program of statements (`q = x + y; f = q * z`); '-' reads it from
    standard input. VALUES give every input: -x 2, -x=2 or x=2 (any name, as in -w0 0.5).

    \b
    Examples:
      backprop eval "(x+y)*z" -x -2 -y 5 -z -4
      backprop eval "sigmoid(w0*x0 + w1*x1 + w2)" -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --json | jq .gradients
      echo "x^2 + sin(x)" | backprop eval - -x 0.5 --digits 12
      backprop eval --file model.bp -x 3 -y -4

    Exit codes: 0 success, 1 math error, 2 bad invocation or expression.
    """

    def action() -> None:
        from .cache import load
        from .engine import bind_inputs, evaluate

        inv = invocation(words, file, as_json)
        graph = load(inv.source)
        warn(graph.warnings)
        inputs, unused = bind_inputs(graph, inv.values)
        warn(unused)
        ev = evaluate(graph, inputs)
        if as_json:
            from .views.json_view import dumps, evaluation

            click.echo(dumps(evaluation(ev)))
        else:
            from .views.table import render

            print_rich(render(ev, digits, max_rows))

    run(action, as_json)


def main() -> None:
    """Console-script entry point."""
    cli.main()
