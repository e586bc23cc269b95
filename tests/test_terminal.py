"""The views on a real terminal (a pseudo-terminal of each width): never a cut number, never a lost row
of the output, never a raw escape sequence from the input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

from backprop_cli.demos import DEMOS
from backprop_cli.formatting import number
from conftest import ok, run

WIDTHS = (40, 60, 80, 200)
VIEWS = ("--table", "--steps", "--circuit")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MARK = "=== run "

# Runs backprop in-process once per command line, each on the same pseudo-terminal set to its width,
# with a line between runs: one process instead of one per run.
RUNNER = textwrap.dedent(
    """
    import fcntl, json, struct, sys, termios
    from backprop_cli.cli import cli
    for width, args in json.loads(sys.argv[1]):
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
        print("=== run", width, *args, flush=True)
        try:
            cli.main(args)
        except SystemExit:
            pass
        sys.stdout.flush()
    """
)


def on_terminal(runs: list[tuple[int, list[str]]]) -> dict[tuple[int, str], str]:
    """Each run's output as the terminal received it (escape sequences and all), by (width, command
    line)."""
    import json

    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    with subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(runs)], stdin=slave, stdout=slave, stderr=slave, env=env
    ) as process:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        assert process.wait(timeout=300) == 0
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    outputs = {}
    for part in text.split(MARK)[1:]:
        first, _, body = part.partition("\n")
        width, _, args = first.partition(" ")
        outputs[(int(width), args)] = body
    assert len(outputs) == len(runs), text[-2000:]
    return outputs


def whole(shown: str, text: str) -> bool:
    """``shown`` appears in ``text`` as a whole number, not a piece of a longer or a cut one."""
    sign = "" if shown.startswith("-") else "(?<!-)"
    return re.search(rf"(?<![\w.]){sign}{re.escape(shown)}(?![\w.])", text) is not None


@cache
def demo_numbers(name: str) -> dict[str, set[str]]:
    """The numbers of a demo's JSON, as the views show them (6 significant digits)."""
    nodes = ok("demo", name, "--json").json()["nodes"]
    values = {number(n["value"]) for n in nodes} | {number(n["grad"]) for n in nodes if n["grad"] is not None}
    local = {number(x) for n in nodes for x in n["local"] if x is not None}
    return {"values": values, "local": local}


def shown(raw: str) -> str:
    """What the terminal shows, as text: escape sequences removed, and the minus signs (−) the views
    write where the JSON has a hyphen written as hyphens."""
    return ANSI.sub("", raw).replace("−", "-")


# Every command line of this module that runs on a terminal: one process for all of them.
NARROW = ["eval", "x*y + 2", "-x", "0.123456789", "-y", "987654.321", "--digits", "9"]
NARROW_WIDTHS = (30, 40, 60, 74)
HOSTILE = "(x # \x1b[2J\x1b[32mall good\x07\n) * 2"


def hostile_runs(program: Path, bad: Path) -> list[tuple[int, list[str]]]:
    """The views of a program with escape sequences in a comment, and an error pointing into one."""
    runs = [(80, ["eval", "--file", str(program), "-x", "1", view]) for view in VIEWS]
    runs += [(80, ["eval", "--file", str(program), "-x", "0", "--wrt", "x", "--mode", "forward", "--steps"])]
    runs += [(80, ["eval", "--file", str(bad), "-x", "1"]), (80, ["check", "--file", str(program), "-x", "1"])]
    return runs


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("hostile")
    program, bad = directory / "p.bp", directory / "bad.bp"
    program.write_text(HOSTILE)
    bad.write_text(HOSTILE.replace("* 2", "* 2 \x00 \x1b[31m"))
    return program, bad


@pytest.fixture(scope="module")
def terminal(hostile_files: tuple[Path, Path]) -> dict[tuple[int, str], str]:
    """Each command line's output as the terminal received it, by (width, command line)."""
    runs = [(width, ["demo", name, view]) for name in DEMOS for view in VIEWS for width in WIDTHS]
    runs += [(width, NARROW) for width in NARROW_WIDTHS]
    return on_terminal(runs + hostile_runs(*hostile_files))


@pytest.fixture(scope="module")
def demo_views(terminal: dict[tuple[int, str], str]) -> dict[tuple[int, str], str]:
    return {key: shown(raw) for key, raw in terminal.items() if key[1].startswith("demo ")}


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_number_of_every_demo_is_whole_at_every_width(demo_views: dict[tuple[int, str], str], name: str) -> None:
    """Issue 7: on a terminal narrower than the table, numbers lost characters (∂/∂x 9876 for 987654)."""
    numbers = demo_numbers(name)
    for view in VIEWS:
        for width in WIDTHS:
            text = demo_views[(width, f"demo {name} {view}")]
            expected = numbers["values"] | (numbers["local"] if view == "--table" else set())
            missing = sorted(n for n in expected if not whole(n, text))
            assert not missing, f"{name} {view} at {width} columns lacks {missing}:\n{text}"


