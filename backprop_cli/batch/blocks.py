"""A text input read in large blocks that end on a record boundary, with the line each block starts on.

The fast readers parse one block at a time, so memory stays constant whatever the input's size,
and a block that fails is re-read slowly by :mod:`.diagnose` to name the line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BLOCK_SIZE = 4 << 20
"""Bytes read at a time: large enough for the readers' threads, small enough for constant memory."""


@dataclass(slots=True)
class Block:
    """Whole records of the input, from line ``line`` (1-based) on."""

    data: bytes
    line: int
    end: int
    """Bytes of the input consumed up to the end of this block (for progress)."""


def csv_boundary(data: bytes) -> int:
    """The end of the last whole CSV record in ``data``: after a newline outside quotes, or 0.

    A newline ends a record when an even number of quotes precede it (RFC 4180: a quote inside a
    quoted field is written twice, which keeps the parity).
    """
    cut = data.rfind(b"\n") + 1
    if b'"' not in data:
        return cut
    quotes = data.count(b'"', 0, cut)
    while cut and quotes % 2:
        previous = data.rfind(b"\n", 0, cut - 1) + 1
        quotes -= data.count(b'"', previous, cut)
        cut = previous
    return cut


def line_boundary(data: bytes) -> int:
    """The end of the last whole line in ``data`` (JSON Lines: no record spans two lines), or 0."""
    return data.rfind(b"\n") + 1


def read_record(stream: BinaryIO) -> bytes:
    """The first CSV record (the header), which may span lines inside quotes."""
    record = stream.readline()
    while record.count(b'"') % 2:
        more = stream.readline()
        if not more:
            break
        record += more
    return record


def blocks(stream: BinaryIO, first_line: int, consumed: int, csv: bool, size: int = BLOCK_SIZE) -> Iterator[Block]:
    """Blocks of whole records from ``stream``, starting at line ``first_line`` after ``consumed`` bytes."""
    boundary = csv_boundary if csv else line_boundary
    rest = b""
    line = first_line
    while True:
        data = stream.read(size)
        if not data:
            if rest:
                yield Block(rest, line, consumed)
            return
        consumed += len(data)
        data = rest + data if rest else data
        cut = boundary(data)
        if cut == 0:  # a record longer than a block: read on
            rest = data
            continue
        block, rest = data[:cut], data[cut:]
        yield Block(block, line, consumed - len(rest))
        line += block.count(b"\n")
