"""The errors a user can meet, each with its kind, exit code and place in the source."""

from __future__ import annotations

from typing import Any

EXIT_MATH = 1
EXIT_USAGE = 2
EXIT_CHECK_FAILED = 3
EXIT_INTERNAL = 70
EXIT_OUTPUT = 74

EXCERPT_LINE = 100
"""A source line up to this long is shown whole under an error; a longer one, around the error."""
EXCERPT_CONTEXT = 40
EXCERPT_SPAN = 60


class BackpropError(Exception):
    """An error with a stable ``kind`` for JSON, an exit code and, where known, a source span."""

    kind = ""
    """The JSON ``kind``: each kind is one subclass, and the class picks the exit code (never raised itself)."""
    exit_code = EXIT_USAGE

    def __init__(self, message: str, source: str | None = None, span: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.span = span

    @property
    def position(self) -> tuple[int, int] | None:
        """1-based (line, column) of the span's start, if the error has one."""
        if self.source is None or self.span is None:
            return None
        return line_column(self.source, self.span[0])

    def to_json(self) -> dict[str, Any]:
        """The ``error`` object of the JSON output (the message bounded, as on the terminal)."""
        from .formatting import shorten

        pos = self.position
        return {
            "kind": self.kind,
            "message": shorten(self.message),
            "line": pos[0] if pos else None,
            "column": pos[1] if pos else None,
        }

    def excerpt(self) -> str:
        """The source line with a caret under the span (``^~~~``), or "" without a span.

        Bounded whatever the input: a line longer than ``EXCERPT_LINE`` shows a window of
        ``EXCERPT_CONTEXT`` characters each side of the span, and a span longer than ``EXCERPT_SPAN``
        its two ends; control characters are shown escaped.
        """
        from .formatting import printable

        if self.source is None or self.span is None:
            return ""
        source = self.source
        start = min(self.span[0], len(source))
        line_start = source.rfind("\n", 0, start) + 1
        line_end = source.find("\n", start)
        if line_end == -1:
            line_end = len(source)
        end = max(start, min(self.span[1], line_end))
        if line_end - line_start <= EXCERPT_LINE:
            lo, hi = line_start, line_end
        else:
            lo, hi = max(line_start, start - EXCERPT_CONTEXT), min(line_end, end + EXCERPT_CONTEXT)
        span = source[start:end]
        if len(span) > EXCERPT_SPAN:
            half = (EXCERPT_SPAN - 1) // 2
            span = f"{span[:half]}…{span[-half:]}"

        def shown(text: str) -> str:
            return printable(text.replace("\t", " "))

        before = ("…" if lo > line_start else "") + shown(source[lo:start])
        marked = shown(span)
        after = shown(source[end:hi]) + ("…" if hi < line_end else "")
        return f"  {before}{marked}{after}\n  {' ' * len(before)}^{'~' * (len(marked) - 1)}"


class ExpressionError(BackpropError):
    """A bad expression: its syntax (exit 2)."""

    kind = "syntax"


class NameUseError(ExpressionError):
    """A name used or assigned wrongly (exit 2)."""

    kind = "name"


class FunctionError(ExpressionError):
    """An unknown function, or a call with the wrong number of arguments (exit 2)."""

    kind = "function"


class InputError(BackpropError):
    """Bad or missing input values (exit 2)."""

    kind = "value"


class MissingValuesError(InputError):
    """Inputs of the expression that were given no value."""

    def __init__(self, names: list[str]) -> None:
        plural = "s" if len(names) > 1 else ""
        super().__init__(f"missing value{plural} for {', '.join(names)}")
        self.names = names


class UnknownInputsError(InputError):
    """Names asked to differentiate with respect to that are not inputs of the expression."""

    def __init__(self, names: list[str], inputs: list[str]) -> None:
        known = ", ".join(inputs) or "none"
        super().__init__(f"the expression has no input named {', '.join(names)} (inputs: {known})")
        self.names = names
        self.inputs = inputs


class UsageError(BackpropError):
    """A bad command line: options, arguments, their combinations (exit 2)."""

    kind = "usage"


class FileError(BackpropError):
    """A file that cannot be read or written (exit 2)."""

    kind = "file"


class OutputFileError(FileError):
    """An output file the disk could not hold (exit 74, as for standard output)."""

    exit_code = EXIT_OUTPUT


class InternalError(BackpropError):
    """A bug in backprop itself (exit 70): said in words (and in JSON with --json), never a traceback."""

    kind = "internal"
    exit_code = EXIT_INTERNAL


class MathError(BackpropError):
    """A math error during the forward or reverse pass (exit 1)."""

    kind = "math"
    exit_code = EXIT_MATH


def line_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = source.count("\n", 0, offset) + 1
    col = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, col
