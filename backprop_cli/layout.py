"""Where to draw each node and wire of a circuit: inputs on the left, the output on the right.

A layered (Sugiyama-style) layout in four passes, each a loop over the graph's lists:

1. layers: an input in layer 0, a gate one layer right of its rightmost input, a literal one layer
   left of its first user (so that a constant sits next to the gate it feeds);
2. wires longer than one layer pass through a waypoint in every layer they cross;
3. the order within each layer is improved by barycentre sweeps, keeping the order with the fewest
   crossings;
4. heights: each node is pulled towards the wires it connects to, with enough room between nodes
   for every wire's two labels (the value above it, the gradient below it).

The notes' picture of a gate: wires come in from the left, each on its own horizontal stub that
carries its labels, and leave from the right.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .graph import Graph

RADIUS = 22.0
"""A gate's circle."""
PORT = 28.0
"""Vertical distance between the stubs of a two-input gate and the gate's centre."""
STUB = 104.0
"""Length of the horizontal end of a wire, where its labels are written."""
JOIN = 12.0
"""From a stub's end to the circle."""
LAYER = 228.0
"""Horizontal distance between layers."""
GAP = 14.0
"""Least vertical space between two nodes' bands."""
CHAR = 7.4
"""Estimated width of one character of a 13px label, for margins."""
MARGIN = 24.0
SWEEPS = 12
HEIGHT_WORK = 200_000
"""Slot visits at most when placing heights."""
WAYPOINTS = 20_000
"""At most this many waypoints: an input used all along a long chain (x + x + ... + x) would
otherwise need a number of them quadratic in the chain's length. The longest wires go without."""


@dataclass(frozen=True, slots=True)
class Wire:
    """One input of one gate: from node ``src`` to input ``position`` of node ``dst``."""

    src: int
    dst: int
    position: int
    points: tuple[tuple[float, float], ...]
    """From the source's right edge, through each waypoint, to the start and end of the stub."""

    @property
    def label_at(self) -> tuple[float, float]:
        """The middle of the stub: the value is written above this point, the gradient below."""
        (x0, y0), (x1, _) = self.points[-2], self.points[-1]
        return ((x0 + x1) / 2, y0)


@dataclass(frozen=True, slots=True)
class Layout:
    width: float
    height: float
    x: list[float]
    y: list[float]
    layer: list[int]
    wires: list[Wire]
    output_wire: tuple[tuple[float, float], tuple[float, float]]
    """The output's own wire, from its circle to where its name is written."""


def port_offset(arity: int, position: int) -> float:
    """The height of a gate's input stub relative to its centre: one input level, two above and below."""
    if arity <= 1:
        return 0.0
    return -PORT + 2 * PORT * position / (arity - 1)


def _layers(graph: Graph) -> list[int]:
    n = len(graph)
    layer = [0] * n
    for i in range(n):
        if graph.args[i]:
            layer[i] = 1 + max(layer[j] for j in graph.args[i])
    first_user = [n] * n
    for i in range(n - 1, -1, -1):
        for j in graph.args[i]:
            first_user[j] = min(first_user[j], layer[i])
    for i in range(n):
        if not graph.args[i] and graph.consts[i] is not None and first_user[i] < n:
            layer[i] = first_user[i] - 1
    return layer


@dataclass(slots=True)
class _Slots:
    """The nodes and waypoints of every layer (a waypoint is a negative number: -1 - its index)."""

    rows: list[list[int]]
    preds: dict[int, list[tuple[int, float]]]
    """slot -> (slot on its left, port offset of the stub it arrives at)."""
    succs: dict[int, list[tuple[int, float]]]
    chains: list[list[int]]
    """For each wire in ``graph.args`` order, its waypoints from left to right."""


def _longest_routed(graph: Graph, layer: list[int]) -> int:
    """The longest wire (in layers crossed) that gets waypoints, within the budget of WAYPOINTS."""
    spans = sorted(layer[i] - layer[j] - 1 for i, args in enumerate(graph.args) for j in args)
    total, longest = 0, 0
    for span in spans:
        total += span
        if total > WAYPOINTS:
            break
        longest = span
    return longest


