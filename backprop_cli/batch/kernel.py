"""A graph compiled once into a vectorized NumPy kernel: the value and gradients at many points at once.

The kernel is generated from the op table's rule trees, never from a table of its own: each node's
forward step is the op applied to its inputs and each local gradient is the op's rule tree, both
printed by the NumPy style of the printer (``printer.to_text(..., styles.NUMPY)``); then the reverse
pass accumulates upstream × local into each input, as the float engine does. The generated code is
plain NumPy a person can read (``kernel.source``), in the staged form of the notes: ``v3 = v0 * v1``
forward, ``g0 = g3 * v1`` backward. It names nodes ``v<id>`` and gradients ``g<id>``: no text of the
user's reaches it, only the table's formulas and numbers written by ``repr``.

Rows where a node or a gradient is not finite are flagged and evaluated again, one by one, by the
float engine, which either computes them (a convention the float rules make and NumPy's IEEE
arithmetic does not, such as 0 · ∞) or raises the math error ``eval`` would raise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import check_wrt
from ..engine import evaluate as evaluate_point
from ..errors import MathError, UsageError
from ..formula import Builder, Formula, evaluate, float_impl
from ..graph import Graph
from ..printer import to_text
from ..rule_trees import TREES
from ..styles import NUMPY

_OPERANDS = ("a", "b", "c")
TILE = 32_768
"""Rows per pass of the generated code: its arrays stay in cache (measured: faster than whole columns)."""


@dataclass(slots=True)
class Result:
    """The output's value and its gradient with respect to each input in ``wrt``, one entry per row."""

    value: np.ndarray
    gradients: dict[str, np.ndarray]
    errors: list[tuple[int, MathError]] = field(default_factory=list)
    """(row index, error) for the rows the float engine cannot compute either, in order."""


def output_names(graph: Graph, wrt: Sequence[str]) -> list[str]:
    """The value's column (the output's label, ``f`` by default), then ``df_dx`` for each input."""
    label = graph.labels[-1]
    return [label, *(f"d{label}_d{name}" for name in wrt)]


def _print(b: Builder, names: dict[str, str]) -> str:
    return to_text(b.build(), NUMPY, names=names)


def _forward(op: str, operands: list[str]) -> str:
    """``op(a, b)`` in NumPy: the printer's spelling of the op, applied to the named nodes."""
    b = Builder()
    b.node(op, *(b.var(_OPERANDS[k]) for k in range(len(operands))))
    return _print(b, dict(zip(_OPERANDS, operands)))


def _backward(rule: Formula, names: dict[str, str], local: str, upstream: str | None, acc: str | None) -> list[str]:
    """The lines that add upstream × local into an input's gradient (``acc``, if it has one yet).

    As in the float engine, the local gradient is computed first (into ``local`` when it is a
    formula), then multiplied by the upstream gradient (``None`` for the output's, exactly 1), so
    that every row's numbers are the engine's own. A constant ±1 (a sum's) passes ``up`` on.
    """
    lines = []
    b = Builder()
    if len(rule) > 1 and rule.variables():
        b.insert(rule, {})
        lines.append(f"{local} = {_print(b, names)}")
        b = Builder()
        d = b.var(local)
    else:
        d = b.insert(rule, {})
    constant = None if rule.variables() else evaluate(rule, {}, float_impl())
    if upstream is None:
        term = d
    elif constant == 1.0:
        term = b.var(upstream)
    elif constant == -1.0:
        term = b.node("neg", b.var(upstream))
    else:
        term = b.node("mul", b.var(upstream), d)
    if acc is not None:
        b.node("add", b.var(acc), term)
    return [*lines, f"{acc or names['target']} = {_print(b, names)}"]


