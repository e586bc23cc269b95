"""``backprop diff``: derivatives as formulas, in the tool's own language (or LaTeX, or JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError
from .declarations import DECLARED, source_arguments
from .options import BackpropCommand

if TYPE_CHECKING:
    from ..formula import Formula

STAGE_ABOVE = 200
"""A derivative whose nested form would be longer than this (characters) is printed staged."""


@click.command("diff", cls=BackpropCommand)
@source_arguments
@DECLARED["wrt"]
@click.option("--order", type=click.IntRange(1, 4), default=1, show_default=True, help="Derivatives of derivatives.")
@click.option("--staged", is_flag=True, help="Named intermediates, one per line (automatic for long derivatives).")
@DECLARED["latex"].but(help="Print the derivatives as a LaTeX align* block.")
@DECLARED["as_json"]
@DECLARED["debug"]
def command(
    words: tuple[str, ...],
    file: str | None,
    wrt: tuple[str, ...] | None,
    order: int,
    staged: bool,
    latex: bool,
    as_json: bool,
) -> None:
    """Print the derivatives of EXPR as formulas that `backprop eval` reads back.

    The derivatives come from the same rules as the numeric gradients (reverse accumulation over
    the op table's rule formulas), simplified as a person would: constants folded, 1*a, a*0, a+0,
    a^1, --a, a - a, a*a -> a^2, x*x^n -> x^(n+1), shared subexpressions kept shared. With VALUES,
    each derivative's value is printed too. --order 2 gives the second derivatives (the mixed
    partials too, keyed x,y in JSON).

    \b
    Examples:
      backprop diff "x^2 * sin(x)"
      backprop diff "sigmoid(w*x + b)" --wrt w,b
      backprop diff "x^3 * y" --order 2 --json
      backprop diff "x*y + sin(x)" -x 1 -y 2
    """
    from ..args import invocation
    from ..formula import from_graph
    from .loading import bind, check_wrt, load_graph

    if latex and as_json:
        raise UsageError("--latex and --json do not go together: choose one output")
    source, values = invocation(words, file)
    graph = load_graph(source)
    if wrt is not None:
        check_wrt(graph, wrt)
    names = [n for n in graph.inputs if wrt is None or n in wrt]
    inputs = bind(graph, values) if values else None
    formula = from_graph(graph)
    derivatives = differentiate(formula, names, order)
    texts = {key: written(b, root, names, staged) for key, (b, root) in derivatives.items()}
    numbers = None if inputs is None else {key: value_of(b, root, inputs) for key, (b, root) in derivatives.items()}
    out = graph.labels[-1]
    if as_json:
        from ..views.json_view import document, dumps

        data: dict[str, Any] = {"expression": source, "wrt": names, "order": order, "derivatives": texts}
        if numbers is not None:
            data["values"] = numbers
        click.echo(dumps(document(data, graph.warnings)))
    elif latex:
        click.echo(latex_block(derivatives, out, names))
    else:
        for key, text in texts.items():
            head = derivative_name(out, key.split(","))
            value = "" if numbers is None else f" = {_exact(numbers[key])}"
            if "\n" in text:
                click.echo(f"# {head}{value}\n{text.rstrip()}")
            else:
                click.echo(f"{head} = {text}{value}")


def differentiate(formula: Formula, names: list[str], order: int) -> dict[str, tuple[Any, int]]:
    """``"x"`` (or ``"x,y"`` for second order...) -> (builder, node) of that derivative."""
    from ..symbolic import Simplifier, extract, gradients

    b = Simplifier()
    root = b.insert(formula, {})
    current: dict[str, int] = {"": root}
    for _ in range(order):
        following: dict[str, int] = {}
        for key, node in current.items():
            # Differentiate the formula of this node again, in the same builder (sharing kept).
            _, roots = gradients(extract(b, node), names, b)
            for name, d in roots.items():
                following[f"{key},{name}" if key else name] = d
        current = following
    return {key: (b, node) for key, node in current.items()}


def written(b: Any, root: int, inputs: list[str], staged: bool) -> str:
    """A derivative in the language: nested, or staged (statements, one per line) when asked or long."""
    from ..printer import to_text
    from ..styles import ASCII
    from ..symbolic import expanded_size, extract
    from ..symbolic import staged as stages

    if not staged and expanded_size(b, root, STAGE_ABOVE) < STAGE_ABOVE:
        text = to_text(extract(b, root), ASCII)
        if len(text) <= STAGE_ABOVE:
            return text
    lines = [f"{name} = {to_text(f, ASCII)}" if name else to_text(f, ASCII) for name, f in stages(b, root, inputs)]
    # A staged form ends in a new line even when it has one statement, so that it is printed as one.
    return "\n".join(lines) + ("\n" if len(lines) == 1 else "")


def value_of(b: Any, root: int, inputs: dict[str, Any]) -> float:
    """The derivative's value at the given inputs (a math error where it is undefined)."""
    import math

    from ..errors import MathError
    from ..formula import evaluate, float_impl
    from ..symbolic import extract

    try:
        value = float(evaluate(extract(b, root), inputs, float_impl()))
    except (ArithmeticError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise MathError("a derivative is infinite or undefined at these values")
    return value


def derivative_name(out: str, names: list[str]) -> str:
    """``df/dx``, ``d2f/dxdy``."""
    power = str(len(names)) if len(names) > 1 else ""
    return f"d{power}{out}/" + "".join(f"d{n}" for n in names)


def latex_block(derivatives: dict[str, tuple[Any, int]], out: str, names: list[str]) -> str:
    from ..printer import to_text
    from ..styles import LATEX
    from ..symbolic import staged as stages

    rows = []
    for key, (b, root) in derivatives.items():
        wrt = key.split(",")
        power = f"^{{{len(wrt)}}}" if len(wrt) > 1 else ""
        den = " ".join(r"\partial " + LATEX.label(n) for n in wrt)
        head = rf"\frac{{\partial{power} {LATEX.label(out)}}}{{{den}}}"
        statements = stages(b, root, names)
        for name, f in statements[:-1]:
            rows.append(rf"  {LATEX.label(name or '')} &= {to_text(f, LATEX)}")
        rows.append(f"  {head} &= {to_text(statements[-1][1], LATEX)}")
    return "\n".join(
        [r"% backprop diff (needs \usepackage{amsmath})", r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    )


def _exact(value: float) -> str:
    from ..formatting import exact

    return exact(value)
