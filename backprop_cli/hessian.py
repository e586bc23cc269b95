"""Second derivatives: the Hessian of the output, by forward mode over the reverse pass.

The reverse pass evaluates the gradient graph: ``g_j = Σ g_i · L_ij`` over the uses of node j, where
``L_ij`` is the op table's local rule. Differentiating that graph along one input ``x_k`` (forward
mode: a tangent ``ṫ_i = ∂node_i/∂x_k`` per node) gives the Hessian's row ``∂(gradient)/∂x_k``::

    ġ_j += ġ_i · L_ij + g_i · Σ_p H_i[j][p] · ṫ_(input p)

where ``H_i[m][p] = ∂²node_i/∂(input m)∂(input p)`` is the op's rule differentiated once more
(:func:`second_rules`: ``symbolic.gradients`` over the same rule trees, so the kink conventions carry
over: ``step`` and ``sign`` have derivative 0). Each row is one forward and one reverse sweep, linear in
the nodes and made of loops: n inputs cost n passes, exact to float64 rounding, no formula grows.
With ``mode="forward"`` the same local second derivatives are pushed forward for each pair of inputs
instead (forward over forward: n(n+1)/2 passes), which a test compares with the reverse form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from .engine import Evaluation, _where, backward, forward_mode
from .errors import MathError
from .formula import Formula, evaluate, float_impl
from .graph import Graph
from .ops import OPS, RULE_INPUTS

Hessian = dict[str, dict[str, float]]
"""``hessian[x][y]`` = ∂²output/∂x∂y, rows and columns in the order of the inputs differentiated."""

LocalHessian = tuple[tuple[float | None, ...], ...] | None
"""A node's ``[m][p]`` = ∂²node/∂(input m)∂(input p); None where input m or p has no gradient."""

_ORDINALS = ("first", "second", "third")


@cache
def second_rules(name: str) -> tuple[tuple[Formula, ...], ...]:
    """``[m][p]``: ∂²out/∂(input m)∂(input p) of op ``name`` as a formula in ``a``, ``b``, ``c`` and
    ``out``: rule m differentiated by input p, through ``out`` too (∂R_m/∂p + ∂R_m/∂out · R_p)."""
    from .rule_trees import TREES
    from .symbolic import Simplifier, gradients

    op = OPS[name]
    inputs = list(RULE_INPUTS[: op.arity])
    trees = TREES[name]
    rows = []
    for m in range(op.arity):
        b = Simplifier()
        _, d = gradients(trees[m], [*inputs, "out"], b)
        env = {var: b.var(var) for var in (*inputs, "out")}
        row = []
        for p, var in enumerate(inputs):
            total = b.node("add", d[var], b.node("mul", d["out"], b.insert(trees[p], env)))
            row.append(b.build(total))
        rows.append(tuple(row))
    return tuple(rows)


def local_hessians(
    graph: Graph, values: Sequence[float], local: Sequence[tuple[float | None, ...]]
) -> list[LocalHessian]:
    """Every node's second local derivatives towards the inputs that have a gradient (``local`` not
    None); a non-finite one is a math error naming the node, as a first-order one is."""
    impl = float_impl()
    result: list[LocalHessian] = []
    for i, (name, args) in enumerate(zip(graph.ops, graph.args)):
        row = local[i]
        if not args or all(d is None for d in row):
            result.append(None)
            continue
        rules = second_rules(name)
        env = dict(zip(RULE_INPUTS, (values[j] for j in args)))
        env["out"] = values[i]
        entries: list[list[float | None]] = [[None] * len(args) for _ in args]
        for m in range(len(args)):
            for p in range(m, len(args)):  # symmetric: the lower triangle is the upper one
                if row[m] is None or row[p] is None:
                    continue
                try:
                    d = evaluate(rules[m][p], env, impl)
                    ok = math.isfinite(d)
                except (ArithmeticError, ValueError):
                    ok = False
                if not ok:
                    raise MathError(
                        f"the second derivative of {graph.expr(i)}{_which(row, m, p)} is infinite or "
                        f"undefined{_where(graph, i, list(values))}",
                        graph.source,
                        graph.spans[i],
                    )
                entries[m][p] = entries[p][m] = float(d)
        result.append(tuple(map(tuple, entries)))
    return result


