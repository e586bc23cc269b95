"""The circuit pictures (DOT, Mermaid, the circuit tree): each branch of a fork carries its own share of
the gradient, values above the wires and gradients below, and no label touches anything in the demos."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import struct
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from backprop_cli.demos import DEMOS
from backprop_cli.views.diagram import PNG_DPI
from backprop_cli.views.theme import HTML_GRAD as RED
from backprop_cli.views.theme import HTML_VALUE as GREEN
from backprop_cli.wires import forks, wires
from conftest import ev, ok, run

STAGED = DEMOS["staged"]


def demo_args(name: str) -> list[str]:
    demo = DEMOS[name]
    return [demo.source, *(f"{k}={v}" for k, v in demo.values.items())]


def needs_graphviz() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Graphviz: dot must be on PATH")
        pytest.skip("Graphviz is not installed")


def _numbers(pairs: list[tuple[str, str]]) -> tuple[float | None, float | None]:
    numbers = {colour.lower(): float(text) for colour, text in pairs if colour.lower() in (GREEN, RED)}
    return numbers.get(GREEN), numbers.get(RED)


def dot_wires(text: str) -> list[tuple[str, str, float | None, float | None]]:
    """(from, to, value, gradient) of every labelled wire in the DOT text (a wire runs through its
    label node wK: ``src -> wK:w`` and ``wK:e -> dst``)."""
    labels = {
        node: _numbers(re.findall(r'<font color="(#\w+)">([^<]+)</font>', table))
        for node, table in re.findall(r"^  (w\d+) \[.*label=<(.*)>\];$", text, flags=re.M)
    }
    src = {w: s for s, w in re.findall(r"^  (\w+) -> (w\d+):w", text, flags=re.M)}
    dst = dict(re.findall(r"^  (w\d+):e -> (\w+)", text, flags=re.M))
    assert set(src) == set(dst) == set(labels)
    return [(src[w], dst[w], *labels[w]) for w in labels]


def mermaid_wires(text: str) -> list[tuple[str, str, float | None, float | None]]:
    result = []
    for src, label, dst in re.findall(r'^  (\w+) (?:-->|---)\|"(.*)"\| (\w+)$', text, flags=re.M):
        result.append((src, dst, *_numbers(re.findall(r"<span style='color:(#\w+)'>([^<]+)</span>", label))))
    return result


def test_x_times_x_shows_each_branch_s_share_and_the_sum() -> None:
    """The issue's example: both x wires said 6 (6 + 6 = 12); each branch carries 3, the node 6."""
    text = ok("graph", "x*x", "-x", "3").stdout
    mer = ok("graph", "x*x", "-x", "3", "--format", "mermaid").stdout
    for drawn in (dot_wires(text), mermaid_wires(mer)):
        assert ("n0", "j0", 3, 6) in drawn  # into the fork: the node's gradient
        assert [w for w in drawn if w[0] == "j0"] == [("j0", "n1", 3, 3), ("j0", "n1", 3, 3)]


@pytest.mark.parametrize("name", list(DEMOS))
def test_branch_labels_add_up_to_the_node_s_gradient(name: str) -> None:
    data = ok("eval", *demo_args(name), "--json").json()
    grads = {f"n{n['id']}": n["grad"] for n in data["nodes"]}
    values = {f"n{n['id']}": n["value"] for n in data["nodes"]}
    dot_text = ok("graph", *demo_args(name), "--digits", "17").stdout
    mer_text = ok("graph", *demo_args(name), "--digits", "17", "--format", "mermaid").stdout
    for drawn in (dot_wires(dot_text), mermaid_wires(mer_text)):
        out_of: dict[str, list[float | None]] = defaultdict(list)
        for src, dst, value, grad in drawn:
            node = "n" + src[1:]
            assert value == values[node]
            if not dst.startswith("j"):
                out_of[node].append(grad)
            else:
                assert grad == grads[node]  # the wire into a fork's dot carries the node's gradient
        for node, shares in out_of.items():
            if grads[node] is None:
                assert shares == [None] * len(shares)
            else:
                assert math.fsum(s or 0.0 for s in shares) == pytest.approx(grads[node], rel=1e-12, abs=1e-15)
    if name == "staged":  # the numbers: 0.512, −0.036 and 1.583, not 2.06 three times
        x = next(n["id"] for n in data["nodes"] if n["label"] == "x")
        x_shares = sorted(g or 0 for src, _, _, g in dot_wires(ok("graph", *demo_args(name)).stdout) if src == f"j{x}")
        assert x_shares == [-0.0357615, 0.512144, 1.58319]


