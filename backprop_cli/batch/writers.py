"""Output tables written chunk by chunk: CSV and JSON Lines (polars), Parquet (pyarrow).

Floats are written at full precision as their shortest round-trip form (polars formats them as
Python's ``repr`` does); rows without a result (``--on-error null``) have empty cells or nulls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError


def frame(kept: pa.Table, outputs: dict[str, np.ndarray]) -> pl.DataFrame:
    """The kept columns, then the outputs (NaN marks a row without a result: a null)."""
    columns = [pl.Series(name, values, nan_to_null=True) for name, values in outputs.items()]
    return pl.from_arrow(kept).hstack(columns) if kept.num_columns else pl.DataFrame(columns)  # type: ignore[union-attr]


class CsvWriter:
    """CSV with a header row."""

    def __init__(self, stream: BinaryIO, names: Sequence[str]) -> None:
        self.stream = stream
        pl.DataFrame(schema=dict.fromkeys(names, pl.String)).write_csv(stream)

    def write(self, kept: pa.Table, outputs: dict[str, np.ndarray]) -> None:
        frame(kept, outputs).write_csv(self.stream, include_header=False)

    def close(self) -> None:
        self.stream.flush()


class JsonlWriter:
    """One JSON object per row."""

    def __init__(self, stream: BinaryIO, names: Sequence[str]) -> None:
        self.stream = stream

    def write(self, kept: pa.Table, outputs: dict[str, np.ndarray]) -> None:
        if len(next(iter(outputs.values()))):
            frame(kept, outputs).write_ndjson(self.stream)

    def close(self) -> None:
        self.stream.flush()


class ParquetWriter:
    """Parquet, one row group per chunk; the schema is fixed by the first chunk."""

    def __init__(self, stream: BinaryIO, names: Sequence[str]) -> None:
        self.stream = stream
        self.names = names
        self.writer: Any = None
        self.schema: pa.Schema | None = None

    def write(self, kept: pa.Table, outputs: dict[str, np.ndarray]) -> None:
        table = kept
        for name, values in outputs.items():
            table = table.append_column(name, pa.array(values, from_pandas=True))  # NaN -> null
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.stream, table.schema)
        try:
            self.writer.write_table(table.cast(self.schema))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise InputError(f"a kept column changed its type: {exc}") from None

    def close(self) -> None:
        if self.writer is None:  # no rows: an empty file with the output's columns
            self.writer = pq.ParquetWriter(self.stream, pa.schema([(name, pa.float64()) for name in self.names]))
        self.writer.close()
        self.stream.flush()