def _slots(graph: Graph, layer: list[int]) -> _Slots:
    rows: list[list[int]] = [[] for _ in range(max(layer) + 1)]
    longest = _longest_routed(graph, layer)
    for i in range(len(graph)):
        rows[layer[i]].append(i)
    preds: dict[int, list[tuple[int, float]]] = {}
    succs: dict[int, list[tuple[int, float]]] = {}
    chains = []
    waypoints = 0
    for i, args in enumerate(graph.args):
        for k, j in enumerate(args):
            chain = []
            left = j
            crossed = range(layer[j] + 1, layer[i]) if layer[i] - layer[j] - 1 <= longest else range(0)
            for lay in crossed:
                waypoints += 1
                point = -waypoints
                rows[lay].append(point)
                chain.append(point)
                preds.setdefault(point, []).append((left, 0.0))
                succs.setdefault(left, []).append((point, 0.0))
                left = point
            if left < 0 or layer[left] == layer[i] - 1:  # a wire without waypoints takes no part
                offset = port_offset(len(args), k)
                preds.setdefault(i, []).append((left, offset))
                succs.setdefault(left, []).append((i, offset))
            chains.append(chain)
    return _Slots(rows, preds, succs, chains)


def _crossings(rows: list[list[int]], succs: dict[int, list[tuple[int, float]]]) -> int:
    """Wire crossings between adjacent layers, counting a gate's stubs in their top-to-bottom order.

    Two wires cross when one starts above the other and ends below it: counted with a Fenwick tree
    over the end positions, so that a layer with thousands of wires is still quick.
    """
    total = 0
    for left, right in itertools.pairwise(rows):
        where = {slot: pos for pos, slot in enumerate(right)}
        ends = sorted(
            (pos, where[succ] + offset / 1000) for pos, slot in enumerate(left) for succ, offset in succs.get(slot, [])
        )
        rank = {end: r + 1 for r, end in enumerate(sorted({end for _, end in ends}))}
        tree = [0] * (len(rank) + 1)
        seen = 0
        start = 0
        while start < len(ends):  # wires from one slot never cross each other
            stop = start
            while stop < len(ends) and ends[stop][0] == ends[start][0]:
                r, below = rank[ends[stop][1]], 0
                while r > 0:
                    below, r = below + tree[r], r - (r & -r)
                total += seen - below
                stop += 1
            for _, end in ends[start:stop]:
                r = rank[end]
                while r <= len(rank):
                    tree[r], r = tree[r] + 1, r + (r & -r)
            seen += stop - start
            start = stop
    return total


def _order(slots: _Slots) -> None:
    """Barycentre sweeps, right then left, keeping the best order found."""
    rows = slots.rows
    best = [row[:] for row in rows]
    best_count = _crossings(rows, slots.succs)
    for sweep in range(SWEEPS):
        if best_count == 0:
            break
        downward = sweep % 2 == 0
        span = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for lay in span:
            other = rows[lay - 1] if downward else rows[lay + 1]
            neighbours = slots.preds if downward else slots.succs
            where = {slot: pos for pos, slot in enumerate(other)}
            keys = {}
            for pos, slot in enumerate(rows[lay]):
                near = [where[s] + (-o if downward else o) / 1000 for s, o in neighbours.get(slot, []) if s in where]
                keys[slot] = sum(near) / len(near) if near else float(pos)
            rows[lay].sort(key=lambda s: keys[s])
        count = _crossings(rows, slots.succs)
        if count < best_count:
            best, best_count = [row[:] for row in rows], count
    slots.rows[:] = best


def half_height(graph: Graph, i: int, forks: list[int]) -> float:
    """How far a node's drawing (with its stubs' labels, its name and its gradient sum) reaches up and down."""
    if graph.args[i]:
        return PORT + 18 if len(graph.args[i]) > 1 else RADIUS + 20
    return 12.0 + (16 if forks[i] > 1 else 0)


