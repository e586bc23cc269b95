"""``backprop eval``: evaluate an expression and its gradients, and show them in a view."""

from __future__ import annotations

from typing import Any

import click

from .declarations import DECLARED, source_arguments
from .eval_argv import evaluate_and_show
from .options import BackpropCommand, given
from .viewing import combinations_help, view_options


def _epilog() -> str:
    from .language import language_help

    return combinations_help() + "\n\n" + language_help()


# The options of eval_argv.eval_options(), which reads the common command lines without click.
@click.command("eval", cls=BackpropCommand, help_epilog=_epilog)
@source_arguments
@view_options
@DECLARED["debug"]
@click.pass_context
def command(ctx: click.Context, /, **_: Any) -> None:
    """Evaluate EXPR and its gradients: the forward pass, then backpropagation.

    EXPR is an expression or a program of statements (`q = x + y; f = q * z`); '-' reads it from
    standard input. VALUES give every input: -x 2, -x=2 or x=2 (any name, as in -w0 0.5).

    \b
    Examples:
      backprop eval "(x+y)*z" -x -2 -y 5 -z -4
      backprop eval "sigmoid(w0*x0 + w1*x1 + w2)" -w0 2 -x0 -1 -w1 -3 -x1 -2 -w2 -3
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --steps
      backprop eval "q = x + y; f = q * z" x=-2 y=5 z=-4 --json | jq .gradients
      backprop eval "x^2 * y" -x 3 -y 2 --hessian
      echo "x^2 + sin(x)" | backprop eval - -x 0.5 --digits 12
      backprop eval --file examples/model.bp -x 3 -y -4 --circuit --svg circuit.svg

    Exit codes: 0 success, 1 math error, 2 bad invocation or expression, 74 the output could not be
    written (a full disk), 130 interrupted.
    """
    evaluate_and_show(ctx.params, given(ctx))
