"""The circuit layout of the live page: layers, order, room for labels, and no recursion."""

from __future__ import annotations

import pytest

from backprop_cli.demos import DEMOS
from backprop_cli.graph import Graph
from backprop_cli.layout import RADIUS, WAYPOINTS, _crossings, _layers, _order, _slots, half_height, layout
from backprop_cli.parse import parse
from backprop_cli.wires import forks
from recursion_limit import lowered_recursion_limit


def crossings(graph: Graph) -> int:
    slots = _slots(graph, _layers(graph))
    _order(slots)
    return _crossings(slots.rows, slots.succs)


@pytest.mark.parametrize("name", list(DEMOS))
def test_inputs_left_output_right_every_gate_right_of_its_inputs(name: str) -> None:
    graph = parse(DEMOS[name].source)
    lay = layout(graph)
    for i, args in enumerate(graph.args):
        if graph.ops[i] == "var":
            assert lay.layer[i] == 0
        for j in args:
            assert lay.x[j] < lay.x[i]
    assert lay.x[graph.output] == max(lay.x)
    assert all(0 < x < lay.width for x in lay.x)
    assert all(0 < y < lay.height for y in lay.y)


@pytest.mark.parametrize("name", list(DEMOS))
def test_nodes_of_a_layer_leave_room_for_each_others_labels(name: str) -> None:
    graph = parse(DEMOS[name].source)
    lay = layout(graph)
    fork = [0] * len(graph)
    for i in forks(graph):
        fork[i] = 2
    for a in range(len(graph)):
        for b in range(a + 1, len(graph)):
            if lay.layer[a] == lay.layer[b]:
                room = half_height(graph, a, fork) + half_height(graph, b, fork)
                assert abs(lay.y[a] - lay.y[b]) >= room, (graph.labels[a], graph.labels[b])


def test_a_literal_sits_next_to_the_gate_it_feeds() -> None:
    graph = parse("exp(exp(exp(x))) * 2")
    lay = layout(graph)
    two = graph.labels.index("c1")
    assert lay.layer[two] == lay.layer[graph.output] - 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("((a + b) * (c + d)) + e", 0),  # a tree never needs a crossing
        ("q = x + y; f = q * z", 0),
        ("x * y + y * x", 2),  # x and y feed both products in opposite positions: two must cross
    ],
)
def test_barycentre_ordering_removes_avoidable_crossings(source: str, expected: int) -> None:
    assert crossings(parse(source)) == expected


def test_crossings_are_counted_by_stub_order() -> None:
    # Layer 0: a, b; layer 1: one gate whose top stub gets b and bottom stub gets a: one crossing.
    rows = [[0, 1], [2]]
    succs = {0: [(2, 28.0)], 1: [(2, -28.0)]}
    assert _crossings(rows, succs) == 1
    succs = {0: [(2, -28.0)], 1: [(2, 28.0)]}
    assert _crossings(rows, succs) == 0


def test_wires_end_on_their_gates_stub_and_start_at_their_source() -> None:
    graph = parse("q = x + y; f = q * z")
    lay = layout(graph)
    for w in lay.wires:
        (x0, y0), (x1, y1) = w.points[0], w.points[-1]
        assert (x0, y0) == (lay.x[w.src] + RADIUS, lay.y[w.src])
        assert x1 < lay.x[w.dst] - RADIUS
        assert w.label_at[1] == y1  # labels sit on the horizontal stub


def test_a_deep_expression_is_laid_out_without_recursion() -> None:
    depth = 1_000
    with lowered_recursion_limit() as limit:  # the sum is several times deeper than the limit
        assert depth > 3 * limit
        graph = parse("x" + " + x" * depth)
        lay = layout(graph)
        slots = _slots(graph, _layers(graph))
    assert len(lay.x) == len(graph)
    # x feeds every layer: waypoints for every wire would be 1000²/2, 25 times the budget, which keeps
    # them linear.
    assert depth**2 // 2 > 20 * WAYPOINTS
    assert sum(map(len, slots.rows)) <= len(graph) + WAYPOINTS


def test_the_layout_is_deterministic() -> None:
    source = DEMOS["staged"].source
    assert layout(parse(source)) == layout(parse(source))
