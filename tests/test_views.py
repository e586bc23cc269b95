"""The teaching views: the derivation, the circuit, LaTeX, DOT and Mermaid, SVG pictures, demos."""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest
from rich.terminal_theme import SVG_EXPORT_THEME

from backprop_cli.demos import ALL_DEMOS, DEMOS, describe
from backprop_cli.styles import UNICODE
from conftest import NEURON_GRADS, compile_latex, ok, overfull_by_block, run
from recursion_limit import lowered_recursion_limit

SEED = ["q = x + y; f = q * z", "-x", "-2", "-y", "5", "-z", "-4"]

SEED_STEPS = """\
Forward pass
x = −2
y = 5
q = x + y = −2 + 5 = 3
z = −4
f = q × z = 3 × (−4) = −12

Backward pass
∂f/∂f = 1
∂f/∂z = ∂f/∂f · ∂f/∂z = 1 × q = 3
    ← multiply gate: each input gets the upstream gradient times the other input's value
∂f/∂q = ∂f/∂f · ∂f/∂q = 1 × z = −4
∂f/∂y = ∂f/∂q · ∂q/∂y = −4 × 1 = −4
    ← add gate: passes the upstream gradient to every input unchanged
∂f/∂x = ∂f/∂q · ∂q/∂x = −4 × 1 = −4
"""


def test_steps_reproduce_the_notes_derivation_exactly() -> None:
    assert ok("eval", *SEED, "--steps").stdout == SEED_STEPS


def test_steps_in_ascii() -> None:
    out = ok("eval", *SEED, "--steps", "--ascii").stdout
    assert out.isascii()
    assert "f = q * z = 3 * (-4) = -12" in out
    assert "df/dx = df/dq * dq/dx = -4 * 1 = -4" in out


