"""``backprop eval`` without click: its command line read from eval's declarations, wherever it can be
read exactly as click reads it.

Importing click costs ~20 ms, a third of a cached ``eval --json``. A command line of an expression, its
values (``-x 2``, ``-x=2``, ``x=2``) and options needs none of click's machinery: it is read here from the
declarations click's ``eval`` is made of (declarations.py, registry.py), with the same conversions, then
runs the same code (:func:`evaluate_and_show`, :func:`~backprop_cli.run.guarded`). Whatever this reader
is not sure of (``--help``, an unknown option, an option without its value, a value that does not
convert, ``--debug``, another command) it leaves to click: :func:`read` returns None, and click's
messages stay the reference. tests/test_eval_argv.py runs command lines both ways and compares them.

No import of click.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, TextIO, cast

from ..errors import BackpropError
from ..run import Run, guarded
from .declarations import DEBUG_FLAG, DECLARED

if TYPE_CHECKING:
    from .declarations import Declaration

COMMAND = "eval"
ALWAYS_CLICK = "BACKPROP_ALWAYS_CLICK"
"""When this environment variable is set (by tests), click reads every command line."""
COMPLETION = "_BACKPROP_COMPLETE"
"""How a shell asks click to complete a command line (``_{PROG}_COMPLETE``): click's to answer."""


def eval_options() -> list[Declaration]:
    """The options of ``backprop eval``, as its click command is decorated with them (commands/eval.py)."""
    from .registry import view_parameters

    return [DECLARED["file"], *view_parameters(), DECLARED["debug"]]


class CommandLine(NamedTuple):
    """An ``eval`` command line read: every parameter's value, the names of those given, the run."""

    params: dict[str, Any]
    given: set[str]
    run: Run


def read(argv: Sequence[str]) -> CommandLine | None:
    """``argv`` (without the program's name) read as click reads it, or None: click is to read it.

    As ``BackpropCommand.parse_args`` (options.py): a word that starts with ``--`` is an option, any
    other word is free (an expression, a value), and after ``--`` every word is free.
    """
    if argv[:1] != [COMMAND] or ALWAYS_CLICK in os.environ or COMPLETION in os.environ:
        return None
    args = argv[1:]
    if args in (["-h"], ["-help"]):  # click's path says how to ask for help
        return None
    options = {option.flag: option for option in eval_options() if option.flag != DEBUG_FLAG}
    texts: dict[str, str] = {}  # each option's last text, as click keeps the last
    free: list[str] = []
    i = 0
    while i < len(args) and args[i] != "--":
        word = args[i]
        i += 1
        if not word.startswith("--"):
            free.append(word)
            continue
        flag, eq, text = word.partition("=")
        option = options.get(flag)
        if option is None or (option.is_flag and eq):
            return None
        if not option.is_flag and not eq:
            if i == len(args) or args[i].startswith("--"):  # its value is missing
                return None
            text = args[i]
            i += 1
        texts[flag] = text
    free += args[i + 1 :]
    params: dict[str, Any] = {option.param: option.default for option in options.values()}
    try:
        for flag, text in texts.items():
            params[options[flag].param] = True if options[flag].is_flag else options[flag].read(text)
    except (ValueError, BackpropError):  # a value click refuses, in its own words
        return None
    params["words"] = tuple(free)
    return CommandLine(params, {options[flag].param for flag in texts}, Run(set(texts)))


def evaluate_and_show(params: Mapping[str, Any], given: Iterable[str]) -> None:
    """What ``backprop eval`` does once its command line is read (by click or by :func:`read`)."""
    from ..args import invocation
    from .loading import evaluate
    from .viewing import show, view_options_from

    options = view_options_from(params, given, COMMAND, "table")
    source, values = invocation(params["words"], params["file"])
    show(evaluate(source, values, options.mode, options.wrt, options.view, options.hessian), options)


def run(line: CommandLine) -> NoReturn:
    """Run an ``eval`` command line read by :func:`read`; exit with its code."""
    guarded(lambda: _as_click_runs_it(line), line.run)


def _as_click_runs_it(line: CommandLine) -> None:
    """:func:`evaluate_and_show`, with what click's ``Command.main`` does around a command (Ctrl-C and end
    of input go to :func:`~backprop_cli.run.guarded` as they do from click's path, cli.py)."""
    try:
        evaluate_and_show(line.params, line.given)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # A reader of standard error went away (standard output reports its own, streams.py): click
        # exits 1, and keeps the interpreter's last flush quiet.
        sys.stdout = cast(TextIO, _FlushQuietly(sys.stdout))
        sys.stderr = cast(TextIO, _FlushQuietly(sys.stderr))
        raise SystemExit(1) from None


class _FlushQuietly:
    """A stream whose flush ignores a reader gone away (click's ``_PacifyFlushWrapper``)."""

    def __init__(self, wrapped: TextIO) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)
