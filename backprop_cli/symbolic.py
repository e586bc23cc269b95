"""The gradient graph: derivatives as formulas, built by reverse accumulation from the rule trees.

For every node of f, its adjoint ∂f/∂node is the sum, over the node's uses, of the user's adjoint
times the user's local rule (the op table's tree, with the inputs and the output substituted):
upstream × local per edge and sums at forks, from the same trees the numeric passes compile, so a
formula and its number cannot disagree. Each node adds a constant number of nodes, and equal nodes
are made once, so the gradient graph of an n-node graph has O(n) nodes; it is built by loops.

:class:`Simplifier` rewrites each node as it is made, the way a person would: constants folded,
``1*a``, ``a*0``, ``a+0``, ``a^1``, ``--a``, ``-(p / q) -> -p / q``, ``a - a``, ``a*a -> a^2``, constant
factors collected in front, products of quotients made one quotient (``a * (p / q) -> a * p / q``,
``p / q / r -> p / (q * r)``) and the factors a quotient's two sides share cancelled
(``2 * x / (2 * y) -> x / y``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .formula import Builder, Formula, float_impl
from .ops import RULE_INPUTS
from .rule_trees import TREES

FACTORS = 8
"""The most factors of a product that cancelling looks at."""


class Simplifier(Builder):
    """A :class:`Builder` that simplifies each node as it is made (never recursion: each rewrite
    looks at most two levels down, at nodes that are simplified already)."""

    def __init__(self) -> None:
        super().__init__()
        self._impl = float_impl()

    def _value(self, i: int) -> float | None:
        return self.consts[i] if self.ops[i] == "const" and self.names[i] is None else None

    def _number(self, x: float) -> int:
        if x < 0:  # a negative number is -(its magnitude), as the language writes it
            return super().node("neg", self.const(-x))
        return self.const(x)

    def _negative(self, i: int) -> float | None:
        """The value of a number, written ``c`` or ``-c``."""
        if self.ops[i] == "neg":
            inner = self._value(self.args[i][0])
            return None if inner is None else -inner
        return self._value(i)

    def node(self, op: str, *args: int) -> int:  # noqa: PLR0915
        values = [self._negative(j) for j in args]
        if args and all(v is not None for v in values):
            try:
                result = self._impl[op](*values)
            except (ArithmeticError, ValueError):
                result = None
            # Fold only what stays exact and readable (2*3 -> 6, not log(2) -> 0.693...).
            if result is not None and math.isfinite(result) and float(result).is_integer() and abs(result) < 2**53:
                return self._number(float(result))
        a = args[0] if args else -1
        b = args[1] if len(args) > 1 else -1
        va, vb = ([*values, None, None])[:2]
        if op == "neg":
            positive = self._negated(a)
            if positive is not None:
                return positive
            if va == 0:
                return self.const(0.0)
            if self.ops[a] == "div" and self.ops[self.args[a][0]] not in ("add", "sub", "mul", "div"):
                # -(p / q) -> -p / q, as a person writes it (the same float); -(2 * x / q) stays.
                return super().node("div", self.node("neg", self.args[a][0]), self.args[a][1])
        elif op == "add":
            if va == 0:
                return b
            if vb == 0:
                return a
            positive = self._negated(b)
            if positive is not None:
                return self.node("sub", a, positive)
            positive = self._negated(a)
            if positive is not None:  # -a + b -> b - a
                return self.node("sub", b, positive)
            if a == b:
                return self.node("mul", self._number(2.0), a)
        elif op == "sub":
            if vb == 0:
                return a
            if va == 0:
                return self.node("neg", b)
            if a == b:
                return self.const(0.0)
            positive = self._negated(b)
            if positive is not None:
                return self.node("add", a, positive)
        elif op == "mul":
            if va == 0 or vb == 0:
                return self.const(0.0)
            if va == 1:
                return b
            if vb == 1:
                return a
            if va == -1:
                return self.node("neg", b)
            if vb == -1:
                return self.node("neg", a)
            if self.ops[a] == "neg":
                return self.node("neg", self.node("mul", self.args[a][0], b))
            if self.ops[b] == "neg":
                return self.node("neg", self.node("mul", a, self.args[b][0]))
            # One fraction: a * (p / q) -> a * p / q, (p / q) * b -> p * b / q (then common factors cancel).
            if self.ops[b] == "div":
                return self.node("div", self.node("mul", a, self.args[b][0]), self.args[b][1])
            if self.ops[a] == "div":
                return self.node("div", self.node("mul", self.args[a][0], b), self.args[a][1])
            if vb is not None and va is None:  # a number first: 2*x, not x*2
                return self.node("mul", b, a)
            inner = self._value(self.args[b][0]) if self.ops[b] == "mul" else None
            if va is not None and inner is not None and float(va * inner).is_integer():
                # 2*(3*x) -> 6*x (only where the product is exact and readable)
                return self.node("mul", self._number(va * inner), self.args[b][1])
            # Constant factors go to the front, the product left to right as it is read (the
            # language keeps a product's grouping): (3*y)*(2*x) -> 6*y*x, x*(2*y) -> 2*x*y.
            ca = self._value(self.args[a][0]) if self.ops[a] == "mul" else None
            cb = inner
            whole = (ca if ca is not None else 1.0) * (cb if cb is not None else 1.0)
            if va is None and cb is not None and float(whole).is_integer():
                rest_a = self.args[a][1] if ca is not None else a
                factor = self._number(whole)
                return self.node("mul", self.node("mul", factor, rest_a), self.args[b][1])
            if a == b:
                return self.node("pow", a, self.const(2.0))
            power = self._power_of(a, b)
            if power is not None:
                return power
        elif op == "div":
            if vb == 1:
                return a
            if self.ops[a] == "neg":  # the quotient simplified without its sign, then the sign put back
                return self.node("neg", self.node("div", self.args[a][0], b))
            if self.ops[b] == "neg":  # p / -q -> -p / q
                return self.node("neg", self.node("div", a, self.args[b][0]))
            if va == 0:
                return self.const(0.0)
            if a == b:
                return self.const(1.0)
            if self.ops[a] == "div":  # (p / q) / b -> p / (q * b), so that q / q / q is q^2's quotient
                return self.node("div", self.args[a][0], self.node("mul", self.args[a][1], b))
            if self.ops[b] == "div":  # a / (p / q) -> a * q / p
                return self.node("div", self.node("mul", a, self.args[b][1]), self.args[b][0])
            cancelled = self._cancel(a, b)
            if cancelled is not None:
                return cancelled
        elif op == "pow":
            if vb == 1:
                return a
            if vb == 0:
                return self.const(1.0)
        elif op == "where" and va is not None:
            return b if va != 0 else args[2]
        return super().node(op, *args)

    def _negated(self, i: int) -> int | None:
        """``-p`` or ``-p / q`` (a negated quotient, as it is kept): the same without its sign, else None."""
        if self.ops[i] == "neg":
            return self.args[i][0]
        if self.ops[i] == "div" and self.ops[self.args[i][0]] == "neg":
            return super().node("div", self.args[self.args[i][0]][0], self.args[i][1])
        return None

    def _factors(self, i: int) -> list[int]:
        """The factors of a product, in order (a node that is no product: itself); a product of
        more than :data:`FACTORS` factors is taken whole, so that each rewrite stays constant work."""
        found: list[int] = []
        stack = [i]
        while stack:
            j = stack.pop()
            if self.ops[j] == "mul" and len(found) + len(stack) < FACTORS:
                stack += [self.args[j][1], self.args[j][0]]
            else:
                found.append(j)
        return found if len(found) <= FACTORS else [i]

    def _cancel(self, num: int, den: int) -> int | None:
        """num / den with the factors they share cancelled (x*y / (x*z) -> y / z), or None."""
        top, bottom = self._factors(num), self._factors(den)
        common = [f for f in top if f in bottom]
        if not common:
            return None
        for f in common:
            top.remove(f)
            bottom.remove(f)

        def product(factors: list[int]) -> int:
            result = factors[0] if factors else self.const(1.0)
            for f in factors[1:]:
                result = self.node("mul", result, f)
            return result

        return self.node("div", product(top), product(bottom))

    def _power_of(self, a: int, b: int) -> int | None:
        """x * x^n -> x^(n+1), x^n * x -> x^(n+1), x^m * x^n -> x^(m+n), for numbers m and n."""

        def split(i: int) -> tuple[int, float] | None:
            if self.ops[i] == "pow":
                n = self._negative(self.args[i][1])
                return None if n is None else (self.args[i][0], n)
            return None

        pa, pb = split(a), split(b)
        if pa and pa[0] == b:
            return self.node("pow", b, self._number(pa[1] + 1))
        if pb and pb[0] == a:
            return self.node("pow", a, self._number(pb[1] + 1))
        if pa and pb and pa[0] == pb[0]:
            return self.node("pow", pa[0], self._number(pa[1] + pb[1]))
        return None


def gradients(formula: Formula, wrt: Sequence[str], b: Builder | None = None) -> tuple[Builder, dict[str, int]]:
    """The nodes of ∂formula/∂name for each name in ``wrt``, in one builder (shared subexpressions
    shared): reverse accumulation over the formula's nodes, last first."""
    b = b or Simplifier()
    n = len(formula)
    ids = b.copy(formula)
    # Which nodes depend on an input asked for: only those need an adjoint.
    wanted = set(wrt)
    needs: list[bool] = []
    for op, args, name in zip(formula.ops, formula.args, formula.names):
        needs.append((op == "var" and name in wanted) or any(needs[j] for j in args))
    adjoint: list[int | None] = [None] * n
    adjoint[-1] = b.const(1.0)
    for i in range(n - 1, -1, -1):
        up = adjoint[i]
        op, args = formula.ops[i], formula.args[i]
        if up is None or not args:
            continue
        env = {name: ids[j] for name, j in zip(RULE_INPUTS, args)}
        env["out"] = ids[i]
        for k, j in enumerate(args):
            if not needs[j]:
                continue
            term = b.node("mul", up, b.insert(TREES[op][k], env))
            before = adjoint[j]
            adjoint[j] = term if before is None else b.node("add", before, term)
    zero = b.const(0.0)
    roots = {}
    for name in wrt:
        found = [i for i, (op, v) in enumerate(zip(formula.ops, formula.names)) if op == "var" and v == name]
        d = adjoint[found[0]] if found else None
        roots[name] = zero if d is None else d
    return b, roots


