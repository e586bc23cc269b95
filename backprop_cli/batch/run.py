"""The batch loop: read a chunk, run the kernel over it, settle the rows with math errors, write it.

Rows with a math error (found by the kernel, worded by the float engine as `eval` words them) stop
the run, or are written with empty results, or are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa

from ..errors import MathError
from .kernel import Kernel
from .readers import Chunk

SHOWN_ROWS = 5
"""Row numbers listed in the summary of --on-error null/skip."""


class Writer(Protocol):
    def __init__(self, stream: BinaryIO, names: Sequence[str]) -> None: ...
    def write(self, kept: pa.Table, outputs: dict[str, np.ndarray]) -> None: ...
    def close(self) -> None: ...


class Progress(Protocol):
    def advance(self, rows: int, done: int) -> None: ...


class RowMathError(MathError):
    """A math error in one row of a batch (exit 1)."""

    def __init__(self, row: int, err: MathError) -> None:
        super().__init__(f"row {row}: {err.message}", err.source, err.span)
        self.row = row


@dataclass(slots=True)
class Summary:
    rows: int = 0
    """Rows read."""
    affected: list[int] = field(default_factory=list)
    """1-based numbers of the rows with a math error (all of them; the summary shows the first few)."""
    first: MathError | None = None


def run(
    kernel: Kernel,
    chunks: Iterable[Chunk],
    fixed: dict[str, float],
    writer: Writer,
    on_error: str,
    progress: Progress,
) -> Summary:
    """Evaluate every row and write it; ``on_error`` is "stop" (raise), "null" or "skip"."""
    summary = Summary()
    names = kernel.columns
    for chunk in chunks:
        inputs: dict[str, object] = {**chunk.numbers, **fixed}
        result = kernel.evaluate(inputs, chunk.rows)
        columns = [result.value, *(result.gradients[name] for name in kernel.wrt)]
        kept = chunk.kept
        if result.errors:  # their rows hold NaN, which the writers write as nulls
            first, err = result.errors[0]
            if on_error == "stop":
                writer.write(kept.slice(0, first), {n: c[:first] for n, c in zip(names, columns)})
                raise RowMathError(summary.rows + first + 1, err)
            summary.affected.extend(summary.rows + r + 1 for r, _ in result.errors)
            summary.first = summary.first or RowMathError(summary.rows + first + 1, err)
            if on_error == "skip":
                keep = np.ones(chunk.rows, dtype=bool)
                keep[[r for r, _ in result.errors]] = False
                columns = [column[keep] for column in columns]
                kept = kept.filter(pa.array(keep))
        writer.write(kept, dict(zip(names, columns)))
        summary.rows += chunk.rows
        progress.advance(chunk.rows, chunk.done)
    return summary
