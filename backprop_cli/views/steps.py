"""The derivation written out: the forward pass line by line, then the chain rule node by node.

    q = x + y = -2 + 5 = 3
    ∂f/∂x = ∂f/∂q · ∂q/∂x = -4 × 1 = -4

A line is a list of (text, kind) pieces; kind is "value" (green), "grad" (red), "note" (a comment),
"title" (words that head a line) or "" (a formula).
The same lines render as Rich text (Unicode or ASCII) and as a LaTeX ``align*`` block.
"""

from __future__ import annotations

from typing import Any

from ..derivation import Step, backward_steps
from ..engine import Evaluation
from ..formula import Builder, Formula
from ..ops import OPS, PRODUCT, Spelling
from ..printer import Style, to_text
from ..styles import LATEX, UNICODE
from . import theme
from .notation import Refs

Piece = tuple[str, str]
Line = list[Piece]


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


def _chain(refs: Refs, terms: list[tuple[float, Formula]], kind: str) -> Line:
    """``u1 × f1 + u2 × f2 ...``: each upstream number (of ``kind``) times a formula, with precedence."""
    b = Builder()
    names: dict[str, str] = {}
    total = None
    for n, (upstream, formula) in enumerate(terms):
        names[f"@{n}"] = refs.num(upstream)
        term = b.node("mul", b.var(f"@{n}"), b.insert(formula, {}))
        total = term if total is None else b.node("add", total, term)
    assert total is not None
    return [(text, kind if var in names else "") for text, var in refs.pieces(b.build(total), names)]


def _number(x: float) -> Formula:
    b = Builder()
    return b.build(b.const(x))


def backward_lines(ev: Evaluation, refs: Refs, steps: list[Step]) -> list[Line]:
    """``∂f/∂node = Σ ∂f/∂user · ∂user/∂node = ... = grad``, output first."""
    g, style = ev.graph, refs.style
    out = g.labels[-1]
    explained: set[int] = set()
    lines: list[Line] = []
    for step in steps:
        node = g.labels[step.node]
        head = f"{style.derivative(out, node)} = "
        if not step.contributions:
            lines.append([(head, ""), (refs.num(step.grad), "grad")])
            continue
        chain = " + ".join(
            f"{style.derivative(out, g.labels[c.user])} {style.cdot} {style.derivative(g.labels[c.user], node)}"
            for c in step.contributions
        )
        trees = [refs.local_tree(c.user, c.position) for c in step.contributions]
        line: Line = [(head + chain + " = ", "")]
        line += _chain(refs, [(c.upstream, t) for c, t in zip(step.contributions, trees)], "grad")
        if not all(len(t) == 1 for t in trees):
            line.append((" = ", ""))
            line += _chain(refs, [(c.upstream, _number(c.local)) for c in step.contributions], "grad")
        line += [(" = ", ""), (refs.num(step.grad), "grad")]
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
    g, style = ev.graph, refs.style
    assert ev.tangents is not None
    # A local derivative times a tangent is written with a centred dot, as the chain rule is.
    dotted = Refs(
        ev, style.extend(style.name, spellings={"mul": Spelling(f"$0 {style.cdot} $1", PRODUCT, "both")}), refs.digits
    )
    lines: list[Line] = []
    for n, name in enumerate(ev.wrt, 1):
        tangent = ev.tangents[name]
        seeds = ", ".join(f"{style.dot(other)} = {1 if other == name else 0}" for other in g.inputs)
        title = f"pass {n} of {len(ev.wrt)}: tangents with respect to "
        lines.append([(title, "title"), (style.label(name), ""), (" (", "title"), (seeds, ""), (")", "title")])
        for i in range(len(g)):
            if not g.args[i] or not g.needs_grad[i]:
                continue
            b, bn = Builder(), Builder()
            names: dict[str, str] = {}
            total = total_n = None
            for k, (j, d) in enumerate(zip(g.args[i], ev.local[i])):
                if d is None:
                    continue
                names[f"@{j}"] = style.dot(g.labels[j])
                names[f"@v{j}"] = refs.num(tangent[j])
                tree = refs.local_tree(i, k)
                one = tree.is_constant() and tree.consts[0] == 1
                dot = b.var(f"@{j}")
                term = dot if one else b.node("mul", b.insert(tree, {}), dot)
                value = bn.var(f"@v{j}")
                term_n = value if one else bn.node("mul", bn.const(d), value)
                total = term if total is None else b.node("add", total, term)
                total_n = term_n if total_n is None else bn.node("add", total_n, term_n)
            assert total is not None and total_n is not None
            lhs = style.dot(g.labels[i])
            line: Line = [(f"{lhs} = {to_text(b.build(total), dotted.style, names)} = ", "")]
            numbers = to_text(bn.build(total_n), style, names, number=refs.num)
            result = refs.num(tangent[i])
            if numbers != result:
                line.append((numbers + " = ", ""))
            lines.append([*line, (result, "grad")])
        lines.append([(f"{style.derivative(g.labels[-1], name)} = ", ""), (refs.num(tangent[-1]), "grad")])
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
