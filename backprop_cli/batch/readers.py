"""Input tables read in chunks: CSV (pyarrow), JSON Lines (polars) and Parquet (pyarrow).

Each reader knows its columns before any row is read, then yields :class:`Chunk`\\ s: the numeric
input columns as float64 arrays and the kept columns as an Arrow table. The libraries were chosen by
measurement (``bench/batch.sh``): pyarrow's CSV reader is strict about ragged rows, polars reads JSON
Lines twice as fast as pyarrow, and pyarrow streams Parquet by row groups.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import InputError
from .blocks import Block, blocks, read_record
from .diagnose import Columns, csv_block, jsonl_block

PARQUET_BATCH = 65_536
"""Rows per Parquet chunk."""


@dataclass(slots=True)
class Chunk:
    """Consecutive rows of the input."""

    numbers: dict[str, np.ndarray]
    """Each numeric input column, float64, finite."""
    kept: pa.Table
    """The columns passed through with --keep."""
    rows: int
    done: int
    """Progress after this chunk, in the unit of the reader's ``total`` (bytes or rows)."""


def _from_lists(columns: Columns, keep_types: dict[str, pa.DataType], done: int) -> Chunk:
    numbers, kept, rows = columns
    table = pa.table({name: pa.array(kept[name], type=keep_types.get(name)) for name in kept})
    arrays = {name: np.asarray(values, dtype=np.float64) for name, values in numbers.items()}
    return Chunk(arrays, table, rows, done)


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    """A column as float64 NumPy (text columns are converted: they are kept inputs)."""
    if pa.types.is_string(column.type):
        column = column.cast(pa.float64())
    return _numpy(column)


def _numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A float64 column without nulls as NumPy, read from its data buffers: what ``to_numpy`` gives.

    pyarrow's ``to_numpy`` goes through its pandas conversion, which imports pandas where it is
    installed (as next to Dask): 0.3-0.5 s of CPU, more than a small batch run costs otherwise."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    parts = [np.frombuffer(c.buffers()[1], np.float64, len(c), c.offset * 8) if len(c) else np.empty(0) for c in chunks]
    return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.empty(0)


def _finite(numbers: dict[str, np.ndarray]) -> bool:
    return all(np.isfinite(column).all() for column in numbers.values())


def _duplicates(names: Sequence[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"the input has two columns named {name!r}")
        seen.add(name)


class CsvReader:
    """CSV with a header row, parsed by pyarrow one block at a time."""

    def __init__(self, stream: BinaryIO, total: int | None) -> None:
        self.stream = stream
        self.total = total
        header = read_record(stream)
        self._consumed = len(header)
        self._first_line = 1 + header.count(b"\n")
        if header.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as spreadsheets write it
            header = header[3:]
        if not header.strip():
            raise InputError("the input is empty: CSV input starts with a header row naming the columns")
        try:
            self.columns = next(csv.reader([header.decode("utf-8").rstrip("\r\n")]))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"cannot read the CSV header: {exc}") from None
        _duplicates(self.columns)

    def chunks(self, numeric: Sequence[str], keep: Sequence[str]) -> Iterator[Chunk]:
        # A kept input column is read as text (copied exactly) and converted to numbers here.
        types = {name: pa.float64() for name in numeric} | {name: pa.string() for name in keep}
        convert = pacsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        read = pacsv.ReadOptions(column_names=self.columns)
        for block in blocks(self.stream, self._first_line, self._consumed, csv=True):
            parse = pacsv.ParseOptions(newlines_in_values=b'"' in block.data)
            try:
                table = pacsv.read_csv(pa.py_buffer(block.data), read, parse, convert)
            except pa.ArrowInvalid:
                table = None
            if table is not None:
                try:
                    numbers = {name: _floats(table.column(name)) for name in numeric}
                except pa.ArrowInvalid:
                    numbers = {name: np.array([np.nan]) for name in numeric}
                if _finite(numbers):
                    yield Chunk(numbers, table.select(list(keep)), table.num_rows, block.end)
                    continue
            # The exact reading either names the problem or vouches for the block.
            yield _from_lists(csv_block(block, self.columns, numeric, keep), types, block.end)