@pytest.mark.parametrize("name", list(DEMOS))
def test_wire_contributions_add_up(name: str) -> None:
    demo = DEMOS[name]
    evaluation = ev(demo.source, **demo.values)
    total: dict[int, float] = defaultdict(float)
    for w in wires(evaluation):
        if w.grad is not None:
            total[w.src] += w.grad
    for i, grad in enumerate(evaluation.grads):
        assert total.get(i) == (pytest.approx(grad, rel=1e-12) if grad is not None else None)
    if name == "staged":
        assert [evaluation.graph.labels[i] for i in forks(evaluation.graph)] == ["y", "x"]


def test_circuit_tree_shows_each_branch_s_share() -> None:
    out = ok("demo", "staged", "--circuit").stdout
    shares = [
        float(v.replace("−", "-")) for v in re.findall(r"^.*x  .*this branch carries back (\S+)$", out, flags=re.M)
    ]
    assert sorted(shares) == [-0.0357615, 0.512144, 1.58319]
    assert "x  var  value 3  grad 2.05957  (forks into 3 branches; grad is their sum)" in out
    square = ok("eval", "x*x", "-x", "3", "--circuit").stdout
    assert square.count("this branch carries back 3") == 2


def test_named_intermediates_are_kept() -> None:
    dot = ok("graph", "q = x + y; f = q * z", "-x", "-2", "-y", "5", "-z", "-4").stdout
    assert re.search(r'<font color="#555555">q</font>', dot)
    assert 'n2 -> n4 [label="q"' in ok("graph", "q = x + y; f = q * z").stdout
    mermaid = ok("graph", "q = x + y; f = q * z", "--format", "mermaid").stdout
    assert '  n2(("+<br/><i>q</i>")):::gate' in mermaid.splitlines()


# The layout, as Graphviz itself computes it ------------------------------------------------------


def layout(dot_text: str) -> dict[str, Any]:
    result = subprocess.run(["dot", "-Tjson"], input=dot_text, capture_output=True, text=True, check=True)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


Box = tuple[float, float, float, float]


def node_box(node: dict[str, Any]) -> Box:
    x, y = map(float, node["pos"].split(","))
    w, h = float(node["width"]) * 36, float(node["height"]) * 36  # inches -> half-size in points
    return (x - w, y - h, x + w, y + h)


def apart(a: Box, b: Box, gap: float = 0.5) -> bool:
    return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]


def arrowheads(data: dict[str, Any]) -> list[tuple[int, Box]]:
    """(head node's id, box) of every arrowhead."""
    heads = []
    for edge in data["edges"]:
        for op in edge.get("_hdraw_", []):
            if op["op"] in ("P", "p"):
                xs, ys = zip(*op["points"])
                heads.append((edge["head"], (min(xs), min(ys), max(xs), max(ys))))
    return heads


def texts(draw: list[dict[str, Any]]) -> list[Box]:
    """The box of every text in an xdot drawing (a baseline point, a width, a font size)."""
    boxes, size = [], 14.0
    for op in draw:
        if op["op"] == "F":
            size = op["size"]
        elif op["op"] == "T":
            (x, y), w = op["pt"], op["width"]
            left = {"l": x, "r": x - w}.get(op["align"], x - w / 2)
            boxes.append((left, y - 0.25 * size, left + w, y + 0.75 * size))
    return boxes


