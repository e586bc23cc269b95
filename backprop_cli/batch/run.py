"""The batch loop: read a chunk, run the kernel over it, settle the rows with math errors, write it.

The kernel flags the rows where any node, local gradient or gradient is not finite; only those rows
are evaluated again, one by one, by the float engine (the reference `eval` uses), which either
computes them (a false alarm: kink conventions, for instance) or raises the same math error `eval`
would, with the subexpression and its values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa

from ..engine import evaluate
from ..errors import MathError
from ..graph import Graph
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


def output_names(graph: Graph, wrt: Sequence[str]) -> list[str]:
    """The value's column (the output's label, ``f`` by default), then ``df_dx`` for each input."""
    label = graph.labels[-1]
    return [label, *(f"d{label}_d{name}" for name in wrt)]


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
    graph: Graph,
    kernel: Kernel,
    chunks: Iterable[Chunk],
    fixed: dict[str, float],
    writer: Writer,
    on_error: str,
    progress: Progress,
) -> Summary:
    """Evaluate every row and write it; ``on_error`` is "stop" (raise), "null" or "skip"."""
    summary = Summary()
    names = output_names(graph, kernel.wrt)
    for chunk in chunks:
        inputs: dict[str, object] = {**chunk.numbers, **fixed}
        result = kernel(inputs, chunk.rows)
        columns = [result.value, *(result.gradients[name] for name in kernel.wrt)]
        kept = chunk.kept
        if result.bad is not None:
            errors = _settle(graph, kernel, inputs, result.bad, columns, summary.rows)
            if errors:
                first_row, first_err = errors[0]
                if on_error == "stop":
                    before = first_row - summary.rows - 1
                    writer.write(kept.slice(0, before), {n: c[:before] for n, c in zip(names, columns)})
                    raise RowMathError(first_row, first_err)
                summary.affected.extend(row for row, _ in errors)
                summary.first = summary.first or RowMathError(first_row, first_err)
                positions = np.array([row - summary.rows - 1 for row, _ in errors])
                if on_error == "null":
                    for column in columns:
                        column[positions] = np.nan
                else:
                    keep = np.ones(chunk.rows, dtype=bool)
                    keep[positions] = False
                    columns = [column[keep] for column in columns]
                    kept = kept.filter(pa.array(keep))
        writer.write(kept, dict(zip(names, columns)))
        summary.rows += chunk.rows
        progress.advance(chunk.rows, chunk.done)
    return summary


def _settle(
    graph: Graph, kernel: Kernel, inputs: dict[str, object], bad: np.ndarray, columns: list[np.ndarray], before: int
) -> list[tuple[int, MathError]]:
    """Evaluate the flagged rows with the float engine; fill in those it computes, return the others."""
    errors = []
    for r in np.flatnonzero(bad):
        point = {name: float(np.asarray(v)[r]) if np.ndim(v) else float(v) for name, v in inputs.items()}  # type: ignore[arg-type]
        try:
            ev = evaluate(graph, point, wrt=kernel.wrt)
        except MathError as err:
            errors.append((before + int(r) + 1, err))
            continue
        grads = ev.input_grads()
        for column, value in zip(columns, [ev.value, *(grads[name] for name in kernel.wrt)]):
            column[r] = value
    return errors