class JsonlReader:
    """JSON Lines (one object per line), parsed by polars one block at a time.

    The columns are the keys of the first object; kept columns take the types polars infers from
    the first block.
    """

    def __init__(self, stream: BinaryIO, total: int | None) -> None:
        self.stream = stream
        self.total = total
        self._head = b""
        self._line = 1
        while True:
            line = stream.readline()
            if not line:
                raise InputError("the input is empty: JSON Lines input has one object per line")
            self._head += line
            if line.strip():
                break
        block = Block(self._head, 1, len(self._head))
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            jsonl_block(block, [], [])  # names the line and column
        if not isinstance(first, dict):
            jsonl_block(block, [], [])
        self.columns = list(first)

    def chunks(self, numeric: Sequence[str], keep: Sequence[str]) -> Iterator[Chunk]:
        schema: dict[str, Any] = dict.fromkeys(numeric, pl.Float64)
        keep_types: dict[str, pa.DataType] = {}
        source = _prefixed(self._head, self.stream)
        for block in blocks(source, 1, 0, csv=False):
            # The first block's kept columns are inferred; then the schema is fixed (much faster).
            frame = _ndjson(block.data, schema, [*numeric, *keep], fixed=not keep or bool(keep_types))
            if frame is not None and not any(frame[name].null_count() for name in numeric):
                numbers = {name: frame[name].to_numpy() for name in numeric}
                if _finite(numbers):
                    kept = frame.select(list(keep)).to_arrow()
                    if not keep_types:  # later blocks keep the first block's types
                        schema |= {name: frame.schema[name] for name in keep}
                        keep_types = {field.name: field.type for field in kept.schema}
                    yield Chunk(numbers, kept, len(frame), block.end)
                    continue
            yield _from_lists(jsonl_block(block, numeric, keep), keep_types, block.end)


def _ndjson(data: bytes, schema: dict[str, Any], needed: list[str], fixed: bool) -> pl.DataFrame | None:
    """A block of JSON Lines read by polars, or None if polars refuses it or a column is missing."""
    try:
        if fixed:
            frame = pl.read_ndjson(data, schema=schema)
        else:
            frame = pl.read_ndjson(data, schema_overrides=schema, infer_schema_length=1000)
    except pl.exceptions.PolarsError:
        return None
    return frame if all(name in frame.columns for name in needed) else None


class _Prefixed(io.RawIOBase):
    """A stream that first returns ``head``, then reads on from ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head = head
        self.stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data, self.head = self.head, b""
            return data
        return self.stream.read(size)


def _prefixed(head: bytes, stream: BinaryIO) -> BinaryIO:
    return _Prefixed(head, stream)  # type: ignore[return-value]


class ParquetReader:
    """Parquet, read by pyarrow one record batch at a time (from stdin, it is read into memory first)."""

    def __init__(self, source: Any) -> None:
        try:
            self.file = pq.ParquetFile(source)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"cannot read the Parquet input: {exc}") from None
        self.columns = list(self.file.schema_arrow.names)
        _duplicates(self.columns)
        self.total = self.file.metadata.num_rows

    def chunks(self, numeric: Sequence[str], keep: Sequence[str]) -> Iterator[Chunk]:
        schema = self.file.schema_arrow
        for name in numeric:
            kind = schema.field(name).type
            if not (pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind)):
                raise InputError(f"the input column {name} holds {kind} values, not numbers")
        done = 0
        columns = list(dict.fromkeys([*numeric, *keep]))
        for batch in self.file.iter_batches(batch_size=PARQUET_BATCH, columns=columns):
            numbers = {}
            for name in numeric:
                column = batch.column(name)
                if column.null_count:
                    row = done + column.is_null().to_numpy(zero_copy_only=False).argmax() + 1
                    raise InputError(f"row {row}: {name} is null")
                values = _numpy(column.cast(pa.float64()))
                if not np.isfinite(values).all():
                    row = done + int(np.argmin(np.isfinite(values))) + 1
                    raise InputError(f"row {row}: {name} must be a finite number, not {values[row - done - 1]!r}")
                numbers[name] = values
            table = pa.Table.from_batches([batch]).select(list(keep))
            done += batch.num_rows
            yield Chunk(numbers, table, batch.num_rows, done)
