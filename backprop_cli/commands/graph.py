"""``backprop graph``: the circuit as Graphviz DOT or a Mermaid flowchart."""

from __future__ import annotations

import click

from ..errors import UsageError
from .declarations import DECLARED, source_arguments
from .options import BackpropCommand


@click.command("graph", cls=BackpropCommand)
@source_arguments
@click.option(
    "--format",
    "text_format",
    type=click.Choice(["dot", "mermaid"]),
    help="Text format on stdout [default: dot]; with --output, the file's extension chooses.",
)
@DECLARED["output"].but(
    help="Write to FILE, in the format its extension names: .dot or .gv (DOT), .mmd (Mermaid), "
    "or .svg, .png, .pdf (rendered with Graphviz).",
)
@DECLARED["as_json"]
@DECLARED["digits"]
@DECLARED["debug"]
def command(
    words: tuple[str, ...], file: str | None, text_format: str | None, output: str | None, as_json: bool, digits: int
) -> None:
    """Export the circuit of EXPR as Graphviz DOT, a Mermaid flowchart or JSON.

    With VALUES every wire is labelled with its value (green, above) and the gradient it carries back
    (red, below); where a node forks, each branch carries its own share and the node their sum.
    Without VALUES the diagram shows the structure only. --json prints the nodes and wires as data.

    \b
    Examples:
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 > circuit.dot
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 --output circuit.svg
      backprop graph "sigmoid(w*x + b)" --format mermaid
      backprop graph "x*x" -x 3 --json
    """
    from ..args import invocation
    from ..views import diagram
    from .loading import bind, evaluate_graph, load_graph

    if as_json and (output is not None or text_format is not None):
        other = "--output" if output is not None else "--format"
        raise UsageError(f"--json prints the circuit as JSON on stdout; it does not combine with {other}")
    kind = diagram.output_format(output, text_format) if output is not None else text_format or "dot"
    source, values = invocation(words, file)
    graph = load_graph(source)
    ev = evaluate_graph(graph, bind(graph, values)) if values or not graph.inputs else None
    if as_json:
        from ..views.json_view import circuit, dumps

        click.echo(dumps(circuit(graph, ev)))
    elif output is None:
        click.echo(
            diagram.mermaid(graph, ev, digits) if kind == "mermaid" else diagram.dot(graph, ev, digits), nl=False
        )
    else:
        diagram.write(graph, ev, digits, output, kind)
