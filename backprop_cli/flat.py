"""The reverse-mode passes in one loop over flat lists: the fast path of :func:`engine.evaluate`.

The forward value and the local gradients of a node are computed together, with the op table's
forward functions and the rules compiled from its formulas (``rules.LOCAL``), dispatched by arity,
never by op name; and nothing is checked per node: the
results are checked for NaN and infinity in bulk at the end. When anything is off (a domain error,
an overflow, a gradient that is not finite) the caller runs the reference passes of ``engine.py``
instead, which find the first failure and word it: so the answers and the errors are the
reference's, only faster (``tests/test_flat.py`` compares both on random programs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .graph import Graph
from .ops import OPS
from .rules import LOCAL

Row = tuple[float | None, ...]


class Fallback(Exception):
    """Something is not finite or failed: the reference passes will say what and where."""


def reverse(graph: Graph, inputs: Mapping[str, float]) -> tuple[list[float], list[Row], list[float | None]]:
    """Values, local gradients and gradients of every node, as the reference passes give them.

    Raises :class:`Fallback` where the reference passes would raise (or might).
    """
    try:
        values, local = _forward_local(graph, inputs)
        grads = _backward(graph, local)
    except (ArithmeticError, ValueError, TypeError, KeyError) as exc:
        raise Fallback from exc
    isfinite = math.isfinite
    if not (
        all(map(isfinite, values))
        and all(map(isfinite, grads))
        and all(isfinite(d) for row in local for d in row if d is not None)
    ):
        raise Fallback
    needs = graph.needs_grad
    return values, local, [g if needs[i] else None for i, g in enumerate(grads)]


def _forward_local(graph: Graph, inputs: Mapping[str, float]) -> tuple[list[float], list[Row]]:
    ops, args, consts, names, needs = graph.ops, graph.args, graph.consts, graph.names, graph.needs_grad
    # Op name -> (arity, forward, local gradients compiled from the rules), read at each run.
    table: dict[str, tuple[int, Callable[..., float], tuple[Callable[..., float], ...]]] = {
        name: (op.arity, op.forward, LOCAL.get(name, ())) for name, op in OPS.items()
    }
    n = len(ops)
    values: list[Any] = [0.0] * n
    local: list[Row] = [()] * n
    for i in range(n):
        arity, forward, rules = table[ops[i]]
        if arity == 2:
            j, k = args[i]
            a = values[j]
            b = values[k]
            out = values[i] = forward(a, b)
            local[i] = (
                rules[0](a, b, out) if needs[j] else None,
                rules[1](a, b, out) if needs[k] else None,
            )
        elif arity == 1:
            (j,) = args[i]
            a = values[j]
            out = values[i] = forward(a)
            local[i] = (rules[0](a, out) if needs[j] else None,)
        elif arity == 0:
            const = consts[i]
            values[i] = inputs[names[i] or ""] if const is None else const
        else:
            xs = [values[j] for j in args[i]]
            out = values[i] = forward(*xs)
            local[i] = tuple(rule(*xs, out) if needs[j] else None for j, rule in zip(args[i], rules))
    return values, local


def _backward(graph: Graph, local: list[Row]) -> list[float]:
    """∂out/∂out = 1, then upstream × local into each input, last node first (as engine.backward)."""
    args = graph.args
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