def generate(graph: Graph, wrt: Sequence[str]) -> str:
    """The kernel's Python source: ``def kernel(inputs, consts, check)`` returning (value, gradients)."""
    ops, args = graph.ops, graph.args
    lines = []
    var = [f"v{i}" for i in range(len(ops))]
    checked = []
    for i, op in enumerate(ops):
        if not args[i]:
            lines.append(f"{var[i]} = {'inputs' if graph.consts[i] is None else 'consts'}[{i}]")
            continue
        lines.append(f"{var[i]} = {_forward(op, [var[j] for j in args[i]])}")
        checked.append(var[i])
    if checked:
        lines.append(f"check({', '.join(checked)})")

    # The reverse pass, for the gradients that reach an input in wrt only.
    wanted = {graph.inputs[name] for name in wrt}
    reaches = [False] * len(ops)
    for i in range(len(ops)):
        reaches[i] = i in wanted or any(reaches[j] for j in args[i])
    output = len(ops) - 1
    done = {output}
    for i in range(output, -1, -1):
        if i not in done:
            continue
        names = {_OPERANDS[k]: var[j] for k, j in enumerate(args[i])} | {"out": var[i]}
        for k, j in enumerate(args[i]):
            if reaches[j]:
                upstream = None if i == output else f"g{i}"
                acc = f"g{j}" if j in done else None
                local = f"d{i}_{k}"
                lines += _backward(TREES[ops[i]][k], names | {"target": f"g{j}"}, local, upstream, acc)
                done.add(j)
    grads = [f"g{graph.inputs[name]}" if graph.inputs[name] in done - {output} else "zeros" for name in wrt]
    if graph.inputs.get(wrt[0] if wrt else "", -1) == output:  # the expression is one input: df/dx = 1
        grads[0] = "ones"
    body = "".join(f"    {line}\n" for line in lines)
    grads_tuple = f"({', '.join(grads)}{',' if len(grads) == 1 else ''})"
    return f"def kernel(inputs, consts, check):\n{body}    return {var[-1]}, {grads_tuple}\n"