@pytest.mark.parametrize("name", list(DEMOS))
def test_no_label_touches_a_label_a_node_or_an_arrowhead(name: str) -> None:
    needs_graphviz()
    text = ok("graph", *demo_args(name)).stdout
    data = layout(text)
    nodes = data["objects"]
    shapes = [node_box(n) for n in nodes]
    # every text with its owner: a node's own label (and xlabel), or an edge's label
    labels = [(f"node {n['name']}", box) for n in nodes for box in texts(n.get("_ldraw_", []))]
    labels += [(f"edge {e['_gvid']}", box) for e in data["edges"] for box in texts(e.get("_ldraw_", []))]
    heads = arrowheads(data)
    assert len(heads) == len([w for w in dot_wires(text) if not w[1].startswith("j")])
    for a in range(len(nodes)):
        for b in range(a + 1, len(nodes)):
            assert apart(shapes[a], shapes[b]), (nodes[a]["name"], nodes[b]["name"])
    for owner, box in labels:
        for node, shape in zip(nodes, shapes):
            if owner != f"node {node['name']}":
                assert apart(box, shape), (owner, "touches", node["name"])
        for other, other_box in labels:
            if other != owner:
                assert apart(box, other_box), (owner, "touches", other)
        for head, head_box in heads:
            assert apart(box, head_box), (owner, "touches the arrowhead into", nodes[head]["name"])
    for head, box in heads:
        for i, node in enumerate(nodes):
            if i != head:
                assert apart(box, shapes[i]), (node["name"], "touches the arrowhead into", nodes[head]["name"])


@pytest.mark.parametrize("name", list(DEMOS))
def test_values_above_the_wire_gradients_below(name: str) -> None:
    needs_graphviz()
    data = layout(ok("graph", *demo_args(name)).stdout)
    labels = [n for n in data["objects"] if re.fullmatch(r"w\d+", n["name"])]
    assert labels
    for node in labels:
        wire_y = float(node["pos"].split(",")[1])  # the wire enters and leaves at the middle (:w, :e)
        colour = ""
        for op in node["_ldraw_"]:
            if op["op"] == "c":
                colour = op["color"].lower()
            elif op["op"] == "T":
                if colour == GREEN:
                    assert op["pt"][1] > wire_y, node["name"]
                elif colour == RED:
                    assert op["pt"][1] + op.get("size", 11) < wire_y + 11, node["name"]
                    assert op["pt"][1] < wire_y
        for edge in data["edges"]:
            points = [p for p in edge["pos"].split() if not p.startswith(("e,", "s,"))]
            if edge["head"] == node["_gvid"]:  # a wire into the label has no arrowhead: it ends there
                assert float(points[-1].split(",")[1]) == pytest.approx(wire_y, abs=0.5)
            if edge["tail"] == node["_gvid"]:
                assert float(points[0].split(",")[1]) == pytest.approx(wire_y, abs=0.5)


def test_png_is_rendered_for_slides(tmp_path: Path) -> None:
    needs_graphviz()
    out = tmp_path / "xx.png"
    ok("graph", "x*x", "-x", "3", "--output", str(out))
    width, _ = struct.unpack(">II", out.read_bytes()[16:24])
    bb = [float(v) for v in layout(ok("graph", "x*x", "-x", "3").stdout)["bb"].split(",")]
    assert width == pytest.approx((bb[2] - bb[0]) * PNG_DPI / 72, abs=PNG_DPI / 72 * 10)
    assert PNG_DPI >= 200 and width >= 600


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("g.dot", "digraph backprop {"),
        ("g.gv", "digraph backprop {"),
        ("g.mmd", "flowchart LR"),
        ("G.MMD", "flowchart LR"),
    ],
)
def test_output_format_follows_the_extension(tmp_path: Path, name: str, start: str) -> None:
    out = tmp_path / name
    ok("graph", "x*x", "-x", "3", "--output", str(out))
    assert out.read_text(encoding="utf-8").startswith(start)


@pytest.mark.parametrize(("name", "magic"), [("g.svg", b"<?xml"), ("g.png", b"\x89PNG"), ("g.pdf", b"%PDF")])
def test_rendered_formats_follow_the_extension(tmp_path: Path, name: str, magic: bytes) -> None:
    needs_graphviz()
    out = tmp_path / name
    ok("graph", "x*x", "-x", "3", "--output", str(out))
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "g.jpg"], "the extension '.jpg' is not a format backprop writes"),
        (["--output", "g"], "a file name without an extension"),
        (["--output", "g.mmd", "--format", "dot"], "--format dot contradicts --output"),
        (["--output", "g.dot", "--format", "mermaid"], "--format mermaid contradicts --output"),
        (["--output", "g.png", "--format", "mermaid"], "only DOT renders to .png"),
    ],
)
def test_unknown_or_contradicting_extensions_are_refused_before_writing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a.startswith("g") else a for a in args]
    result = run("graph", "x*x", "-x", "3", *args)
    assert result.code == 2, result
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []
    # refused before the expression is even read: a bad expression does not change the answer
    assert message in run("graph", "x*", *args).stderr
