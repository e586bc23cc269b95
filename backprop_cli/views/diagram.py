"""The circuit as Graphviz DOT or a Mermaid flowchart, drawn like the notes' diagrams.

Operations are circles, inputs are named, and each wire is labelled with the value flowing forward
(green, above the wire) and, when values are given, the gradient flowing back along that wire (red,
below it). Where a node feeds several others its wire forks at a dot: the wire into the dot carries
the node's gradient, each branch its own contribution (upstream × local), and they add up.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..engine import Evaluation
from ..formatting import number
from ..graph import Graph
from ..wires import Wire, forks, wires, wires_of
from .theme import HTML_GRAD, HTML_INK, HTML_NAME, HTML_PAPER, HTML_VALUE

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation

FONT = "Helvetica"
LABEL_POINTS = 11
PNG_DPI = 200
"""PNG pictures are for slides: 200 dots per inch (Graphviz's default, 96, is a thumbnail)."""


def symbol(op: str) -> str:
    """What a gate shows in its circle: ``+``, ``×``, ``exp``, ``σ``, ``max``; its name otherwise."""
    from ..printer import symbol as spelled
    from ..styles import UNICODE

    return spelled(op, UNICODE)


def _is_leaf(graph: Graph, i: int) -> bool:
    return not graph.args[i]


def _name(graph: Graph, i: int) -> str | None:
    """The label shown beside a gate: every gate's but the output's (on its wire's end already)."""
    return None if _is_leaf(graph, i) or i == graph.output else graph.labels[i]


def _drawn(graph: Graph, ev: Evaluation | ArrayEvaluation | None) -> list[tuple[str, str, Wire]]:
    """(from, to, wire) for every wire as drawn: a fork's wire runs into its dot ``jN``, and each
    branch leaves the dot carrying its own contribution."""
    all_wires = wires(ev) if ev is not None else wires_of(graph)
    forked = set(forks(graph))
    result = []
    for i in sorted(forked):
        total = Wire(i, None, 0, ev.values[i], ev.grads[i]) if ev is not None else Wire(i, None, 0)  # type: ignore[arg-type]
        result.append((f"n{i}", f"j{i}", total))
    for w in all_wires:
        src = f"j{w.src}" if w.src in forked else f"n{w.src}"
        result.append((src, "out" if w.dst is None else f"n{w.dst}", w))
    return result


def _texts(w: Wire, digits: int) -> tuple[str, str]:
    """The value and gradient on a wire; a vector or a matrix shows its shape instead, (2×3)."""
    if getattr(w.value, "ndim", 0):
        from ..shapes import shape_of, words

        return words(shape_of(w.value)), words(shape_of(w.grad)) if w.grad is not None else ""
    value = None if w.value is None else float(w.value)
    return number(value, digits), number(float(w.grad), digits) if w.grad is not None else ""


def _attrs(attrs: list[str]) -> str:
    return f" [{', '.join(attrs)}]" if attrs else ""


def dot(graph: Graph, ev: Evaluation | ArrayEvaluation | None = None, digits: int = 6) -> str:
    """Graphviz DOT text of the circuit.

    A labelled wire runs through a small borderless table: the gate's name (if it has one), the
    value, a rule that continues the wire, the gradient. The labels are nodes, so Graphviz's layout keeps them
    clear of each other, of the gates and of the arrowheads.
    """

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def row(text: str, colour: str) -> str:
        body = f'<font color="{colour}">{html.escape(text)}</font>' if text else ""
        return f'<tr><td height="{LABEL_POINTS + 4}">{body}</td></tr>'

    lines = [
        "digraph backprop {",
        "  rankdir=LR;",
        "  nodesep=0.2;",
        "  ranksep=0.25;",
        f'  node [fontname="{FONT}"];',
        f'  edge [fontname="{FONT}", fontsize={LABEL_POINTS}, arrowsize=0.8];',
    ]
    leaf = 'shape=plaintext, width=0, height=0, margin="0.06,0.02"'
    for i in range(len(graph)):
        if _is_leaf(graph, i):
            lines.append(f"  n{i} [label={quote(graph.expr(i))}, {leaf}];")
        else:
            tooltip = quote(graph.expr(i))
            lines.append(f"  n{i} [label={quote(symbol(graph.ops[i]))}, shape=circle, tooltip={tooltip}];")
    lines.append(f"  out [label={quote(graph.labels[-1])}, {leaf}];")
    for i in forks(graph):
        tip = quote(f"{graph.labels[i]} forks: its gradient is the sum of its branches'")
        lines.append(f"  j{i} [shape=point, width=0.07, tooltip={tip}];")
    named = set()
    for k, (src, dst, w) in enumerate(_drawn(graph, ev)):
        # A gate's name goes on the first wire out of it (the one into its fork's dot, if it forks).
        name = _name(graph, w.src) if w.src not in named and not src.startswith("j") else None
        named.add(w.src)
        # No arrowhead into a fork's dot: the arrow is where a wire enters a gate or the output.
        end = ["arrowhead=none"] if dst.startswith("j") else []
        if ev is None:
            attrs = [f'label={quote(name)}, fontcolor="{HTML_NAME}"'] if name else []
            lines.append(f"  {src} -> {dst}{_attrs(attrs + end)};")
            continue
        value, grad = _texts(w, digits)
        # Rows of one height, as many below the rule as above: the rule is the node's middle, where
        # Graphviz ends the wires (:w, :e), so the wire runs straight through.
        rows = row(value, HTML_VALUE) + "<hr/>" + row(grad, HTML_GRAD)
        if name:
            rows = row(name, HTML_NAME) + rows + row("", HTML_NAME)
        table = f'<table border="0" cellborder="0" cellspacing="0" cellpadding="2">{rows}</table>'
        lines.append(
            f"  w{k} [shape=plaintext, width=0, height=0, margin=0, fontsize={LABEL_POINTS}, label=<{table}>];"
        )
        lines.append(f"  {src} -> w{k}:w [arrowhead=none];")
        lines.append(f"  w{k}:e -> {dst}{_attrs(end)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(graph: Graph, ev: Evaluation | ArrayEvaluation | None = None, digits: int = 6) -> str:
    """Mermaid flowchart text of the circuit (value above the gradient on every wire)."""

    def quote(text: str) -> str:
        return '"' + text.replace('"', "#quot;") + '"'

    def span(text: str, colour: str) -> str:
        return f"<span style='color:{colour}'>{html.escape(text)}</span>"

    lines = ["flowchart LR"]
    for i in range(len(graph)):
        if _is_leaf(graph, i):
            lines.append(f"  n{i}[{quote(html.escape(graph.expr(i)))}]:::input")
        else:
            name = _name(graph, i)
            text = html.escape(symbol(graph.ops[i])) + ("" if name is None else f"<br/><i>{html.escape(name)}</i>")
            lines.append(f"  n{i}(({quote(text)})):::gate")
    lines.append(f"  out[{quote(html.escape(graph.labels[-1]))}]:::input")
    for i in forks(graph):
        lines.append(f'  j{i}((" ")):::fork')
    for src, dst, w in _drawn(graph, ev):
        arrow = "---" if dst.startswith("j") else "-->"
        if ev is None:
            lines.append(f"  {src} {arrow} {dst}")
            continue
        value, grad = _texts(w, digits)
        label = span(value, HTML_VALUE) + (f"<br/>{span(grad, HTML_GRAD)}" if grad else "")
        lines.append(f"  {src} {arrow}|{quote(label)}| {dst}")
    lines += [
        "  classDef input fill:none,stroke:none",
        f"  classDef gate fill:{HTML_PAPER},stroke:{HTML_INK}",
        f"  classDef fork fill:{HTML_INK},stroke:{HTML_INK}",
    ]
    return "\n".join(lines) + "\n"


FORMATS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".svg": "svg", ".png": "png", ".pdf": "pdf"}
"""What ``--output`` writes, chosen by the file's extension."""
RENDERED = {"svg", "png", "pdf"}


def output_format(path: str, text_format: str | None) -> str:
    """The format to write ``path`` in, from its extension; a usage error for an unknown extension or
    one that contradicts ``--format``. Called before anything is computed or written."""
    import os

    from ..errors import UsageError

    ext = os.path.splitext(path)[1].lower()
    kind = FORMATS.get(ext)
    if kind is None:
        known = ", ".join(FORMATS)
        what = f"the extension {ext!r}" if ext else "a file name without an extension"
        raise UsageError(f"--output {path}: {what} is not a format backprop writes (use {known})")
    if text_format == "mermaid" and kind != "mermaid":
        if kind in RENDERED:
            raise UsageError(
                f"only DOT renders to {ext} here: use --format dot, or render the Mermaid text "
                "with Mermaid's own tools (mermaid-cli's mmdc)"
            )
        raise UsageError(f"--format mermaid contradicts --output {path} (a DOT file); use a .mmd name")
    if text_format == "dot" and kind == "mermaid":
        raise UsageError(f"--format dot contradicts --output {path} (a Mermaid file); use a .dot name")
    return kind


def render(text: str, kind: str) -> bytes:
    """DOT text rendered by Graphviz's ``dot`` to svg, png (at :data:`PNG_DPI`) or pdf."""
    import shutil
    import subprocess

    from ..errors import FileError, UsageError

    program = shutil.which("dot")
    if program is None:
        raise UsageError(
            f"rendering .{kind} needs Graphviz's dot program, which is not installed: install "
            "Graphviz (apt-get install graphviz, brew install graphviz, winget install graphviz) "
            "or write the DOT text with --output circuit.dot"
        )
    command = [program, f"-T{kind}", *([f"-Gdpi={PNG_DPI}"] if kind == "png" else [])]
    result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip()
        raise FileError(f"Graphviz's dot failed: {reason}")
    return result.stdout


def write(graph: Graph, ev: Evaluation | ArrayEvaluation | None, digits: int, path: str, kind: str) -> None:
    """Write the diagram to ``path`` in ``kind`` (see :func:`output_format`); nothing is written when
    rendering is impossible or fails."""
    from ..files import write_file

    if kind == "mermaid":
        data = mermaid(graph, ev, digits).encode("utf-8")
    else:
        text = dot(graph, ev, digits)
        data = text.encode("utf-8") if kind == "dot" else render(text, kind)
    write_file(path, data)
