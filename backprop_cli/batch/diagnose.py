"""The slow, exact reading of one block of CSV or JSON Lines, for blocks the fast readers refused.

It is the specification of what a valid input is: either it names the line and column of the first
problem (an :class:`InputFileError`, exit 2) or it returns the block's values, which are then used
as they are. Only blocks with a problem (or an unusual shape the fast path cannot vouch for) come
here, so its speed does not matter.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import InputError
from .blocks import Block

Columns = tuple[dict[str, list[float]], dict[str, list[Any]], int]
"""Numeric input columns and kept columns, as Python lists, and the number of rows."""


class InputFileError(InputError):
    """Malformed input: a line and column of the input file, shown with a caret under the cell."""

    def __init__(self, message: str, line_text: str, line: int, column: int, width: int = 1) -> None:
        super().__init__(message, line_text, (column - 1, column - 1 + max(width, 1)))
        self.line = line
        self.column = column

    @property
    def position(self) -> tuple[int, int]:
        return self.line, self.column


def _lines(block: Block) -> list[str]:
    """The block's lines, split at newlines only (as the line numbers count them)."""
    try:
        text = block.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = block.data[: exc.start]
        line = block.line + before.count(b"\n")
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        shown = block.data.split(b"\n")[line - block.line].decode("utf-8", "replace")
        raise InputFileError("the input is not UTF-8 text", shown, line, column) from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def number(name: str, cell: object, line_text: str, line: int, column: int) -> float:
    """A cell as a finite float, or an error naming the column ``name`` and the cell."""
    width = len(str(cell)) if isinstance(cell, str) else 1
    if isinstance(cell, bool) or cell is None or not isinstance(cell, (str, int, float)):
        shown = json.dumps(cell)
        raise InputFileError(f"{name} is not a number: {shown}", line_text, line, column, width)
    if isinstance(cell, str) and not cell.strip():
        raise InputFileError(f"{name} is empty", line_text, line, column)
    try:
        value = float(cell)
    except (ValueError, OverflowError):
        raise InputFileError(f"{name} is not a number: {cell!r}", line_text, line, column, width) from None
    if not math.isfinite(value):
        raise InputFileError(f"{name} must be a finite number, not {cell!r}", line_text, line, column, width)
    return value


def _field_starts(line: str) -> Iterator[int]:
    """The 0-based offset of each field of a CSV line, reading quotes as the csv module does."""
    yield 0
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            yield i + 1


def csv_block(block: Block, header: Sequence[str], numeric: Sequence[str], keep: Sequence[str]) -> Columns:
    """Read a CSV block exactly: blank lines are skipped, every other record has the header's fields."""
    lines = _lines(block)
    index = {name: header.index(name) for name in [*numeric, *keep]}
    numbers: dict[str, list[float]] = {name: [] for name in numeric}
    kept: dict[str, list[Any]] = {name: [] for name in keep}
    reader = csv.reader((line + "\n" for line in lines), strict=True)
    first = 0  # lines read before the current record
    rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            text = lines[min(reader.line_num, len(lines)) - 1]
            raise InputFileError(f"malformed CSV: {exc}", text, block.line + reader.line_num - 1, 1) from None
        line = block.line + first
        text = lines[first]
        first = reader.line_num
        if not row:
            continue
        rows += 1
        if len(row) != len(header):
            starts = list(_field_starts(text))
            column = starts[len(header)] + 1 if len(row) > len(header) else len(text) + 1
            raise InputFileError(f"this row has {len(row)} fields, the header has {len(header)}", text, line, column, 1)
        starts = list(_field_starts(text)) if numeric else []
        for name in numeric:
            k = index[name]
            numbers[name].append(number(name, row[k], text, line, starts[k] + 1 if k < len(starts) else 1))
        for name in keep:
            kept[name].append(row[index[name]])
    return numbers, kept, rows


def jsonl_block(block: Block, numeric: Sequence[str], keep: Sequence[str]) -> Columns:
    """Read a JSON Lines block exactly: one object per line, blank lines skipped."""
    numbers: dict[str, list[float]] = {name: [] for name in numeric}
    kept: dict[str, list[Any]] = {name: [] for name in keep}
    rows = 0
    for offset, text in enumerate(_lines(block)):
        line = block.line + offset
        if not text.strip():
            continue
        rows += 1
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"invalid JSON: {exc.msg}", text, line, exc.colno) from None
        if not isinstance(obj, dict):
            raise InputFileError("each line must be a JSON object ({...})", text, line, 1)
        for name in numeric:
            if name not in obj:
                raise InputFileError(f"this object has no {name}", text, line, 1, len(text))
            column = text.find(json.dumps(name)) + 1 or 1
            numbers[name].append(number(name, obj[name], text, line, column))
        for name in keep:
            kept[name].append(obj.get(name))
    return numbers, kept, rows
