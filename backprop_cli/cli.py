"""The command line: parse arguments, call the engine, hand the result to a view.

Every single-dash word names a variable (``-x 2``, ``-w0=1``, ``x=3``), so built-in options are long.
Modules are imported where a path needs them: ``--json`` never imports Rich.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import EXIT_INTERNAL, BackpropError, InputError
from .output import print_rich, report, warn

if TYPE_CHECKING:
    from .graph import Graph

CONTEXT = {"help_option_names": ["--help"], "ignore_unknown_options": True, "max_content_width": 100}
F = TypeVar("F", bound=Callable[..., Any])


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
        except BackpropError as err:
            report(err, as_json)
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
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --steps
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --json | jq .gradients
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 --output circuit.svg
      backprop demo neuron --circuit
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def view_options(command: F) -> F:
    """The options of every command that shows an evaluation (eval, demo)."""
    options = [
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object (errors too)."),
        click.option("--table", "view", flag_value="table", help="Show the node table (eval's default)."),
        click.option("--steps", "view", flag_value="steps", help="Write out the forward pass and the chain rule."),
        click.option("--circuit", "view", flag_value="circuit", help="Draw the circuit as a tree."),
        click.option(
            "--mode",
            type=click.Choice(["reverse", "forward"]),
            default="reverse",
            show_default=True,
            help="Reverse mode (backpropagation: one pass for all inputs) or forward mode (one pass per input).",
        ),
        click.option("--wrt", metavar="NAMES", help="Differentiate only with respect to these inputs: --wrt x,y."),
        click.option("--latex", is_flag=True, help="Print the derivation as a LaTeX align* block."),
        click.option("--ascii", is_flag=True, help="Plain ASCII symbols (d, *) instead of ∂, ×, σ."),
        click.option("--svg", metavar="FILE", help="Also save the view as an SVG picture of the terminal."),
        click.option("--digits", type=click.IntRange(1, 17), default=6, show_default=True, help="Significant digits."),
        click.option(
            "--max-rows",
            type=click.IntRange(0),
            default=200,
            show_default=True,
            help="Table rows or circuit lines at most (0: all).",
        ),
        click.option("--debug", is_flag=True, help="Show a Python traceback on an internal error."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_graph(source: str) -> Graph:
    """Parse (or load from the cache), with warnings about unused statements on stderr."""
    from .cache import load

    graph = load(source)
    warn(graph.warnings)
    return graph


def bind(graph: Graph, values: dict[str, float]) -> dict[str, float]:
    """Match the given values to the graph's inputs, with warnings about unused values on stderr."""
    from .engine import bind_inputs

    inputs, unused = bind_inputs(graph, values)
    warn(unused)
    return inputs


def names(text: str | None) -> list[str] | None:
    """``--wrt x,y`` -> ["x", "y"]."""
    return None if text is None else [name.strip() for name in text.split(",") if name.strip()]


def show(
    source: str,
    values: dict[str, float],
    *,
    as_json: bool,
    view: str,
    latex: bool,
    ascii: bool,
    svg: str | None,
    digits: int,
    max_rows: int,
    mode: str,
    wrt: str | None,
    pause: bool = False,
) -> None:
    """Evaluate and print in the chosen view."""
    from .engine import evaluate

    graph = load_graph(source)
    ev = evaluate(graph, bind(graph, values), mode, names(wrt))
    if as_json:
        from .views.json_view import dumps, evaluation

        data = evaluation(ev)
        if view == "steps":
            from .views.steps import steps_json

            data["steps"] = steps_json(ev)
        click.echo(dumps(data))
    elif latex:
        from .views.steps import latex as latex_view

        click.echo(latex_view(ev, digits))
    else:
        if view == "steps":
            from .views import steps

            renderable = steps.render(ev, digits, ascii)
        elif view == "circuit":
            from .views import circuit
            from .views.notation import ASCII, UNICODE

            renderable = circuit.render(ev, digits, ASCII if ascii else UNICODE, max_rows)
        else:
            from .views import table

            renderable = table.render(ev, digits, max_rows, ascii)
        # --pause steps through the lines of a derivation; other views print at once.
        print_rich(renderable, svg, pause and view == "steps", ascii)


