"""Helpers of bench/batch.sh: test data, the I/O libraries' own read+write baselines, and the kernel
against a hand-written NumPy forward and backward pass.

    python bench/batch_bench.py data ROWS FILE           # the neuron's five inputs, N(0, 1) each
    python bench/batch_bench.py baseline LIBRARY IN OUT  # read IN, write OUT with the output's shape
    python bench/batch_bench.py kernel ROWS ROUNDS       # rows/s of the kernel / hand-written NumPy
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"
INPUTS = ["w0", "x0", "w1", "x1", "w2"]
OUTPUTS = ["f", "df_dw0", "df_dx0", "df_dw1", "df_dx1", "df_dw2"]


def data(rows: int, path: str) -> None:
    """Random points in chunks (constant memory), in the format of the file's extension."""
    rng = np.random.default_rng(12)
    chunk = 1_000_000
    writer = None
    with open(path, "wb") as out:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            table = pa.table({name: rng.standard_normal(n) for name in INPUTS})
            if path.endswith(".csv"):
                pl.from_arrow(table).write_csv(out, include_header=start == 0)  # type: ignore[union-attr]
            elif path.endswith(".jsonl"):
                pl.from_arrow(table).write_ndjson(out)  # type: ignore[union-attr]
            else:
                writer = writer or pq.ParquetWriter(out, table.schema)
                writer.write_table(table)
        if writer is not None:
            writer.close()


def output_shape(table: pa.Table) -> pa.Table:
    """A table shaped like batch's output (six float columns) from the input's columns."""
    columns = [table.column(INPUTS[i % len(INPUTS)]) for i in range(len(OUTPUTS))]
    return pa.table(dict(zip(OUTPUTS, columns)))


def baseline(library: str, source: str, target: str) -> None:
    """Read all of ``source`` and write a table of the output's shape, with one library alone."""
    if library == "pyarrow-csv":
        pacsv.write_csv(output_shape(pacsv.read_csv(source)), target)
    elif library == "polars-csv":
        frame = pl.read_csv(source)
        frame.select([pl.col(INPUTS[i % 5]).alias(name) for i, name in enumerate(OUTPUTS)]).write_csv(target)
    elif library == "polars-jsonl":
        frame = pl.read_ndjson(source)
        frame.select([pl.col(INPUTS[i % 5]).alias(name) for i, name in enumerate(OUTPUTS)]).write_ndjson(target)
    elif library == "pyarrow-jsonl":  # pyarrow reads JSON Lines but has no writer: polars writes
        pl.from_arrow(output_shape(pajson.read_json(source))).write_ndjson(target)  # type: ignore[union-attr]
    elif library == "pyarrow-parquet":
        pq.write_table(output_shape(pq.read_table(source)), target)
    else:
        raise SystemExit(f"unknown baseline {library}")


def by_hand(w0: np.ndarray, x0: np.ndarray, w1: np.ndarray, x1: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, ...]:
    """The neuron's forward and backward pass written by hand in NumPy (as in CS231n's notes)."""
    dot = w0 * x0 + w1 * x1 + w2
    f = 1.0 / (1.0 + np.exp(-dot))
    ddot = (1 - f) * f
    return f, x0 * ddot, w0 * ddot, x1 * ddot, w1 * ddot, ddot


def kernel(rows: int, rounds: int) -> None:
    """Rows per second of the kernel and of the hand-written pass, interleaved, over ``rounds`` rounds."""
    import backprop_cli

    rng = np.random.default_rng(3)
    columns = {name: rng.standard_normal(rows) for name in INPUTS}
    compiled = backprop_cli.compile(NEURON)
    ratios = []
    for _ in range(rounds):
        start = time.perf_counter()
        compiled(**columns)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        by_hand(*(columns[name] for name in INPUTS))
        theirs = time.perf_counter() - start
        ratios.append(theirs / ours)
    low, mid, high = min(ratios), statistics.median(ratios), max(ratios)
    spread = f"range {low:.0%} to {high:.0%}, {rounds} rounds of {rows:,} rows"
    print(f"  kernel / hand-written NumPy, rows per second: median {mid:.0%} ({spread})")
    result = compiled(**columns)
    expected = by_hand(*(columns[name] for name in INPUTS))
    worst = max(
        float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
        for a, b in zip([result.value, *result.gradients.values()], expected)
    )
    print(f"  largest relative difference from the hand-written pass: {worst:.1e}")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "data":
        data(int(args[0]), args[1])
    elif command == "baseline":
        baseline(*args)
    elif command == "kernel":
        kernel(int(args[0]), int(args[1]))
    else:
        raise SystemExit(__doc__)
