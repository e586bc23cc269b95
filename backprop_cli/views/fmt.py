"""Number and text formatting shared by the views."""

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
