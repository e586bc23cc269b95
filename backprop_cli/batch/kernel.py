"""A graph compiled once into a vectorized kernel: value and gradients for many points at once.

PLACEHOLDER until the rule trees land: each op's forward function and local rules are applied
element-wise with ``numpy.frompyfunc``. The interface is final.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..engine import check_wrt
from ..graph import Graph
from ..ops import OPS


@dataclass(slots=True)
class Result:
    """The output's value and its gradient with respect to each input, one entry per row."""

    value: np.ndarray
    gradients: dict[str, np.ndarray]
    bad: np.ndarray | None
    """True for the rows where some node or gradient is not finite (None: every row is fine)."""


class Kernel:
    """``kernel(inputs)`` evaluates the graph over columns of inputs (arrays or scalars)."""

    def __init__(self, graph: Graph, wrt: Sequence[str] | None = None) -> None:
        self.graph = graph
        self.wrt = list(graph.inputs) if wrt is None else check_wrt(graph, wrt)

    def __call__(self, inputs: Mapping[str, object], rows: int | None = None) -> Result:
        g = self.graph
        columns = {name: np.asarray(value, dtype=np.float64) for name, value in inputs.items()}
        shape = np.broadcast_shapes(*(c.shape for c in columns.values())) if columns else ()
        if rows is not None:
            shape = (rows,)
        values: list[np.ndarray] = []
        with np.errstate(all="ignore"):
            bad = np.zeros(shape, dtype=bool)
            for i, op_name in enumerate(g.ops):
                op = OPS[op_name]
                if op.arity == 0:
                    const = g.consts[i]
                    v = columns[g.names[i] or ""] if const is None else np.float64(const)
                    values.append(np.broadcast_to(v, shape).astype(np.float64))
                    continue
                fn = np.frompyfunc(_safe(op.forward), op.arity, 1)
                out = fn(*(values[j] for j in g.args[i])).astype(np.float64)
                bad |= ~np.isfinite(out)
                values.append(out)
            grads = [np.zeros(shape) for _ in g.ops]
            grads[-1] = np.ones(shape)
            for i in range(len(g.ops) - 1, -1, -1):
                op = OPS[g.ops[i]]
                xs = [values[j] for j in g.args[i]]
                for k, j in enumerate(g.args[i]):
                    if not g.needs_grad[j]:
                        continue
                    local = np.frompyfunc(_safe(op.local[k]), op.arity + 1, 1)(*xs, values[i]).astype(np.float64)
                    bad |= ~np.isfinite(local)
                    grads[j] = grads[j] + grads[i] * local
            for gr in grads:
                bad |= ~np.isfinite(gr)
        gradients = {name: grads[g.inputs[name]] for name in self.wrt}
        return Result(values[-1], gradients, bad if bad.any() else None)


def _safe(fn):  # type: ignore[no-untyped-def]
    def call(*xs):  # type: ignore[no-untyped-def]
        try:
            return fn(*xs)
        except (ArithmeticError, ValueError):
            return float("nan")

    return call
