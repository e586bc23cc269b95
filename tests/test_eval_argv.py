"""``backprop eval`` read without click (commands/eval_argv.py) is the same program as read by click.

Every command line runs twice in a fresh process, once as a user runs it and once with click forced
(``BACKPROP_ALWAYS_CLICK``), and the two must agree byte for byte: standard output, standard error and
the exit code. The processes are forked from one driver that has imported backprop, so that each run is a new
process (its own standard streams, exit, flushes) at the cost of a fork; each run also says whether
the fast path ran it, which pins which command lines it takes (tests/test_startup.py pins that it
imports no click).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli import cache
from backprop_cli.commands.eval_argv import ALWAYS_CLICK, COMPLETION, eval_options, read

DRIVER = r"""
import json, os, sys
import backprop_cli.entry
from backprop_cli.commands import eval_argv
# Imported once, here, so that each fork starts warm: what most of the runs import (without these, each
# fork imported them again, a third of its CPU; what a run imports is tests/test_startup.py's subject).
import backprop_cli.cli, backprop_cli.commands.eval, backprop_cli.cache, backprop_cli.engine, rich.console
import backprop_cli.views.table, backprop_cli.views.json_stream, backprop_cli.views.steps
import backprop_cli.args, backprop_cli.arrays, backprop_cli.commands.loading, backprop_cli.commands.limits
import backprop_cli.parse, backprop_cli.lalr, backprop_cli.builder, backprop_cli.tables, lark
import backprop_cli.views.text_table, backprop_cli.hessian, backprop_cli.symbolic, backprop_cli.flatgen
import difflib, getpass, logging, resource, tempfile, traceback, rich.box, rich.cells
rich.cells.cell_len("∂θ")  # loads Rich's table of character widths
backprop_cli.parse.parse("x")  # loads the parse tables (the cache is filled by the runs themselves)
requests, answers = os.fdopen(3, "r"), os.fdopen(4, "w")
run = eval_argv.run


def fast_run(line):
    with open("fast", "w"):
        pass
    run(line)


eval_argv.run = fast_run


