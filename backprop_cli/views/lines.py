"""A line of text in styled pieces, written as plain text or as Rich text: for views that print
without Rich's console when they can (see ``TableView.plain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

Line = list[tuple[str, "str | None"]]
"""A line of text in pieces, each with its Rich style (a name of ``theme.py``) or None."""


def joined(line: Line) -> str:
    """A line's text without its styles."""
    return "".join(text for text, _ in line)


def rich_text(line: Line, no_wrap: bool = False) -> Text:
    """A line as Rich text; ``no_wrap``: never wrapped or cut, however narrow the terminal."""
    from rich.text import Text

    text = Text(no_wrap=no_wrap, overflow="ignore") if no_wrap else Text()
    for piece, style in line:
        text.append(piece, style)
    return text