def test_the_issues_narrow_table_keeps_every_digit(terminal: dict[tuple[int, str], str]) -> None:
    for width in NARROW_WIDTHS:
        text = shown(terminal[(width, " ".join(NARROW))])
        for digits in ["987654.321", "0.123456789", "121932.631", "121934.631"]:
            assert whole(digits, text), text


def test_the_output_row_and_the_note_are_always_shown() -> None:
    """Issue 7: --max-rows 1 showed only the first row, without the output row and the note."""
    out = ok("eval", "x*y + 2", "-x", "1", "-y", "2", "--max-rows", "1").stdout
    rows = [
        line.split()[0] for line in out.splitlines()[2:] if line and not line.startswith(("─", "showing", "grad", "∂"))
    ]
    assert rows == ["f"] or rows[-1] == "f", out
    assert "showing 1 of 5 nodes; --max-rows 0 shows all" in out
    out = ok("eval", "x*y + 2", "-x", "1", "-y", "2", "--max-rows", "2").stdout
    assert "showing 2 of 5 nodes" in out
    assert re.search(r"^f +add ", out, re.M), out
    circuit = ok("eval", "x*y + 2", "-x", "1", "-y", "2", "--circuit", "--max-rows", "1").stdout
    assert circuit.splitlines()[0].startswith("f ="), circuit
    assert "more" in circuit or "showing" in circuit, circuit


# Text from the input never reaches the terminal as an escape sequence -------------------------------


def test_escape_sequences_in_the_input_are_shown_escaped_on_a_terminal(
    terminal: dict[tuple[int, str], str], hostile_files: tuple[Path, Path]
) -> None:
    """Issue 7: `log(x) # \\e[2J\\e[32mall good` reached the terminal through the expression column."""
    program, bad = hostile_files
    for width, args in hostile_runs(program, bad):
        raw = terminal[(width, " ".join(args))]
        # Rich's own colours are escape sequences too: these are the input's.
        assert not any(s in raw for s in ("\x1b[2J", "\x1b[32mall", "\x07", "\x00", "2 \x1b[31m")), args
    table = ok("eval", "--file", str(program), "-x", "1").stdout
    assert "(x # \\x1b[2J\\x1b[32mall good\\x07 ) * 2" in table
    error = run("eval", "--file", str(bad), "-x", "1")
    assert error.code == 2
    assert "\\x00" in error.stderr and "\x00" not in error.stderr and "\x1b" not in error.stderr
    line, caret = error.stderr.splitlines()[1:3]
    assert line[caret.index("^") :].startswith("\\x00"), error.stderr
    assert caret.strip() == "^~~~"  # under the four characters of \x00


def test_warnings_and_messages_show_control_characters_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    from backprop_cli.errors import InputError
    from backprop_cli.output import report, warn

    warn(["all good\x1b[2J\u202e"])
    with pytest.raises(SystemExit):
        report(InputError("bad \x1b]0;title\x07 name"), as_json=False)
    err = capsys.readouterr().err
    assert err == "warning: all good\\x1b[2J\\u202e\nerror: bad \\x1b]0;title\\x07 name\n"


@pytest.mark.parametrize(
    "program",
    [
        "a" * 5_000_000 + "(x)",  # an unknown function
        "x + " + "b" * 5_000_000,  # a missing value
        "x = 1; x = " + "c" * 5_000_000,  # assigned twice
        "x +* " + "d" * 5_000_000,  # a syntax error on a long line
        "log(" + "x-" * 50_000 + "x)",  # a math error whose span is 100 KB long
    ],
)
def test_an_error_about_a_huge_input_is_bounded(tmp_path: Path, program: str) -> None:
    """Issue 7: an error message about a 50 MB name printed 100 MB."""
    path = tmp_path / "p.bp"
    path.write_text(program)
    result = run("eval", "--file", str(path), "-x", "1", "-d", "1", "-b", "1", "-c", "1")
    assert result.code in (1, 2), result.stderr[:500]
    assert len(result.stderr) < 3_000, result.stderr[:3000]
    as_json = run("eval", "--file", str(path), "-x", "1", "--json")
    assert len(as_json.stdout) < 2_000 and as_json.json()["error"]["message"]
