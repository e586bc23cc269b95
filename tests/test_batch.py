"""`backprop batch`: formats, columns, streaming, and every error path, through the CLI."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from backprop_cli.batch import blocks
from backprop_cli.cli import cli
from conftest import NEURON_GRADS, Run, validate_json

NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"
POINTS = [
    {"id": "a", "w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0},
    {"id": "b", "w0": 0.5, "x0": 0.1, "w1": -0.25, "x1": 3.0, "w2": 1e-3},
    {"id": "c", "w0": -1.5, "x0": 2.5, "w1": 0.75, "x1": -0.3, "w2": 0.0},
]
COLUMNS = ["id", "w0", "x0", "w1", "x1", "w2"]


def csv_text(rows: list[dict[str, Any]], columns: list[str] = COLUMNS) -> str:
    return "\n".join([",".join(columns), *(",".join(str(r[c]) for c in columns) for r in rows)]) + "\n"


def jsonl_text(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def batch(*args: str, input: bytes | str | None = None) -> Run:
    result = CliRunner().invoke(cli, ["batch", *args], input=input, catch_exceptions=False)
    return Run(result.exit_code, result.stdout_bytes.decode("utf-8", "replace"), result.stderr)


def batch_ok(*args: str, input: bytes | str | None = None) -> Run:
    result = batch(*args, input=input)
    assert result.code == 0, str(result)
    return result


def eval_json(expr: str, point: dict[str, Any]) -> dict[str, Any]:
    words = [f"{name}={value!r}" for name, value in point.items()]
    result = CliRunner().invoke(cli, ["eval", expr, *words, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def inputs_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}


def jsonl_lines(text: str) -> list[dict[str, Any]]:
    """The objects of a JSON Lines output, each checked against the published schema."""
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        validate_json("batch", line)
    return lines


def read_csv_rows(text: str) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(text)))


# --- output: naming, order, precision -----------------------------------------------------------


def test_csv_rows_are_eval_json_of_the_same_points_exactly() -> None:
    out = batch_ok(NEURON, "-", input=csv_text(POINTS)).stdout
    assert out.splitlines()[0] == "f,df_dw0,df_dx0,df_dw1,df_dx1,df_dw2"
    for row, point in zip(read_csv_rows(out), POINTS, strict=True):
        expected = eval_json(NEURON, inputs_of(point))
        assert float(row["f"]) == expected["value"]
        for name, grad in expected["gradients"].items():
            assert float(row[f"df_d{name}"]) == grad, name


def test_worked_example_gradients_in_the_first_row() -> None:
    row = read_csv_rows(batch_ok(NEURON, "-", input=csv_text(POINTS)).stdout)[0]
    for name, grad in NEURON_GRADS.items():
        assert float(row[f"df_d{name}"]) == pytest.approx(grad, abs=1e-12)


def digits(text: str) -> tuple[int, tuple[int, ...], int]:
    """A number's sign, significant digits and exponent, whatever its notation."""
    sign, numerals, exponent = Decimal(text).normalize().as_tuple()
    assert isinstance(exponent, int)
    return sign, numerals, exponent


def test_numbers_are_written_with_the_shortest_round_trip_digits() -> None:
    values = [0.1, 1 / 3, 1e300, 5e-324, 2.0, 1e-7, 123456789.123, -0.0, 1.670142184809518e-05, 0.1 + 0.2]
    text = "x\n" + "".join(f"{v!r}\n" for v in values)
    rows = read_csv_rows(batch_ok("x * 1", "-", input=text).stdout)
    for row, v in zip(rows, values, strict=True):
        assert float(row["f"]) == v
        assert digits(row["f"]) == digits(repr(v))  # repr's digits: the shortest that read back as v
    jsonl = batch_ok("x * 1", "-", "--out-format", "jsonl", input=text).stdout
    assert [line["f"] for line in jsonl_lines(jsonl)] == values


def test_output_label_names_the_value_column_and_wrt_limits_gradients() -> None:
    out = batch_ok("q = x * y; L = q + 1", "-", "--wrt", "y", input="x,y\n2,3\n").stdout
    assert out == "L,dL_dy\n7.0,2.0\n"


