"""The command line, through click's CliRunner: every option, spelling and error path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ok, run

SEED = ("eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4")

SEED_TABLE = """\
f = -12
node   op    expr      value   grad ∂f/∂node   local gradients
───────────────────────────────────────────────────────────────
x      var   x            -2              -4
y      var   y             5              -4
t1     add   x+y           3              -4   ∂/∂x 1, ∂/∂y 1
z      var   z            -4               3
f      mul   (x+y)*z     -12               1   ∂/∂t1 -4, ∂/∂z 3
gradients of the output:
∂f/∂x = -4
∂f/∂y = -4
∂f/∂z =  3
"""


def test_seed_example_table_piped_is_plain_aligned_text() -> None:
    result = ok(*SEED)
    assert result.stdout == SEED_TABLE
    assert "\x1b[" not in result.stdout
    assert result.stderr == ""


def test_table_is_coloured_on_a_terminal_values_green_gradients_red() -> None:
    result = run(*SEED, env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert result.code == 0, result
    assert "\x1b[32m-12\x1b[0m" in result.stdout  # the output's value, green
    assert "\x1b[31m" in result.stdout  # gradients, red


def test_no_color_turns_colour_off() -> None:
    result = run(*SEED, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert result.code == 0, result
    assert "\x1b[32m" not in result.stdout
    assert "\x1b[31m" not in result.stdout


def test_json_contract() -> None:
    out = ok(*SEED, "--json").stdout
    assert out.endswith("\n")
    assert out.count("\n") == 1  # one object, one line
    data = json.loads(out)
    assert list(data) == ["schema_version", "expression", "mode", "value", "inputs", "gradients", "nodes", "warnings"]
    assert (data["schema_version"], data["mode"], data["warnings"]) == (1, "reverse", [])
    assert data["expression"] == "(x+y)*z"
    assert data["value"] == -12.0
    assert list(data["inputs"].items()) == [("x", -2.0), ("y", 5.0), ("z", -4.0)]
    assert list(data["gradients"].items()) == [("x", -4.0), ("y", -4.0), ("z", 3.0)]
    nodes = data["nodes"]
    assert [n["id"] for n in nodes] == list(range(5))
    assert list(nodes[0]) == ["id", "label", "op", "expr", "inputs", "local", "value", "grad", "span"]
    assert nodes[0] == {
        "id": 0,
        "label": "x",
        "op": "var",
        "expr": "x",
        "inputs": [],
        "local": [],
        "value": -2.0,
        "grad": -4.0,
        "span": [1, 2],
    }
    assert nodes[4] == {
        "id": 4,
        "label": "f",
        "op": "mul",
        "expr": "(x+y)*z",
        "inputs": [2, 3],
        "local": [-4.0, 3.0],
        "value": -12.0,
        "grad": 1.0,
        "span": [0, 7],
    }
    assert len({n["label"] for n in nodes}) == len(nodes)


def test_json_keeps_full_float_precision_and_null_for_constants() -> None:
    data = ok("eval", "x + 0.2", "-x", "0.1", "--json").json()
    assert data["value"] == 0.1 + 0.2  # 0.30000000000000004, not a rounded copy
    assert '"value": 0.30000000000000004' in ok("eval", "x + 0.2", "-x", "0.1", "--json").stdout
    const = data["nodes"][1]
    assert (const["op"], const["grad"]) == ("const", None)
    assert data["nodes"][2]["local"] == [1.0, None]


def test_json_is_strict_even_for_extreme_values() -> None:
    def no_constants(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    out = ok("eval", "x * 1e300", "-x", "1e8", "--json").stdout
    assert json.loads(out, parse_constant=no_constants)["value"] == 1e308


@pytest.mark.parametrize(
    "values",
    [
        ["-x", "-2", "-y", "5", "-z", "-4"],
        ["-x=-2", "-y=5", "-z=-4"],
        ["x=-2", "y=5", "z=-4"],
        ["-x", "-2", "y=5", "-z=-4"],
    ],
)
def test_value_spellings(values: list[str]) -> None:
    assert ok("eval", "(x+y)*z", *values, "--json").json()["gradients"] == {"x": -4, "y": -4, "z": 3}


def test_any_name_and_scientific_values() -> None:
    data = ok("eval", "h * v + w0", "-h", "-1e-3", "-v", "1.5E+2", "-w0", "2", "--json").json()
    assert data["inputs"] == {"h": -1e-3, "v": 150.0, "w0": 2.0}


def test_options_may_come_anywhere() -> None:
    data = ok("eval", "--json", "x*2", "-x", "3", "--wrt", "x").json()
    assert data["value"] == 6


def test_expression_starting_with_a_minus() -> None:
    assert ok("eval", "-x^2", "-x", "3", "--json").json()["value"] == -9


def test_missing_values_exit_2_and_list_every_name() -> None:
    result = run("eval", "x*y + z", "-y", "1")
    assert result.code == 2
    assert result.stderr == "error: missing values for x, z (give -x VALUE -z VALUE)\n"
    assert result.stdout == ""


def test_unused_value_is_a_warning() -> None:
    result = run("eval", "x*2", "-x", "3", "-w", "1", "--json")
    assert result.code == 0
    assert result.json()["value"] == 6
    assert result.stderr == "warning: 'w' is not used by the expression; its value is ignored\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-x", "abc"],
            "error: the value of x is not a number: 'abc' (a value may be a constant expression such as pi/4 or 1/3, but not use a variable: abc)",
        ),
        (["-x=", "1"], "error: the value of x is not a number: ''"),
        (["-x", "nan"], "error: the value of x must be a finite number, not 'nan'"),
        (["-x", "inf"], "error: the value of x must be a finite number, not 'inf'"),
        (["-x"], "error: -x needs a value, as in -x 2"),
        (["-x", "1", "-x", "2"], "error: x is given more than once"),
        (["-x", "1", "--jsn"], "error: unknown option '--jsn' (did you mean --json?)"),
        (["-x", "1", "stray"], "error: unexpected argument 'stray': give values as -x 2, -x=2 or x=2"),
        (["-1x", "1"], "error: '1x' is not a variable name (in '-1x')"),
        (["-x", "1", "-q", "2"], "error: 'q' is assigned in the expression, so it is not an input"),
    ],
)
def test_bad_values_exit_2(args: list[str], message: str) -> None:
    result = run("eval", "q = x * 2; q + 1", *args)
    assert result.code == 2, result
    assert result.stderr.splitlines()[0] == message


def test_bad_value_with_json_is_a_json_error_too() -> None:
    result = run("eval", "x", "-x", "abc", "--json")
    assert result.code == 2
    assert result.json() == {
        "schema_version": 1,
        "error": {
            "kind": "value",
            "message": "the value of x is not a number: 'abc' (a value may be a constant expression such as pi/4 or 1/3, but not use a variable: abc)",
            "line": None,
            "column": None,
        },
        "warnings": [],
    }


def test_syntax_error_shows_the_line_and_a_caret() -> None:
    result = run("eval", "(x+y)*", "-x", "1")
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: unexpected end of the expression; expected a number, a name or '(' (line 1, column 7)\n"
        "  (x+y)*\n"
        "        ^\n"
    )


def test_syntax_error_as_json() -> None:
    result = run("eval", "q = x +\nf = q * * z", "--json")
    assert result.code == 2
    error = result.json()["error"]
    assert (error["kind"], error["line"], error["column"]) == ("syntax", 1, 8)
    assert "unexpected end of the line" in error["message"]
    assert "error: unexpected end of the line" in result.stderr


def test_math_error_exit_1_names_the_subexpression() -> None:
    result = run("eval", "1 + log(x - 3)", "-x", "1", "--json")
    assert result.code == 1
    assert result.json() == {
        "schema_version": 1,
        "error": {
            "kind": "math",
            "message": "log of a negative number: log(x - 3) where x - 3 = -2",
            "line": 1,
            "column": 5,
        },
        "warnings": [],
    }
    assert result.stderr.splitlines()[1:] == ["  1 + log(x - 3)", "      ^~~~~~~~~~"]


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["foo(x)", "-x", "1"], "function"),
        (["min(x)", "-x", "1"], "function"),
        (["pi = 3; pi"], "name"),
        (["x $ y"], "syntax"),
        (["x", "--digits", "0"], "usage"),
        (["x", "--digits", "many"], "usage"),
        (["x", "--max-rows", "-1"], "usage"),
        ([], "usage"),
        (["--file", "/nonexistent/file.bp"], "file"),
    ],
)
def test_every_bad_invocation_exits_2_with_a_json_error(args: list[str], kind: str) -> None:
    result = run("eval", *args, "--json")
    assert result.code == 2, result
    error = result.json()["error"]
    assert error["kind"] == kind
    assert result.stderr.startswith("error: ")


def test_file_and_stdin(tmp_path: pytest.TempPathFactory) -> None:
    program = "# the notes' circuit\nq = x + y\nf = q * z\n"
    path = tmp_path / "circuit.bp"  # type: ignore[operator]
    path.write_text(program, encoding="utf-8")
    grads = {"x": -4, "y": -4, "z": 3}
    values = ["-x", "-2", "-y", "5", "-z", "-4", "--json"]
    assert ok("eval", "--file", str(path), *values).json()["gradients"] == grads
    assert ok("eval", "-", *values, input=program).json()["gradients"] == grads
    assert ok("eval", "--file", "-", *values, input=program).json()["gradients"] == grads


def test_digits() -> None:
    result = ok("eval", "sigmoid(x)", "-x", "1", "--digits", "12")
    assert "0.73105857863 " in result.stdout  # 12 significant digits, the last one 0
    assert "0.731059" in ok("eval", "sigmoid(x)", "-x", "1").stdout


def test_row_limit_keeps_the_first_and_last_rows() -> None:
    source = "+".join(["x"] * 50)
    result = ok("eval", source, "-x", "1", "--max-rows", "10")
    lines = result.stdout.splitlines()
    assert "⋮" in result.stdout
    assert "40 more nodes" in result.stdout
    assert "showing 10 of 50 nodes; --max-rows 0 shows all" in result.stdout
    rows = [line.split()[:2] for line in lines if " add " in line or " var " in line]
    head = [["x", "var"], ["t1", "add"], ["t2", "add"], ["t3", "add"], ["t4", "add"]]
    tail = [["t45", "add"], ["t46", "add"], ["t47", "add"], ["t48", "add"], ["f", "add"]]
    assert rows == [*head, *tail]
    assert "more nodes" not in ok("eval", source, "-x", "1", "--max-rows", "0").stdout


def test_statements_warn_when_unused() -> None:
    result = ok("eval", "a = w * 2; f = x + 1", "-x", "1", "--json")
    assert result.stderr == "warning: 'a' is assigned but not used by the output (the last statement)\n"
    assert list(result.json()["inputs"]) == ["x"]


def test_help_and_version() -> None:
    help_text = ok("eval", "--help").stdout
    assert "Examples:" in help_text
    assert 'backprop eval "(x+y)*z" -x -2 -y 5 -z -4' in help_text
    assert "Exit codes" in help_text
    assert "Examples:" in ok("--help").stdout
    assert "Usage:" in ok().stdout
    assert ok("--version").stdout.startswith("backprop, version ")


def test_h_and_v_are_variables_not_options() -> None:
    assert ok("eval", "h*v", "-h", "2", "-v", "3", "--json").json()["value"] == 6


def test_an_internal_error_shows_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_cli.engine

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(backprop_cli.engine, "evaluate", broken)
    result = run(*SEED)
    assert result.code == 70
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" in result.stderr
    with pytest.raises(RuntimeError, match="boom"):
        run(*SEED, "--debug")


def test_a_cache_hit_through_the_command_line_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop_cli.parse

    first = ok(*SEED, "--json").stdout

    def no_parsing(source: str) -> None:
        raise AssertionError("parsed again: the second run was not a cache hit")

    monkeypatch.setattr(backprop_cli.parse, "parse", no_parsing)
    assert ok(*SEED, "--json").stdout == first
    other = ok("eval", "(x+y)*z", "-x", "1", "-y", "1", "-z", "1", "--json").json()  # same program, new values
    assert other["value"] == 2


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backprop_cli", *SEED, "--json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["gradients"] == {"x": -4, "y": -4, "z": 3}


def test_numbers_are_never_cut_off_on_a_narrow_terminal() -> None:
    neuron = ["sigmoid(w0*x0 + w1*x1 + w2)", "-w0", "2", "-x0", "-1", "-w1", "-3", "-x1", "-2", "-w2", "-3"]
    result = run("eval", *neuron, "--digits", "10", env={"FORCE_COLOR": "1", "COLUMNS": "40"})
    assert result.code == 0, result
    for number in ["0.7310585786", "-0.1966119332", "0.3932238665", "-0.5898357997"]:
        assert number in result.stdout
