"""The gradient check's verdicts and notes, one rule at a time (gradcheck.py, below the command line).

Each test pins one decision of the check where a wrong one would still give plausible output: the
thresholds as documented ("ok below 1e-7, suspicious below 1e-4"), the step's own error, the kinks,
the differences that overflow. The numbers are chosen so that float64 computes them exactly
(``f = c·x`` at 0 with h = 1 gives the numerical gradient c; x³ at 1 with h = ½ is exact in binary).
"""

from __future__ import annotations

import sys

import pytest

from backprop_cli.engine import evaluate
from backprop_cli.errors import InputError
from backprop_cli.gradcheck import (
    TINY,
    InputCheck,
    check_input,
    default_step,
    matches,
    relative_error,
    rounds_to,
    written_decimals,
)
from backprop_cli.parse import parse
from conftest import run

LARGEST = sys.float_info.max


def check(source: str, analytic: float, h: float | None, x: float, **others: float) -> InputCheck:
    """The check of ∂f/∂x, given the analytic gradient to judge (as a wrong rule would give it)."""
    graph = parse(source)
    inputs = {"x": x, **others}
    return check_input(graph, evaluate(graph, inputs), inputs, "x", analytic, h)


def test_relative_error_is_absolute_only_below_tiny() -> None:
    assert relative_error(2**-40, 3 * 2**-40) == 2**-39  # both tiny (~1e-12): |a − n|
    assert relative_error(TINY, 0.0) == 1.0  # at TINY already relative
    assert relative_error(-3.0, 1.0) == 4 / 3


@pytest.mark.parametrize(
    ("c", "error", "verdict"),
    [(9_999_999.0, 1e-7, "suspicious"), (9_999.0, 1e-4, "wrong")],
)
def test_a_relative_error_exactly_at_a_threshold_is_the_worse_verdict(c: float, error: float, verdict: str) -> None:
    """ "ok below 1e-7, suspicious below 1e-4": (10⁷ − 9999999) / 10⁷ is 1e-7 exactly in float64."""
    result = check(f"{c!r} * x", c + 1, 1.0, x=0.0)
    assert (result.numerical, result.rel_error) == (c, error)
    assert (result.verdict, result.note) == (verdict, "")


def test_a_slightly_wrong_gradient_is_suspicious() -> None:
    assert check("2 * x", 2.000001, 1.0, x=0.0).verdict == "suspicious"


def test_a_difference_that_overflows_is_undefined() -> None:
    assert check("x * 1e300", 1e300, 1e8, x=0.0) == InputCheck(
        "x", 0.0, 1e300, None, 1e8, None, "undefined", "f(x + h) − f(x − h) overflows a float64 at x ± h"
    )


def test_a_function_undefined_at_x_plus_or_minus_h_is_undefined_and_says_why() -> None:
    result = check("sqrt(x)", 0.0, 1e-5, x=1e-6)
    assert (result.verdict, result.numerical, result.rel_error) == ("undefined", None, None)
    assert result.note == "f is not defined at x ± h: square root of a negative number: sqrt(x) where x = -9e-06"


@pytest.mark.parametrize("x", [LARGEST, -LARGEST])
def test_x_plus_or_minus_h_beyond_the_largest_float_is_an_input_error(x: float) -> None:
    with pytest.raises(InputError) as info:
        check("x", 1.0, None, x=x)
    h = default_step(x)
    assert info.value.message == (
        f"the centred difference overflows: x ± h is beyond the largest float64 (x = {x!r}, h = {h!r}); "
        "a smaller step is needed"
    )


def test_the_largest_workable_step_is_accepted() -> None:
    """x ± h and 2h are finite (1.4e308), so the difference can be taken (3h would not be finite)."""
    assert check("x", 1.0, 7e307, x=0.0).verdict == "ok"


@pytest.mark.parametrize(
    ("x", "h"),
    [
        (1.0, 1e-20),
        (1.0, 1e-320),
        (1.0, 2**-53),  # x + h rounds to x (a tie, to even), x − h does not
        (-1.0, 2**-53),  # and the other way round
    ],
)
def test_a_step_lost_in_rounding_is_too_small_not_a_wrong_gradient(x: float, h: float) -> None:
    """x ± h == x: the "difference" is rounding alone; before, the right gradient 1 was called wrong."""
    result = check("x", 1.0, h, x=x)
    assert result.numerical in (0.0, 0.5)
    assert result.verdict == "inconclusive"
    assert result.note == (
        "the step is too small: x ± h rounds to x itself; try a larger step h (the default is 1e-5 × max(1, |x|))"
    )
    assert run("check", "x", "-x", repr(x), "--h", repr(h)).code == 0