def test_values_fix_inputs_for_every_row_and_keep_passes_columns_through() -> None:
    text = csv_text(POINTS, ["id", "x0", "x1"])
    out = batch_ok(NEURON, "-", "-w0", "2", "w1=-3", "-w2=-3", "--keep", "id", input=text).stdout
    rows = read_csv_rows(out)
    assert list(rows[0]) == ["id", "f", "df_dw0", "df_dx0", "df_dw1", "df_dx1", "df_dw2"]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    point = {"w0": 2.0, "x0": POINTS[1]["x0"], "w1": -3.0, "x1": POINTS[1]["x1"], "w2": -3.0}
    assert float(rows[1]["df_dx1"]) == eval_json(NEURON, point)["gradients"]["x1"]


def test_kept_text_is_copied_exactly_and_unused_columns_are_ignored() -> None:
    text = 'id,x,note\n007,1,"a, b"\n"he said ""hi""",2,\n'
    rows = read_csv_rows(batch_ok("x^2", "-", "--keep", "id", input=text).stdout)
    assert [(r["id"], r["f"]) for r in rows] == [("007", "1.0"), ('he said "hi"', "4.0")]


def test_a_value_overrides_a_column_with_a_warning() -> None:
    result = batch_ok("x*y", "-", "-y", "10", input="x,y\n1,2\n")
    assert result.stdout == "f,df_dx,df_dy\n10.0,10.0,1.0\n"
    assert "the input's column y is ignored" in result.stderr


def test_empty_input_writes_the_header_only() -> None:
    assert batch_ok("x+1", "-", input="x\n").stdout == "f,df_dx\n"


# --- formats --------------------------------------------------------------------------------------


def test_jsonl_in_jsonl_out_keeps_json_types() -> None:
    out = batch_ok(NEURON, "-", "--keep", "id", input=jsonl_text(POINTS)).stdout
    lines = jsonl_lines(out)
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert lines[0]["f"] == eval_json(NEURON, inputs_of(POINTS[0]))["value"]


def test_parquet_round_trip_and_cross_format_agreement(tmp_path: Path) -> None:
    source = tmp_path / "points.parquet"
    pq.write_table(pa.Table.from_pylist(POINTS), source, row_group_size=2)
    out = tmp_path / "grads.parquet"
    batch_ok(NEURON, str(source), "--output", str(out), "--keep", "id")
    table = pq.read_table(out)
    assert table.column_names == ["id", "f", "df_dw0", "df_dx0", "df_dw1", "df_dx1", "df_dw2"]
    assert table.column("id").to_pylist() == ["a", "b", "c"]
    from_csv = read_csv_rows(batch_ok(NEURON, "-", input=csv_text(POINTS)).stdout)
    for name in ["f", "df_dw0", "df_dx1"]:
        assert table.column(name).to_pylist() == [float(r[name]) for r in from_csv]
    # Parquet to CSV, by extension.
    csv_out = tmp_path / "grads.csv"
    batch_ok(NEURON, str(source), "--output", str(csv_out))
    assert [float(r["f"]) for r in read_csv_rows(csv_out.read_text())] == [float(r["f"]) for r in from_csv]


def test_parquet_from_stdin_is_recognised_by_its_magic_number(tmp_path: Path) -> None:
    source = tmp_path / "points.parquet"
    pq.write_table(pa.Table.from_pylist(POINTS), source)
    out = batch_ok(NEURON, "-", "--out-format", "csv", input=source.read_bytes()).stdout
    assert len(read_csv_rows(out)) == 3


def test_integer_parquet_columns_are_numbers(tmp_path: Path) -> None:
    source = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"x": pa.array([1, 2, 3], pa.int64())}), source)
    assert batch_ok("x/2", str(source), "--out-format", "csv").stdout == "f,df_dx\n0.5,0.5\n1.0,0.5\n1.5,0.5\n"


def test_unknown_extension_needs_format(tmp_path: Path) -> None:
    source = tmp_path / "points.txt"
    source.write_text("x\n1\n")
    result = batch("2*x", str(source))
    assert result.code == 2
    assert "give --format" in result.stderr
    assert batch_ok("2*x", str(source), "--format", "csv").stdout == "f,df_dx\n2.0,2.0\n"


def test_many_blocks_keep_order_and_quoted_newlines_across_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 64)
    rows = [f'{i},"line {i}\nnext, part"' for i in range(200)]
    out = batch_ok("x*2", "-", "--keep", "note", input="x,note\n" + "\n".join(rows) + "\n").stdout
    parsed = read_csv_rows(out)
    assert [float(r["f"]) for r in parsed] == [2.0 * i for i in range(200)]
    assert parsed[150]["note"] == "line 150\nnext, part"


