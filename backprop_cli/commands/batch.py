"""``backprop batch``: one expression evaluated and differentiated at every row of a table."""

from __future__ import annotations

from typing import Any

import click

from .declarations import DECLARED
from .options import BackpropCommand

FORMATS = ["csv", "jsonl", "parquet"]


@click.command("batch", cls=BackpropCommand)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [INPUT] [VALUES]...")
@DECLARED["file"].but(help="Read the program from PATH (then the first word is INPUT).")
@DECLARED["output"].but(help="Write to FILE instead of standard output ('-').")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="The format of the input and the output.")
@click.option("--in-format", type=click.Choice(FORMATS), help="The input's format [default: from its extension].")
@click.option(
    "--out-format",
    type=click.Choice(FORMATS),
    help="The output's format [default: from its extension, else the input's].",
)
@click.option("--keep", metavar="COLS", help="Copy these input columns to the output, first: --keep id,label.")
@DECLARED["wrt"].but(help="Gradient columns only for these inputs: --wrt w0,w1.")
@click.option(
    "--on-error",
    type=click.Choice(["stop", "null", "skip"]),
    default="stop",
    show_default=True,
    help="At a math error in a row: stop (exit 1), write empty results, or leave the row out.",
)
@DECLARED["debug"]
def command(words: tuple[str, ...], file: str | None, **options: Any) -> None:
    """Evaluate EXPR and its gradients at every row of INPUT (CSV, JSON Lines or Parquet).

    Columns named like the expression's inputs supply them; VALUES (-w0 2, w1=-3) fix the others
    for every row. Each output row holds the --keep columns, the value (named by the output's label,
    f by default) and one gradient column per input, named df_dx (∂f/∂x). INPUT '-' or none reads
    standard input; the output goes to standard output in the input's format unless --output says
    otherwise. Numbers are written at full precision.

    \b
    Examples:
      backprop batch "sigmoid(w0*x0 + w1*x1 + w2)" points.csv --output grads.csv
      backprop batch "sigmoid(w0*x0 + w1*x1 + w2)" data.parquet -w0 2 -w1 -3 -w2 -3 --keep id
      cat points.jsonl | backprop batch "x^2 * y" --wrt x --on-error skip

    Exit codes: 0 success, 1 math error in a row (--on-error stop), 2 bad invocation or input.
    """
    from ..batch.command import batch

    batch(words, file, **options)
