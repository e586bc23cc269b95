"""The table view written as plain text (``TableView.plain``, ``views/text_table.py``) is what Rich
prints without colour, byte for byte: on random evaluations at widths from 20 to 200 columns, in ASCII
and Unicode, and through the command line (piped output takes the plain path; ``FORCE_COLOR=""``
makes Rich print it, as it did before the plain path existed)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from backprop_cli.commands.loading import evaluate_hessian
from backprop_cli.engine import Evaluation, evaluate
from backprop_cli.errors import MathError
from backprop_cli.output import PIPE_WIDTH, _console
from backprop_cli.parse import parse
from backprop_cli.symbols import ASCII, UNICODE, Symbols
from backprop_cli.views.table import TableView
from conftest import expressions, points, run


def rich_lines(view: TableView, width: int) -> list[str]:
    """The view as Rich prints it without colour at ``width`` columns (output.py's piped console)."""
    console = _console(width=width, color_system=None, file=io.StringIO())
    with console.capture() as capture:
        console.print(view)
    text: str = capture.get()
    return text.splitlines()


def assert_same_as_rich(view: TableView, widths: list[int]) -> None:
    """plain(width) equals Rich's lines whenever it gives lines, and gives them whenever Rich's lines
    at full width fit in ``width`` (Rich lays the table out only where it must: wrapping, folding)."""
    wide = rich_lines(view, PIPE_WIDTH)
    assert view.plain(PIPE_WIDTH) == wide  # piped, the plain path is taken
    for width in widths:
        lines = view.plain(width)
        if max(map(cell_len, wide)) <= width:
            assert lines == wide
        elif lines is not None:
            assert lines == rich_lines(view, width)


def evaluation(source: str, inputs: dict[str, float], mode: str, hessian: bool) -> Evaluation:
    graph = parse(source)
    used = {name: inputs.get(name, 0.5) for name in graph.inputs}
    if hessian:
        return evaluate_hessian(graph, used, mode)  # type: ignore[arg-type]  # floats only
    return evaluate(graph, used, mode)


@settings(max_examples=60, deadline=None)
@given(
    source=expressions,
    inputs=points,
    width=st.integers(20, 200),
    ascii=st.booleans(),
    max_rows=st.sampled_from([0, 1, 3, 200]),
    digits=st.sampled_from([3, 6, 12]),
    mode=st.sampled_from(["reverse", "forward"]),
    hessian=st.booleans(),
)
def test_plain_text_is_what_rich_prints(
    source: str,
    inputs: dict[str, float],
    width: int,
    ascii: bool,
    max_rows: int,
    digits: int,
    mode: str,
    hessian: bool,
) -> None:
    try:
        ev = evaluation(source, inputs, mode, hessian)
    except MathError:  # a random point outside the domain
        return
    assert_same_as_rich(TableView(ev, digits, max_rows, ASCII if ascii else UNICODE), [width])


CORPUS = [
    ("(x+y)*z", {"x": -2, "y": 5, "z": -4}),
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}),
    ("a_very_long_input_name_that_goes_on_and_on * b + sin(a_very_long_input_name_that_goes_on_and_on)", {}),
    ("2 + 3", {}),
    ("q = x + y; f = q * z; g = f * f", {"x": 1e100, "y": 1, "z": 3}),
    ("max(x, y) + relu(x) + clip(x, y, z)", {"x": 1, "y": 1, "z": 2}),
    ("長い名前 * x + π", {"長い名前": 2, "x": 3}),  # wide characters: two cells each
    ("ä * x^3 + log(x)", {"ä": 2, "x": 1e-300}),
    ("x" + " * x" * 20, {"x": 1.0001}),  # long expressions in the expr column
]


@pytest.mark.parametrize(("source", "inputs"), CORPUS)
@pytest.mark.parametrize("style", [UNICODE, ASCII], ids=["unicode", "ascii"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_plain_text_of_the_corpus_at_every_width(
    source: str, inputs: dict[str, float], style: Symbols, mode: str
) -> None:
    for hessian in (False, True):
        for max_rows in (0, 3):
            try:
                ev = evaluation(source, inputs, mode, hessian)
            except MathError:
                continue
            view = TableView(ev, 6, max_rows, style)
            assert_same_as_rich(view, [20, 45, 60, 80, 120, 200])


def test_a_character_rich_would_change_leaves_the_table_to_rich() -> None:
    view = TableView(evaluate(parse("x * 2"), {"x": 3}))
    assert view.plain(80) == rich_lines(view, 80)
    view.rows[0] = ("x\tx", *view.rows[0][1:])  # Rich expands tabs, strips other control codes
    assert view.plain(PIPE_WIDTH) is None


COMMANDS = [
    ["(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"],
    ["(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4", "--ascii", "--hessian"],
    ["u = 3*x; f = x*y", "-x", "2", "-y", "3", "-w", "1"],  # two warnings on stderr
    ["x" + " + x" * 30, "-x", "1", "--max-rows", "4", "--digits", "10"],
    ["長い名前 * x", "-長い名前", "2", "-x", "3", "--mode", "forward", "--hessian"],
]


@pytest.mark.parametrize("args", COMMANDS)
def test_piped_output_is_what_rich_printed(args: list[str]) -> None:
    plain = run("eval", *args)
    by_rich = run("eval", *args, env={"FORCE_COLOR": ""})  # Rich decides: not a terminal
    assert plain.code == by_rich.code == 0
    assert plain.stdout == by_rich.stdout
    assert plain.stderr == by_rich.stderr
    assert "\x1b" not in plain.stdout


def test_a_forced_terminal_still_gets_rich_colours() -> None:
    coloured = run("eval", *COMMANDS[0], env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert "\x1b[32m-12\x1b[0m" in coloured.stdout