def test_steps_are_coloured_on_a_terminal() -> None:
    result = run("eval", *SEED, "--steps", env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert result.code == 0, result
    assert "\x1b[32m−12\x1b[0m" in result.stdout  # a value, green
    assert "\x1b[31m−4\x1b[0m" in result.stdout  # a gradient, red


def test_a_fork_shows_every_contribution_then_the_total() -> None:
    out = ok("demo", "staged").stdout
    fork = next(line for line in out.splitlines() if line.startswith("∂f/∂x = "))
    assert fork.startswith("∂f/∂x = ∂f/∂num · ∂num/∂x + ∂f/∂sigx · ∂sigx/∂x + ∂f/∂xpy · ∂xpy/∂x = ")
    assert "0.512144 × 1 + (−0.791593) × sigx × (1 − sigx) + 1.58319 × 1" in fork
    assert "= 0.512144 × 1 + (−0.791593) × 0.0451767 + 1.58319 × 1 = 2.05957" in fork


def test_local_formulas_use_the_inputs_labels() -> None:
    out = ok("demo", "neuron-gate").stdout
    assert "∂f/∂t4 = ∂f/∂f · ∂f/∂t4 = 1 × f × (1 − f) = 1 × 0.196612 = 0.196612" in out
    out = ok("eval", "f = log(x)", "-x", "2", "--steps").stdout
    assert "∂f/∂x = ∂f/∂f · ∂f/∂x = 1 × 1 / x = 1 × 0.5 = 0.5" in out


def test_gate_patterns_are_named() -> None:
    out = ok("demo", "patterns").stdout
    assert "max gate: routes the upstream gradient to the larger input only" in out
    assert "∂f/∂w = ∂f/∂t2 · ∂t2/∂w = 2 × (1 + sign(w − z)) / 2 = 2 × 0 = 0" in out
    assert "add gate: passes the upstream gradient to every input unchanged" in out
    assert "multiply gate: each input gets the upstream gradient times the other input's value" in out


def test_steps_json_numbers_match_the_table() -> None:
    data = ok("eval", *SEED, "--steps", "--json").json()
    grads = {n["id"]: n["grad"] for n in data["nodes"]}
    assert [s["id"] for s in data["steps"]] == [4, 3, 2, 1, 0]
    for step in data["steps"]:
        assert step["grad"] == grads[step["id"]]
        assert list(step) == ["id", "label", "grad", "contributions"]
        if step["contributions"]:
            assert sum(c["product"] for c in step["contributions"]) == step["grad"]
        for c in step["contributions"]:
            assert c["upstream"] == grads[c["from"]]
            assert c["product"] == c["upstream"] * c["local"]
    assert data["steps"][1] == {
        "id": 3,
        "label": "z",
        "grad": 3.0,
        "contributions": [{"from": 4, "label": "f", "upstream": 1.0, "local": 3.0, "product": 3.0}],
    }


NEURON_CIRCUIT = """\
f = 1 / t7  [div]  value 0.731059  grad 1
├── 1  const  value 1
└── t7 = 1 + t6  [add]  value 1.36788  grad −0.534447
    ├── 1  const  value 1
    └── t6 = exp(t5)  [exp]  value 0.367879  grad −0.534447
        └── t5 = −t4  [neg]  value −1  grad −0.196612
            └── t4 = t3 + w2  [add]  value 1  grad 0.196612
                ├── t3 = t1 + t2  [add]  value 4  grad 0.196612
                │   ├── t1 = w0 × x0  [mul]  value −2  grad 0.196612
                │   │   ├── w0  var  value 2  grad −0.196612
                │   │   └── x0  var  value −1  grad 0.393224
                │   └── t2 = w1 × x1  [mul]  value 6  grad 0.196612
                │       ├── w1  var  value −3  grad −0.393224
                │       └── x1  var  value −2  grad −0.589836
                └── w2  var  value −3  grad 0.196612
"""


def test_circuit_of_the_neuron() -> None:
    assert ok("demo", "neuron", "--circuit").stdout == NEURON_CIRCUIT


def test_circuit_draws_a_shared_node_once() -> None:
    out = ok("demo", "staged", "--circuit").stdout
    assert out.count("x  var  value 3  grad 2.05957  (forks into 3 branches; grad is their sum)") == 1
    assert out.count("x  (drawn above)") == 2
    assert out.count("y  var  value −4  grad 1.59223  (forks into 2 branches; grad is their sum)") == 1


def test_circuit_coloured_and_plain() -> None:
    coloured = run("demo", "circuit", "--circuit", env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert "\x1b[32m−12\x1b[0m" in coloured.stdout
    assert "\x1b[31m" in coloured.stdout
    plain = run("demo", "circuit", "--circuit", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[3" not in plain
    assert "value −12  grad 1" in plain  # marked in words without colour


def test_a_deep_circuit_is_cut_off_with_a_note() -> None:
    depth = 1_000
    with lowered_recursion_limit() as limit:  # the chain is several times deeper: no recursion over it
        assert depth > 3 * limit
        out = ok("eval", "sin(" * depth + "x" + ")" * depth, "-x", "0.5", "--circuit").stdout
    assert len(out.splitlines()) == 201
    assert out.splitlines()[-1].endswith("… 801 more nodes not drawn; --max-rows 0 draws all")
    assert len(ok("eval", "(x+y)*z", *SEED[1:], "--circuit", "--max-rows", "3").stdout.splitlines()) == 4


def test_circuit_in_ascii() -> None:
    out = ok("demo", "staged", "--circuit", "--ascii").stdout
    assert out.isascii()
    assert "+-- num = x + sigy  [add]" in out


def test_latex_is_a_balanced_align_block() -> None:
    for name in DEMOS:
        tex = ok("demo", name, "--latex").stdout
        body = "\n".join(line.partition("%")[0] for line in tex.splitlines() if not line.startswith("%"))
        assert body.startswith("{\\allowdisplaybreaks\n\\begin{align*}\n")
        assert body.rstrip().endswith("\\end{align*}\n}")
        assert body.count("\\begin{") == body.count("\\end{") == 1
        depth = 0
        for char in re.sub(r"\\[{}]", "", body):
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        assert depth == 0
        assert body.count("\\left") == body.count("\\right")
        rows = body.split("\\\\\n")
        assert all(row.count("&") <= 1 for row in rows), "one alignment point per row"
        assert "$" not in body  # already in math mode
        assert "#" not in body
        assert "∂" not in body
        assert "×" not in body


def test_latex_of_the_notes() -> None:
    tex = ok("demo", "circuit", "--latex").stdout
    assert (
        r"\frac{\partial f}{\partial z} &= \frac{\partial f}{\partial f} \cdot \frac{\partial f}{\partial z}"
        r" = \textcolor{red!75!black}{1} \times q = \textcolor{red!75!black}{3}"
    ) in tex
    assert r"q &= x + y = \textcolor{green!50!black}{-2 + 5} = \textcolor{green!50!black}{3}" in tex


def test_dot_structure() -> None:
    dot = ok("graph", *SEED).stdout
    assert dot.startswith("digraph backprop {")
    assert dot.rstrip().endswith("}")
    assert len(re.findall(r"^  n\d+ \[label=", dot, flags=re.M)) == 5
    assert 'n2 [label="+", shape=circle, tooltip="x + y"];' in dot
    assert 'n4 [label="×", shape=circle, tooltip="q * z"];' in dot
    assert '  out [label="f", shape=plaintext, width=0, height=0, margin="0.06,0.02"];' in dot
    # every wire runs through its label: (from, label node) then (label node, to)
    edges = re.findall(r"^  (\w+)(?::[we])? -> (\w+)", dot, flags=re.M)
    assert edges == [
        ("n0", "w0"), ("w0", "n2"), ("n1", "w1"), ("w1", "n2"), ("n2", "w2"), ("w2", "n4"),
        ("n3", "w3"), ("w3", "n4"), ("n4", "w4"), ("w4", "out"),
    ]  # fmt: skip
    assert (
        '<tr><td height="15"><font color="#2e7d32">-2</font></td></tr><hr/>'
        '<tr><td height="15"><font color="#c62828">-4</font></td></tr>'
    ) in dot


def test_dot_without_values_is_structure_only() -> None:
    dot = ok("graph", "(x+y)*z").stdout
    assert "label=<" not in dot
    assert "  n0 -> n2;" in dot


def test_mermaid_structure() -> None:
    text = ok("graph", *SEED, "--format", "mermaid").stdout
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  n2(("+<br/><i>q</i>")):::gate' in lines
    assert '  n0["x"]:::input' in lines
    assert sum(" --> " in line or " -->|" in line for line in lines) == 5
    assert "  n0 -->|\"<span style='color:#2e7d32'>-2</span><br/><span style='color:#c62828'>-4</span>\"| n2" in lines


def _svg_text(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


def test_dot_renders_with_graphviz(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Graphviz: dot must be on PATH")
        pytest.skip("Graphviz is not installed")
    out = tmp_path / "circuit.svg"
    ok("graph", *SEED, "--output", str(out))
    words = _svg_text(out.read_text(encoding="utf-8")).split()
    for expected in ["x", "y", "z", "+", "×", "-2", "5", "3", "-4", "-12", "1"]:
        assert expected in words
    assert "#2e7d32" in out.read_text(encoding="utf-8")
    assert "#c62828" in out.read_text(encoding="utf-8")


def test_rendering_without_graphviz_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "circuit.svg"
    result = run("graph", *SEED, "--output", str(out))
    assert result.code == 2
    assert "needs Graphviz's dot program, which is not installed" in result.stderr
    assert "apt-get install graphviz" in result.stderr
    assert not out.exists()


def test_mermaid_does_not_render_to_svg(tmp_path: Path) -> None:
    result = run("graph", *SEED, "--format", "mermaid", "--output", str(tmp_path / "c.svg"))
    assert result.code == 2
    assert "only DOT renders" in result.stderr


def test_graph_text_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "circuit.mmd"
    ok("graph", *SEED, "--format", "mermaid", "--output", str(out))
    assert out.read_text(encoding="utf-8").startswith("flowchart LR")


@pytest.mark.parametrize("view", ["--table", "--steps", "--circuit"])
def test_every_terminal_view_saves_an_svg(tmp_path: Path, view: str) -> None:
    out = tmp_path / "view.svg"
    piped = ok("eval", *SEED, view, "--svg", str(out)).stdout
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    text = _svg_text(svg).replace("\xa0", " ").replace("−", "-")
    assert "-12" in text
    # In colour, as on a terminal: the output's value green, the gradients red, the labels neither.
    colours = _svg_colours(svg)
    green, red = (SVG_EXPORT_THEME.ansi_colors[k].hex for k in (2, 1))
    assert "-12" in colours[green], colours
    assert {"-4", "3"} <= colours[red], colours
    assert not {"x", "y", "z"} & (colours[green] | colours[red])
    assert piped  # the view is printed as well


def _svg_colours(svg: str) -> dict[str, set[str]]:
    """Colour (a hex fill) -> the words drawn in it, in a Rich SVG."""
    fills = dict(re.findall(r"\.(terminal-[\w-]+) \{ fill: (#[0-9a-f]{6})", svg))
    words: dict[str, set[str]] = {}
    for cls, text in re.findall(r'<text class="([^"]+)"[^>]*>([^<]*)</text>', svg):
        for word in html.unescape(text).replace("\xa0", " ").replace("−", "-").split():
            words.setdefault(fills.get(cls, ""), set()).add(word)
    return words


def test_readme_picture_is_regenerated_by_the_tool(tmp_path: Path) -> None:
    """docs/seed-steps.svg is `backprop demo circuit --svg docs/seed-steps.svg`; it must not go stale."""
    committed = Path(__file__).resolve().parent.parent / "docs" / "seed-steps.svg"
    fresh = tmp_path / "seed-steps.svg"
    ok("demo", "circuit", "--svg", str(fresh))
    assert _svg_text(fresh.read_text(encoding="utf-8")) == _svg_text(committed.read_text(encoding="utf-8"))
    assert "seed-steps.svg" in (committed.parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_circuit_diagram_is_regenerated_by_the_tool(tmp_path: Path) -> None:
    """docs/seed-circuit.svg is `backprop graph ... --output docs/seed-circuit.svg`."""
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Graphviz: dot must be on PATH")
        pytest.skip("Graphviz is not installed")
    committed = Path(__file__).resolve().parent.parent / "docs" / "seed-circuit.svg"
    fresh = tmp_path / "seed-circuit.svg"
    ok("graph", *SEED, "--output", str(fresh))
    assert _svg_text(fresh.read_text(encoding="utf-8")) == _svg_text(committed.read_text(encoding="utf-8"))


def test_demo_list() -> None:
    out = ok("demo").stdout
    for name, demo in DEMOS.items():
        assert name in out
        assert describe(demo, UNICODE) in out
    assert "-x -2 -y 5 -z -4" in out


GOLDEN = {
    "circuit": (-12, {"x": -4, "y": -4, "z": 3}),
    "neuron": (0.731058578630, NEURON_GRADS),
    "neuron-gate": (0.731058578630, NEURON_GRADS),
    "staged": (1.54564488411, {"x": 2.05956979557, "y": 1.59223275148}),
    "patterns": (-20, {"x": -8, "y": 6, "z": 2, "w": 0}),
}


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demo_matches_the_worked_examples(name: str) -> None:
    assert set(GOLDEN) == set(DEMOS)
    value, grads = GOLDEN[name]
    data = ok("demo", name, "--json").json()
    assert data["value"] == pytest.approx(value, rel=5e-12)
    assert data["gradients"] == pytest.approx(grads, rel=5e-12)


@pytest.mark.parametrize("name", list(DEMOS))
@pytest.mark.parametrize("view", ["--steps", "--circuit", "--table"])
@pytest.mark.parametrize("colour", [False, True])
def test_every_view_works_on_every_demo(name: str, view: str, colour: bool) -> None:
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color"} if colour else None
    result = run("demo", name, view, env=env)
    assert result.code == 0, result
    assert ("\x1b[" in result.stdout) == colour
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    value = {"circuit": "-12", "patterns": "-20", "staged": "1.54564"}.get(name, "0.731059")
    plain = plain.replace("−", "-")  # the table writes numbers with an ASCII minus, formulas with −
    assert value in plain


def test_demo_list_as_json() -> None:
    demos = ok("demo", "--json").json()["demos"]
    assert [d["name"] for d in demos] == list(ALL_DEMOS)
    assert demos[0] == {
        "name": "circuit",
        "description": "the notes' circuit f = (x + y)·z, with the intermediate q named",
        "expression": "q = x + y\nf = q * z",
        "values": {"x": -2, "y": 5, "z": -4},
    }


def test_unknown_demo() -> None:
    result = run("demo", "nope")
    assert result.code == 2
    assert "no demo named 'nope'; the demos are: circuit, neuron" in result.stderr


MODES = ("reverse", "forward")


def test_latex_compiles_with_pdflatex(tmp_path: Path) -> None:
    """Every demo in both modes compiles on an ordinary page without an overfull box (long lines are
    broken, notes wrap). Runs where TeX is installed (CI does not install it: TeX Live is too large)."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    blocks = {(name, mode): ok("demo", name, "--latex", "--mode", mode).stdout for name in DEMOS for mode in MODES}
    overfull = overfull_by_block(tmp_path, {f"{name}-{mode}": tex for (name, mode), tex in blocks.items()})
    for (name, mode), tex in blocks.items():
        if overfull is None:  # one pdflatex run for all failed: compile each alone, to say which and why
            log = compile_latex(tmp_path, f"{name}-{mode}", tex)
            warnings = [line for line in log.splitlines() if "Overfull" in line]
        else:
            warnings = overfull[f"{name}-{mode}"]
        assert not warnings, (name, mode, warnings)


@pytest.mark.parametrize("name", list(DEMOS))
@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_graph_of_every_demo(name: str, fmt: str) -> None:
    demo = DEMOS[name]
    values = [f"{k}={v}" for k, v in demo.values.items()]
    text = ok("graph", demo.source, *values, "--format", fmt).stdout
    data = ok("eval", demo.source, *values, "--json").json()
    nodes = data["nodes"]
    sources = [j for n in nodes for j in n["inputs"]] + [len(nodes) - 1]
    forked = {j for j in sources if sources.count(j) > 1}
    # every input of every node and the output's wire, plus one wire into each fork's dot
    wires = len(sources) + len(forked)
    arrow = r" -> w\d+:w" if fmt == "dot" else r" (-->|---)"
    assert sum(bool(re.search(arrow, line)) for line in text.splitlines()) == wires
    green = wires
    red = sum(1 for j in sources if nodes[j]["grad"] is not None) + sum(
        1 for j in forked if nodes[j]["grad"] is not None
    )
    assert text.count("#2e7d32") == green
    assert text.count("#c62828") == red
