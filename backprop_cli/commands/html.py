"""``backprop html``: the circuit as a live page, to step through and to change inputs in a browser."""

from __future__ import annotations

import click

from ..args import Value
from .declarations import DECLARED, source_arguments
from .options import BackpropCommand

DEFAULT_OUTPUT = "circuit.html"
START = 1.0
"""Where an input starts on the page when no value is given for it."""


@click.command("html", cls=BackpropCommand)
@source_arguments
@DECLARED["output"].but(default=DEFAULT_OUTPUT, show_default=True, help="Write the page to FILE ('-': stdout).")
@DECLARED["digits"]
@DECLARED["debug"]
def command(words: tuple[str, ...], file: str | None, output: str, digits: int) -> None:
    """Write the live circuit page of EXPR, one self-contained HTML file.

    In the page: step through the forward pass and the backward pass, click a node to see how its
    gradient is made, change an input and watch every value and gradient move. It needs no network and
    no installation: open it in any browser.

    VALUES set where the inputs start (-x 2, -x=2 or x=2); an input without one starts at 1.
    Vectors and matrices are JSON (-W '[[1, 2], [3, 4]]'): each wire then shows its shape, a table
    every value and gradient, and the page keeps those shapes while you edit the entries.

    \b
    Examples:
      backprop html "q = x + y; f = q * z" -x -2 -y 5 -z -4
      backprop html "sigmoid(w0*x0 + w1*x1 + w2)" -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3 --output neuron.html
      backprop html --file model.bp -x 3 --output - > model.html
      backprop html "D = W @ X; f = sum(D)" -W '[[1, 2], [3, 4]]' -X '[[1, 0], [2, 1]]'
    """
    from ..args import invocation

    source, values = invocation(words, file)
    write_page(source, values, output, digits)


def write_page(source: str, values: dict[str, Value], output: str, digits: int = 6) -> None:
    """Parse, check the starting point and write the page to ``output`` ('-': stdout)."""
    from ..arrays import uses_arrays
    from ..engine import bind_inputs, evaluate
    from ..errors import InputError, MathError
    from ..files import write_file
    from ..output import warn
    from ..views.page import MAX_ENTRIES, MAX_NODES, render
    from ..views.page_ops import ops_js
    from .loading import evaluate_graph, load_graph

    graph = load_graph(source)
    if len(graph) > MAX_NODES:
        raise InputError(
            f"the circuit has {len(graph):,} nodes; a page draws at most {MAX_NODES:,} "
            "(use eval --json or graph for larger ones)"
        )
    start = {name: values.get(name, START) for name in graph.inputs}
    missing = [name for name in graph.inputs if name not in values]
    if missing:
        verb = "starts" if len(missing) == 1 else "start"
        warn([f"{', '.join(missing)} {verb} at {START:g} (give -NAME VALUE to choose)"])
    _, unused = bind_inputs(graph, {**values, **start})
    warn(unused)
    if uses_arrays(graph, start):
        # Vectors and matrices: the page is drawn with the shapes of this point, which must compute
        # (a shape or math error here is eval's error).
        ev = evaluate_graph(graph, start)
        entries = sum(int(getattr(v, "size", 1)) for v in ev.values)
        if entries > MAX_ENTRIES:
            raise InputError(
                f"the page computes every node in the browser, at most {MAX_ENTRIES:,} entries in all, and this "
                f"program has {entries:,} (use eval --json or graph for larger arrays)"
            )
        page = render(graph, start, digits, ops_js(graph, arrays=True), ev)  # type: ignore[arg-type]
    else:
        try:
            evaluate(graph, start)  # type: ignore[arg-type]  # floats here
        except MathError as err:
            warn([f"at these values, {err.message}; the page shows it on its node"])
        page = render(graph, start, digits, ops_js(graph))
    if output == "-":
        click.echo(page, nl=False)
        return
    write_file(output, page.encode("utf-8"))
    click.echo(f"wrote {output}: open it in a browser", err=True)
