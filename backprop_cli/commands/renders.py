"""How each view renders an evaluation for each output, and how each output prints what it gets.

The functions the registry's entries name (:mod:`.registry`). Each imports its view when called:
``--json`` never imports Rich.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..streams import echo

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation
    from ..engine import Evaluation
    from .registry import ViewOptions


def symbols(o: ViewOptions) -> Any:
    """The symbols of --ascii or Unicode, for the views that write no formulas."""
    from .. import symbols

    return symbols.ASCII if o.ascii else symbols.UNICODE


def formula_style(o: ViewOptions) -> Any:
    """The symbols and formula spellings of --ascii or Unicode, for the views that write formulas."""
    from ..views import notation

    return notation.ASCII if o.ascii else notation.UNICODE


def table(ev: Evaluation, o: ViewOptions) -> Any:
    from ..views import table as view

    return view.render(ev, o.digits, o.max_rows, symbols(o))


def steps(ev: Evaluation, o: ViewOptions) -> Any:
    from ..views import steps as view

    return view.render(ev, o.digits, formula_style(o), notes=not o.no_notes)


def circuit(ev: Evaluation | ArrayEvaluation, o: ViewOptions) -> Any:
    from ..views import circuit as view

    return view.render(ev, o.digits, formula_style(o), o.max_rows)


def evaluation_json(ev: Evaluation, o: ViewOptions) -> Any:
    from ..views.json_stream import EvaluationJSON

    return EvaluationJSON(ev, o.fields)


def steps_json(ev: Evaluation, o: ViewOptions) -> Any:
    from ..views import steps as view
    from ..views.json_stream import EvaluationJSON

    return EvaluationJSON(ev, o.fields, view.steps_json(ev) if o.fields is None or "steps" in o.fields else None)


def steps_latex(ev: Evaluation, o: ViewOptions) -> Any:
    from ..views.steps import latex

    return latex(ev, o.digits, notes=not o.no_notes)


def array_table(ev: ArrayEvaluation, o: ViewOptions) -> Any:
    from ..views import arrays

    return arrays.render(ev, o.digits, o.max_rows, symbols(o))


def array_json(ev: ArrayEvaluation, o: ViewOptions) -> Any:
    from ..views import arrays

    return arrays.evaluation(ev, o.fields)


def array_steps(ev: ArrayEvaluation, o: ViewOptions) -> Any:
    from ..views import array_steps as view

    return view.render(ev, o.digits, o.ascii)


def array_steps_json(ev: ArrayEvaluation, o: ViewOptions) -> Any:
    from ..views import array_steps as view
    from ..views import arrays
    from ..views.json_view import only

    return only({**arrays.evaluation(ev), "steps": view.steps_json(ev)}, o.fields)


def print_terminal(renderable: Any, o: ViewOptions) -> None:
    from ..output import print_rich

    print_rich(renderable, o.svg, o.pause, o.ascii)


def print_json(data: Any, o: ViewOptions) -> None:
    from ..views.json_stream import EvaluationJSON, write

    if isinstance(data, EvaluationJSON):  # written as it is produced
        write(data, sys.stdout.write)
    else:
        from ..views.json_view import dumps

        echo(dumps(data))


def print_text(text: Any, o: ViewOptions) -> None:
    echo(text)
