"""``backprop export --to latex``: the staged passes as equations, one ``align*`` block.

The forward pass is one equation per operation; the backward pass one per node, ∂f/∂node as the
sum of its contributions (local × upstream), last node first, as the code adds them. No values:
the derivation for every point (``eval --latex`` writes it with the numbers of one point).
"""

from __future__ import annotations

from ..formula import Builder, Formula
from ..ops import OPS
from ..printer import to_text
from ..styles import LATEX
from .passes import Passes, adjoint, value

SPLIT_TERMS = 3
"""An adjoint with more contributions than this is written one contribution per row."""


def _term_rows(terms: list[Formula], names: dict[str, str]) -> list[str]:
    """The right-hand side of an adjoint's equation: its contributions added, in rows when many."""
    b = Builder()
    if len(terms) <= SPLIT_TERMS:
        total = b.insert(terms[0], {})
        for term in terms[1:]:
            total = b.node("add", total, b.insert(term, {}))
        return [to_text(b.build(total), LATEX, names)]
    return [to_text(terms[0], LATEX, names), *(to_text(_plus(term), LATEX, names) for term in terms[1:])]


def _plus(term: Formula) -> Formula:
    """``{} + term``: the printer writes "+ term" as in a sum (a negative term parenthesised) after
    an empty operand (made directly: a node used 10,000 times has 10,000 terms)."""
    n = len(term)
    return Formula(
        ("var", *term.ops, "add"),
        ((), *(tuple(a + 1 for a in args) for args in term.args), (0, n)),
        ("", *term.names, None),
        (None, *term.consts, None),
    )


def latex(passes: Passes) -> str:
    """The forward and backward passes as an ``align*`` block (needs amsmath)."""
    graph = passes.graph
    out = graph.labels[-1]
    names: dict[str, str] = {"": "{}"}  # the empty operand before a row's "+"
    for i, label in enumerate(graph.labels):
        names[value(i)] = LATEX.label(label)
        names[adjoint(i)] = LATEX.derivative(out, label)
    rows = [r"  &\text{Forward pass}"] if passes.forward else []
    for i, f in passes.forward:
        rows.append(f"  {names[value(i)]} &= {to_text(f, LATEX, names)}")
    if not passes.forward and not passes.backward:  # a constant: its value is all there is
        rows.append(f"  {LATEX.label(out)} &= {to_text(passes.result, LATEX, names)}")
    if passes.backward:
        rows.append(r"  &\text{Backward pass}")
        if graph.args[-1]:  # (an input as the output has its 1 among the steps)
            rows.append(f"  {names[adjoint(len(graph) - 1)]} &= 1")
    terms: dict[int, list[Formula]] = {}
    for step in passes.backward:
        terms.setdefault(step.node, []).append(step.formula)
    for node in sorted(terms, reverse=True):  # a node's adjoint is complete once its users' are
        first, *more = _term_rows(terms[node], names)
        rows.append(f"  {names[adjoint(node)]} &= {first}")
        rows.extend(rf"  &\quad {row}" for row in more)
    formulas = [f for _, f in passes.forward] + [step.formula for step in passes.backward]
    ops = {op for f in formulas for op in f.ops if OPS[op].arity}
    used = sorted(op for op in ops if r"\operatorname" in LATEX.spelling(op).template and OPS[op].doc)
    definitions = [f"% {op}: {OPS[op].doc}" for op in used]
    body = " \\\\\n".join(rows)
    return "\n".join(
        [
            r"% backprop export --to latex: the forward and backward passes (needs \usepackage{amsmath})",
            *definitions,
            r"{\allowdisplaybreaks",
            r"\begin{align*}",
            body,
            r"\end{align*}",
            "}",
        ]
    )
