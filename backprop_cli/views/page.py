"""The live circuit page: one self-contained HTML file (script, style and drawing inline).

Python lays out and draws the circuit as SVG and writes down everything symbolic (labels, formulas,
the derivation's wording); the page's script computes the numbers, from the op table's rules printed
as JavaScript, and fills them in, so that an input can change in the browser.
"""

from __future__ import annotations

import html
import json
import math
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..engine import Evaluation
from ..graph import Graph
from ..layout import CHAR, RADIUS, Layout, layout
from ..ops import OVERFLOW
from ..styles import UNICODE
from ..wires import forks, wires_of
from . import theme
from .diagram import symbol
from .notation import Notation
from .page_lines import lines

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation

HEADING = 120
"""Characters of the program shown in the heading."""
MAX_NODES = 5000
"""More nodes than this make a page no browser draws usefully."""
MAX_ENTRIES = 250_000
"""More array entries than this (all nodes' values together) make a page too slow to recompute as
the reader types: at about this size one recomputation takes a noticeable part of a second."""
LONGEST = 7
"""Characters of a gate's symbol that fit its circle in the small font (sigmoid)."""


def _node(graph: Graph, i: int) -> dict[str, Any]:
    """What the script knows of every node, scalars or arrays."""
    return {
        "label": graph.labels[i],
        "op": graph.ops[i],
        "expr": graph.expr(i),
        "args": list(graph.args[i]),
        "input": graph.names[i] if graph.ops[i] == "var" else None,
        "const": graph.consts[i],
        "needs": graph.needs_grad[i],
    }


def _common(graph: Graph, digits: int) -> dict[str, Any]:
    style = UNICODE
    return {
        "source": graph.source,
        "digits": digits,
        "overflow": OVERFLOW,
        "times": style.times,
        "minus": style.minus,
        "parens": list(style.parens),
        "forks": forks(graph),
    }


def model(graph: Graph, values: dict[str, Any], digits: int, ev: ArrayEvaluation | None = None) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready data; ``ev``: the evaluation of a program
    with vectors and matrices at its starting point (its shapes are the page's)."""
    if ev is not None:
        return _array_model(graph, values, digits, ev)
    style = UNICODE
    notation = Notation(Evaluation(graph, [], [], [], [], []), style, digits)  # formulas only: no numbers read
    nodes = [
        {
            **_node(graph, i),
            "literal": notation.is_literal(i),
            "locals": [
                {"head": style.derivative(graph.labels[i], graph.labels[j]), "formula": notation.local_formula(i, k)}
                for k, j in enumerate(graph.args[i])
            ],
        }
        for i in range(len(graph))
    ]
    return {
        **_common(graph, digits),
        "nodes": nodes,
        "inputs": [{"name": name, "node": i, "value": values[name]} for name, i in graph.inputs.items()],
        **lines(graph, style, digits),
    }


def _array_model(graph: Graph, values: dict[str, Any], digits: int, ev: ArrayEvaluation) -> dict[str, Any]:
    """The model of a program with vectors and matrices: each node's shape and gradient rules, the
    lines of the array derivation; values as nested lists."""
    from . import page_arrays

    def data(x: Any) -> Any:
        return x.tolist() if hasattr(x, "tolist") else x

    indices = page_arrays.indices(graph)
    nodes = [
        {**_node(graph, i), "literal": graph.ops[i] == "const", **page_arrays.node_data(ev, i)}
        for i in range(len(graph))
    ]
    return {
        **_common(graph, digits),
        "arrays": True,
        "nodes": nodes,
        "inputs": [
            {
                "name": name,
                "node": i,
                "value": data(values[name]),
                "shape": list(ev.shape(i)),
                "index": i in indices,
            }
            for name, i in graph.inputs.items()
        ],
        "warnings": ev.warnings,
        **page_arrays.lines(ev, digits),
    }


def _attrs(**attrs: object) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items())


def _f(v: float) -> str:
    return f"{v:.1f}"


def _path(points: tuple[tuple[float, float], ...]) -> str:
    """Smooth curves between the points, leaving and arriving horizontally, straight along stubs."""
    (x, y), rest = points[0], points[1:]
    d = f"M{_f(x)},{_f(y)}"
    for n, (x1, y1) in enumerate(rest):
        if y1 == y or n % 2 == 1:  # a stub, or a waypoint's straight passage through its layer
            d += f" L{_f(x1)},{_f(y1)}"
        else:
            mid = (x + x1) / 2
            d += f" C{_f(mid)},{_f(y)} {_f(mid)},{_f(y1)} {_f(x1)},{_f(y1)}"
        x, y = x1, y1
    return d


def _join(end: tuple[float, float], cx: float, cy: float) -> str:
    """From a stub's end to the edge of its gate's circle, pointing at the centre."""
    dx, dy = end[0] - cx, end[1] - cy
    r = RADIUS / math.hypot(dx, dy)
    return f" L{_f(cx + dx * r)},{_f(cy + dy * r)}"


