"""Vectors and matrices: array values, their shapes and the array evaluation path.

This package's modules import NumPy (but ``evaluation.py``); only :func:`uses_arrays` is here, so that
the scalar path can ask the question without importing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..ops import OPS

if TYPE_CHECKING:
    from ..graph import Graph


def uses_arrays(graph: Graph, inputs: Mapping[str, object]) -> bool:
    """True when a value or a literal is an array, or an op exists only for arrays."""
    return (
        any(hasattr(v, "shape") for v in inputs.values())
        or any(isinstance(c, tuple) for c in graph.consts)
        or any(OPS[name].vjp for name in set(graph.ops))
    )
