"""The symbols a terminal view writes, in Unicode or in plain ASCII: the one way a view learns of --ascii.

Every terminal view takes a :class:`Symbols` (the formula styles of ``printer.py`` are Symbols too, with
these values); the printer draws table boxes and tree guides in ASCII when ``ascii`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Symbols:
    ascii: bool = False
    """Plain ASCII only: also tells the printer to draw boxes and guides in ASCII."""
    partial: str = "∂"
    times: str = "×"
    cdot: str = "·"
    arrow: str = "←"
    tangent: str = "\u0307"
    """Marks a tangent in forward mode: a combining dot above (q̇)."""
    ellipsis: str = "…"
    """Stands for text or lines not shown."""
    vdots: str = "⋮"
    """Stands for table rows not shown."""
    dash: str = "—"
    """Stands for no value (a constant's gradient)."""


UNICODE = Symbols()
ASCII = Symbols(
    ascii=True, partial="d", times="*", cdot="*", arrow="<-", tangent="'", ellipsis="...", vdots=":", dash="-"
)
