"""``backprop check``: the analytic gradients against finite differences, and hand-derived ones."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import UsageError

if TYPE_CHECKING:
    from ..args import Value
    from ..engine import Evaluation
    from ..gradcheck import Expectation, InputCheck
    from ..graph import Graph
    from ..hessian_check import EntryCheck

from .declarations import DECLARED, source_arguments
from .options import BackpropCommand, given
from .viewing import refuse_given


@click.command("check", cls=BackpropCommand)
@source_arguments
@click.option(
    "--h", "h", type=float, metavar="STEP", help="Step of the centred difference [default: 1e-5 × max(1, |x|)]."
)
@click.option(
    "--expect", multiple=True, metavar="NAME=VALUE", help="A hand-derived ∂output/∂NAME to mark right or wrong."
)
@DECLARED["wrt"].but(help="Check only these inputs: --wrt x,y.")
@DECLARED["hessian"].but(help="Also check every second derivative, against differences of the gradient.")
@DECLARED["as_json"]
@DECLARED["ascii"]
@DECLARED["digits"].but(default=10)
@DECLARED["max_rows"].but(help="Rows of each table at most: the gradients' and the Hessian's (0: all).")
@DECLARED["debug"]
@click.pass_context
def command(
    ctx: click.Context,
    /,
    words: tuple[str, ...],
    file: str | None,
    h: float | None,
    expect: tuple[str, ...],
    wrt: tuple[str, ...] | None,
    hessian: bool,
    as_json: bool,
    ascii: bool,
    digits: int,
    max_rows: int,
) -> None:
    """Check the gradients of EXPR numerically, and hand-derived ones with --expect.

    For every input: the analytic gradient (reverse mode), the numerical gradient by the centred
    difference (f(x+h) − f(x−h)) / 2h, their relative error |a − n| / max(|a|, |n|) and a verdict: ok
    below 1e-7, suspicious below 1e-4, wrong above; "kink" where x ± h straddles a kink of relu, abs,
    max or min; "inconclusive" where the difference's own error (estimated by halving h) explains the
    disagreement: the step is too large or too small, not the gradient wrong. With --hessian, every
    second derivative too, against centred differences of the gradient, with the same verdicts.

    \b
    Examples:
      backprop check "(x+y)*z" -x -2 -y 5 -z -4
      backprop check "q = x + y; f = q * z" -x -2 -y 5 -z -4 --expect x=-4 --expect q=-4
      backprop check "relu(x) * y" -x 1e-7 -y 2 --json
      backprop check "x^2 * y" -x 3 -y 2 --hessian

    Exit codes: 0 all agree, 1 math error, 2 bad invocation or expression, 3 a check or an
    expectation failed, 74 the output could not be written (a full disk), 130 interrupted.
    """
    from ..args import invocation
    from ..errors import EXIT_CHECK_FAILED
    from ..gradcheck import ExpectationError, check, passed
    from . import limits
    from .limits import gradient_check
    from .loading import SCALAR_ONLY, bind, check_wrt, load_graph

    if as_json:
        refuse_given(given(ctx), ["ascii", "digits", "max_rows"], DECLARED["as_json"].flag, "JSON")
    from ..streams import unicode_output

    ascii = ascii or not unicode_output()  # an output that cannot encode ∂ (Latin-1, ASCII)
    if h is not None and not (math.isfinite(h) and h > 0):
        raise UsageError(f"--h must be a positive number, not {h!r}")
    source, values = invocation(words, file)
    graph = load_graph(source)
    if wrt is not None:
        check_wrt(graph, wrt)
    gradient_check(graph, wrt)
    if hessian:
        limits.hessian(graph, "reverse", wrt, check=True)
    inputs = bind(graph, values)
    from ..arrays import uses_arrays

    if uses_arrays(graph, inputs):
        if hessian:
            raise UsageError(SCALAR_ONLY)
        check_arrays(graph, inputs, h, wrt, expect, as_json, digits, max_rows)
        return
    try:
        ev, checks, expected = check(graph, inputs, h, wrt, parse_expectations(expect))  # type: ignore[arg-type]
    except ExpectationError as err:
        err.message = f"--expect {err.name}=...: {err.message}"
        raise
    entries = check_second(graph, ev, inputs, h) if hessian else None  # type: ignore[arg-type]
    ok = passed(checks, expected) and all(e.verdict != "wrong" for e in entries or ())
    _report(ev, checks, expected, entries, h, ok, as_json, digits, ascii, max_rows)
    if not ok:
        raise SystemExit(EXIT_CHECK_FAILED)


def _report(
    ev: Evaluation,
    checks: list[InputCheck],
    expected: list[Expectation],
    entries: list[EntryCheck] | None,
    h: float | None,
    ok: bool,
    as_json: bool,
    digits: int,
    ascii: bool,
    max_rows: int,
) -> None:
    """Print the check (and the Hessian's, if ``entries``) as JSON (every row) or as tables (at most
    ``max_rows`` rows each)."""
    if as_json:
        from ..views.check_view import to_json
        from ..views.json_view import dumps

        data = to_json(ev, checks, expected, h, ok)
        if entries is not None:
            from ..views.hessian_view import check_json

            data = {**{k: v for k, v in data.items() if k != "ok"}, "hessian": check_json(entries), "ok": ok}
        click.echo(dumps(data))
    else:
        from ..output import print_rich
        from ..symbols import ASCII, UNICODE
        from ..views.check_view import render

        style = ASCII if ascii else UNICODE
        shown = render(ev, checks, expected, h, digits, style, max_rows)
        if entries is not None:
            from rich.console import Group

            from ..views.hessian_view import check_render

            shown = Group(shown, check_render(entries, ev.graph.labels[-1], digits, style, max_rows))
        print_rich(shown, ascii=ascii)


def check_second(graph: Graph, ev: Evaluation, inputs: dict[str, float], h: float | None) -> list[EntryCheck]:
    """The Hessian of ``ev`` (kept in it), each entry checked against differences of the gradient."""
    from ..hessian import hessian
    from ..hessian_check import check_hessian

    ev.hessian = hessian(ev)
    return check_hessian(graph, ev, inputs, h)


def parse_expectations(words: Sequence[str]) -> list[tuple[str, str, float]]:
    """``--expect x=-4`` -> ("x", "-4", -4.0); the value may be a constant expression (``-3/5``)."""
    from ..args import parse_value

    result = []
    for word in words:
        name, eq, text = word.partition("=")
        if not eq or not name.strip():
            raise UsageError(f"--expect takes NAME=VALUE, as in --expect x=-4, not {word!r}")
        name, text = name.strip(), text.strip()
        result.append((name, text, parse_value(name, text, f"--expect {name}")))
    return result


def check_arrays(
    graph: Graph,
    inputs: dict[str, Value],
    h: float | None,
    wrt: tuple[str, ...] | None,
    expect: tuple[str, ...],
    as_json: bool,
    digits: int,
    max_rows: int,
) -> None:
    """``check`` with vectors and matrices: every entry of every input, the worst per input."""
    from ..arrays.gradcheck import check, passed
    from ..errors import EXIT_CHECK_FAILED
    from ..output import warn
    from ..views import arrays

    if expect:
        raise UsageError("--expect compares scalar gradients; with vectors and matrices, compare the --json output")
    ev, checks = check(graph, inputs, h, wrt)
    warn(ev.warnings)
    ok = passed(checks)
    if as_json:
        from ..views.json_view import dumps

        click.echo(dumps(arrays.check_json(ev, checks, h, ok)))
    else:
        from ..output import print_rich

        print_rich(arrays.check_render(ev, checks, h, digits, max_rows))
    if not ok:
        raise SystemExit(EXIT_CHECK_FAILED)