def svg(graph: Graph, lay: Layout) -> str:
    """The circuit as SVG: shapes and names; the numbers' <text> elements are empty, for the script."""
    parts = [
        f'<svg id="circuit" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(lay.width)} {_f(lay.height)}"'
        f' width="{_f(lay.width)}" height="{_f(lay.height)}" role="group"'
        f' aria-label="{html.escape("The circuit of " + graph.source)}">',
        '<g class="wires">',
    ]
    routes = iter(lay.wires)
    out = graph.output
    for n, w in enumerate(wires_of(graph)):
        if w.dst is None:  # the output's own wire, to its name
            (x0, y0), (x1, y1) = lay.output_wire
            path = f"M{_f(x0)},{_f(y0)} L{_f(x1)},{_f(y1)}"
            x, y = (x0 + x1) / 2, y0
            name = f'<text class="outname" x="{_f(x1 + 6)}" y="{_f(y1 + 5)}">{html.escape(graph.labels[out])}</text>'
        else:
            route = next(routes)
            path = _path(route.points) + _join(route.points[-1], lay.x[w.dst], lay.y[w.dst])
            (x, y), name = route.label_at, ""
        dst = {} if w.dst is None else {"data_dst": w.dst}
        parts.append(
            f'<g class="wire" id="w{n}"{_attrs(data_src=w.src, **dst, data_k=w.position)}><path d="{path}"/>'
            f'<text class="value" x="{_f(x)}" y="{_f(y - 6)}"></text>'
            f'<text class="grad" x="{_f(x)}" y="{_f(y + 17)}"></text>{name}</g>'
        )
    parts += ["</g>", '<g class="nodes">']
    forked = set(forks(graph))
    for i in range(len(graph)):
        x, y = lay.x[i], lay.y[i]
        kind = "gate" if graph.args[i] else "input" if graph.ops[i] == "var" else "const"
        parts.append(
            f'<g class="node {kind}" id="n{i}" tabindex="0" role="button"{_attrs(data_node=i)}'
            f' transform="translate({_f(x)},{_f(y)})">'
        )
        if graph.args[i]:
            op = symbol(graph.ops[i])
            size = " long" if len(op) > 3 else ""  # sigmoid, copy: a smaller font to stay inside the circle
            # Longer still (logsumexp): squeezed to the circle's width.
            fit = f' textLength="{1.6 * RADIUS:g}" lengthAdjust="spacingAndGlyphs"' if len(op) > LONGEST else ""
            parts.append(f'<circle r="{RADIUS:g}"/><text class="op{size}" y="5"{fit}>{html.escape(op)}</text>')
            if i != out:
                named = " named" if graph.names[i] else ""
                parts.append(f'<text class="name{named}" y="{-RADIUS - 6:g}">{html.escape(graph.labels[i])}</text>')
            parts.append(f'<text class="sum" x="{-RADIUS + 4:g}" y="{RADIUS + 15:g}"></text>')
        else:
            # A leaf is its name: this box makes all of it (and its sum) one target for the pointer.
            fork = i in forked
            width = CHAR * max(len(graph.expr(i)), 11 if fork else 2) + 8
            height = 46 if fork else 30
            parts.append(
                f'<rect class="hit" x="{_f(RADIUS - width)}" y="-14" width="{_f(width + 4)}" height="{height}"/>'
            )
            parts.append(f'<text class="leaf" x="{RADIUS:g}" y="5">{html.escape(graph.expr(i))}</text>')
            parts.append(f'<text class="sum left" x="{RADIUS:g}" y="23"></text>')
        parts.append(f'<text class="error" y="{RADIUS + 32:g}"></text></g>')
    parts += ["</g>", "</svg>"]
    return "\n".join(parts)


def _asset(name: str) -> str:
    return resources.files("backprop_cli.views").joinpath("page", name).read_text(encoding="utf-8")


def _heading(source: str) -> str:
    """The program on one line for the heading; a long one shortened, and whole below it."""
    text = "; ".join(line.strip() for line in source.splitlines() if line.strip())
    if len(text) <= HEADING:
        return f'<code id="source">{html.escape(text)}</code></h1>'
    return (
        f'<code id="source">{html.escape(text[: HEADING - 1])}…</code></h1>\n'
        f"<details><summary>the whole program</summary><pre>{html.escape(source)}</pre></details>"
    )


def _colours() -> str:
    return ":root {" + "".join(f" --{name}: {colour};" for name, colour in theme.PAGE.items()) + " }\n"


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element (no "</" can end it early)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")


def render(graph: Graph, values: dict[str, Any], digits: int, ops_js: str, ev: ArrayEvaluation | None = None) -> str:
    """The whole page. ``ops_js`` is the generated JavaScript of the ops the graph uses; ``ev`` the
    evaluation at the starting point of a program with vectors and matrices."""
    lay = layout(graph)
    parts = {
        "title": html.escape(" ".join(graph.source.split())),
        "source": _heading(graph.source),
        "style": _colours() + _asset("page.css"),
        "svg": svg(graph, lay),
        "model": _script_json(model(graph, values, digits, ev)),
        "ops": ops_js.replace("</", "<\\/"),
        "arrays": _asset("arrays.js") if ev is not None else "",
        "script": _asset("page.js"),
    }
    # One pass, so that text from the expression is never read as a placeholder.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("page.html"))