def test_a_bad_cell_in_a_later_block_names_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 32)
    text = "x,y\n" + "".join(f"{i},{i}\n" for i in range(100)) + "5,oops\n"
    result = batch("x*y", "-", input=text)
    assert result.code == 2, result
    assert "y is not a number: 'oops' (line 102, column 3)" in result.stderr


# --- malformed input: exit 2, line and column -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y\n1,2\n3,abc\n", "error: y is not a number: 'abc' (line 3, column 3)\n  3,abc\n    ^~~"),
        ("x,y\n1,2\n3\n", "error: this row has 1 fields, the header has 2 (line 3, column 2)"),
        ("x,y\n1,2\n3,4,5\n", "error: this row has 3 fields, the header has 2 (line 3, column 5)"),
        ("x,y\n1,\n", "error: y is empty (line 2, column 3)"),
        ("x,y\n1,1e999\n", "error: y must be a finite number, not '1e999' (line 2, column 3)"),
        ("x,y\n1,nan\n", "error: y must be a finite number, not 'nan' (line 2, column 3)"),
        ('{"x": 1, "y": 2}\n{"x": 1, "y": }\n', "error: invalid JSON: Expecting value (line 2, column 15)"),
        ('{"x": 1, "y": 2}\n{"x": true, "y": 1}\n', "error: x is not a number: true (line 2, column 2)"),
        ('{"x": 1, "y": 2}\n{"x": 1}\n', "error: this object has no y (line 2, column 1)"),
        ('{"x": 1, "y": 2}\n[1, 2]\n', "error: each line must be a JSON object ({...}) (line 2, column 1)"),
        ('{"x": 1, "y": NaN}\n', "error: y must be a finite number, not nan (line 1, column 10)"),
    ],
)
def test_malformed_input_names_line_and_column(text: str, message: str) -> None:
    result = batch("x*y", "-", input=text)
    assert result.code == 2, result
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_missing_input_column_is_one_error_before_any_row_is_read() -> None:
    result = batch(NEURON, "-", "-w0", "1", input="x0,x1,w2\n1,2,3\nnot,even,numbers\n")
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: no column and no value for the inputs w1: the input's columns are x0, x1, w2 "
        "(give a column, or -w1 VALUE)\n"
    ).replace("inputs w1", "input w1")


def test_keep_of_a_missing_column_and_output_name_clash() -> None:
    assert "--keep names id" in batch("x", "-", "--keep", "id", input="x\n1\n").stderr
    assert "has the name of an output column" in batch("2*x", "-", "--keep", "f", input="x,f\n1,2\n").stderr


def test_vectors_are_not_batch_values() -> None:
    result = batch("x*w", "-", "-w", "[1, 2]", input="x\n1\n")
    assert result.code == 2
    assert "give numbers, not vectors or matrices" in result.stderr


def test_wrt_naming_no_input_is_a_usage_error() -> None:
    result = batch("x*2", "-", "--wrt", "y", input="x\n1\n")
    assert result.code == 2
    assert "--wrt y" in result.stderr


def test_empty_input_and_non_utf8() -> None:
    assert "the input is empty" in batch("x", "-", "--format", "csv", input="").stderr
    result = batch("x", "-", input=b"x\n1\n\xff\n")
    assert result.code == 2
    assert "the input is not UTF-8 text (line 3, column 1)" in result.stderr


def test_missing_file_and_unwritable_output(tmp_path: Path) -> None:
    assert "cannot read" in batch("x", str(tmp_path / "nope.csv")).stderr
    source = tmp_path / "in.csv"
    source.write_text("x\n1\n")
    result = batch("x", str(source), "--output", str(tmp_path / "no" / "dir.csv"))
    assert result.code == 2
    assert "cannot write" in result.stderr


def test_an_output_that_is_a_directory_is_refused_before_the_work(tmp_path: Path) -> None:
    (tmp_path / "out.csv").mkdir()
    result = batch("x*2", "-", "--output", str(tmp_path / "out.csv"), input="x\n1\n")
    assert (result.code, result.stdout) == (2, "")
    assert "cannot write" in result.stderr and "it is a directory" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no partial file left beside it


def test_an_output_that_cannot_replace_its_file_is_a_file_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backprop_cli.batch import command
    from backprop_cli.errors import FileError

    def refuse(src: str, dst: str) -> None:
        raise IsADirectoryError(21, "Is a directory")

    monkeypatch.setattr("backprop_cli.files.os.replace", refuse)
    out = tmp_path / "out.csv"
    with (
        pytest.raises(FileError, match=rf"cannot write {re.escape(str(out))}: it is a directory"),
        command.output_stream(str(out), "csv") as stream,
    ):
        stream.write(b"x\n")
    assert list(tmp_path.iterdir()) == []  # the partial file is removed


