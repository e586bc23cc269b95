"""Numbers and text as people read them: in the views, and in the messages of errors."""

from __future__ import annotations

import re


def number(value: float | None, digits: int = 6) -> str:
    """A readable number: ``-12``, ``3``, ``0.731059``; ``digits`` significant digits."""
    if value is None:
        return ""
    if value == 0:
        return "0"  # also for -0.0
    return format(value, f".{digits}g")


def one_line(text: str) -> str:
    """Source text with runs of white space (new lines too) folded to one space, control characters
    escaped (see :func:`printable`)."""
    return printable(" ".join(text.split()))


# Control characters (C0 but tab and new line, DEL, C1) and the bidirectional overrides that can
# reorder what a terminal shows ("Trojan source"). Compiled on first use: a class with characters
# beyond Latin-1 takes ~0.6 ms to compile, and most runs print no text from the input.
_CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``, ``\\x00``), so that text from the
    input (a comment, a name) can never send a terminal an escape sequence."""
    control = re.compile(_CONTROL)  # re's own cache keeps it after the first call
    return control.sub(_escape, text) if control.search(text) else text


def shorten(text: str, limit: int = 1000) -> str:
    """``text``, its middle replaced by `` … `` when longer than ``limit`` characters (a message
    about a name of 50 MB stays a message)."""
    if len(text) <= limit:
        return text
    half = (limit - 3) // 2
    return f"{text[:half]} … {text[-half:]}"


def exact(value: float) -> str:
    """A float at full precision, without a trailing ".0": ``-2``, ``0.1``, ``1e+300``."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text
