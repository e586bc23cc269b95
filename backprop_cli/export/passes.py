"""The staged forward and backward passes of a program, as formulas: what ``backprop export`` prints.

The forward pass is one statement per operation of the graph. The backward pass is the engine's
reverse loop (``engine.backward``) unrolled: from the output down, each node's adjoint flows into
its inputs as local × upstream, local being the op table's rule tree (``TREES``) with the node's
inputs and output put in; the first contribution to a node sets its adjoint and later ones (at
forks) add to it. Same trees, same order, same float operations as the engine, so code printed
from these formulas computes ``backprop eval``'s numbers to the last bit.

Formulas here call node i's value ``v<i>`` and its adjoint ``g<i>``; each target maps those names
to its own (``names.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..formula import Builder, Formula, evaluate, float_impl, fold_integers
from ..graph import Graph
from ..ops import CONSTANTS, RULE_INPUTS
from ..rule_trees import TREES


def value(i: int) -> str:
    """The variable that stands for node i's value in these formulas."""
    return f"v{i}"


def adjoint(i: int) -> str:
    """The variable that stands for node i's adjoint ∂output/∂node."""
    return f"g{i}"


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of the backward pass: ``g<node> = formula`` (or ``+=`` when ``add``).

    ``user`` is the node whose adjoint flows back (None for the output's seed and for an adjoint
    that no rule reaches, which is 0)."""

    node: int
    formula: Formula
    user: int | None
    add: bool


@dataclass(frozen=True, slots=True)
class Passes:
    """A program's staged passes: the graph, the forward statements, the backward steps."""

    graph: Graph
    wrt: list[str]
    """The inputs differentiated, in order of first use."""
    forward: list[tuple[int, Formula]]
    """(node, its formula in its inputs' values): every operation, in evaluation order."""
    backward: list[Step]
    """The backward pass in the engine's order."""
    result: Formula
    """The output: ``v<output>``, or the constant a constant program is."""


def _leaf(graph: Graph, j: int) -> tuple[str, str | None, float | None]:
    """Node j as a formula's leaf, (op, name, value): a constant is written as its value (``pi`` by
    name), anything else as the variable of its value."""
    if graph.ops[j] != "const":
        return ("var", value(j), None)
    number = graph.consts[j]
    assert isinstance(number, float)  # scalar programs only (the caller refuses arrays)
    # pi and π are one constant: written by the name the styles know (the first of equal value).
    named = graph.expr(j) in CONSTANTS
    return ("const", next((k for k, v in CONSTANTS.items() if v == number), None) if named else None, number)


def leaf(b: Builder, graph: Graph, j: int) -> int:
    """Node j in a formula being built (see :func:`_leaf`)."""
    op, name, number = _leaf(graph, j)
    return b.var(name or "") if op == "var" else b.const(number or 0.0, name)


def _apply(op: str, leaves: list[tuple[str, str | None, float | None]]) -> Formula:
    """``op`` on leaves, as a formula (made directly: a long program has many)."""
    n = len(leaves)
    return Formula(
        (*(kind for kind, _, _ in leaves), op),
        (*(() for _ in leaves), tuple(range(n))),
        (*(name for _, name, _ in leaves), None),
        (*(number for _, _, number in leaves), None),
    )


def _renamed(f: Formula, names: dict[str, str]) -> Formula:
    """``f`` with its variables renamed."""
    new = tuple(names.get(n, n) if op == "var" and n is not None else n for op, n in zip(f.ops, f.names))
    return Formula(f.ops, f.args, new, f.consts)


def _times(f: Formula, variable: str) -> Formula:
    """``f × variable``."""
    n = len(f)
    return Formula(
        (*f.ops, "var", "mul"), (*f.args, (), (n - 1, n)), (*f.names, variable, None), (*f.consts, None, None)
    )


def staged(graph: Graph, wrt: list[str]) -> Passes:
    """The forward and backward passes of ``graph``, differentiated with respect to ``wrt`` (a
    subset of its inputs, in the graph's order). Loops only: linear in the size of the graph."""
    seeds = {graph.inputs[name] for name in wrt}
    needs: list[bool] = []
    for i, args in enumerate(graph.args):
        needs.append(i in seeds or any(needs[j] for j in args))
    output = len(graph) - 1
    forward = [
        (i, _apply(op, [_leaf(graph, j) for j in args]))
        for i, (op, args) in enumerate(zip(graph.ops, graph.args))
        if args
    ]
    b = Builder()
    result = b.build(leaf(b, graph, output))
    return Passes(graph, wrt, forward, _backward(graph, needs), result)


def _backward(graph: Graph, needs: list[bool]) -> list[Step]:
    """``engine.backward``'s loop, one :class:`Step` per addition it makes (none for a rule that is
    the constant 0: it adds nothing)."""
    impl = float_impl()
    output = len(graph) - 1
    started = [False] * len(graph)
    started[output] = True  # ∂output/∂output = 1, which the output's own rules need not multiply by
    steps: list[Step] = []
    # The rule with its constant inputs put in and folded, by (op, input, constants): a long
    # program repeats a few of them.
    locals_: dict[tuple[object, ...], tuple[Formula, float | None]] = {}

    def constant(number: float) -> Formula:
        c = Builder()
        return c.build(c.const(number))

    if needs[output] and not graph.args[output]:
        steps.append(Step(output, constant(1.0), None, False))  # the output is an input: ∂x/∂x = 1
    for i in range(output, -1, -1):
        if not needs[i]:
            continue
        if not started[i]:  # every path to the output passes a rule that is 0
            steps.append(Step(i, constant(0.0), None, False))
        op, args = graph.ops[i], graph.args[i]
        for k, j in enumerate(args):
            if not needs[j]:
                continue
            key = (op, k, *((graph.consts[a], graph.expr(a)) if graph.ops[a] == "const" else None for a in args))
            if key not in locals_:
                locals_[key] = _local(graph, op, k, args, impl)
            local, number = locals_[key]
            if number == 0:
                continue
            env = {name: value(a) for name, a in zip(RULE_INPUTS, args)}
            env["out"] = value(i)
            if i == output:  # the upstream gradient is exactly 1: local × 1 is local
                term = _renamed(local, env)
            elif number == 1:
                term = Formula(("var",), ((),), (adjoint(i),), (None,))
            elif number == -1:
                term = Formula(("var", "neg"), ((), (0,)), (adjoint(i), None), (None, None))
            else:
                term = _times(_renamed(local, env), adjoint(i))
            steps.append(Step(j, term, i, started[j]))
            started[j] = True
    return steps


def _local(graph: Graph, op: str, k: int, args: tuple[int, ...], impl: Any) -> tuple[Formula, float | None]:
    """The rule ∂op/∂(input k) in ``a``, ``b``, ``c``, ``out``, its constant inputs put in and the
    whole-number constant parts folded (``b - 1`` with b = 2 is 1: the same float operations as the
    engine's, done now; anything else is left for the code to compute); and its value if constant."""
    b = Builder()
    env = {name: leaf(b, graph, a) for name, a in zip(RULE_INPUTS, args) if graph.ops[a] == "const"}
    local = fold_integers(b.build(b.insert(TREES[op][k], env)))
    if local.variables():
        return local, None
    try:
        return local, evaluate(local, {}, impl)
    except (ArithmeticError, ValueError):  # 1 / b with b = 0: the code fails there, as the engine does
        return local, None