def _which(row: tuple[float | None, ...], m: int, p: int) -> str:
    """Which inputs, when more than one of them has a gradient."""
    if sum(d is not None for d in row) == 1:
        return ""
    if m == p:
        return f" with respect to its {_ORDINALS[m]} input twice"
    return f" with respect to its {_ORDINALS[m]} and {_ORDINALS[p]} inputs"


def hessian(ev: Evaluation, mode: str = "reverse") -> Hessian:
    """The Hessian of the output over the inputs differentiated (``ev.wrt``): forward over reverse,
    one row per input; ``mode="forward"``, forward over forward, one pass per pair of inputs."""
    graph = ev.graph
    second = local_hessians(graph, ev.values, ev.local)
    if mode == "forward":
        return _forward_over_forward(ev, second)
    grads = ev.grads if ev.mode == "reverse" else backward(graph, ev.local, ev.needs)
    rows: Hessian = {}
    for name in ev.wrt:
        tangent = forward_mode(graph, ev.local, [name])[name]
        row = _reverse_tangent(graph, ev.local, second, grads, tangent, ev.needs, name)
        rows[name] = {other: row[graph.inputs[other]] for other in ev.wrt}
    return rows


def _reverse_tangent(
    graph: Graph,
    local: Sequence[tuple[float | None, ...]],
    second: Sequence[LocalHessian],
    grads: Sequence[float | None],
    tangent: Sequence[float],
    needs: Sequence[bool],
    name: str,
) -> list[float]:
    """The reverse pass differentiated along one input: ġ per node (∂gradient/∂name), last node first."""
    gdot = [0.0] * len(graph)
    for i in range(len(graph) - 1, -1, -1):
        args = graph.args[i]
        if not args:
            continue
        up, up_dot, h, row = grads[i] or 0.0, gdot[i], second[i], local[i]
        for m, j in enumerate(args):
            d = row[m]
            if d is None:
                continue
            total = up_dot * d
            if h is not None and up:
                total += up * sum(x * tangent[args[p]] for p, x in enumerate(h[m]) if x is not None)
            gdot[j] += total
    for i, x in enumerate(gdot):
        if needs[i] and not math.isfinite(x):
            what = f"the second derivative of the output with respect to {_pair(graph.expr(i), name)} overflows"
            raise MathError(what, graph.source, graph.spans[i])
    return gdot


def _forward_over_forward(ev: Evaluation, second: Sequence[LocalHessian]) -> Hessian:
    graph, local = ev.graph, ev.local
    tangents = forward_mode(graph, local, ev.wrt)
    rows: Hessian = {name: {} for name in ev.wrt}
    for k, first in enumerate(ev.wrt):
        for other in ev.wrt[k:]:
            tk, tl = tangents[first], tangents[other]
            s = [0.0] * len(graph)
            for i, args in enumerate(graph.args):
                row, h = local[i], second[i]
                total = 0.0
                for m, j in enumerate(args):
                    if row[m] is None:
                        continue
                    total += row[m] * s[j]  # type: ignore[operator]  # not None: checked above
                    if h is not None:
                        total += tk[j] * sum(x * tl[args[p]] for p, x in enumerate(h[m]) if x is not None)
                s[i] = total
            for i, x in enumerate(s):
                if ev.needs[i] and not math.isfinite(x):
                    what = f"the second derivative of {graph.expr(i)} with respect to {_pair(first, other)} overflows"
                    raise MathError(what, graph.source, graph.spans[i])
            rows[first][other] = rows[other][first] = s[-1]
    return {name: {other: rows[name][other] for other in ev.wrt} for name in ev.wrt}


def _pair(first: str, second: str) -> str:
    """``x and y``, or ``x twice``."""
    return f"{first} twice" if first == second else f"{first} and {second}"
