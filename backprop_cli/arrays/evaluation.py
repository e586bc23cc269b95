"""The result of evaluating with vectors and matrices (no NumPy import: views and commands name it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..graph import Graph
from ..shapes import Shape, shape_of

if TYPE_CHECKING:
    from .values import Array


@dataclass(slots=True)
class ArrayEvaluation:
    """A graph with every node's value and gradient as arrays."""

    graph: Graph
    values: list[Array]
    grads: list[Array | None]
    """∂output/∂node, in the node's shape; None for constants and for indices (no gradient)."""
    wrt: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def value(self) -> Array:
        return self.values[-1]

    def shape(self, i: int) -> Shape:
        return shape_of(self.values[i])

    def input_grads(self) -> dict[str, Array | None]:
        """∂output/∂input for every input in ``wrt`` (None for an index), in order of first use."""
        return {name: self.grads[self.graph.inputs[name]] for name in self.wrt}
