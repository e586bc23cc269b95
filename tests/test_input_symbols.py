"""Input as people type and paste it: the tool's own output symbols, hints for other spellings, a
byte-order mark, invalid UTF-8."""

from __future__ import annotations

import math
import re

import pytest

from backprop_cli.demos import DEMOS
from conftest import ok, run


@pytest.mark.parametrize(
    ("pasted", "typed"),
    [
        ("x × y", "x * y"),
        ("x · y", "x * y"),
        ("x − y", "x - y"),
        ("−x", "-x"),
        ("σ(x)", "sigmoid(x)"),
        ("π/4 * x", "pi/4 * x"),
        ("x²", "x^2"),
        ("x³ + y²", "x^3 + y^2"),
        ("x⁻¹", "x^-1"),
        ("x¹⁰", "x^10"),
        ("2²", "2^2"),
        ("e² * x", "e^2 * x"),
        ("σ(x)² × π − y", "sigmoid(x)^2 * pi - y"),
    ],
)
def test_the_tool_s_own_symbols_are_input(pasted: str, typed: str) -> None:
    got = ok("eval", pasted, "-x", "1.5", "-y", "-0.5", "--json").json()
    want = ok("eval", typed, "-x", "1.5", "-y", "-0.5", "--json").json()
    assert got["value"] == want["value"]
    assert got["gradients"] == want["gradients"]


def test_a_superscript_is_not_part_of_a_name() -> None:
    data = ok("eval", "x²", "-x", "3", "--json").json()
    assert list(data["inputs"]) == ["x"]  # not a variable called x²
    assert data["value"] == 9
    assert [n["op"] for n in data["nodes"]] == ["var", "const", "pow"]
    assert data["nodes"][1]["expr"] == "²"


def test_pi_symbol_is_a_reserved_constant_too() -> None:
    assert ok("eval", "π", "--json").json()["value"] == math.pi
    result = run("eval", "x*π", "-x", "1", "-π", "3")
    assert result.code == 2
    assert "'π' is a reserved constant" in result.stderr


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_forward_line_of_the_steps_view_reads_back(name: str) -> None:
    """Paste any line of the derivation back: both the formula and the numbers substituted into it
    evaluate to the value the line ends with."""
    demo = DEMOS[name]
    values = [f"{k}={v}" for k, v in demo.values.items()]
    steps = ok("demo", name, "--digits", "17").stdout
    forward = steps.split("Backward pass")[0]
    program = []
    for line in forward.splitlines():
        parts = line.split(" = ")
        if len(parts) < 3:
            continue
        label, formula = parts[0], parts[1]
        result = ok("eval", parts[-1], "--json").json()["value"]  # the result as printed (−12) reads back too
        if len(parts) > 3:  # "label = formula = the numbers substituted = result"
            assert ok("eval", parts[-2], "--json").json()["value"] == pytest.approx(result, rel=1e-15), line
        program.append(f"{label} = {formula}")
    data = ok("eval", "\n".join(program), *values, "--json").json()
    assert data["value"] == ok("demo", name, "--json").json()["value"]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2x", "(write 2*x: multiplication is written with '*')"),
        ("3.5y + 1", "(write 3.5*y: multiplication is written with '*')"),
        ("2(x + 1)", "(write 2*(...): multiplication is written with '*')"),
        ("(x + 1)(x - 1)", "(is a '*' missing? multiplication is written with '*', as in 2*x)"),
        ("x ÷ 2", "unexpected character '÷' (write / to divide)"),
        ("√x", "(write sqrt(x) for a square root)"),
        ("x – 1", "(write - to subtract)"),
        ("|x|", "(write abs(x) for |x|)"),
    ],
)
def test_other_spellings_get_a_hint_naming_the_language_s_spelling(text: str, hint: str) -> None:
    result = run("eval", text, "-x", "1", "-y", "1")
    assert result.code == 2, result
    assert hint in result.stderr.splitlines()[0]


def test_a_byte_order_mark_at_the_start_of_a_file_is_ignored(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "model.bp"  # type: ignore[operator]
    path.write_bytes(b"\xef\xbb\xbf# saved by an editor that writes a BOM\nq = x + y\nf = q * z\n")
    data = ok("eval", "--file", str(path), "-x", "-2", "-y", "5", "-z", "-4", "--json").json()
    assert data["value"] == -12
    assert data["expression"].startswith("# saved by")
    piped = run("eval", "-", "-x", "1", "--json", input=b"\xef\xbb\xbfx * 2")
    assert piped.code == 0, piped
    assert piped.json()["expression"] == "x * 2"


@pytest.mark.parametrize(
    ("data", "offset", "column"),
    [(b"x + \xff y", 4, 5), (b"q = x\n\xc3(q)", 6, 1), (b"\xef\xbb\xbfx\xe2\x88", 4, 2)],
)
def test_invalid_utf8_is_an_input_error_naming_the_byte_offset(
    tmp_path: pytest.TempPathFactory, data: bytes, offset: int, column: int
) -> None:
    path = tmp_path / "bad.bp"  # type: ignore[operator]
    path.write_bytes(data)
    for args, stdin in ((["--file", str(path)], None), (["-"], data)):
        result = run("eval", *args, "-x", "1", "--json", input=stdin)
        assert result.code == 2, result
        error = result.json()["error"]
        assert error["kind"] == "syntax"
        assert f"is not valid UTF-8: byte 0x{data[offset]:02x} at byte offset {offset}" in error["message"]
        assert error["column"] == column
        assert "\\udc" not in result.stderr and "unexpected character" not in result.stderr


def test_an_argument_that_is_not_utf8_names_the_byte_offset() -> None:
    expr = b"x+\xff".decode("utf-8", "surrogateescape")  # how Python hands over such an argument
    result = run("eval", expr, "-x", "1")
    assert result.code == 2
    assert re.search(r"not valid UTF-8: byte 0xff at byte offset 2", result.stderr)
