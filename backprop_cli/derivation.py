"""The chain rule written out: for every node, the contributions that make up its gradient.

This is the reverse pass again, kept apart as data so that the step-by-step views (text, LaTeX, JSON)
can print each ``upstream × local`` product without computing anything themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import Evaluation


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one use of a node adds to its gradient: ∂out/∂user · ∂user/∂node."""

    user: int
    """The node that takes this node as an input."""
    position: int
    """Which of the user's inputs this node is."""
    upstream: float
    local: float

    @property
    def product(self) -> float:
        return self.upstream * self.local


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the backward pass."""

    node: int
    grad: float
    contributions: tuple[Contribution, ...]
    """Empty for the output, whose gradient is 1 by definition."""


def backward_steps(ev: Evaluation) -> list[Step]:
    """Steps for every node that has a gradient, the output first, then in reverse evaluation order."""
    g = ev.graph
    users = g.users()
    steps = []
    for i in range(len(g) - 1, -1, -1):
        grad = ev.grads[i]
        if grad is None:
            continue
        contributions = []
        for user, k in users[i]:
            upstream, local = ev.grads[user], ev.local[user][k]
            assert upstream is not None and local is not None  # a user of a non-constant needs one
            contributions.append(Contribution(user, k, upstream, local))
        steps.append(Step(i, grad, tuple(contributions)))
    return steps
