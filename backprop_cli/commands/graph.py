"""``backprop graph``: the circuit as Graphviz DOT or a Mermaid flowchart."""

from __future__ import annotations

import click

from .options import BackpropCommand, debug_option, digits_option, source_arguments


@click.command("graph", cls=BackpropCommand)
@source_arguments
@click.option(
    "--format",
    "text_format",
    type=click.Choice(["dot", "mermaid"]),
    help="Text format on stdout [default: dot]; with --output, the file's extension chooses.",
)
@click.option(
    "--output",
    metavar="FILE",
    help="Write to FILE, in the format its extension names: .dot or .gv (DOT), .mmd (Mermaid), "
    "or .svg, .png, .pdf (rendered with Graphviz).",
)
@digits_option(6)
@debug_option
def command(words: tuple[str, ...], file: str | None, text_format: str | None, output: str | None, digits: int) -> None:
    """Export the circuit of EXPR as Graphviz DOT or a Mermaid flowchart.

    With VALUES every wire is labelled with its value (green) and its gradient (red); without, the
    diagram shows the structure only.

    \b
    Examples:
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 > circuit.dot
      backprop graph "(x+y)*z" -x -2 -y 5 -z -4 --output circuit.svg
      backprop graph "sigmoid(w*x + b)" --format mermaid
    """
    from ..args import invocation
    from ..views import diagram
    from .loading import bind, evaluate_graph, load_graph

    kind = diagram.output_format(output, text_format) if output is not None else text_format or "dot"
    source, values = invocation(words, file)
    graph = load_graph(source)
    ev = evaluate_graph(graph, bind(graph, values)) if values or not graph.inputs else None
    if output is None:
        click.echo(
            diagram.mermaid(graph, ev, digits) if kind == "mermaid" else diagram.dot(graph, ev, digits), nl=False
        )
    else:
        diagram.write(graph, ev, digits, output, kind)
