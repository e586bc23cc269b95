"""The derivation written out: the forward pass line by line, then the chain rule node by node.

    q = x + y = -2 + 5 = 3
    ∂f/∂x = ∂f/∂q · ∂q/∂x = -4 × 1 = -4

A line is a list of (text, kind) pieces; kind is "value" (green), "grad" (red), "note" (a comment),
"title" (words that head a line) or "" (a formula).
The same lines render as Rich text (Unicode or ASCII) and as a LaTeX ``align*`` block.
"""

from __future__ import annotations

import re
from typing import Any

from ..derivation import Step, backward_steps
from ..engine import Evaluation
from ..formatting import number
from ..ops import OPS
from . import theme
from .notation import LATEX, UNICODE, Refs, Style

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


def tangent_lines(ev: Evaluation, refs: Refs) -> list[Line]:
    """Forward mode: per input, a header, then ``ṅ = Σ ∂n/∂a · ȧ = ... = tangent`` for every operation."""
    g, style, digits = ev.graph, refs.style, refs.digits
    assert ev.tangents is not None
    lines: list[Line] = []
    for n, name in enumerate(ev.wrt, 1):
        tangent = ev.tangents[name]
        seeds = ", ".join(f"{style.dot(other)} = {1 if other == name else 0}" for other in g.inputs)
        title = f"pass {n} of {len(ev.wrt)}: tangents with respect to "
        lines.append([(title, "title"), (style.label(name), ""), (" (", "title"), (seeds, ""), (")", "title")])
        for i in range(len(g)):
            if not g.args[i] or not g.needs_grad[i]:
                continue
            terms, numbers = [], []
            for k, (j, d) in enumerate(zip(g.args[i], ev.local[i])):
                if d is None:
                    continue
                formula = refs.local_formula(i, k)
                dot = style.dot(g.labels[j])
                terms.append(dot if formula == "1" else f"{formula} {style.cdot} {dot}")
                value = number(tangent[j], digits)
                numbers.append(value if formula == "1" else f"{number(d, digits)} {style.times} {value}")
            line: Line = [(f"{style.dot(g.labels[i])} = {' + '.join(terms)} = ", "")]
            if len(numbers) > 1 or numbers[0] != number(tangent[i], digits):
                line.append((" + ".join(numbers) + " = ", ""))
            lines.append([*line, (number(tangent[i], digits), "grad")])
        lines.append([(f"{style.derivative(g.labels[-1], name)} = ", ""), (number(tangent[-1], digits), "grad")])
    return lines


def derivation_lines(ev: Evaluation, refs: Refs) -> tuple[list[Line], list[Line]]:
    """The forward pass, and then the reverse pass or forward mode's tangent passes."""
    if ev.tangents is not None:
        return forward_lines(ev, refs), tangent_lines(ev, refs)
    return forward_lines(ev, refs), backward_lines(ev, refs, backward_steps(ev))


def render(ev: Evaluation, digits: int = 6, style: Style = UNICODE) -> Any:
    """The derivation as Rich text: values green, gradients red."""
    from rich.console import Group
    from rich.text import Text

    refs = Refs(ev, style, digits)
    colours = {"value": theme.VALUE, "grad": theme.GRAD, "note": theme.NOTE, "title": theme.TITLE, "": ""}

    def text(line: Line) -> Text:
        return Text.assemble(*((piece, colours[kind]) for piece, kind in line))

    forward, derivatives = derivation_lines(ev, refs)
    second = "Forward mode" if ev.tangents is not None else "Backward pass"
    lines: list[Line] = [[("Forward pass", "title")], *forward, [], [(second, "title")], *derivatives]
    # One part per step: a heading or a blank line joins the line below it, so that --pause waits
    # once per step of the derivation and never on a heading.
    parts: list[Text] = []
    above: list[Text] = []
    for line in lines:
        if not line or line[0][1] == "title":
            above.append(text(line))
        else:
            parts.append(Text("\n").join([*above, text(line)]))
            above = []
    return Group(*parts, *above)


def latex(ev: Evaluation, digits: int = 6) -> str:
    """The derivation as a LaTeX ``align*`` block (needs amsmath and xcolor)."""
    refs = Refs(ev, LATEX, digits)
    colours = {"value": theme.LATEX_VALUE, "grad": theme.LATEX_GRAD}

    def tex(line: Line) -> str:
        body = ""
        for piece, kind in line:
            if kind == "note":
                body += r"\quad\text{(" + piece.strip().removeprefix(r"\leftarrow").strip() + ")}"
            elif kind == "title":
                body += r"\text{" + piece + "}"
            elif kind in colours:
                body += rf"\textcolor{{{colours[kind]}}}{{{piece}}}"
            else:
                body += piece
        if line[0][1] == "title":
            return f"  &{body}"
        lhs, eq, rhs = body.partition(" = ")
        return f"  {lhs} &= {rhs}" if eq else f"  {body}"

    forward, derivatives = derivation_lines(ev, refs)
    second = "Forward mode" if ev.tangents is not None else "Backward pass"
    body = [r"  &\text{Forward pass}", *map(tex, forward), rf"  &\text{{{second}}}", *map(tex, derivatives)]
    return "\n".join(
        [
            r"% backprop: the derivation (needs \usepackage{amsmath} and \usepackage{xcolor})",
            r"\begin{align*}",
            " \\\\\n".join(body),
            r"\end{align*}",
        ]
    )


def steps_json(ev: Evaluation) -> list[dict[str, Any]]:
    """The backward pass (or forward mode's passes) as data, for ``--steps --json``."""
    g = ev.graph
    if ev.tangents is not None:
        return [
            {
                "wrt": name,
                "tangents": [
                    {"id": i, "label": g.labels[i], "tangent": ev.tangents[name][i]}
                    for i in range(len(g))
                    if g.needs_grad[i]
                ],
            }
            for name in ev.wrt
        ]
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
