"""From a command line to an evaluation: the program, its graph, its values; warnings on stderr.

The core raises structured errors that name no option; this is where they are worded for the
command line (``give -x VALUE``, ``--wrt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import MissingValuesError, UnknownInputsError
from ..output import warn

if TYPE_CHECKING:
    from ..args import Value
    from ..arrays.evaluation import ArrayEvaluation
    from ..engine import Evaluation
    from ..graph import Graph


def load_graph(source: str) -> Graph:
    """Parse (or load from the cache), with warnings about unused statements on stderr."""
    from ..cache import load

    graph = load(source)
    warn(graph.warnings)
    return graph


def bind(graph: Graph, values: dict[str, Value]) -> dict[str, Value]:
    """Match the given values to the graph's inputs, with warnings about unused values on stderr."""
    from ..engine import bind_inputs

    try:
        inputs, unused = bind_inputs(graph, values)
    except MissingValuesError as err:
        err.message += f" (give {' '.join(f'-{name} VALUE' for name in err.names)})"
        raise
    warn(unused)
    return inputs


def wrt_worded(err: UnknownInputsError) -> UnknownInputsError:
    """The core's error about unknown inputs, as an error about ``--wrt``."""
    err.message = f"--wrt {','.join(err.names)}: {err.message}"
    return err


def evaluate(
    source: str,
    values: dict[str, Value],
    mode: str = "reverse",
    wrt: Sequence[str] | None = None,
    view: str = "table",
) -> Evaluation | ArrayEvaluation:
    """Load, bind and evaluate a program (with vectors and matrices where a value or literal is one);
    forward mode over every input of a large program is refused up front (see limits.py)."""
    from .limits import forward_mode

    graph = load_graph(source)
    if wrt is not None:
        check_wrt(graph, wrt)
    forward_mode(graph, mode, view, wrt)
    return evaluate_graph(graph, bind(graph, values), mode, wrt)


def evaluate_graph(
    graph: Graph, inputs: dict[str, Value], mode: str = "reverse", wrt: Sequence[str] | None = None
) -> Evaluation | ArrayEvaluation:
    """The scalar engine, or the array engine when a value or a literal is an array."""
    from .. import engine
    from ..arrays import uses_arrays

    if uses_arrays(graph, inputs):
        from ..arrays.engine import evaluate as evaluate_arrays

        ev = evaluate_arrays(graph, inputs, mode, wrt)
        warn(ev.warnings)
        return ev
    return engine.evaluate(graph, inputs, mode, wrt)  # type: ignore[arg-type]  # floats only


def check_wrt(graph: Graph, wrt: Sequence[str]) -> None:
    """A usage error, before any value is looked at, if ``--wrt`` names what is not an input."""
    from ..engine import check_wrt

    try:
        check_wrt(graph, wrt)
    except UnknownInputsError as err:
        raise wrt_worded(err) from None
