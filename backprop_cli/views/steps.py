"""The derivation written out: the forward pass line by line, then the chain rule node by node.

    q = x + y = -2 + 5 = 3
    ∂f/∂x = ∂f/∂q · ∂q/∂x = -4 × 1 = -4

A line is a list of (text, kind) pieces; kind is "value" (green), "grad" (red), "title" (words that
head a line), "eq" (an equals sign between the steps of a line: LaTeX breaks a long line there),
"plus" (the plus between the terms of a long sum: LaTeX breaks a step that is still too long there)
or "" (a formula). A line whose one piece is a "note" comments on the line above it: it is printed on a
line of its own (dimmed), once per kind of gate and at every fork, unless notes are turned off.
The same lines render as Rich text (Unicode or ASCII) and as a LaTeX ``align*`` block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..derivation import Step, backward_steps
from ..engine import Evaluation
from ..formula import Builder, Formula
from ..ops import OPS, PRODUCT, SUM, Spelling
from ..printer import Style, to_text
from ..styles import LATEX, UNICODE
from . import theme
from .notation import Notation

Piece = tuple[str, str]
Line = list[Piece]
EQ: Piece = (" = ", "eq")
PLUS: Piece = (" + ", "plus")

LATEX_WIDTH = 60
"""A LaTeX line with more characters of mathematics than this (roughly, once typeset: markup is not
counted) is broken before each equals sign, so that a derivation fits a page's width."""


def forward_lines(ev: Evaluation, notation: Notation) -> list[Line]:
    """``label = formula = values = result`` for every node but the literals."""
    g = ev.graph
    lines: list[Line] = []
    for i in range(len(g)):
        if notation.is_literal(i):
            continue
        label = notation.style.label(g.labels[i])
        result = (notation.value(i), "value")
        if OPS[g.ops[i]].arity == 0:
            lines.append([(label, ""), EQ, result])
            continue
        symbolic, numeric = notation.formula(i), notation.formula(i, values=True)
        line: Line = [(label, ""), EQ, (symbolic, ""), EQ]
        if numeric not in (symbolic, result[0]):
            line += [(numeric, "value"), EQ]
        lines.append([*line, result])
    return lines


def products(terms: Sequence[tuple[str, Formula | str]]) -> Formula:
    """``u1 × f1 + u2 × f2 ...``: each variable ``u`` times a formula or another variable (the chain
    rule's sum over a node's uses; the page prints the same sum with slots for the numbers)."""
    b = Builder()
    total = None
    for upstream, factor in terms:
        other = b.var(factor) if isinstance(factor, str) else b.insert(factor, {})
        term = b.node("mul", b.var(upstream), other)
        total = term if total is None else b.node("add", total, term)
    assert total is not None
    return b.build(total)


def chain_rule(style: Style, out: str, node: str, users: list[str]) -> str:
    """``∂f/∂q · ∂q/∂x + ...``: the chain rule for ``node``, one term per use (by its user's label)."""
    return " + ".join(f"{style.derivative(out, u)} {style.cdot} {style.derivative(u, node)}" for u in users)


def shows_locals(trees: list[Formula]) -> bool:
    """Whether a chain-rule line gets a step with the local derivatives' numbers: when one of them is
    a formula, not a single label or number."""
    return not all(len(t) == 1 for t in trees)


def _chain(notation: Notation, terms: list[tuple[float, Formula]], kind: str) -> Line:
    """``u1 × f1 + u2 × f2 ...``: each upstream number (of ``kind``) times a formula, with precedence."""
    names = {f"@{n}": notation.num(upstream) for n, (upstream, _) in enumerate(terms)}
    formula = products([(f"@{n}", factor) for n, (_, factor) in enumerate(terms)])
    return [(text, kind if var in names else "") for text, var in notation.pieces(formula, names)]


def _number(x: float) -> Formula:
    b = Builder()
    return b.build(b.const(x))


FORK_NOTE = "{node} is used {n} times: its gradient is the sum of the contributions of its uses"