def _place(pos: list[float], desired: list[float], sizes: list[float]) -> None:
    """Heights as close as possible to ``desired`` (least squares) keeping the order and the room.

    Pool-adjacent-violators: with offsets ``s`` (the room needed above each node), the heights minus
    their offsets must not decrease; blocks that would overlap are merged at their mean.
    """
    offsets = [0.0]
    for a, b in itertools.pairwise(sizes):
        offsets.append(offsets[-1] + a + b + GAP)
    blocks: list[list[float]] = []  # [sum of targets, count]
    for d, s in zip(desired, offsets):
        blocks.append([d - s, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    k = 0
    for total, count in blocks:
        for _ in range(int(count)):
            pos[k] = total / count + offsets[k]
            k += 1


def _heights(graph: Graph, slots: _Slots) -> dict[int, float]:
    forks = [0] * len(graph)
    for args in graph.args:
        for j in args:
            forks[j] += 1
    size = {s: (half_height(graph, s, forks) if s >= 0 else 8.0) for row in slots.rows for s in row}
    y: dict[int, float] = {}
    for row in slots.rows:
        top = 0.0
        for s in row:
            y[s] = top + size[s]
            top += 2 * size[s] + GAP
    # Each sweep visits every slot; a huge graph gets fewer (its picture is panned, not admired).
    sweeps = max(4, min(4 * SWEEPS, HEIGHT_WORK // len(size)))
    for sweep in range(sweeps):
        rightward = sweep % 2 == 0
        rows = slots.rows if rightward else slots.rows[::-1]
        for row in rows:
            desired = []
            for s in row:
                near = [y[p] - o for p, o in slots.preds.get(s, [])] if rightward else []
                near += [] if rightward else [y[q] + o for q, o in slots.succs.get(s, [])]
                desired.append(sum(near) / len(near) if near else y[s])
            pos = [0.0] * len(row)
            _place(pos, desired, [size[s] for s in row])
            for s, p in zip(row, pos):
                y[s] = p
    top = min(y[s] - size[s] for s in y)
    return {s: v - top + MARGIN for s, v in y.items()}


def layout(graph: Graph) -> Layout:
    """Positions of every node (circle centres; a leaf's name ends at its right edge) and wire."""
    layer = _layers(graph)
    slots = _slots(graph, layer)
    _order(slots)
    heights = _heights(graph, slots)
    # A leaf's name, and the sum of its gradients at a fork, end at its right edge.
    widest = max((len(graph.expr(i)) for i in range(len(graph)) if not graph.args[i]), default=0)
    left = MARGIN + CHAR * max(widest, 11)

    def x_of(lay: int) -> float:
        return left + lay * LAYER

    xs = [x_of(layer[i]) for i in range(len(graph))]
    ys = [heights[i] for i in range(len(graph))]
    wires = []
    n = 0
    for i, args in enumerate(graph.args):
        for k, j in enumerate(args):
            y_stub = ys[i] + port_offset(len(args), k)
            points = [(xs[j] + RADIUS, ys[j])]
            for lay, point in enumerate(slots.chains[n], start=layer[j] + 1):
                points += [(x_of(lay) - RADIUS - JOIN - STUB, heights[point]), (x_of(lay) + RADIUS, heights[point])]
            points += [(xs[i] - RADIUS - JOIN - STUB, y_stub), (xs[i] - RADIUS - JOIN, y_stub)]
            wires.append(Wire(j, i, k, tuple(points)))
            n += 1
    out = len(graph) - 1
    start = (xs[out] + RADIUS, ys[out])
    end = (xs[out] + RADIUS + STUB + JOIN, ys[out])
    width = end[0] + CHAR * len(graph.labels[out]) + 2 * MARGIN
    height = max(heights.values()) + MARGIN + 40
    return Layout(width, height, xs, ys, layer, wires, (start, end))