class Kernel:
    """``kernel(x=array, y=2.0)``: the value and gradients of a graph over columns (broadcast together).

    Compiled once per graph; picklable (it pickles as its expression), so Dask can ship it.
    """

    def __init__(self, graph: Graph, wrt: Sequence[str] | None = None) -> None:
        from ..arrays import uses_arrays

        if uses_arrays(graph, {}):
            raise UsageError("the kernel evaluates scalar expressions at many points: no vectors or matrices")
        self.graph = graph
        self.wrt = list(graph.inputs) if wrt is None else check_wrt(graph, wrt)
        self.inputs = list(graph.inputs)
        self.columns = output_names(graph, self.wrt)
        """Column names as ``backprop batch`` writes them: the value's, then each gradient's."""
        self.source = generate(graph, self.wrt)
        helpers = "".join(NUMPY.helpers.values())
        namespace: dict[str, Any] = {"np": np, "ones": np.float64(1.0), "zeros": np.float64(0.0)}
        # The code is the printer's output for the table's rule trees, with node names v<i>: no user text.
        exec(compile(helpers + self.source, "<backprop kernel>", "exec"), namespace)
        self._run = namespace["kernel"]
        self._consts = {i: np.float64(c) for i, c in enumerate(graph.consts) if isinstance(c, float)}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.graph.to_data(), self.wrt))

    def evaluate(self, inputs: Mapping[str, Any], rows: int | None = None) -> Result:
        """Every row's value and gradients; rows the float engine cannot compute are in ``errors``
        (indices into the flattened broadcast shape). ``rows`` gives the length when every input is a scalar."""
        missing = [name for name in self.inputs if name not in inputs]
        if missing:
            raise TypeError(f"missing input{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        columns = {name: np.asarray(inputs[name], dtype=np.float64) for name in self.inputs}
        shape = (rows,) if rows is not None else np.broadcast_shapes(*(c.shape for c in columns.values()))
        size = math.prod(shape)
        flat = {name: c if c.ndim == 0 else np.broadcast_to(c, shape).reshape(-1) for name, c in columns.items()}
        if size <= TILE:
            value, gradients, errors = self._tile(flat, size)
        else:  # tiles that stay in the processor's cache: faster than whole columns
            value = np.empty(size)
            gradients = {name: np.empty(size) for name in self.wrt}
            errors = []
            for start in range(0, size, TILE):
                stop = min(start + TILE, size)
                part = {name: c if c.ndim == 0 else c[start:stop] for name, c in flat.items()}
                tile_value, tile_gradients, tile_errors = self._tile(part, stop - start)
                value[start:stop] = tile_value
                for name, g in tile_gradients.items():
                    gradients[name][start:stop] = g
                errors += [(start + r, err) for r, err in tile_errors]
        return Result(value.reshape(shape), {name: g.reshape(shape) for name, g in gradients.items()}, errors)

    def _tile(
        self, columns: dict[str, np.ndarray], size: int
    ) -> tuple[np.ndarray, dict[str, np.ndarray], list[tuple[int, MathError]]]:
        """One tile of rows through the generated code; flagged rows settled by the float engine."""
        slots = {self.graph.inputs[name]: column for name, column in columns.items()}
        flags: list[np.ndarray] = []

        def check(*arrays: np.ndarray) -> None:
            for array in arrays:
                if not np.isfinite(np.add.reduce(array, axis=None)):  # a fast screen; an overflow is a false alarm
                    flags.append(~np.isfinite(array))

        with np.errstate(all="ignore"):
            value, grads = self._run(slots, self._consts, check)
            check(*grads)
        seen = {id(column) for column in columns.values()}
        value = _full(value, size, seen)
        gradients = {name: _full(g, size, seen) for name, g in zip(self.wrt, grads)}
        errors = []
        if flags:
            bad = np.zeros(size, dtype=bool)
            for flag in flags:
                bad |= flag
            errors = self._settle(columns, np.flatnonzero(bad), value, gradients)
        return value, gradients, errors

    def _settle(
        self, columns: dict[str, np.ndarray], rows: np.ndarray, value: np.ndarray, gradients: dict[str, np.ndarray]
    ) -> list[tuple[int, MathError]]:
        """Evaluate the flagged rows with the float engine; fill in those it computes, return the others."""
        errors = []
        for r in rows.tolist():
            point = {name: float(column if column.ndim == 0 else column[r]) for name, column in columns.items()}
            try:
                ev = evaluate_point(self.graph, point, wrt=self.wrt)
            except MathError as err:
                errors.append((r, err))
                value[r] = np.nan
                for g in gradients.values():
                    g[r] = np.nan
                continue
            value[r] = ev.value
            for name, grad in ev.input_grads().items():
                gradients[name][r] = grad
        return errors

    def __call__(self, on_error: str = "raise", /, **inputs: Any) -> Result:
        """The kernel over NumPy arrays or scalars; a row's math error raises (``on_error="raise"``,
        naming the row's index) or leaves NaN in that row (``"nan"``; the rows are in ``errors``)."""
        result = self.evaluate(inputs)
        if result.errors and on_error == "raise":
            row, err = result.errors[0]
            raise MathError(f"row {row}: {err.message}", err.source, err.span)
        return result


def _full(array: Any, size: int, seen: set[int]) -> np.ndarray:
    """A float64 array of ``size`` that the caller may write to: a copy of a constant, a broadcast, an
    input or an array already returned (the reverse pass passes a gradient on through sums unchanged)."""
    fresh: np.ndarray = array
    if not isinstance(array, np.ndarray) or id(array) in seen or array.shape != (size,) or not array.flags.owndata:
        fresh = np.array(np.broadcast_to(array, (size,)), dtype=np.float64)
    seen.add(id(fresh))
    return fresh


def _rebuild(data: tuple[object, ...], wrt: list[str]) -> Kernel:
    return Kernel(Graph.from_data(data), wrt)


def compile_expression(expr: str, wrt: Sequence[str] | None = None) -> Kernel:
    """The kernel of an expression (or program) in the tool's language, for pipelines::

    f = backprop_cli.compile("sigmoid(w0*x0 + w1*x1 + w2)")
    result = f(w0=2.0, x0=xs, w1=-3.0, x1=ys, w2=-3.0)   # result.value, result.gradients["x0"]
    """
    from ..cache import load

    return Kernel(load(expr), wrt)
