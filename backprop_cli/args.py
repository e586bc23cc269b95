"""Command-line words to values, and the program text from an argument, a file or stdin."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

from .errors import ExpressionError, FileError, InputError, UsageError
from .ops import CONSTANTS

if TYPE_CHECKING:
    from .arrays.values import Array

Value: TypeAlias = "float | Array"
"""An input's value: a float, or a NumPy array for a vector or a matrix."""


def parse_values(words: Sequence[str]) -> dict[str, Value]:
    """``-x -2``, ``-x=-2`` and ``x=-2`` into ``{"x": -2.0}``; ``-W '[[1, 2]]'`` or ``-W @w.npy``
    into an array (NumPy is imported only then)."""
    values: dict[str, Value] = {}
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
        if name in CONSTANTS:
            raise InputError(f"'{name}' is a reserved constant ({CONSTANTS[name]!r}) and cannot be given a value")
        if text.lstrip().startswith(("[", "@")):
            from .arrays.values import parse_value as parse_array

            values[name] = parse_array(name, text)
        else:
            values[name] = parse_value(name, text)
    return values


PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
"""A number as the language writes it (ASCII digits only), with a sign: read without the parser."""


def parse_value(name: str, text: str, what: str | None = None) -> float:
    """The value given for ``name``: a number, or a constant expression of the language (``pi/4``,
    ``-3/5``, ``sqrt(2)``) evaluated by the project's own parser and engine, never by Python.

    ``what`` names the value in errors (default: "the value of NAME")."""
    what = what or f"the value of {name}"
    if PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            raise InputError(f"{what} must be a finite number, not {text!r}")
        return value
    return _constant_expression(what, text)


def _constant_expression(what: str, text: str) -> float:
    from .cache import load
    from .engine import forward
    from .errors import BackpropError

    if not text.strip():
        raise InputError(f"{what} is not a number: {text!r}")
    if re.search(r"[0-9]_[0-9]", text):
        raise InputError(
            f"{what} is not a number: {text!r} (write it without '_': digit separators are not part of the language)"
        )
    if any(c.isdigit() and not c.isascii() for c in text):
        raise InputError(f"{what} is not a number: {text!r} (write numbers with the digits 0-9)")
    try:
        graph = load(text)
        if graph.inputs:
            names = ", ".join(graph.inputs)
            if set(graph.inputs) <= {"inf", "nan", "infinity"}:
                raise InputError(f"{what} must be a finite number, not {text!r}")
            raise InputError(
                f"{what} is not a number: {text!r} (a value may be a constant expression such as pi/4 or 1/3, "
                f"but not use a variable: {names})"
            )
        if graph.warnings:
            raise InputError(f"{what} is not a number: {text!r} (give one expression)")
        from .arrays import uses_arrays

        if uses_arrays(graph, {}):  # such as 2 * [1, 2] or sum([1, 2])
            raise InputError(
                f"{what} is not a number: {text!r} (a vector or a matrix is given as JSON, as in "
                "[[1, 2], [3, 4]], or from a file: @w.json or @w.npy)"
            )
        return forward(graph, {})[-1]
    except InputError:
        raise
    except BackpropError as err:
        raise InputError(f"{what} is not a number: {text!r} ({err.message})") from None


STDIN_PROMPT = (
    "backprop: reading the program from the terminal; type it, then press Ctrl-D on a new line to end "
    "(Ctrl-Z then Enter on Windows; Ctrl-C to cancel)"
)


def read_stdin() -> bytes:
    """All of standard input; on a terminal, first say on stderr what is awaited and how to end it."""
    if sys.stdin.isatty():
        print(STDIN_PROMPT, file=sys.stderr, flush=True)
    stream = getattr(sys.stdin, "buffer", None)
    return stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")


BOM = "\ufeff"


def decode(data: bytes) -> str:
    """Program text from bytes: UTF-8, a byte-order mark at the start dropped; invalid UTF-8 is an
    error that names the byte offset (and points at it)."""
    try:
        return data.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        shown = data.decode("utf-8", "replace").removeprefix(BOM)
        at = len(data[: exc.start].decode("utf-8", "replace").removeprefix(BOM))
        raise ExpressionError(
            f"the program is not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            "(save the file as UTF-8)",
            shown,
            (at, at + 1),
        ) from None


def read_program(expr: str | None, file: str | None) -> str:
    """The program text: the EXPR argument, or ``-`` for stdin, or ``--file PATH``."""
    try:
        if file is not None:
            if file == "-":
                return decode(read_stdin())
            with open(file, "rb") as f:
                return decode(f.read())
        if expr == "-":
            return decode(read_stdin())
    except OSError as exc:
        raise FileError(f"cannot read {file or 'standard input'}: {exc.strerror or exc}") from None
    assert expr is not None
    # Arguments the system could not decode arrive with their bytes as lone surrogates.
    return decode(expr.encode("utf-8", "surrogateescape")) if not expr.isascii() else expr


def invocation(words: Sequence[str], file: str | None) -> tuple[str, dict[str, Value]]:
    """The program text and the input values: EXPR is the first word unless --file is given."""
    expr = None
    if file is None:
        if not words:
            raise UsageError("missing EXPR: give an expression, '-' for standard input, or --file PATH")
        expr, words = words[0], words[1:]
    return read_program(expr, file), parse_values(words)
