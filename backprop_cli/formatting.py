"""Numbers and text as people read them: in the views, and in the messages of errors."""

from __future__ import annotations


def number(value: float | None, digits: int = 6) -> str:
    """A readable number: ``-12``, ``3``, ``0.731059``; ``digits`` significant digits."""
    if value is None:
        return ""
    if value == 0:
        return "0"  # also for -0.0
    return format(value, f".{digits}g")


def one_line(text: str) -> str:
    """Source text with runs of white space (new lines too) folded to one space."""
    return " ".join(text.split())


def exact(value: float) -> str:
    """A float at full precision, without a trailing ".0": ``-2``, ``0.1``, ``1e+300``."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text
