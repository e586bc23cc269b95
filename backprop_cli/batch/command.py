"""What ``backprop batch`` does between its arguments and the loop: formats, columns, files, errors."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from ..args import Value, parse_values, read_program
from ..errors import FileError, InputError, UsageError
from ..output import warn

EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def split_words(words: Sequence[str], file: str | None) -> tuple[str, str | None, dict[str, Value]]:
    """EXPR (unless --file), then INPUT unless the next word is a value (-x 2, x=2), then VALUES."""
    words = list(words)
    if file is None:
        if not words:
            raise UsageError("missing EXPR: give an expression and an input file")
        expr: str | None = words.pop(0)
    else:
        expr = None
    path = None
    if words and (words[0] == "-" or not _looks_like_value(words[0])):
        path = words.pop(0)
    return read_program(expr, file), path, parse_values(words)


def _looks_like_value(word: str) -> bool:
    name = word.lstrip("-").partition("=")[0]
    return (word.startswith("-") or "=" in word) and name.isidentifier()


def format_of(path: str | None, given: str | None, what: str) -> str | None:
    """The format named by --format or by the file's extension (None for stdin/stdout)."""
    if given:
        return given
    if path is None or path == "-":
        return None
    extension = os.path.splitext(path)[1].lower()
    if extension not in EXTENSIONS:
        known = ", ".join(EXTENSIONS)
        raise UsageError(f"cannot tell the format of the {what} {path!r} from its extension ({known}): give --format")
    return EXTENSIONS[extension]


def sniff(stream: Any) -> str:
    """The format of standard input from its first bytes: Parquet's magic number, a JSON object, or CSV."""
    head = stream.peek(64)[:64]
    if head.startswith(b"PAR1"):
        return "parquet"
    return "jsonl" if head.lstrip().startswith(b"{") else "csv"


@contextlib.contextmanager
def open_reader(path: str | None, fmt: str | None) -> Iterator[tuple[Any, str]]:
    """The reader for INPUT (a path, '-' or None for standard input) and its format."""
    from .readers import CsvReader, JsonlReader, ParquetReader

    if path is None or path == "-":
        if path is None and sys.stdin.isatty():
            raise UsageError("missing INPUT: give a file, or '-' and pipe the rows in")
        stdin: Any = sys.stdin.buffer
        stream: BinaryIO = stdin if hasattr(stdin, "peek") else io.BufferedReader(stdin)
        total = None
        fmt = fmt or sniff(stream)
    else:
        try:
            stream = open(path, "rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise FileError(f"cannot read {path}: {exc.strerror or exc}") from None
        total = os.fstat(stream.fileno()).st_size
        assert fmt is not None
    try:
        if fmt == "parquet":
            yield ParquetReader(stream if total is not None else io.BytesIO(stream.read())), fmt
        else:
            yield (CsvReader if fmt == "csv" else JsonlReader)(stream, total), fmt
    finally:
        if total is not None:
            stream.close()


def bind_columns(
    inputs: Sequence[str], columns: Sequence[str], values: dict[str, float], keep: Sequence[str]
) -> list[str]:
    """The inputs read from columns; an error before any row is read if one has neither a column nor a value."""
    missing = [name for name in inputs if name not in values and name not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        give = " ".join(f"-{name} VALUE" for name in missing)
        shown = ", ".join(columns) or "none"
        raise InputError(
            f"no column and no value for the input{plural} {', '.join(missing)}: the input's columns are "
            f"{shown} (give a column, or {give})"
        )
    unknown = [name for name in keep if name not in columns]
    if unknown:
        raise UsageError(f"--keep names {', '.join(unknown)}, which the input has no column of")
    overridden = [name for name in inputs if name in values and name in columns]
    warn([f"{name} is given a value, so the input's column {name} is ignored" for name in overridden])
    return [name for name in inputs if name not in values]


@contextlib.contextmanager
def output_stream(path: str | None, fmt: str) -> Iterator[BinaryIO]:
    """Standard output, or FILE written whole when the run succeeds (see :func:`..files.written`)."""
    if path is None or path == "-":
        if fmt == "parquet" and sys.stdout.isatty():
            raise UsageError("Parquet is binary: give --output FILE, or pipe the output")
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    from ..files import written

    with written(path) as stream:
        yield stream


def batch(
    words: Sequence[str],
    file: str | None,
    *,
    output: str | None,
    fmt: str | None,
    in_format: str | None,
    out_format: str | None,
    keep: str | None,
    wrt: Sequence[str] | None,
    on_error: str,
) -> None:
    """Run ``backprop batch``."""
    from ..arrays import uses_arrays
    from ..commands.loading import check_wrt, load_graph
    from .kernel import Kernel
    from .progress import progress
    from .run import RowMathError, Writer, run
    from .writers import CsvWriter, JsonlWriter, ParquetWriter

    source, path, values = split_words(words, file)
    graph = load_graph(source)
    if uses_arrays(graph, values):  # (the kernel refuses array expressions too; this also covers values)
        raise UsageError("batch evaluates scalar expressions at many points: give numbers, not vectors or matrices")
    fixed = {name: float(value) for name, value in values.items() if name in graph.inputs}
    unused = [name for name in values if name not in graph.inputs]
    warn([f"'{name}' is not used by the expression; its value is ignored" for name in unused])
    if wrt is not None:
        check_wrt(graph, wrt)
    kernel = Kernel(graph, wrt)
    kept = [name.strip() for name in (keep or "").split(",") if name.strip()]
    names = kernel.columns
    clash = [name for name in kept if name in names]
    if clash:
        raise UsageError(f"--keep {', '.join(clash)} has the name of an output column")

    with contextlib.ExitStack() as resources:
        reader, in_fmt = resources.enter_context(open_reader(path, format_of(path, in_format or fmt, "input")))
        numeric = bind_columns(list(graph.inputs), reader.columns, fixed, kept)
        out_fmt = format_of(output, out_format or fmt, "output") or in_fmt
        writers: dict[str, type[Writer]] = {"csv": CsvWriter, "jsonl": JsonlWriter, "parquet": ParquetWriter}
        bar = progress(reader.total)
        resources.push(lambda kind, *_: bar.close(interrupted=kind is KeyboardInterrupt))
        stream = resources.enter_context(output_stream(output, out_fmt))
        writer = writers[out_fmt](stream, [*kept, *names])
        try:
            summary = run(kernel, reader.chunks(numeric, kept), fixed, writer, on_error, bar)
        except BaseException as err:
            with contextlib.suppress(Exception):  # the output is abandoned; a failure to finish it adds nothing
                writer.close()
            if isinstance(err, RowMathError) and (output is None or output == "-") and out_fmt == "jsonl":
                # The error is the last line of the stream.
                from ..views.json_view import dumps, error

                body = error(err)
                body["error"]["row"] = err.row
                stream.write(dumps(body).encode() + b"\n")
            raise
        writer.close()
    if summary.affected:
        shown = ", ".join(map(str, summary.affected[:5])) + (", …" if len(summary.affected) > 5 else "")
        what = "written with empty results" if on_error == "null" else "left out"
        count = len(summary.affected)
        first = summary.first.message if summary.first else ""
        warn([f"{count} of {summary.rows} rows had a math error and were {what} (rows {shown}); the first: {first}"])