# --- math errors per row ------------------------------------------------------------------------

LOGS = "x\n1\n0\n2\n-1\n3\n"


def test_math_error_stops_at_the_row_and_removes_the_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = batch("log(x)", "-", "--output", str(out), input=LOGS)
    assert result.code == 1
    assert result.stderr.startswith("error: row 2: log of zero: log(x) where x = 0")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_leaves_an_existing_output_file_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    assert batch("log(x)", "-", "--output", str(out), input=LOGS).code == 1
    assert out.read_text() == "precious\n"


def test_math_error_on_stdout_jsonl_is_the_last_line() -> None:
    result = batch("log(x)", "-", "--out-format", "jsonl", input=LOGS)
    assert result.code == 1
    lines = jsonl_lines(result.stdout)
    assert lines[0] == {"f": 0.0, "df_dx": 1.0}
    assert lines[-1]["schema_version"] == 1  # the error object of every JSON output
    assert lines[-1]["error"]["kind"] == "math"
    assert lines[-1]["error"]["row"] == 2
    assert len(lines) == 2


def test_on_error_null_writes_empty_results_and_counts_them() -> None:
    result = batch_ok("log(x)", "-", "--on-error", "null", input=LOGS)
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == [
        "0.0",
        "",
        "0.6931471805599453",
        "",
        "1.0986122886681098",
    ]
    assert result.stdout.splitlines()[2] == ","
    assert "2 of 5 rows had a math error and were written with empty results (rows 2, 4)" in result.stderr
    jsonl = batch_ok("log(x)", "-", "--on-error", "null", "--out-format", "jsonl", input=LOGS).stdout
    assert jsonl_lines(jsonl)[1] == {"f": None, "df_dx": None}


def test_on_error_skip_leaves_rows_out() -> None:
    result = batch_ok("log(x)", "-", "--on-error", "skip", "--keep", "x", input=LOGS)
    assert [r["x"] for r in read_csv_rows(result.stdout)] == ["1", "2", "3"]
    assert "2 of 5 rows had a math error and were left out (rows 2, 4); the first: row 2: log of zero" in result.stderr


def test_the_summary_lists_the_first_few_rows() -> None:
    text = "x\n" + "0\n" * 8
    assert (
        "8 of 8 rows had a math error and were left out (rows 1, 2, 3, 4, 5, …)"
        in batch_ok("1/x", "-", "--on-error", "skip", input=text).stderr
    )


def test_gradient_conventions_agree_with_eval_where_numpy_would_say_nan() -> None:
    # 0^2: d/db = out * log(a) is 0 * -inf in NumPy; the engine's convention is 0.
    out = batch_ok("a^b", "-", input="a,b\n0,2\n").stdout
    expected = eval_json("a^b", {"a": 0.0, "b": 2.0})
    assert (
        out == f"f,df_da,df_db\n{expected['value']!r},{expected['gradients']['a']!r},{expected['gradients']['b']!r}\n"
    )


def test_every_input_fixed_still_gives_one_row_per_input_row(tmp_path: Path) -> None:
    text = "id,x\na,1\nb,2\n"
    assert batch_ok("w*2", "-", "-w", "3", "--keep", "id", input=text).stdout == "id,f,df_dw\na,6.0,2.0\nb,6.0,2.0\n"
    parquet = tmp_path / "rows.parquet"
    batch_ok("w*2", "-", "-w", "3", "--output", str(parquet), input=text)
    assert pq.read_table(parquet).num_rows == 2
    assert batch_ok("w*2", str(parquet), "-w", "3", "--out-format", "jsonl").stdout.count("\n") == 2


def test_numeric_columns_are_read_from_their_buffers_as_to_numpy_reads_them() -> None:
    """readers._numpy (pyarrow's to_numpy imports pandas): a slice, several chunks, empty ones, none."""
    import numpy as np

    from backprop_cli.batch.readers import _numpy

    whole = pa.array([0.5, -1.0, 2.25, float("inf"), 3.0])
    columns = [
        whole,
        whole.slice(2, 2),
        pa.chunked_array([whole.slice(1), whole.slice(0, 0), whole.slice(3, 1)]),
        pa.chunked_array([], type=pa.float64()),
        pa.chunked_array([whole.slice(4)]),
    ]
    for column in columns:
        got, expected = _numpy(column), column.to_numpy()
        assert got.dtype == np.float64 and got.tolist() == expected.tolist()
