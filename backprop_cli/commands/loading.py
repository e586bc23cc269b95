"""From a command line to an evaluation: the program, its graph, its values; warnings on stderr.

The core raises structured errors that name no option; this is where they are worded for the
command line (``give -x VALUE``, ``--wrt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import MissingValuesError, UnknownInputsError, UsageError
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
    hessian: bool = False,
) -> Evaluation | ArrayEvaluation:
    """Load, bind and evaluate a program (with vectors and matrices where a value or literal is one),
    with its Hessian if asked; forward mode over every input of a large program, and the Hessian of
    too many, are refused up front (see limits.py)."""
    from . import limits

    graph = load_graph(source)
    if wrt is not None:
        check_wrt(graph, wrt)
    limits.forward_mode(graph, mode, view, wrt)
    if hessian:
        limits.hessian(graph, mode, wrt)
    inputs = bind(graph, values)
    if not hessian:
        return evaluate_graph(graph, inputs, mode, wrt)
    return evaluate_hessian(graph, inputs, mode, wrt)


SCALAR_ONLY = "--hessian is for scalar expressions only, and this one has vectors or matrices"


def evaluate_hessian(
    graph: Graph, inputs: dict[str, Value], mode: str = "reverse", wrt: Sequence[str] | None = None
) -> Evaluation:
    """The scalar evaluation with its Hessian (see hessian.py); arrays are a usage error."""
    from ..arrays import uses_arrays
    from ..engine import evaluate as evaluate_scalars
    from ..hessian import hessian

    if uses_arrays(graph, inputs):
        raise UsageError(SCALAR_ONLY)
    ev = evaluate_scalars(graph, inputs, mode, wrt)  # type: ignore[arg-type]  # floats only
    ev.hessian = hessian(ev, mode)
    return ev


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
