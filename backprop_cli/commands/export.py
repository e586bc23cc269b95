"""``backprop export``: the forward and backward passes written out as a Python function or equations."""

from __future__ import annotations

from typing import Any

import click

from ..errors import UsageError
from .declarations import DECLARED
from .options import BackpropCommand

TARGETS = ("python", "latex")
DEFAULT_NAME = "value_and_grad"


@click.command("export", cls=BackpropCommand)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR")
@DECLARED["file"]
@click.option("--to", "target", type=click.Choice(TARGETS), default="python", show_default=True, help="What to write.")
@DECLARED["wrt"].but(help="Gradients only with respect to these inputs: --wrt x,y.")
@click.option("--name", metavar="NAME", help=f"The Python function's name [default: {DEFAULT_NAME}].")
@DECLARED["output"].but(help="Write to FILE (replaced only when the export succeeds; '-': stdout).")
@DECLARED["as_json"]
@DECLARED["debug"]
def command(
    words: tuple[str, ...],
    file: str | None,
    target: str,
    wrt: tuple[str, ...] | None,
    name: str | None,
    output: str | None,
    as_json: bool,
) -> None:
    """Write EXPR's forward and backward passes out: a Python function or LaTeX equations.

    --to python prints a function that needs only Python's math module: it takes the inputs (in
    order of first use) and returns (value, {"x": df/dx, ...}), staged as the notes write it by
    hand, one operation per line, then the backward pass (dq = ..., dx += ... at forks). It
    computes what `backprop eval` computes, operation for operation, so its numbers are eval's to
    the last bit; where eval reports a math error it raises ArithmeticError or ValueError.
    --to latex prints the same passes as an align* block.

    \b
    Examples:
      backprop export "q = x + y; f = q * z"
      backprop export "sigmoid(w*x + b)" --wrt w,b --name neuron --output neuron.py
      backprop export "(x + sigmoid(y)) / (sigmoid(x) + (x + y)^2)" --to latex
    """
    from ..args import invocation
    from ..export.passes import staged
    from .loading import check_wrt, load_graph

    if as_json and output is not None:
        raise UsageError("--json and --output do not go together: choose one output")
    if name is not None and target != "python":
        raise UsageError(f"--name names the Python function; --to {target} writes no function")
    source, values = invocation(words, file)
    if values:
        raise UsageError("export writes the passes for every value of the inputs: give no VALUES")
    graph = load_graph(source)
    _refuse_arrays(graph)
    if wrt is not None:
        check_wrt(graph, wrt)
    passes = staged(graph, [n for n in graph.inputs if wrt is None or n in wrt])
    text = _write(passes, target, name)
    if as_json:
        from ..output import warnings_so_far
        from ..views.json_view import document, dumps

        data: dict[str, Any] = {"expression": source, "to": target, "wrt": passes.wrt}
        if target == "python":
            data["function"] = name or DEFAULT_NAME
        data["code"] = text
        click.echo(dumps(document(data, warnings_so_far())))
    elif output is None or output == "-":
        click.echo(text, nl=not text.endswith("\n"))
    else:
        _write_file(output, text)


def _write(passes: Any, target: str, name: str | None) -> str:
    if target == "latex":
        from ..export.latex import latex

        return latex(passes)
    from ..export.python import is_function_name, python

    function = name or DEFAULT_NAME
    if not is_function_name(function):
        raise UsageError(f"--name {function!r} cannot name a Python function (an identifier, not a keyword or builtin)")
    return python(passes, function)


def _refuse_arrays(graph: Any) -> None:
    """Exported code is scalar: a vector or matrix literal or op is a usage error at its place."""
    from ..ops import OPS

    for i, (op, const) in enumerate(zip(graph.ops, graph.consts)):
        if isinstance(const, tuple) or OPS[op].vjp:
            raise UsageError(
                "export writes code for numbers: vectors and matrices are not supported (eval computes them)",
                graph.source,
                graph.spans[i],
            )


def _write_file(path: str, text: str) -> None:
    """``text`` to ``path``, through a temporary file beside it that replaces it only when complete."""
    from ..files import write_file

    write_file(path, text.encode("utf-8"))
    click.echo(f"wrote {path}", err=True)
