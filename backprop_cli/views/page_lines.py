"""The derivation's lines for the live page: printed once, as views/steps.py prints them, with slots.

A line of ``--steps`` is printer output with numbers in it. Here the same formulas go through the
same printer with a slot where a number of the evaluation goes: ``v3`` (the value of node 3), ``g5``
(the gradient of node 5), ``l5_1`` (node 5's local derivative towards its input 1), or a literal
constant, written at the page's digits. The printer decides every parenthesis: a slot is printed as a
negative number would be, and it is marked ``paren`` where that number was put in parentheses; the
page keeps them only when its number is negative. A piece is ``[text or {"slot" | "value", "paren"},
kind]``, kind as in views/steps.py.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine import Evaluation
from ..formula import Builder, Formula
from ..graph import Graph
from ..printer import Style, to_pieces
from .notation import Notation
from .steps import chain_rule, products, shows_locals

Piece = list[Any]

_CONST = re.compile("^-?\x01(.*)\x02$")


def _number_token(value: float) -> str:
    """A literal constant, kept for the page to write at its digits (signed, so that the printer
    puts a negative one in parentheses where it would)."""
    return ("-" if value < 0 else "") + f"\x01{value!r}\x02"


def _template(notation: Notation, formula: Formula, slots: set[str], kind: str) -> list[Piece]:
    """The formula printed with each variable in ``slots`` as a number slot (of ``kind``)."""
    style = notation.style
    names = {name: style.minus + name for name in slots}
    pieces = to_pieces(formula, style, names, number=_number_token)
    result: list[Piece] = []
    n = 0
    while n < len(pieces):
        text, var = pieces[n]
        const = _CONST.match(text)
        is_slot = var is not None and var in slots
        if is_slot or const:
            slot: dict[str, Any] = {"slot": var.split(".")[0]} if is_slot else {"value": float(const.group(1))}  # type: ignore[union-attr]
            # The printer wraps a negative number as three pieces: "(", the number, ")".
            wrapped = 0 < n < len(pieces) - 1 and (pieces[n - 1], pieces[n + 1]) == (
                (style.parens[0], None),
                (style.parens[1], None),
            )
            if wrapped:
                result.pop()
                n += 1
            result.append([{**slot, "paren": wrapped}, kind if is_slot else ""])
        else:
            result.append([text, ""])
        n += 1
    return result


def lines(graph: Graph, style: Style, digits: int) -> dict[str, Any]:
    """``forward``: per non-literal node, its line; ``backward``: per node with a gradient, its line."""
    notation = Notation(Evaluation(graph, [], [], [], [], []), style, digits)  # formulas only: no numbers read
    forward = []
    for i in range(len(graph)):
        if notation.is_literal(i):
            continue
        label = style.label(graph.labels[i])
        entry: dict[str, Any] = {"node": i, "head": f"{label} = ", "symbolic": None, "numeric": None}
        if graph.args[i]:
            symbolic = notation.formula(i)
            b = Builder()
            leaves = [notation.literal(b, j) if notation.is_literal(j) else b.var(f"v{j}") for j in graph.args[i]]
            numeric = b.build(b.node(graph.ops[i], *leaves))
            slots = {f"v{j}" for j in graph.args[i]}
            entry.update(
                head=f"{label} = {symbolic} = ", symbolic=symbolic, numeric=_template(notation, numeric, slots, "value")
            )
        forward.append(entry)
    return {"forward": forward, "backward": _backward(graph, notation)}


def _chain(notation: Notation, terms: list[tuple[str, Formula]]) -> list[Piece]:
    """``u1 × f1 + u2 × f2 ...`` (views/steps.py's chain), each upstream gradient a slot."""
    named = [(f"{upstream}.{n}", formula) for n, (upstream, formula) in enumerate(terms)]  # one variable a term
    return _template(notation, products(named), {name for name, _ in named}, "grad")


def _backward(graph: Graph, notation: Notation) -> list[dict[str, Any]]:
    style = notation.style
    out = graph.labels[-1]
    users = graph.users()
    result = []
    for i in range(len(graph) - 1, -1, -1):
        if not graph.needs_grad[i]:
            continue
        node = graph.labels[i]
        head = f"{style.derivative(out, node)} = "
        grad: Piece = [{"slot": f"g{i}", "paren": False}, "grad"]
        if not users[i]:  # the output: 1 by definition
            result.append({"node": i, "line": [[head, ""], grad]})
            continue
        chain = chain_rule(style, out, node, [graph.labels[u] for u, _ in users[i]])
        trees = [notation.local_tree(u, k) for u, k in users[i]]
        line: list[Piece] = [[head + chain + " = ", ""]]
        line += _chain(notation, [(f"g{u}", t) for (u, _), t in zip(users[i], trees)])
        if shows_locals(trees):
            line.append([" = ", ""])
            line += _local_chain(notation, users[i])
        # The notes of `eval --steps` are lines of their own there; the page's one line per step
        # leaves them out (as `eval --steps --no-notes` does).
        line += [[" = ", ""], grad]
        result.append({"node": i, "line": line})
    return result


def _local_chain(notation: Notation, uses: list[tuple[int, int]]) -> list[Piece]:
    """``u1 × l1 + u2 × l2 ...``: the same chain with each local derivative's value in a slot."""
    named = [(f"g{u}.{n}", f"l{u}_{k}.{n}") for n, (u, k) in enumerate(uses)]
    slots = {name for pair in named for name in pair}
    pieces = _template(notation, products(named), slots, "grad")
    for piece in pieces:  # a local derivative's number is not a gradient: no colour
        if isinstance(piece[0], dict) and piece[0].get("slot", "").startswith("l"):
            piece[1] = ""
    return pieces