def extract(b: Builder, root: int, named: dict[int, str] | None = None) -> Formula:
    """The formula of node ``root`` of a builder; nodes in ``named`` (other than the root) are
    written as variables of those names (the intermediates of a staged form)."""
    named = named or {}
    seen = {root}
    stack = [root]
    while stack:
        i = stack.pop()
        if i != root and i in named:
            continue
        for j in b.args[i]:
            if j not in seen:
                seen.add(j)
                stack.append(j)
    out = Builder()
    new: dict[int, int] = {}
    for i in sorted(seen):  # a builder's ids are in evaluation order
        if i != root and i in named:
            new[i] = out.var(named[i])
        elif b.ops[i] == "var":
            new[i] = out.var(b.names[i] or "")
        elif b.ops[i] == "const":
            new[i] = out.const(b.consts[i] or 0.0, b.names[i])
        else:
            new[i] = out.node(b.ops[i], *(new[j] for j in b.args[i]))
    return out.build(new[root])


def staged(b: Builder, root: int, taken: Sequence[str]) -> list[tuple[str | None, Formula]]:
    """The statements of a staged form: a named intermediate ``t1``, ``t2``... for every operation
    used more than once, then the root's formula (name None). Linear in the number of nodes."""
    uses = [0] * len(b.ops)
    seen = {root}
    order = [root]
    k = 0
    while k < len(order):
        for j in b.args[order[k]]:
            uses[j] += 1
            if j not in seen:
                seen.add(j)
                order.append(j)
        k += 1
    taken_names = set(taken)
    named: dict[int, str] = {}
    counter = 0
    for i in sorted(seen):
        if i != root and uses[i] > 1 and b.args[i] and not (b.ops[i] == "neg" and not b.args[b.args[i][0]]):
            counter += 1
            while f"t{counter}" in taken_names:
                counter += 1
            named[i] = f"t{counter}"
    statements: list[tuple[str | None, Formula]] = [(name, extract(b, i, named)) for i, name in named.items()]
    return [*statements, (None, extract(b, root, named))]


def expanded_size(b: Builder, root: int, limit: int) -> int:
    """How many nodes the formula of ``root`` has when shared subexpressions are written out in
    full, counted up to ``limit`` (a DAG can be exponentially larger written out)."""
    size = [0] * (root + 1)
    for i in range(root + 1):
        size[i] = min(limit, 1 + sum(size[j] for j in b.args[i]))
    return size[root]
