"""Values as a teacher writes them: numbers and constant expressions of the language, never Python's
own spellings; reserved constants; --expect graded the same for every spelling of a number."""

from __future__ import annotations

import math

import pytest

from backprop_cli.gradcheck import written_decimals
from conftest import NEURON_GRADS, ok, run

NEURON = ["sigmoid(w0*x0 + w1*x1 + w2)", "-w0", "2", "-x0", "-1", "-w1", "-3", "-x1", "-2", "-w2", "-3"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("pi/4", math.pi / 4),
        ("1/3", 1 / 3),
        ("-3/5", -0.6),
        ("2^-3", 0.125),
        ("sqrt(2)", math.sqrt(2)),
        ("-e", -math.e),
        ("(1 + 2) * 3", 9.0),
        ("+.5", 0.5),
        ("1e-3", 0.001),
        ("-2", -2.0),
    ],
)
def test_a_value_may_be_a_constant_expression(text: str, value: float) -> None:
    data = ok("eval", "x", "-x", text, "--json").json()
    assert data["inputs"]["x"] == value
    assert ok("eval", "x", f"x={text}", "--json").json()["value"] == value


def test_constant_expressions_work_for_check_and_graph_too() -> None:
    assert ok("check", "sin(x)", "-x", "pi/6", "--json").json()["checks"][0]["value"] == math.pi / 6
    assert "0.523599" in ok("graph", "sin(x)", "-x", "pi/6").stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1_000", "(write it without '_': digit separators are not part of the language)"),
        ("\u0663", "(write numbers with the digits 0-9)"),  # Arabic-Indic three: float() would take it
        ("\uff11", "(write numbers with the digits 0-9)"),  # fullwidth one
        ("inf", "must be a finite number, not 'inf'"),
        ("-nan", "must be a finite number, not '-nan'"),
        ("1e999", "must be a finite number, not '1e999'"),
        ("y + 1", "but not use a variable: y"),
        ("1/0", "(division by zero"),
        ("log(-1)", "(log of a negative number"),
        ("2 +", "(unexpected end of the expression"),
        ("3; 4", "(give one expression)"),
        ("__import__('os')", "is not a number"),
        ("0x10", "is not a number"),
    ],
)
def test_python_only_spellings_and_bad_expressions_are_refused(text: str, message: str) -> None:
    result = run("eval", "x", "-x", text)
    assert result.code == 2, result
    assert result.stderr.startswith("error: the value of x ")
    assert message in result.stderr


def test_a_non_ascii_digit_is_not_a_number_in_an_expression_either() -> None:
    result = run("eval", "\u0663*x", "-x", "1")
    assert result.code == 2, result


@pytest.mark.parametrize("name", ["pi", "e"])
def test_a_reserved_constant_cannot_be_given_a_value(name: str) -> None:
    for words in (["-x", "1", f"-{name}", "3"], ["-x", "1", f"{name}=3"], [f"-{name}=3", "-x", "1"]):
        result = run("eval", f"x*{name}", *words)
        assert result.code == 2, result
        assert f"error: '{name}' is a reserved constant" in result.stderr
        assert "cannot be given a value" in result.stderr
        assert result.stdout == ""
    data = run("eval", "x*pi", "-pi", "3", "-x", "1", "--json").json()
    assert data["error"]["kind"] == "value"


@pytest.mark.parametrize(
    ("text", "decimals"),
    [
        ("0.197", 3),
        ("1.97e-1", 3),
        ("197e-3", 3),
        ("19.7E-2", 3),
        ("-0.1966", 4),
        ("0.20", 2),
        ("2e-1", 1),
        ("4", None),
        ("-4", None),
        ("4.", None),
        ("2e3", None),
        ("-3/5", None),
        ("pi/4", None),
    ],
)
def test_written_decimals_do_not_depend_on_the_spelling(text: str, decimals: int | None) -> None:
    assert written_decimals(text) == decimals


@pytest.mark.parametrize("spelling", ["0.197", "1.97e-1", "197e-3", "0.0197e1", "+0.197"])
def test_expect_grades_every_spelling_of_the_same_number_alike(spelling: str) -> None:
    assert round(NEURON_GRADS["w2"], 3) == 0.197
    data = ok("check", *NEURON, "--expect", f"w2={spelling}", "--json").json()
    assert data["expectations"][0]["right"] is True, spelling
    result = run("check", *NEURON, "--expect", f"w2={spelling.replace('7', '8')}", "--json")
    assert result.code == 3
    assert result.json()["expectations"][0]["right"] is False


def test_expect_takes_a_constant_expression() -> None:
    result = run("check", "x*y", "-x", "1", "-y", "-3/5", "--expect", "x=-3/5", "--expect", "y=1")
    assert result.code == 0, result
    assert "∂f/∂x = -3/5 right" in result.stdout
    wrong = run("check", *NEURON, "--expect", "x1=-3/5")
    assert wrong.code == 3
    # an expression carries no written decimals: it must be exact, and the answer is shown at the table's digits
    assert "∂f/∂x1 = -3/5 wrong: it is -0.5898357997" in wrong.stdout


def test_a_wrong_answer_shows_the_true_value_at_the_table_s_digits() -> None:
    result = run("check", *NEURON, "--expect", "w0=-0.1967")
    assert result.code == 3
    assert "wrong: it is -0.1966119332\n" in result.stdout  # 10 significant digits, as the table
    assert "-0.19661193324148185" not in result.stdout
    short = run("check", *NEURON, "--expect", "w0=-0.1967", "--digits", "4")
    assert "wrong: it is -0.1966\n" in short.stdout
