"""Standard streams whose failures are reported as such, not as a bug in backprop.

Python's own standard output turns a full disk, a closed descriptor or a reader that went away into an
``OSError`` at whichever write or flush meets it: inside click (which then exits 1, the math-error
code), inside Rich, or at exit (a traceback). Here standard output writes through :class:`_Output`,
which raises :class:`ReaderGone` or :class:`OutputFailed` instead (not ``OSError``, so no library
mistakes them for its own), and then swallows the rest, so that nothing fails again at exit.

No import of click or Rich: this runs before them (see ``entry.py``).
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys

EXIT_OUTPUT = 74
"""Standard output could not be written (``EX_IOERR`` of sysexits.h); errors.py keeps the same code."""

REASONS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "the file is too large",
    errno.EBADF: "standard output is closed",
    errno.EIO: "input/output error",
}
"""Why an output could not be written, in words (files written with --output use them too)."""
UNICODE_SYMBOLS = "∂×σ−—⋮…→≈·"
"""The symbols of the views that ASCII-only styles replace."""


class ReaderGone(Exception):
    """The reader of standard output went away: stop quietly, as Unix tools do."""


class OutputFailed(Exception):
    """Standard output cannot be written; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Output(io.RawIOBase):
    """File descriptor 1, raising :class:`ReaderGone` or :class:`OutputFailed` on failure."""

    def __init__(self, closed: bool) -> None:
        super().__init__()
        self.was_closed = closed
        self.failed = False

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return not self.was_closed and os.isatty(1)

    def fileno(self) -> int:
        if self.was_closed:
            raise io.UnsupportedOperation("standard output is closed")
        return 1

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.failed:  # the rest of the output goes nowhere, at exit too
            return len(data)
        try:
            if self.was_closed:
                raise OSError(errno.EBADF, "standard output is closed")
            return os.write(1, data)
        except BrokenPipeError:
            self.failed = True
            raise ReaderGone from None
        except OSError as exc:
            self.failed = True
            raise OutputFailed(REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()) from None


class _ClosedInput(io.TextIOBase):
    """Standard input when the process was started without one (``<&-``)."""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        raise OSError(errno.EBADF, "standard input is closed")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise OSError(errno.EBADF, "standard input is closed")


def _is_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def unicode_output(stream: object = None) -> bool:
    """Whether the output's encoding can write the views' symbols (UTF-8 can; Latin-1 and ASCII cannot)."""
    encoding = getattr(stream if stream is not None else sys.stdout, "encoding", None) or "ascii"
    try:
        codecs.encode(UNICODE_SYMBOLS, encoding)
    except (UnicodeError, LookupError):
        return False
    return True


_ANSI = r"\033\[[0-?]*[ -/]*[@-~]"
"""An ANSI colour or style code, as click.echo strips them."""


def echo(text: str, err: bool = False) -> None:
    """``click.echo(text, err=err)`` without importing click: a line on standard output or error.

    As click does: nothing without the stream (``pythonw``); the text, then a new line, then a flush;
    ANSI codes stripped unless the stream is a terminal; and a stream whose encoding is ASCII (which
    click takes for a misconfigured one) written in UTF-8 instead, any unencodable character replaced.
    """
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    text += "\n"
    if "\033" in text and not _isatty(stream):
        import re

        text = re.sub(_ANSI, "", text)
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and _is_ascii(getattr(stream, "encoding", None) or "ascii"):
        stream.flush()
        buffer.write(text.encode("utf-8", "replace"))
        buffer.flush()
        return
    stream.write(text)
    stream.flush()


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (OSError, ValueError):  # closed
        return False


def _is_ascii(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


def guard() -> None:
    """Install the reporting standard output, and stand-ins for a closed standard input.

    A closed descriptor 0, 1 or 2 is first held by /dev/null, so that no file backprop opens (a cache
    entry) can become its standard output. An encoding that cannot write a character writes it as a
    backslash escape rather than failing.
    """
    closed = [_is_closed(fd) for fd in (0, 1, 2)]
    for fd in (0, 1, 2):
        if closed[fd]:
            os.dup2(os.open(os.devnull, os.O_RDWR), fd)
    old = sys.stdout
    encoding = getattr(old, "encoding", None) or "utf-8"
    errors = "strict" if unicode_output(old) else "backslashreplace"
    raw = _Output(closed[1] or old is None)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, errors=errors, line_buffering=raw.isatty())
    if closed[0] or sys.stdin is None:
        sys.stdin = _ClosedInput()