def backward_lines(ev: Evaluation, notation: Notation, steps: list[Step]) -> list[Line]:
    """``∂f/∂node = Σ ∂f/∂user · ∂user/∂node = ... = grad``, output first, each with its note.

    A fork (a node used more than once) gets the fork's note; any other line gets the note of the
    gate it passes through backwards, the first time a gate of that kind appears.
    """
    g, style = ev.graph, notation.style
    out = g.labels[-1]
    explained: set[str] = set()
    lines: list[Line] = []
    for step in steps:
        node = g.labels[step.node]
        head: Line = [(style.derivative(out, node), ""), EQ]
        if not step.contributions:
            lines.append([*head, (notation.num(step.grad), "grad")])
            continue
        chain = chain_rule(style, out, node, [g.labels[c.user] for c in step.contributions])
        trees = [notation.local_tree(c.user, c.position) for c in step.contributions]
        line: Line = [*head, (chain, ""), EQ]
        line += _chain(notation, [(c.upstream, t) for c, t in zip(step.contributions, trees)], "grad")
        if shows_locals(trees):
            line.append(EQ)
            line += _chain(notation, [(c.upstream, _number(c.local)) for c in step.contributions], "grad")
        line += [EQ, (notation.num(step.grad), "grad")]
        lines.append(line)
        if len(step.contributions) > 1:
            lines.append([(FORK_NOTE.format(node=style.label(node), n=len(step.contributions)), "note")])
            continue
        kind = g.ops[step.contributions[0].user]
        gate = OPS[kind].gate
        if gate and kind not in explained:
            explained.add(kind)
            lines.append([(gate, "note")])
    return lines


def tangent_lines(ev: Evaluation, notation: Notation) -> list[Line]:
    """Forward mode: per input, a header, then ``ṅ = Σ ∂n/∂a · ȧ = ... = tangent`` for every operation."""
    g, style = ev.graph, notation.style
    assert ev.tangents is not None
    # A local derivative times a tangent is written with a centred dot, as the chain rule is.
    dotted = Notation(
        ev,
        style.extend(style.name, spellings={"mul": Spelling(f"$0 {style.cdot} $1", PRODUCT, "both")}),
        notation.digits,
    )
    lines: list[Line] = []
    for n, name in enumerate(ev.wrt, 1):
        tangent = ev.tangents[name]
        seeds = ", ".join(f"{style.dot(other)} = {1 if other == name else 0}" for other in g.inputs)
        title = f"pass {n} of {len(ev.wrt)}: tangents with respect to "
        lines.append([(title, "title"), (style.label(name), ""), (" (", "title"), (seeds, ""), (")", "title")])
        for i in range(len(g)):
            if not g.args[i] or not ev.needs[i]:
                continue
            b, bn = Builder(), Builder()
            names: dict[str, str] = {}
            terms: list[int] = []
            total_n = None
            for k, (j, d) in enumerate(zip(g.args[i], ev.local[i])):
                if d is None:
                    continue
                names[f"@{j}"] = style.dot(g.labels[j])
                names[f"@v{j}"] = notation.num(tangent[j])
                tree = notation.local_tree(i, k)
                one = tree.is_constant() and tree.consts[0] == 1
                dot = b.var(f"@{j}")
                terms.append(dot if one else b.node("mul", b.insert(tree, {}), dot))
                value = bn.var(f"@v{j}")
                term_n = value if one else bn.node("mul", bn.const(d), value)
                total_n = term_n if total_n is None else bn.node("add", total_n, term_n)
            assert terms and total_n is not None
            lhs = style.dot(g.labels[i])
            # Each term written as an operand of the sum they make, so that LaTeX may break between them.
            sum_pieces: Line = []
            for t, term in enumerate(terms):
                context = (SUM, False) if t == 0 else (SUM + 1, True)
                sum_pieces += [PLUS] if t else []
                sum_pieces.append((to_text(b.build(term), dotted.style, names, context=context), ""))
            line: Line = [(lhs, ""), EQ, *sum_pieces, EQ]
            numbers = to_text(bn.build(total_n), style, names, number=notation.num)
            result = notation.num(tangent[i])
            if numbers != result:
                line += [(numbers, ""), EQ]
            lines.append([*line, (result, "grad")])
        lines.append([(style.derivative(g.labels[-1], name), ""), EQ, (notation.num(tangent[-1]), "grad")])
    return lines


def derivation_lines(ev: Evaluation, notation: Notation, notes: bool = True) -> tuple[list[Line], list[Line]]:
    """The forward pass, and then the reverse pass or forward mode's tangent passes."""
    second = tangent_lines(ev, notation) if ev.mode == "forward" else backward_lines(ev, notation, backward_steps(ev))
    if not notes:
        second = [line for line in second if not _is_note(line)]
    return forward_lines(ev, notation), second


def _is_note(line: Line) -> bool:
    return len(line) == 1 and line[0][1] == "note"


def _heading(ev: Evaluation) -> str:
    return "Forward mode" if ev.mode == "forward" else "Backward pass"


