"""Formulas: expressions as flat node lists, every node after its arguments, the root last.

A formula is the same plain data as a graph (ops from the table, argument ids, variable names,
constant values), so every pass over one is a loop, never a recursion, and nodes may be shared (a
DAG). The op table's rules are formulas in ``a``, ``b``, ``c`` and ``out``; the gradient graph is one
too. Printing is ``printer.py``'s job; :func:`evaluate` runs one with any table of implementations
(floats here, NumPy columns elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .graph import Graph


@dataclass(frozen=True, slots=True)
class Formula:
    """Parallel tuples: node ``i`` has op ``ops[i]`` on the nodes ``args[i]`` (all ``< i``)."""

    ops: tuple[str, ...]
    args: tuple[tuple[int, ...], ...]
    names: tuple[str | None, ...]
    """A variable's name, or a named constant's (``pi``); None elsewhere."""
    consts: tuple[float | None, ...]
    """A constant's value; None elsewhere."""

    def __len__(self) -> int:
        return len(self.ops)

    @property
    def root(self) -> int:
        return len(self.ops) - 1

    def variables(self) -> list[str]:
        """The variables' names, in order of first appearance."""
        return [n for op, n in zip(self.ops, self.names) if op == "var" and n is not None]

    def is_constant(self) -> bool:
        """True for a formula that is a single constant."""
        return len(self.ops) == 1 and self.ops[0] == "const"


class Builder:
    """Grows a formula node by node; equal nodes are made once (hash-consing), so shared
    subexpressions stay shared and building is linear in the number of distinct nodes."""

    def __init__(self) -> None:
        self.ops: list[str] = []
        self.args: list[tuple[int, ...]] = []
        self.names: list[str | None] = []
        self.consts: list[float | None] = []
        self._seen: dict[tuple[Any, ...], int] = {}

    def _add(self, op: str, args: tuple[int, ...], name: str | None, const: float | None) -> int:
        # -0.0 and 0.0 are equal as keys; keep them apart by sign, so that printing stays exact.
        key = (op, args, name, const, const is not None and str(const)[0] == "-")
        found = self._seen.get(key)
        if found is not None:
            return found
        self.ops.append(op)
        self.args.append(args)
        self.names.append(name)
        self.consts.append(const)
        self._seen[key] = len(self.ops) - 1
        return len(self.ops) - 1

    def var(self, name: str) -> int:
        return self._add("var", (), name, None)

    def const(self, value: float, name: str | None = None) -> int:
        """A number, or a named constant such as ``pi`` (printed by name)."""
        return self._add("const", (), name, float(value))

    def node(self, op: str, *args: int) -> int:
        return self._add(op, tuple(args), None, None)

    def insert(self, formula: Formula, env: Mapping[str, int]) -> int:
        """Copy ``formula`` in, with its variables replaced by the nodes ``env`` gives (variables
        not in ``env`` stay variables); returns the id of its root."""
        return self.copy(formula, env)[-1]

    def copy(self, formula: Formula, env: Mapping[str, int] | None = None) -> list[int]:
        """As :meth:`insert`, returning the id of every node of ``formula``, in its order."""
        ids: list[int] = []
        for op, args, name, const in zip(formula.ops, formula.args, formula.names, formula.consts):
            if op == "var":
                var = name or ""
                ids.append(env[var] if env and var in env else self.var(var))
            elif op == "const":
                ids.append(self.const(const or 0.0, name))
            else:
                ids.append(self.node(op, *(ids[j] for j in args)))
        return ids

    def build(self, root: int | None = None) -> Formula:
        """The formula of ``root`` (default: the last node), keeping only the nodes it uses."""
        root = len(self.ops) - 1 if root is None else root
        live = [False] * (root + 1)
        live[root] = True
        for i in range(root, -1, -1):
            if live[i]:
                for j in self.args[i]:
                    live[j] = True
        keep = [i for i in range(root + 1) if live[i]]
        new = {old: k for k, old in enumerate(keep)}
        return Formula(
            tuple(self.ops[i] for i in keep),
            tuple(tuple(new[j] for j in self.args[i]) for i in keep),
            tuple(self.names[i] for i in keep),
            tuple(self.consts[i] for i in keep),
        )


def substitute(formula: Formula, env: Mapping[str, Formula]) -> Formula:
    """``formula`` with each variable named in ``env`` replaced by that formula."""
    b = Builder()
    ids = {name: b.insert(sub, {}) for name, sub in env.items()}
    return b.build(b.insert(formula, ids))


def from_graph(graph: Graph) -> Formula:
    """A parsed program as a formula (a copy ``q = x`` becomes its input; ``pi`` keeps its name)."""
    b = Builder()
    ids: list[int] = []
    for i, (op, args) in enumerate(zip(graph.ops, graph.args)):
        if op == "var":
            ids.append(b.var(graph.names[i] or ""))
        elif op == "const":
            value = graph.consts[i]
            if not isinstance(value, float):
                from .errors import UsageError

                raise UsageError("formulas of vectors and matrices are not supported yet: scalars only")
            text = graph.expr(i)
            ids.append(b.const(value, text if text.isidentifier() else None))
        elif op == "copy":
            ids.append(ids[args[0]])
        else:
            ids.append(b.node(op, *(ids[j] for j in args)))
    return b.build(ids[-1])


def evaluate(formula: Formula, env: Mapping[str, Any], impl: Mapping[str, Callable[..., Any]]) -> Any:
    """The value of the formula, with variables from ``env`` and each op run by ``impl[op]``
    (:data:`FLOAT` for floats; a NumPy table evaluates the same formula over columns)."""
    values: list[Any] = []
    for op, args, name, const in zip(formula.ops, formula.args, formula.names, formula.consts):
        if op == "var":
            values.append(env[name or ""])
        elif op == "const":
            values.append(const)
        else:
            values.append(impl[op](*(values[j] for j in args)))
    return values[-1]


def float_impl() -> dict[str, Callable[..., float]]:
    """Every op's float forward function, by name (for :func:`evaluate`)."""
    from .ops import OPS

    return {name: op.forward for name, op in OPS.items() if op.arity}


def fold_integers(formula: Formula) -> Formula:
    """Constant subexpressions whose value is a whole number replaced by it (``2 - 1`` -> ``1``), so
    that a rule with literals substituted reads as a person would write it; others are kept
    (``log(2)`` stays ``log(2)``). Math errors leave the subexpression as it is."""
    impl = float_impl()
    b = Builder()
    ids: list[int] = []
    for op, args, name, const in zip(formula.ops, formula.args, formula.names, formula.consts):
        if op == "var":
            ids.append(b.var(name or ""))
        elif op == "const":
            ids.append(b.const(const or 0.0, name))
        else:
            new = [ids[j] for j in args]
            values = [b.consts[j] if b.ops[j] == "const" else None for j in new]
            folded = None
            if all(v is not None for v in values):
                try:
                    folded = impl[op](*values)
                except (ArithmeticError, ValueError):
                    folded = None
            if folded is not None and float(folded).is_integer():
                ids.append(b.const(folded))
            else:
                ids.append(b.node(op, *new))
    return b.build(ids[-1])