@cli.command("eval", context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")
@click.option("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin).")
@view_options
def eval_command(words: tuple[str, ...], file: str | None, view: str | None, **options: Any) -> None:
    """Evaluate EXPR and its gradients: the forward pass, then backpropagation.

    EXPR is an expression or a program of statements (`q = x + y; f = q * z`); '-' reads it from
    standard input. VALUES give every input: -x 2, -x=2 or x=2 (any name, as in -w0 0.5).

    \b
    Examples:
      backprop eval "(x+y)*z" -x -2 -y 5 -z -4
      backprop eval "sigmoid(w0*x0 + w1*x1 + w2)" -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --steps
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --json | jq .gradients
      echo "x^2 + sin(x)" | backprop eval - -x 0.5 --digits 12
      backprop eval --file model.bp -x 3 -y -4 --circuit --svg circuit.svg

    Exit codes: 0 success, 1 math error, 2 bad invocation or expression.
    """
    from .args import invocation

    options.pop("debug")
    source, values = invocation(words, file)
    show(source, values, view=view or "table", **options)


@cli.command("demo", context_settings={"help_option_names": ["--help"], "max_content_width": 100})
@click.argument("name", required=False)
@click.option("--pause", is_flag=True, help="Wait for Enter between steps (on a terminal only).")
@view_options
def demo_command(name: str | None, pause: bool, view: str | None, **options: Any) -> None:
    """List the classic examples, or run NAME (in the steps view unless another is chosen).

    \b
    Examples:
      backprop demo
      backprop demo circuit
      backprop demo neuron --circuit
      backprop demo staged --pause
      backprop demo patterns --latex
    """
    from .demos import DEMOS

    options.pop("debug")
    if name is None and options["as_json"]:
        from .views.json_view import dumps

        demos = [
            {"name": key, "description": d.description, "expression": d.source, "values": d.values}
            for key, d in DEMOS.items()
        ]
        click.echo(dumps({"demos": demos}))
        return
    if name is None:
        width = max(map(len, DEMOS))
        for key, demo in DEMOS.items():
            values = " ".join(f"-{k} {v:g}" for k, v in demo.values.items())
            source = "; ".join(demo.source.splitlines())
            click.echo(f"{key:<{width}}  {demo.description}\n{'':<{width}}  {source}   {values}")
        return
    if name not in DEMOS:
        raise InputError(f"no demo named {name!r}; the demos are: {', '.join(DEMOS)}", kind="usage")
    demo = DEMOS[name]
    show(demo.source, dict(demo.values), view=view or "steps", pause=pause, **options)


@cli.command("graph", context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")
@click.option("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid"]),
    help="Text format on stdout [default: dot]; with --output, the file's extension chooses.",
)
@click.option(
    "--output",
    metavar="FILE",
    help="Write to FILE, in the format its extension names: .dot or .gv (DOT), .mmd (Mermaid), "
    "or .svg, .png, .pdf (rendered with Graphviz).",
)
@click.option("--digits", type=click.IntRange(1, 17), default=6, show_default=True, help="Significant digits.")
@click.option("--debug", is_flag=True, help="Show a Python traceback on an internal error.")
def graph_command(
    words: tuple[str, ...], file: str | None, fmt: str | None, output: str | None, digits: int, **_: Any
) -> None:
    """Export the circuit of EXPR as Graphviz DOT or a Mermaid flowchart.

    With VALUES every wire is labelled with its value (green) and its gradient (red); without, the
    diagram shows the structure only.

    \b
    Examples:
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 > circuit.dot
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 --output circuit.svg
      backprop graph "sigmoid(w*x + b)" --format mermaid
    """
    from .args import invocation
    from .engine import evaluate
    from .views import diagram

    kind = diagram.output_format(output, fmt) if output is not None else fmt or "dot"
    source, values = invocation(words, file)
    graph = load_graph(source)
    ev = evaluate(graph, bind(graph, values)) if values or not graph.inputs else None
    if output is None:
        click.echo(
            diagram.mermaid(graph, ev, digits) if kind == "mermaid" else diagram.dot(graph, ev, digits), nl=False
        )
    else:
        diagram.write(graph, ev, digits, output, kind)


@cli.command("check", context_settings=CONTEXT)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [VALUES]...")
@click.option("--file", metavar="PATH", help="Read the program from PATH ('-' for stdin).")
@click.option(
    "--h", "h", type=float, metavar="STEP", help="Step of the centred difference [default: 1e-5 × max(1, |x|)]."
)
@click.option(
    "--expect", multiple=True, metavar="NAME=VALUE", help="A hand-derived ∂output/∂NAME to mark right or wrong."
)
@click.option("--wrt", metavar="NAMES", help="Check only these inputs: --wrt x,y.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (errors too).")
@click.option("--digits", type=click.IntRange(1, 17), default=10, show_default=True, help="Significant digits.")
@click.option("--debug", is_flag=True, help="Show a Python traceback on an internal error.")
def check_command(
    words: tuple[str, ...],
    file: str | None,
    h: float | None,
    expect: tuple[str, ...],
    wrt: str | None,
    as_json: bool,
    digits: int,
    debug: bool,
) -> None:
    """Check the gradients of EXPR numerically, and hand-derived ones with --expect.

    For every input: the analytic gradient (reverse mode), the numerical gradient by the centred
    difference (f(x+h) − f(x−h)) / 2h, their relative error |a − n| / max(|a|, |n|) and a verdict: ok
    below 1e-7, suspicious below 1e-4, wrong above; "kink" where x ± h straddles a kink of relu, abs,
    max or min.

    \b
    Examples:
      backprop check "(x+y)*z" -x -2 -y 5 -z -4
      backprop check "q = x + y; f = q * z" -x -2 -y 5 -z -4 --expect x=-4 --expect q=-4
      backprop check "relu(x) * y" -x 1e-7 -y 2 --json

    Exit codes: 0 all agree, 1 math error, 2 bad invocation or expression, 3 a check or an
    expectation failed.
    """
    import math

    from .args import invocation
    from .errors import EXIT_CHECK_FAILED
    from .gradcheck import check, parse_expectations, passed

    if h is not None and not (math.isfinite(h) and h > 0):
        raise InputError(f"--h must be a positive number, not {h!r}", kind="usage")
    source, values = invocation(words, file)
    graph = load_graph(source)
    ev, checks, expected = check(graph, bind(graph, values), h, names(wrt), parse_expectations(expect))
    ok = passed(checks, expected)
    if as_json:
        from .views.check_view import to_json
        from .views.json_view import dumps

        click.echo(dumps(to_json(ev, checks, expected, h, ok)))
    else:
        from .views.check_view import render

        print_rich(render(ev, checks, expected, h, digits))
    if not ok:
        raise SystemExit(EXIT_CHECK_FAILED)


def main() -> None:
    """Console-script entry point."""
    cli.main()
