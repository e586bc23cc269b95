"""The passes in one loop over flat lists: the fast path of :func:`engine.evaluate`, in both modes.

Nodes are run by integer op code through a step generated from the op table (``fused.py``, written
by ``flatgen.py``: each op's forward, and its rule formulas printed in Python), which computes a
node's value and local gradients together and checks nothing. The results are checked in bulk at
the end: a NaN or an infinity anywhere makes the sum of a list non-finite, and every local gradient
that is not None is multiplied into a gradient (reverse mode) or a tangent (forward mode), so a
non-finite one shows there. When anything is off (a domain error, an overflow, a derivative that is
not finite) the caller runs the reference passes of ``engine.py`` instead, which find the first
failure and word it: so the answers and the errors are the reference's, only faster
(``tests/test_flat.py`` compares both on random programs, in both modes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .fused import CODES, forward_local
from .graph import Graph

Row = tuple[float | None, ...]
Column = list[float | None]


class Fallback(Exception):
    """Something is not finite or failed: the reference passes will say what and where."""


def evaluate(
    graph: Graph, inputs: Mapping[str, float], needs: list[bool], tangents_for: Sequence[str] | None = None
) -> tuple[list[float], list[Row], list[Column]]:
    """Values, local gradients and the derivative columns, as the reference passes give them:
    reverse mode's gradients (one column), or with ``tangents_for`` forward mode's tangents (a
    column per input). ``needs[i]``: node i is reached by an input differentiated.

    Raises :class:`Fallback` where the reference passes would raise (or might).
    """
    try:
        codes = list(map(CODES.__getitem__, graph.ops))
        values, local = forward_local(codes, graph.args, graph.consts, graph.names, needs, inputs)
        if tangents_for is None:
            columns = [_backward(graph.args, local)]
        else:
            columns = [_tangents(graph.args, local, graph.inputs[name]) for name in tangents_for]
        finite = _finite(values) and all(_finite(column) for column in columns)
    except (ArithmeticError, ValueError, TypeError, KeyError) as exc:
        raise Fallback from exc
    if not finite:
        raise Fallback
    return values, local, [[d if needs[i] else None for i, d in enumerate(column)] for column in columns]


def reverse(graph: Graph, inputs: Mapping[str, float]) -> tuple[list[float], list[Row], Column]:
    """Reverse mode with respect to every input: values, local gradients, gradients."""
    values, local, (grads,) = evaluate(graph, inputs, graph.needs_grad)
    return values, local, grads


def _finite(numbers: list[float]) -> bool:
    """No NaN, no infinity: the sum says so at once, unless finite numbers add up past the largest
    float, when each is looked at."""
    return math.isfinite(sum(numbers)) or all(map(math.isfinite, numbers))


def _backward(args: Sequence[tuple[int, ...]], local: list[Row]) -> list[float]:
    """∂out/∂out = 1, then upstream × local into each input, last node first (as engine.backward)."""
    grads = [0.0] * len(args)
    grads[-1] = 1.0
    for i in range(len(args) - 1, -1, -1):
        row = local[i]
        if not row:
            continue
        g = grads[i]
        if len(row) == 2:
            j, k = args[i]
            d0, d1 = row
            if d0 is not None:
                grads[j] += g * d0
            if d1 is not None:
                grads[k] += g * d1
        else:
            for j, d in zip(args[i], row):
                if d is not None:
                    grads[j] += g * d
    return grads


def _tangents(args: Sequence[tuple[int, ...]], local: list[Row], seed: int) -> list[float]:
    """∂node/∂input for the input node ``seed``: ṅ = Σ ∂n/∂a · ȧ, summed from 0.0 in input order
    (as engine.forward_mode's ``sum(..., 0.0)``, so that a -0.0 term gives 0.0 alike)."""
    tangent = [0.0] * len(args)
    tangent[seed] = 1.0
    for i in range(seed + 1, len(args)):
        row = local[i]
        if len(row) == 2:
            j, k = args[i]
            d0, d1 = row
            t = 0.0
            if d0 is not None:
                t += d0 * tangent[j]
            if d1 is not None:
                t += d1 * tangent[k]
            tangent[i] = t
        elif len(row) == 1:
            (d,) = row
            tangent[i] = 0.0 if d is None else 0.0 + d * tangent[args[i][0]]
        elif row:
            tangent[i] = sum((d * tangent[j] for j, d in zip(args[i], row) if d is not None), 0.0)
    return tangent
