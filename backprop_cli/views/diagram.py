"""The circuit as Graphviz DOT or a Mermaid flowchart, drawn like the notes' diagrams.

Operations are circles, inputs are named, and each wire is labelled with the value flowing forward
(green) and, when values are given, the gradient flowing back (red).
"""

from __future__ import annotations

import html
import re

from ..engine import Evaluation
from ..graph import Graph
from ..ops import OPS
from .fmt import number

GREEN = "#2e7d32"
RED = "#c62828"


def symbol(op: str) -> str:
    """What a gate shows in its circle: ``+``, ``×``, ``exp``, ``σ``, ``max``; its name otherwise."""
    text = re.sub(r"[{}\d(), ]", "", OPS[op].notation)
    return text if text and text != "||" else op


def _wires(graph: Graph, ev: Evaluation | None, digits: int, colour: str) -> list[tuple[str, str, str]]:
    """(from, to, label) for every wire: each input of each node, then the output's own wire.

    ``colour`` is an HTML template with ``{colour}`` and ``{text}``; the label is "" without values.
    """
    wires = [(j, f"n{i}") for i, args in enumerate(graph.args) for j in args]
    result = []
    for src, dst in [*wires, (len(graph) - 1, "out")]:
        label = ""
        if ev is not None:
            label = colour.format(colour=GREEN, text=html.escape(number(ev.values[src], digits)))
            grad = ev.grads[src]
            if grad is not None:
                label += "<br/>" + colour.format(colour=RED, text=html.escape(number(grad, digits)))
        result.append((f"n{src}", dst, label))
    return result


def _is_leaf(graph: Graph, i: int) -> bool:
    return not graph.args[i]


def dot(graph: Graph, ev: Evaluation | None = None, digits: int = 6) -> str:
    """Graphviz DOT text of the circuit."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "digraph backprop {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=11];',
    ]
    for i in range(len(graph)):
        label = graph.expr(i) if _is_leaf(graph, i) else symbol(graph.ops[i])
        if _is_leaf(graph, i):
            lines.append(f"  n{i} [label={quote(label)}, shape=plaintext];")
        else:
            # The output's name is on its outgoing wire's end already.
            name = "" if i == len(graph) - 1 else f", xlabel={quote(graph.labels[i])}"
            lines.append(f"  n{i} [label={quote(label)}, shape=circle{name}, tooltip={quote(graph.expr(i))}];")
    lines.append(f"  out [label={quote(graph.labels[-1])}, shape=plaintext];")
    for src, dst, label in _wires(graph, ev, digits, '<font color="{colour}">{text}</font>'):
        lines.append(f"  {src} -> {dst} [label=<{label}>];" if label else f"  {src} -> {dst};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(graph: Graph, ev: Evaluation | None = None, digits: int = 6) -> str:
    """Mermaid flowchart text of the circuit."""

    def quote(text: str) -> str:
        return '"' + html.escape(text).replace("&#x27;", "'") + '"'

    lines = ["flowchart LR"]
    for i in range(len(graph)):
        if _is_leaf(graph, i):
            lines.append(f"  n{i}[{quote(graph.expr(i))}]:::input")
        else:
            lines.append(f"  n{i}(({quote(symbol(graph.ops[i]))})):::gate")
    lines.append(f"  out[{quote(graph.labels[-1])}]:::input")
    for src, dst, label in _wires(graph, ev, digits, "<span style='color:{colour}'>{text}</span>"):
        lines.append(f'  {src} -->|"{label}"| {dst}' if label else f"  {src} --> {dst}")
    lines += [
        "  classDef input fill:none,stroke:none",
        "  classDef gate fill:#fff,stroke:#333",
    ]
    return "\n".join(lines) + "\n"


RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def write(text: str, path: str, fmt: str) -> None:
    """Write the diagram text, or render it with Graphviz for .svg, .png and .pdf.

    Nothing is written when rendering is impossible or fails.
    """
    import os
    import shutil
    import subprocess

    from ..errors import InputError

    kind = RENDERED.get(os.path.splitext(path)[1].lower())
    data = text.encode("utf-8")
    if kind is not None:
        if fmt != "dot":
            raise InputError(
                f"only DOT renders to .{kind} here: use --format dot, or render the Mermaid text "
                "with Mermaid's own tools (mermaid-cli's mmdc)",
                kind="usage",
            )
        dot = shutil.which("dot")
        if dot is None:
            raise InputError(
                f"rendering .{kind} needs Graphviz's dot program, which is not installed: install "
                "Graphviz (apt-get install graphviz, brew install graphviz, winget install graphviz) "
                "or write the DOT text with --output circuit.dot",
                kind="usage",
            )
        result = subprocess.run([dot, f"-T{kind}"], input=data, capture_output=True, check=False)
        if result.returncode != 0:
            reason = result.stderr.decode("utf-8", "replace").strip()
            raise InputError(f"Graphviz's dot failed: {reason}", kind="file")
        data = result.stdout
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", kind="file") from None
