"""The circuit as a tree, from the output down to the inputs.

A node that feeds several others is drawn once in full and referred to by its label elsewhere, so the
forks stay visible and nothing is drawn twice. Values (green) and gradients (red) are also marked in
words, so the tree reads the same without colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine import Derivatives, Evaluation
from ..printer import Style
from ..wires import wires
from .notation import Notation
from .theme import DIM, GRAD, LABEL, VALUE

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation


def _node_text(ev: Evaluation | ArrayEvaluation, notation: Notation, i: int, style: Style) -> Any:
    """``label = formula  [op]  value v  grad g`` (in forward mode ``∂/∂x t`` per input)."""
    from rich.text import Text

    g = ev.graph
    if notation.is_literal(i):
        return Text.assemble((g.expr(i), LABEL), "  const  value ", (notation.value(i), VALUE))
    op = g.ops[i]
    what = f" = {notation.formula(i)}  [{op}]" if g.args[i] else f"  {op}"
    text = Text.assemble((style.label(g.labels[i]), LABEL), what, "  value ", (notation.value(i), VALUE))
    # Whatever the mode computed: the gradient (reverse), or the tangent towards each input (forward).
    columns = ev.derivatives if isinstance(ev, Evaluation) else [Derivatives(None, ev.grads)]  # type: ignore[arg-type]
    for column in columns:
        d = column.values[i]
        if d is not None:
            text.append(f"  {column.name(style.partial)} ")
            text.append(notation.num(d), GRAD)
    return text


def render(ev: Evaluation | ArrayEvaluation, digits: int = 6, style: Style | None = None, max_rows: int = 200) -> Any:
    """A Rich Tree of the circuit, built with an explicit stack (no recursion). With vectors and
    matrices, each value and gradient is shown by its shape, as in ``(2×3)``.

    At most ``max_rows`` lines are drawn (0: all): a tree is as wide as it is deep, so a deep
    expression is cut off with a note rather than drawn thousands of columns wide.
    """
    from rich.text import Text
    from rich.tree import Tree

    from ..styles import UNICODE

    style = style or UNICODE
    notation = Notation(ev, style, digits)
    g = ev.graph
    users = [len(uses) for uses in g.users()]

    # A fork's branches each carry their own share of its gradient (see wires.py): each line of a
    # forking node says what its wire carries back, and the shares add up to the node's gradient.
    share = {(w.dst, w.position): w.grad for w in wires(ev)}

    def branch_note(text: Text, j: int, user: int, position: int) -> Text:
        grad = share.get((user, position))
        if users[j] > 1 and grad is not None:
            text.append("  this branch carries back ", DIM)
            text.append(notation.num(grad), GRAD)
        return text

    # Pre-order with an explicit stack: the first time a node is reached in the drawing, it is drawn
    # in full; every later time it is referred to by label.
    root = Tree(_node_text(ev, notation, len(g) - 1, style), guide_style=DIM)
    drawn = {len(g) - 1}
    stack: list[tuple[Tree, int, int, int]] = [
        (root, j, len(g) - 1, k) for k, j in reversed(list(enumerate(g.args[-1])))
    ]
    lines = 1
    while stack:
        if max_rows and lines >= max_rows:
            hidden = len(g) - len(drawn)
            root.add(Text(f"{style.ellipsis} {hidden:,} more nodes not drawn; --max-rows 0 draws all", DIM))
            break
        lines += 1
        parent, j, user, position = stack.pop()
        if j in drawn:
            parent.add(branch_note(Text(f"{style.label(g.labels[j])}  (drawn above)", DIM), j, user, position))
            continue
        drawn.add(j)
        label = _node_text(ev, notation, j, style)
        if users[j] > 1 and not notation.is_literal(j):
            label.append(f"  (forks into {users[j]} branches; grad is their sum)", DIM)
        branch = parent.add(branch_note(label, j, user, position))
        stack.extend((branch, k, j, p) for p, k in reversed(list(enumerate(g.args[j]))))
    return root