# The step's own error: with x³ at 1 and h = ½, D(h) = 3.25 and D(h/2) = 3.0625, so the estimate of
# D(h)'s error is (3.25 − 3.0625) · 4/3 = 0.25, and a disagreement up to twice that (0.5) is the step's.
TOO_LARGE = (
    "the step is too large: halving h moves the difference by 1.9e-01, as much as it disagrees; "
    "try a smaller step h (the default is 1e-5 × max(1, |x|))"
)


@pytest.mark.parametrize(
    ("analytic", "verdict"),
    [
        (2.75, "inconclusive"),  # 0.5 off: exactly twice the estimate, still within it
        (2.8, "inconclusive"),  # 0.45 off
        (2.7, "wrong"),  # 0.55 off: beyond what the step explains
        (3.8, "wrong"),
    ],
)
def test_a_disagreement_within_twice_the_step_s_estimated_error_is_inconclusive(analytic: float, verdict: str) -> None:
    result = check("x^3", analytic, 0.5, x=1.0)
    assert result.numerical == 3.25
    assert result.verdict == verdict
    assert result.note == (TOO_LARGE if verdict == "inconclusive" else "")


def test_at_the_default_step_rounding_is_blamed() -> None:
    """(x + 1e8) − 1e8 loses x's last digits: the difference is off by 1e-4, and the default step
    cannot be too large (it balances truncation against rounding)."""
    result = check("(x + 1e8) - 1e8", 1.0, None, x=1.0)
    assert result.verdict == "inconclusive"
    assert result.note.startswith("the step is too small: rounding error moves the difference")


def test_a_step_across_a_pole_is_not_excused() -> None:
    """1/(x − ½) at 0 with h = 1: x ± h are defined but x + h/2 is the pole, so the step's error
    cannot be estimated: the disagreement stands."""
    result = check("1 / (x - 0.5)", -4.0, 1.0, x=0.0)
    assert (result.verdict, result.note) == ("wrong", "")


def test_every_kink_within_h_is_named() -> None:
    result = check("relu(x) + abs(x)", 2.0, None, x=1e-7)
    assert result.verdict == "kink"
    assert result.note == "x is within h of the kink of relu(x), abs(x): the centred difference is not reliable there"


def test_a_kink_the_input_does_not_move_is_no_concern() -> None:
    """relu(y) at y = 0 is on its kink, but varying x does not move it: no note on x (there was one)."""
    assert check("relu(y) * x", 0.0, None, x=1.0, y=0.0).note == ""
    graph = parse("relu(y) * x")
    inputs = {"x": 1.0, "y": 0.0}
    on_y = check_input(graph, evaluate(graph, inputs), inputs, "y", 0.0, None)
    assert on_y.note == "y is within h of the kink of relu(y): the centred difference is not reliable there"


@pytest.mark.parametrize(
    ("source", "x", "gradient"), [("relu(x)", 0.5, 1.0), ("relu(x)", -0.5, 0.0), ("abs(x)", -3.0, -1.0)]
)
def test_away_from_a_kink_there_is_no_note(source: str, x: float, gradient: float) -> None:
    result = check(source, gradient, None, x=x)
    assert (result.verdict, result.note) == ("ok", "")


# Grading --expect ---------------------------------------------------------------------------------


def test_decimals_written_in_any_spelling() -> None:
    assert [written_decimals(t) for t in ["0.197", "1.97e-1", "197e-3", "1.97E-1", "-4", "2e3", "-3/5"]] == [
        3,
        3,
        3,
        3,
        None,
        None,
        None,
    ]


def test_a_zero_written_for_float_noise_is_right() -> None:
    assert matches(0.0, "0", 1e-13)
    assert not matches(0.0, "0", 1e-11)


def test_numbers_written_with_more_digits_than_decimal_s_default_precision() -> None:
    """Python's default decimal context has 28 digits; grading uses its own."""
    assert rounds_to(0.25, "0.25" + "0" * 40)
    assert rounds_to(0.25, "0.3" + "0" * 40) is False


def test_a_number_too_long_to_grade_is_never_right() -> None:
    assert rounds_to(0.3, "0.25" + "0" * 1200) is False


def test_halves_round_up_as_taught() -> None:
    """In decimal from the shortest repr: 0.25 is 0.3 to one decimal (binary round() says 0.2)."""
    assert rounds_to(0.25, "0.3")
    assert not rounds_to(0.25, "0.2")
    assert rounds_to(-0.25, "-0.3")


@pytest.mark.parametrize(
    ("source", "expect", "message"),
    [
        ("x * 2", "w=1", "--expect w=...: the expression has no node named 'w'"),
        ("c = 2; f = c * x", "c=1", "--expect c=...: c is a constant, it has no gradient"),
    ],
)
def test_an_expectation_of_a_node_without_a_gradient_names_it(source: str, expect: str, message: str) -> None:
    result = run("check", source, "-x", "1", "--expect", expect)
    assert (result.code, result.stderr) == (2, f"error: {message}\n")
