"""The forward and reverse passes, generic over the op table.

Every failure of float64 arithmetic (a domain error, division by zero, overflow, an infinite or
undefined gradient) stops with a :class:`MathError` that names the subexpression and its values:
nothing turns silently into NaN or infinity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from . import flat
from .errors import InputError, MathError, MissingValuesError, UnknownInputsError
from .formatting import exact
from .graph import Graph
from .ops import OPS, OVERFLOW
from .rules import LOCAL

_ORDINALS = ("first", "second", "third")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Derivatives:
    """One column of derivatives, an entry per node: reverse mode's ∂output/∂node (``wrt`` is None),
    or forward mode's ∂node/∂input for the input ``wrt``. None where a node has none (a constant, or
    a node that no input asked for by --wrt reaches)."""

    wrt: str | None
    values: list[float | None]

    def title(self, output: str, partial: str = "∂") -> str:
        """``∂f/∂node`` or ``∂node/∂x``."""
        if self.wrt is None:
            return f"{partial}{output}/{partial}node"
        return f"{partial}node/{partial}{self.wrt}"

    def name(self, partial: str = "∂") -> str:
        """What a node's entry is called beside it: ``grad``, or ``∂/∂x``."""
        return "grad" if self.wrt is None else f"{partial}/{partial}{self.wrt}"


@dataclass(slots=True)
class Evaluation:
    """A graph with its forward values, local gradients and derivatives, in either mode.

    A view asks for :attr:`derivatives` and gets what the mode computed: one column of gradients
    ∂output/∂node in reverse mode, one column of tangents ∂node/∂input per input in forward mode.
    """

    graph: Graph
    values: list[float]
    local: list[tuple[float | None, ...]]
    """``local[i][k]`` is ∂node_i/∂(its k-th input); None towards a constant or a node no input in
    ``wrt`` reaches."""
    wrt: list[str]
    """The inputs differentiated, in order of first use."""
    derivatives: list[Derivatives]
    needs: list[bool]
    """Which nodes have derivatives: those the inputs in ``wrt`` reach."""
    mode: str = "reverse"
    hessian: dict[str, dict[str, float]] | None = None
    """∂²output/∂x∂y for the inputs in ``wrt``, when asked for (see hessian.py); None otherwise."""

    @property
    def value(self) -> float:
        return self.values[-1]

    @property
    def grads(self) -> list[float | None]:
        """∂output/∂node per node (reverse mode; all None in forward mode, which does not compute it)."""
        if self.mode == "reverse":
            return self.derivatives[0].values
        return [None] * len(self.values)

    @property
    def tangents(self) -> dict[str, list[float]] | None:
        """Forward mode: input -> ∂node/∂input per node; None in reverse mode."""
        if self.mode == "reverse":
            return None
        return {d.wrt or "": [t or 0.0 for t in d.values] for d in self.derivatives}

    def input_grads(self) -> dict[str, float]:
        """∂output/∂input for every input in ``wrt``, in order of first use."""
        if self.mode == "forward":
            return {d.wrt or "": d.values[-1] or 0.0 for d in self.derivatives}
        grads = self.derivatives[0].values
        return {name: grads[self.graph.inputs[name]] or 0.0 for name in self.wrt}


def bind_inputs(graph: Graph, given: Mapping[str, V]) -> tuple[dict[str, V], list[str]]:
    """Match given values to the graph's inputs: raise if any is missing, warn of unused ones."""
    missing = [name for name in graph.inputs if name not in given]
    if missing:
        raise MissingValuesError(missing)
    warnings = []
    for name in given:
        if name not in graph.inputs:
            if name in graph.names:  # a named intermediate
                raise InputError(f"'{name}' is assigned in the expression, so it is not an input")
            warnings.append(f"'{name}' is not used by the expression; its value is ignored")
    return {name: given[name] for name in graph.inputs}, warnings


def _where(graph: Graph, i: int, values: list[float]) -> str:
    """`` where a = 1; b = 2`` for node i's inputs, each named once by its source text; literals
    (``0``, ``pi``) say their value themselves and are left out ("" when nothing is left)."""
    parts: dict[str, str] = {}
    for j in graph.args[i]:
        if graph.ops[j] == "const" and not graph.args[j]:
            continue
        parts.setdefault(graph.expr(j), f"{graph.expr(j)} = {exact(values[j])}")
    return " where " + "; ".join(parts.values()) if parts else ""


def forward(graph: Graph, inputs: Mapping[str, float]) -> list[float]:
    """Every node's value, in evaluation order."""
    values: list[float] = []
    ops, args, consts, names = graph.ops, graph.args, graph.consts, graph.names
    for i in range(len(ops)):
        op = OPS[ops[i]]
        if op.arity == 0:
            const = consts[i]
            values.append(inputs[names[i] or ""] if const is None else const)  # type: ignore[arg-type]  # no arrays here
            continue
        xs = [values[j] for j in args[i]]
        try:
            out = op.forward(*xs)
            failed = not math.isfinite(out)
        except (ArithmeticError, ValueError):
            failed = True
        if failed:
            why = op.explain(*xs) if op.explain else OVERFLOW
            raise MathError(f"{why}: {graph.expr(i)}{_where(graph, i, values)}", graph.source, graph.spans[i])
        values.append(out)
    return values


