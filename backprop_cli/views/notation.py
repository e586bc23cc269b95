"""Formulas of an evaluation, written in a style: a node's operation on its inputs, and its local
derivatives, in the labels of the graph (or in numbers).

The op table's rule trees are printed by ``printer.py`` with precedence; nothing here pastes text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine import Evaluation
from ..formatting import number
from ..formula import Builder, Formula, fold_integers
from ..ops import OPS, RULE_INPUTS
from ..printer import Style, to_pieces, to_text
from ..rule_trees import TREES
from ..styles import ASCII, LATEX, UNICODE

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation

__all__ = ["ASCII", "LATEX", "UNICODE", "Notation"]

Pieces = list[tuple[str, str | None]]


class Notation:
    """How an evaluation is written in a style: its numbers at the view's digits, each node's operation
    and local derivatives as formulas. A node is referred to by its label, a constant leaf by its
    literal text (``2``, ``pi``)."""

    def __init__(self, ev: Evaluation | ArrayEvaluation, style: Style, digits: int) -> None:
        self.ev, self.style, self.digits = ev, style, digits

    def is_literal(self, i: int) -> bool:
        g = self.ev.graph
        return OPS[g.ops[i]].arity == 0 and g.consts[i] is not None

    def num(self, x: Any) -> str:
        """A number at the view's digits, in the style's spelling (its minus sign); a vector or a
        matrix (an array evaluation) by its shape, as in ``(2×3)``."""
        if getattr(x, "ndim", 0):
            from ..shapes import words

            return words(x.shape)
        return self.style.spell_number(number(float(x), self.digits))

    def value(self, i: int) -> str:
        return self.num(self.ev.values[i])

    def literal(self, b: Builder, j: int) -> int:
        """The literal leaf j in ``b`` as the derivation writes it: by name (``pi``), or its value."""
        g = self.ev.graph
        text, const = g.expr(j), g.consts[j]
        if isinstance(const, tuple):  # an array literal: written as it was
            return b.var(text)
        return b.const(float(const or 0.0), text if text.isidentifier() else None)

    def _leaf(self, b: Builder, j: int, values: bool) -> int:
        g = self.ev.graph
        if self.is_literal(j):
            return self.literal(b, j)
        if not values:
            return b.var(g.labels[j])
        value = self.ev.values[j]
        return b.var(self.num(value)) if getattr(value, "ndim", 0) else b.const(float(value))

    def formula(self, i: int, values: bool = False) -> str:
        """Node i's operation on its inputs' labels (or values)."""
        g = self.ev.graph
        b = Builder()
        root = b.node(g.ops[i], *(self._leaf(b, j, values) for j in g.args[i]))
        literal = self.style.format_number
        return to_text(b.build(root), self.style, number=self.num if values else literal)

    def local_tree(self, i: int, k: int) -> Formula:
        """∂node_i/∂(its k-th input): the op's rule with the labels (and literals) substituted."""
        g = self.ev.graph
        b = Builder()
        env = {name: self._leaf(b, j, False) for name, j in zip(RULE_INPUTS, g.args[i])}
        env["out"] = b.var(g.labels[i])
        return fold_integers(b.build(b.insert(TREES[g.ops[i]][k], env)))

    def pieces(self, formula: Formula, names: dict[str, str] | None = None) -> Pieces:
        """A formula in this style, in pieces (see :func:`printer.to_pieces`); numbers at the digits."""
        return to_pieces(formula, self.style, names, number=self.num)

    def local_formula(self, i: int, k: int) -> str:
        """∂node_i/∂(its k-th input) as text in the labels."""
        return to_text(self.local_tree(i, k), self.style)
