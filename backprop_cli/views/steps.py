"""The derivation written out: the forward pass line by line, then the chain rule node by node.

    q = x + y = -2 + 5 = 3
    ∂f/∂x = ∂f/∂q · ∂q/∂x = -4 × 1 = -4

A line is a list of (text, kind) pieces; kind is "value" (green), "grad" (red), "note" or "".
The same lines render as Rich text (Unicode or ASCII) and as a LaTeX ``align*`` block.
"""

from __future__ import annotations

import re
from typing import Any

from ..derivation import Step, backward_steps
from ..engine import Evaluation
from ..ops import OPS
from .fmt import number
from .notation import ASCII, LATEX, UNICODE, Refs, Style

Piece = tuple[str, str]
Line = list[Piece]

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _is_plain(text: str) -> bool:
    """True when a local-gradient formula is a number or a single name: no need to evaluate it."""
    return bool(_NUMBER.match(text.replace("−", "-"))) or text.replace("\\mathit{", "").rstrip("}").isidentifier()


def forward_lines(ev: Evaluation, refs: Refs) -> list[Line]:
    """``label = formula = values = result`` for every node but the literals."""
    g = ev.graph
    lines: list[Line] = []
    for i in range(len(g)):
        if refs.is_literal(i):
            continue
        label = refs.style.label(g.labels[i])
        result = (refs.value(i), "value")
        if OPS[g.ops[i]].arity == 0:
            lines.append([(f"{label} = ", ""), result])
            continue
        symbolic, numeric = refs.formula(i), refs.formula(i, values=True)
        line: Line = [(f"{label} = {symbolic} = ", "")]
        if numeric not in (symbolic, result[0]):
            line += [(numeric, "value"), (" = ", "")]
        lines.append([*line, result])
    return lines


def backward_lines(ev: Evaluation, refs: Refs, steps: list[Step]) -> list[Line]:
    """``∂f/∂node = Σ ∂f/∂user · ∂user/∂node = ... = grad``, output first."""
    g, style, digits = ev.graph, refs.style, refs.digits
    out = g.labels[-1]
    explained: set[int] = set()
    lines: list[Line] = []
    for step in steps:
        node = g.labels[step.node]
        head = f"{style.derivative(out, node)} = "
        if not step.contributions:
            lines.append([(head, ""), (number(step.grad, digits), "grad")])
            continue
        chain = " + ".join(
            f"{style.derivative(out, g.labels[c.user])} {style.cdot} {style.derivative(g.labels[c.user], node)}"
            for c in step.contributions
        )
        line: Line = [(head + chain + " = ", "")]
        formulas = [refs.local_formula(c.user, c.position) for c in step.contributions]
        for n, (c, formula) in enumerate(zip(step.contributions, formulas)):
            line += [
                (" + " if n else "", ""),
                (number(c.upstream, digits), "grad"),
                (f" {style.times} {formula}", ""),
            ]
        if not all(_is_plain(f) for f in formulas):
            line.append((" = ", ""))
            for n, c in enumerate(step.contributions):
                line += [(" + " if n else "", ""), (number(c.upstream, digits), "grad")]
                line.append((f" {style.times} {number(c.local, digits)}", ""))
        line += [(" = ", ""), (number(step.grad, digits), "grad")]
        gates = []
        for c in step.contributions:
            gate = OPS[g.ops[c.user]].gate
            if gate and c.user not in explained:
                explained.add(c.user)
                gates.append(gate)
        if gates:
            line.append((f"   {style.arrow} {'; '.join(dict.fromkeys(gates))}", "note"))
        lines.append(line)
    return lines


def style_for(ascii: bool) -> Style:
    return ASCII if ascii else UNICODE


def render(ev: Evaluation, digits: int = 6, ascii: bool = False) -> Any:
    """The derivation as Rich text: values green, gradients red."""
    from rich.console import Group
    from rich.text import Text

    refs = Refs(ev, style_for(ascii), digits)
    colours = {"value": "green", "grad": "red", "note": "dim italic", "": ""}

    def text(line: Line) -> Text:
        return Text.assemble(*((piece, colours[kind]) for piece, kind in line))

    parts = [Text("Forward pass", "bold")]
    parts += [text(line) for line in forward_lines(ev, refs)]
    parts += [Text(""), Text("Backward pass", "bold")]
    parts += [text(line) for line in backward_lines(ev, refs, backward_steps(ev))]
    return Group(*parts)


def plain_lines(ev: Evaluation, digits: int = 6, ascii: bool = False) -> list[str]:
    """The derivation as plain strings, forward pass then backward pass (for --pause)."""
    refs = Refs(ev, style_for(ascii), digits)
    lines = forward_lines(ev, refs) + backward_lines(ev, refs, backward_steps(ev))
    return ["".join(piece for piece, _ in line) for line in lines]


def latex(ev: Evaluation, digits: int = 6) -> str:
    """The derivation as a LaTeX ``align*`` block (needs amsmath and xcolor)."""
    refs = Refs(ev, LATEX, digits)
    colours = {"value": "green!50!black", "grad": "red!75!black"}

    def tex(line: Line) -> str:
        body = ""
        for piece, kind in line:
            if kind == "note":
                body += r"\quad\text{(" + piece.strip().removeprefix(r"\leftarrow").strip() + ")}"
            elif kind in colours:
                body += rf"\textcolor{{{colours[kind]}}}{{{piece}}}"
            else:
                body += piece
        lhs, eq, rhs = body.partition(" = ")
        return f"  {lhs} &= {rhs}" if eq else f"  {body}"

    forward = [tex(line) for line in forward_lines(ev, refs)]
    backward = [tex(line) for line in backward_lines(ev, refs, backward_steps(ev))]
    body = [r"  &\text{Forward pass}", *forward, r"  &\text{Backward pass}", *backward]
    return "\n".join(
        [
            r"% backprop: the derivation (needs \usepackage{amsmath} and \usepackage{xcolor})",
            r"\begin{align*}",
            " \\\\\n".join(body),
            r"\end{align*}",
        ]
    )


def steps_json(ev: Evaluation) -> list[dict[str, Any]]:
    """The backward pass as data, for ``--steps --json``."""
    g = ev.graph
    return [
        {
            "id": step.node,
            "label": g.labels[step.node],
            "grad": step.grad,
            "contributions": [
                {
                    "from": c.user,
                    "label": g.labels[c.user],
                    "upstream": c.upstream,
                    "local": c.local,
                    "product": c.product,
                }
                for c in step.contributions
            ],
        }
        for step in backward_steps(ev)
    ]
