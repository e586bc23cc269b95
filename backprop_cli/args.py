"""Command-line words to values, and the program text from an argument, a file or stdin."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

from .errors import FileError, InputError, UsageError


def parse_values(words: Sequence[str]) -> dict[str, float]:
    """``-x -2``, ``-x=-2`` and ``x=-2`` into ``{"x": -2.0}``."""
    values: dict[str, float] = {}
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("--"):
            raise UsageError(f"unknown option {word.split('=')[0]} (see --help)")
        name, eq, text = word.lstrip("-").partition("=") if word.startswith("-") else word.partition("=")
        if word.startswith("-") and not eq:
            if i == len(words):
                raise InputError(f"-{name} needs a value, as in -{name} 2")
            text = words[i]
            i += 1
        elif not eq:
            raise UsageError(f"unexpected argument {word!r}: give values as -x 2, -x=2 or x=2")
        if not name.isidentifier():
            raise InputError(f"{name!r} is not a variable name (in {word!r})")
        if name in values:
            raise InputError(f"{name} is given more than once")
        values[name] = _number(name, text)
    return values


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"the value of {name} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise InputError(f"the value of {name} must be a finite number, not {text!r}")
    return value


def read_program(expr: str | None, file: str | None) -> str:
    """The program text: the EXPR argument, or ``-`` for stdin, or ``--file PATH``."""
    try:
        if file is not None:
            if file == "-":
                return sys.stdin.read()
            with open(file, encoding="utf-8") as f:
                return f.read()
        if expr == "-":
            return sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FileError(f"cannot read {file or 'standard input'}: {reason}") from None
    assert expr is not None
    return expr


def invocation(words: Sequence[str], file: str | None) -> tuple[str, dict[str, float]]:
    """The program text and the input values: EXPR is the first word unless --file is given."""
    expr = None
    if file is None:
        if not words:
            raise UsageError("missing EXPR: give an expression, '-' for standard input, or --file PATH")
        expr, words = words[0], words[1:]
    return read_program(expr, file), parse_values(words)
