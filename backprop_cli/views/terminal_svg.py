"""The SVG picture of a terminal (``--svg``), with local fonts only.

Rich's own template loads Fira Code from a web server, and a renderer without the network (rsvg-convert,
the usual route into LaTeX slides) falls back to another font whose glyphs are narrower or wider than
the grid Rich placed the text on, so the columns drift. This template names only fonts installed
locally, monospaced fonts whose advance is 0.6 of the font size, and places the text on that grid.
"""

from __future__ import annotations

import re
from typing import Any

FONTS = '"DejaVu Sans Mono", "Bitstream Vera Sans Mono", Menlo, "Liberation Mono", "Noto Sans Mono", monospace'
"""Monospaced fonts common on Linux, macOS and Windows-with-LibreOffice, all 0.6 em wide (Menlo is
DejaVu's descendant); the generic family last."""
FONT_ASPECT_RATIO = 0.6021
"""DejaVu Sans Mono's advance (1233/2048 em): the grid the text is placed on."""


def template() -> str:
    """Rich's SVG template without its web fonts (``@font-face`` with URLs) and its web link."""
    from rich._export_format import CONSOLE_SVG_FORMAT

    text = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.S)
    text = re.sub(r"\s*<!--[^>]*-->", "", text)
    text = text.replace("font-family: Fira Code, monospace;", f"font-family: {FONTS};")
    # Spaces at the start or end of a span are part of the picture: renderers that collapse them
    # (librsvg does) would shift the text.
    return text.replace("<svg ", '<svg xml:space="preserve" ', 1)


def svg(console: Any, title: str) -> str:
    """What ``console`` recorded as an SVG picture, with local fonts only."""
    text: str = console.export_svg(title=title, code_format=template(), font_aspect_ratio=FONT_ASPECT_RATIO)
    return text