def render(ev: Evaluation, digits: int = 6, style: Style = UNICODE, notes: bool = True) -> Any:
    """The derivation as Rich text: values green, gradients red, notes dimmed on lines of their own."""
    from rich.console import Group
    from rich.text import Text

    notation = Notation(ev, style, digits)
    colours = {
        "value": theme.VALUE,
        "grad": theme.GRAD,
        "note": theme.NOTE,
        "title": theme.TITLE,
        "": "",
        "eq": "",
        "plus": "",
    }

    def text(line: Line) -> Text:
        if _is_note(line):
            return Text(f"    {style.arrow} {line[0][0]}", colours["note"])
        return Text.assemble(*((piece, colours[kind]) for piece, kind in line))

    forward, derivatives = derivation_lines(ev, notation, notes)
    lines: list[Line] = [[("Forward pass", "title")], *forward, [], [(_heading(ev), "title")], *derivatives]
    # One part per step: a heading or a blank line joins the line below it, and a note the line
    # above it, so that --pause waits once per step of the derivation and never on a heading.
    parts: list[Text] = []
    above: list[Text] = []
    for line in lines:
        if not line or line[0][1] == "title":
            above.append(text(line))
        elif _is_note(line) and parts:
            parts[-1] = Text("\n").join([parts[-1], text(line)])
        else:
            parts.append(Text("\n").join([*above, text(line)]))
            above = []
    return Group(*parts, *above)


def _visible(tex: str) -> int:
    """About how many characters ``tex`` typesets to: commands, braces and colours not counted."""
    tex = re.sub(r"\\textcolor\{[^}]*\}", "", tex)
    tex = re.sub(r"\\frac\{\\partial ([^}]*)\}\{\\partial ([^}]*)\}", r"d\1d\2", tex)  # stacked: as wide as one part
    tex = re.sub(r"\\(mathit|text|left|right|operatorname)", "", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "x", tex)
    return len(re.sub(r"[{}\s]", "", tex))


def latex(ev: Evaluation, digits: int = 6, notes: bool = True) -> str:
    """The derivation as a LaTeX ``align*`` block (needs amsmath and xcolor); a long line is broken
    before its equals signs, and a step still too long before the plus signs of its sum, so that
    every row fits the width of a page."""
    notation = Notation(ev, LATEX, digits)
    colours = {"value": theme.LATEX_VALUE, "grad": theme.LATEX_GRAD}

    def tex(line: Line) -> list[str]:
        if _is_note(line):
            # Text between the rows of the alignment, wrapped to the page's width.
            return [r"  \intertext{\small (" + line[0][0] + ")}"]
        if line[0][1] == "title":
            # A pass's title with its seeds is text with some mathematics, wrapped to the page.
            return [r"  \intertext{" + "".join(p if k == "title" else f"${p}$" for p, k in line) + "}"]
        steps: list[list[str]] = [[""]]  # the steps between equals signs, each in terms
        for piece, kind in line:
            if kind == "eq":
                steps.append([""])
            elif kind == "plus":
                steps[-1].append("")
            elif kind in colours:
                steps[-1][-1] += rf"\textcolor{{{colours[kind]}}}{{{piece}}}"
            else:
                steps[-1][-1] += piece
        lhs, *rhs = [" + ".join(terms) for terms in steps]
        if _visible(" = ".join([lhs, *rhs])) <= LATEX_WIDTH:
            return [f"  {lhs} &= {' = '.join(rhs)}"]
        rows = []
        for n, terms in enumerate(steps[1:]):
            # A step still too long goes on over rows, broken before a plus sign.
            row, width = (f"  {lhs} &= " if n == 0 else "  &= "), 0
            for k, term in enumerate(terms):
                if k and width + _visible(term) > LATEX_WIDTH:
                    rows.append(row)
                    row, width = r"  &\quad", 0
                row += f" + {term}" if k else term
                width += _visible(term)
            rows.append(row)
        return rows

    forward, derivatives = derivation_lines(ev, notation, notes)
    rows = [r"  &\text{Forward pass}"]
    for line in forward:
        rows += tex(line)
    rows.append(rf"  &\text{{{_heading(ev)}}}")
    for line in derivatives:
        rows += tex(line)
    body = rows
    return "\n".join(
        [
            r"% backprop: the derivation (needs \usepackage{amsmath} and \usepackage{xcolor})",
            r"% (the group lets a long derivation go on to the next page)",
            r"{\allowdisplaybreaks",
            r"\begin{align*}",
            # \intertext follows a row's \\ and is not one itself.
            "".join(
                row + ("" if n == len(body) - 1 else "\n" if "intertext" in row else " \\\\\n")
                for n, row in enumerate(body)
            ),
            r"\end{align*}",
            "}",
        ]
    )


def steps_json(ev: Evaluation) -> list[dict[str, Any]]:
    """The backward pass (or forward mode's passes) as data, for ``--steps --json``."""
    g = ev.graph
    if ev.tangents is not None:
        # Only the nodes the inputs in --wrt reach have a tangent.
        needs = ev.needs
        return [
            {
                "wrt": name,
                "tangents": [
                    {"id": i, "label": g.labels[i], "tangent": ev.tangents[name][i]} for i in range(len(g)) if needs[i]
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
