"""Python's recursion limit, lowered for a block of a test: a program a few times deeper than the
lowered limit proves what a far deeper one does against the default limit, that depth is not limited
by Python's recursion limit, for a fraction of the work."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HEADROOM = 150
"""Frames the code under test may use above the test's own without recursing over the program: click's
and the commands' calls, Rich's rendering, an import, the compilation of exported code. The commands
need about 40 (measured with a three-deep program); the rest is margin."""


@contextmanager
def lowered_recursion_limit(headroom: int = HEADROOM) -> Iterator[int]:
    """Set Python's recursion limit to the current frame depth plus ``headroom`` for the block, and
    restore it after; yields the limit, which the test's program should exceed several times.

    On CPython 3.11 (CI's) the recursion of C code (the compiler, ``json``, ``re``) counts against the
    same limit.
    """
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    before = sys.getrecursionlimit()
    limit = depth + headroom
    sys.setrecursionlimit(limit)
    try:
        yield limit
    finally:
        sys.setrecursionlimit(before)