def child(argv, stdin, stderr, click):
    os.close(3); os.close(4)
    with open("stdin", "wb") as f:
        f.write(stdin.encode("utf-8", "surrogateescape"))
    os.dup2(os.open("stdin", os.O_RDONLY), 0)
    os.dup2(os.open("stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    if stderr == "reader gone":  # a pipe whose reader has closed it
        read, write = os.pipe()
        os.close(read)
        os.dup2(write, 2)
    elif stderr == "closed":  # as `2>&-`: Python starts with no sys.stderr
        os.close(2)
        sys.stderr = None
    else:
        os.dup2(os.open("stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    if click:
        os.environ["BACKPROP_ALWAYS_CLICK"] = "1"
    sys.argv = ["backprop", *argv]
    code = 0
    try:
        backprop_cli.entry.main()
    except SystemExit as exit:
        code = exit.code
    except BaseException:  # a traceback (on standard error if it can be written) and exit 1
        try:
            import traceback
            traceback.print_exc()
        except Exception:
            pass
        code = 1
    # What the interpreter does at exit.
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            code = 120
    os._exit(code)


def one(argv, stdin, stderr, click):
    for name in ("stdout", "stderr", "fast"):
        open(name, "wb").close()
    os.remove("fast")
    pid = os.fork()
    if pid == 0:
        try:
            child(argv, stdin, stderr, click)
        finally:
            os._exit(99)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    read = lambda name: open(name, "rb").read().decode("utf-8", "surrogateescape")
    fast = os.path.exists("fast")
    return {"stdout": read("stdout"), "stderr": read("stderr"), "code": code, "fast": fast}


for line in requests:
    argv, stdin, stderr = json.loads(line)
    by_click = one(argv, stdin, stderr, True)  # first: the second run finds the program cached
    as_run = one(argv, stdin, stderr, False)
    answers.write(json.dumps([by_click, as_run]) + "\n")
    answers.flush()
"""

PROGRAM = "q = x + y; f = q * z"


class Driver:
    """The forking driver, in a directory of its own (its cache, files for --file and --svg)."""

    def __init__(self, where: Path) -> None:
        (where / "prog.bp").write_text(PROGRAM + "\n")
        (where / "bad.bp").write_bytes(b"x + \xff")
        requests, self._requests = os.pipe()
        self._answers, answers = os.pipe()
        env = {**os.environ, "BACKPROP_CACHE_DIR": str(where / "cache")}
        for name in (ALWAYS_CLICK, "BACKPROP_NO_CACHE", "_BACKPROP_COMPLETE"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"import os; os.dup2({requests}, 3); os.dup2({answers}, 4); exec({DRIVER!r})"],
            cwd=where,
            env=env,
            pass_fds=(requests, answers),
            stdin=subprocess.DEVNULL,
        )
        os.close(requests)
        os.close(answers)
        self.send = os.fdopen(self._requests, "w")
        self.receive = os.fdopen(self._answers, "r")

    def both(self, argv: list[str], stdin: str = "", stderr: str = "file") -> tuple[dict[str, Any], dict[str, Any]]:
        """The run with click forced, and the run as a user makes it."""
        self.send.write(json.dumps([argv, stdin, stderr]) + "\n")
        self.send.flush()
        by_click, as_run = json.loads(self.receive.readline())
        return by_click, as_run

    def close(self) -> None:
        self.send.close()
        self.process.wait(timeout=60)
        self.receive.close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    d = Driver(tmp_path_factory.mktemp("eval_argv"))
    yield d
    d.close()


SEED = ["(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"]
FAST, CLICK = True, False

# (argv after "eval", stdin, whether the fast path reads it)
CASES: list[tuple[list[str], str, bool]] = [
    (SEED, "", FAST),
    ([*SEED, "--json"], "", FAST),
    ([*SEED, "--json", "--json"], "", FAST),
    (["--json", *SEED], "", FAST),
    (["(x+y)*z", "-x=-2", "y=5", "-z=-4", "--json"], "", FAST),
    (["(x+y)*z", "x=-2", "y=5", "z=-4"], "", FAST),
    (["--", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4"], "", FAST),
    (["(x+y)*z", "--json", "--", "-x", "-2", "-y", "5", "-z", "-4"], "", FAST),
    (["(x+y)*z", "-x", "-2", "--", "--json", "-y", "5"], "", FAST),  # --json after -- is a value word
    (["(x+y)*z", "-x", "--json", "-y", "5", "-z", "-4"], "", FAST),  # -x's value is missing
    (["(x+y)*z", "-x", "-2", "-y", "5"], "", FAST),  # z missing
    (["(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4", "-w", "1"], "", FAST),  # an unused value
    (["(x+y)*z", "-x", "-2", "-x", "3", "-y", "5", "-z", "-4"], "", FAST),
    (["(x+y)*z", "-x", "1e999", "-y", "5", "-z", "-4"], "", FAST),
    (["(x+y)*z", "-x", "pi/4", "-y", "sqrt(2)", "-z", "-4", "--digits", "17"], "", FAST),
    (["(x+y)*z", "-x", "x", "-y", "5", "-z", "-4"], "", FAST),
    (["(x+y)*z", "-2", "-y", "5"], "", FAST),
    (["(x+y)*z", "oops", "-y", "5"], "", FAST),
    (["-", "-x", "3"], "x^2 + sin(x)\n", FAST),
    (["-", "-x", "3", "--json"], "x^2 +\n", FAST),
    (["--file", "prog.bp", "-x", "1", "-y", "2", "-z", "3"], "", FAST),
    (["--file=prog.bp", "x=1", "y=2", "z=3", "--steps"], "", FAST),
    (["--file", "-", "x=1"], "x*x\n", FAST),
    (["--file", "missing.bp", "x=1"], "", FAST),
    (["--file", "bad.bp", "x=1", "--json"], "", FAST),
    (["--file=", "x=1"], "", FAST),
    ([*SEED, "--fields", "value,gradients"], "", FAST),
    ([*SEED, "--fields=gradients, value"], "", FAST),
    ([*SEED, "--fields", "hessian"], "", FAST),
    ([*SEED, "--fields", "value", "--json"], "", FAST),
    ([*SEED, "--fields", "bogus"], "", CLICK),
    ([*SEED, "--fields", ""], "", CLICK),
    ([*SEED, "--fields"], "", CLICK),
    ([*SEED, "--fields", "--json"], "", CLICK),
    ([*SEED, "--fields", "value", "--steps"], "", FAST),
    ([*SEED, "--digits", "3"], "", FAST),
    ([*SEED, "--digits=17", "--digits", "2"], "", FAST),
    ([*SEED, "--digits", "99", "--digits", "2"], "", FAST),  # click keeps the last
    ([*SEED, "--digits", "0"], "", CLICK),
    ([*SEED, "--digits", "-3"], "", CLICK),
    ([*SEED, "--digits", "three"], "", CLICK),
    ([*SEED, "--digits", "+3"], "", FAST),
    ([*SEED, "--digits", " 4 "], "", FAST),
    ([*SEED, "--digits", "1_0"], "", FAST),
    ([*SEED, "--digits", "٣"], "", FAST),
    ([*SEED, "--digits", "3", "--json"], "", FAST),  # JSON has no use for --digits
    ([*SEED, "--json=1"], "", CLICK),
    ([*SEED, "--jsn"], "", CLICK),
    ([*SEED, "--help"], "", CLICK),
    ([*SEED, "--version"], "", CLICK),
    ([*SEED, "--debug"], "", CLICK),
    ([*SEED, "---x"], "", CLICK),
    (["-h"], "", CLICK),
    (["-help"], "", CLICK),
    (["x*h", "-h", "2"], "", FAST),
    ([], "", FAST),
    (["--json"], "", FAST),
    ([*SEED, "--mode", "forward", "--steps"], "", FAST),
    ([*SEED, "--mode", "sideways"], "", CLICK),
    ([*SEED, "--mode", "Forward"], "", CLICK),
    ([*SEED, "--wrt", "x,z"], "", FAST),
    ([*SEED, "--wrt", "x,q"], "", FAST),
    ([*SEED, "--wrt", "-x"], "", FAST),
    ([*SEED, "--wrt", ","], "", CLICK),
    ([*SEED, "--wrt=--json"], "", CLICK),
    ([*SEED, "--hessian", "--json"], "", FAST),
    ([*SEED, "--circuit", "--ascii", "--max-rows", "3"], "", FAST),
    ([*SEED, "--circuit", "--steps"], "", FAST),
    ([*SEED, "--latex"], "", FAST),
    ([*SEED, "--latex", "--ascii"], "", FAST),
    ([*SEED, "--steps", "--no-notes", "--pause"], "", FAST),
    ([*SEED, "--pause"], "", FAST),  # the table, shown unless another view is chosen, has no use for it
    ([*SEED, "--latex", "--fields", "hessian"], "", FAST),
    ([*SEED, "--svg", "seed.svg"], "", FAST),
    ([*SEED, "--svg", "seed.png"], "", CLICK),
    ([*SEED, "--table", "--max-rows", "2"], "", FAST),
    ([*SEED, "--max-rows", "-1"], "", CLICK),
    (["(x+", "--json"], "", FAST),
    (["(x+"], "", FAST),
    (["x + foo(y)", "x=1", "y=2"], "", FAST),
    (["log(x)", "x=-1"], "", FAST),
    (["log(x)", "x=-1", "--json"], "", FAST),
    (["x/y", "x=1", "y=0", "--json", "--fields", "value"], "", FAST),
    (["exp(x)", "x=1000"], "", FAST),
    (["a = x; b = a * 2; x"], "", FAST),
    (["a = x\nb = a * 2\nb", "x=1"], "", FAST),
    (["θ*2", "-θ", "1"], "", FAST),
    (["x \udcff", "x=1"], "", FAST),
    (["x*w", "x=1", "w=[1,2]", "--hessian"], "", FAST),
    (["demo"], "", FAST),
]


def test_eval_reads_its_command_lines_without_click_exactly_as_click_does(driver: Driver) -> None:
    wrong = []
    for argv, stdin, fast in CASES:
        by_click, as_run = driver.both(["eval", *argv], stdin)
        assert not by_click["fast"], argv  # the switch works
        if as_run["fast"] != fast or {**as_run, "fast": False} != by_click:
            wrong.append((argv, fast, by_click, as_run))
    assert not wrong, "\n".join(map(repr, wrong))


@pytest.mark.parametrize("stderr", ["reader gone", "closed"])
@pytest.mark.parametrize(
    "argv",
    [
        [*SEED, "-w", "1"],  # a warning during the command
        ["(x+", "--json"],  # an error after it
        [*SEED, "--json"],  # nothing on standard error
    ],
)
def test_a_standard_error_that_cannot_be_written_is_handled_as_by_click(
    driver: Driver, argv: list[str], stderr: str
) -> None:
    by_click, as_run = driver.both(["eval", *argv], stderr=stderr)
    assert as_run["fast"]
    assert {**as_run, "fast": False} == by_click


def test_other_commands_are_read_by_click(driver: Driver) -> None:
    for argv in (["demo", "staged", "--json"], ["check", *SEED], ["--version"], [], ["--help"]):
        by_click, as_run = driver.both(argv)
        assert as_run == by_click, argv


# Any command line over eval's options (read from its declarations), values and expressions.
VALUE_TEXTS = ["0", "1", "3", "17", "18", "-1", "+3", " 4", "1_0", "reverse", "forward", "Forward", "x", "x,y",
               "q", ",", "value", "value,gradients", "hessian", "bogus", "out.svg", "out.png", "prog.bp",
               "missing.bp", "-", ""]  # fmt: skip
FREE_WORDS = ["(x+y)*z", "x*y", "x+", "log(x)", "x/y", "q = x + y; f = q * z", "-", "--", "-x", "-2", "x=2", "-x=-2",
              "y=5", "-y", "5", "z=-4", "-z", "0", "x=", "-x=abc", "-h", "pi/4", "-q"]  # fmt: skip
OTHER_FLAGS = ["--jsn", "--help", "--debug", "--output", "--version"]


def option_words() -> st.SearchStrategy[list[str]]:
    flags = [option.flag for option in eval_options()]
    takes_value = {option.flag for option in eval_options() if not option.is_flag}
    flag = st.sampled_from(flags) | st.sampled_from(OTHER_FLAGS)
    typical = {option.flag: [str(b) for b in option.between or () if b is not None] + list(option.choices or ())
               for option in eval_options()}  # fmt: skip

    def spelled(name: str) -> st.SearchStrategy[list[str]]:
        value = st.sampled_from(VALUE_TEXTS) | st.sampled_from(typical.get(name) or VALUE_TEXTS)
        if name not in takes_value:
            return st.just([name]) | st.builds(lambda v: [f"{name}={v}"], value)
        return st.builds(lambda v: [name, v], value) | st.builds(lambda v: [f"{name}={v}"], value) | st.just([name])

    return flag.flatmap(spelled)


NUMBERS = ["-2", "5", "0", "-4", "1e-3", "+1", "pi/4", "-0.5", "3", "1e999", "two"]
SPELLINGS = ["-{} {}", "-{}={}", "{}={}"]


def value_words(names: str) -> st.SearchStrategy[tuple[list[str], ...]]:
    """A value for each name, each in one of the three spellings (-x 2, -x=2, x=2)."""

    def spelled(name: str) -> st.SearchStrategy[list[str]]:
        return st.builds(lambda spelling, v: spelling.format(name, v).split(" ", 1), st.sampled_from(SPELLINGS),
                         st.sampled_from(NUMBERS))  # fmt: skip

    return st.tuples(*map(spelled, names))


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """eval, an expression, values, options and perhaps a stray word, in any order after the expression."""
    first = draw(st.sampled_from(["(x+y)*z", "x*y + z", "-", "log(x)"]))
    values = draw(st.sampled_from(["xyz", "zyx", "xyzw", "xy"]).flatmap(value_words))
    options = draw(st.lists(option_words(), max_size=3))
    free = draw(st.lists(st.sampled_from(FREE_WORDS).map(lambda w: [w]), max_size=1))
    groups = draw(st.permutations([*values, *options, *free]))
    return ["eval", first, *(word for group in groups for word in group)]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
def test_any_command_line_over_evals_vocabulary_is_read_as_click_reads_it(driver: Driver, argv: list[str]) -> None:
    by_click, as_run = driver.both(argv, "x*y + z\n")
    assert {**as_run, "fast": False} == by_click, argv


def test_the_reader_knows_the_options_of_evals_click_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """eval_argv.eval_options() is the list commands/eval.py decorates eval with, in the same order,
    and a command line without options has the same parameters both ways."""
    import click

    from backprop_cli.commands.eval import command

    ctx = click.Context(command)
    params = command.get_params(ctx)
    options = [p for p in params if isinstance(p, click.Option) and p.opts != ["--help"]]
    assert [(p.opts, p.secondary_opts, p.is_flag) for p in options] == [
        ([o.flag], [], o.is_flag) for o in eval_options()
    ]
    assert [(p.name, p.nargs) for p in params if isinstance(p, click.Argument)] == [("words", -1)]
    monkeypatch.delenv(ALWAYS_CLICK, raising=False)
    monkeypatch.delenv(COMPLETION, raising=False)
    line = read(["eval", "x*y", "-x", "2"])
    assert line is not None
    assert line.params == command.make_context("eval", ["x*y", "-x", "2"]).params


def test_shell_completion_of_an_eval_command_line_is_clicks(tmp_path: Path) -> None:
    """The shell asks with the whole command line in the environment and `backprop eval ...` as argv."""
    env = {**os.environ, "_BACKPROP_COMPLETE": "bash_complete", "COMP_WORDS": "backprop eval x --js", "COMP_CWORD": "3"}
    env.pop(ALWAYS_CLICK, None)
    argv = [sys.executable, "-m", "backprop_cli", "eval", "x", "x=1"]  # argv the reader would take
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "plain,--json\n", "")


@pytest.mark.parametrize("interruption", ["KeyboardInterrupt", "EOFError"])
@pytest.mark.parametrize("click", [False, True])
def test_ctrl_c_while_eval_runs_says_interrupted_and_nothing_else(click: bool, interruption: str) -> None:
    """Ctrl-C or the end of input in the command (as while ``--pause`` reads keys) ends with
    "interrupted" and exit 130 both ways: no blank line first (click's main would write one)."""
    hook = f"""
import os, sys
import backprop_cli.entry
from backprop_cli.commands import loading
if {click!r}:
    os.environ["{ALWAYS_CLICK}"] = "1"
def interrupted(*args, **kwargs):
    raise {interruption}
loading.evaluate = interrupted
sys.argv = ["backprop", "eval", "(x+y)*z", "-x", "1", "-y", "2", "-z", "3"]
backprop_cli.entry.main()
"""
    cache.load("(x+y)*z")  # parsed here, in the test's cache: the process's subject is the interruption
    result = subprocess.run([sys.executable, "-c", hook], capture_output=True, text=True, check=False, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (130, "", "interrupted\n")