def reaches(graph: Graph, wrt: Sequence[str]) -> list[bool]:
    """For each node: does it depend on one of the inputs ``wrt``? Only those need a gradient."""
    if len(wrt) == len(graph.inputs):
        return graph.needs_grad
    seeds = {graph.inputs[name] for name in wrt}
    needs: list[bool] = []
    for i, args in enumerate(graph.args):
        needs.append(i in seeds or any(needs[j] for j in args))
    return needs


def local_gradients(
    graph: Graph, values: list[float], needs: list[bool] | None = None
) -> list[tuple[float | None, ...]]:
    """∂node/∂input for each node's inputs that need a gradient (None towards constants, and towards
    nodes that ``needs`` leaves out: a gradient not asked for is not computed and cannot fail)."""
    result: list[tuple[float | None, ...]] = []
    needs = graph.needs_grad if needs is None else needs
    for i, (name, args) in enumerate(zip(graph.ops, graph.args)):
        rules = LOCAL.get(name, ())
        xs = [values[j] for j in args]
        row: list[float | None] = []
        for k, j in enumerate(args):
            if not needs[j]:
                row.append(None)
                continue
            try:
                d = rules[k](*xs, values[i])
                ok = math.isfinite(d)
            except (ArithmeticError, ValueError):
                ok = False
            if not ok:
                which = f" with respect to its {_ORDINALS[k]} input" if len(args) > 1 else ""
                raise MathError(
                    f"the gradient of {graph.expr(i)}{which} is infinite or undefined{_where(graph, i, values)}",
                    graph.source,
                    graph.spans[i],
                )
            row.append(d)
        result.append(tuple(row))
    return result


def backward(
    graph: Graph, local: list[tuple[float | None, ...]], needs: list[bool] | None = None
) -> list[float | None]:
    """Reverse pass: from ∂out/∂out = 1, add upstream × local into each input, last node first."""
    needs = graph.needs_grad if needs is None else needs
    grads = [0.0] * len(graph)
    grads[-1] = 1.0
    for i in range(len(graph) - 1, -1, -1):
        for j, d in zip(graph.args[i], local[i]):
            if d is not None:
                grads[j] += grads[i] * d
    for i, g in enumerate(grads):
        if needs[i] and not math.isfinite(g):
            raise MathError(
                f"the gradient of the output with respect to {graph.expr(i)} overflows",
                graph.source,
                graph.spans[i],
            )
    return [g if needs[i] else None for i, g in enumerate(grads)]


def evaluate(
    graph: Graph, inputs: Mapping[str, float], mode: str = "reverse", wrt: Sequence[str] | None = None
) -> Evaluation:
    """Forward pass, local gradients, then the reverse pass or (``mode="forward"``) forward mode.

    ``wrt`` restricts which inputs are differentiated (default: all).
    """
    names = list(graph.inputs) if wrt is None else check_wrt(graph, wrt)
    needs = reaches(graph, names)
    try:  # the same passes in one loop, checked in bulk (flat.py); on any doubt, the ones below
        if mode == "forward":
            values, local, found = flat.evaluate(graph, inputs, needs, names)
            columns = [Derivatives(name, column) for name, column in zip(names, found)]
            return Evaluation(graph, values, local, names, columns, needs, "forward")
        values, local, (grads,) = flat.evaluate(graph, inputs, needs)
        return Evaluation(graph, values, local, names, [Derivatives(None, grads)], needs)
    except flat.Fallback:
        pass
    values = forward(graph, inputs)
    local = local_gradients(graph, values, needs)
    if mode == "forward":
        tangents = forward_mode(graph, local, names)
        columns = [Derivatives(name, [t if needs[i] else None for i, t in enumerate(tangents[name])]) for name in names]
        return Evaluation(graph, values, local, names, columns, needs, "forward")
    return Evaluation(graph, values, local, names, [Derivatives(None, backward(graph, local, needs))], needs)


def check_wrt(graph: Graph, wrt: Sequence[str]) -> list[str]:
    """The inputs named in ``wrt``, in the graph's order; an error names any that is not an input."""
    unknown = [name for name in wrt if name not in graph.inputs]
    if unknown:
        raise UnknownInputsError(unknown, list(graph.inputs))
    return [name for name in graph.inputs if name in wrt]


def forward_mode(graph: Graph, local: list[tuple[float | None, ...]], wrt: list[str]) -> dict[str, list[float]]:
    """Forward-mode differentiation: for each input in ``wrt``, one pass carrying every node's tangent
    ∂node/∂input, from the same local gradients as the reverse pass: ṅ = Σ ∂n/∂a · ȧ.
    """
    result = {}
    for name in wrt:
        seed = graph.inputs[name]
        tangent = [0.0] * len(graph)
        tangent[seed] = 1.0
        for i in range(seed + 1, len(graph)):
            tangent[i] = sum((d * tangent[j] for j, d in zip(graph.args[i], local[i]) if d is not None), 0.0)
            if not math.isfinite(tangent[i]):
                raise MathError(
                    f"the tangent of {graph.expr(i)} with respect to {name} overflows", graph.source, graph.spans[i]
                )
        result[name] = tangent
    return result
