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
    from ..engine import Evaluation
    from ..graph import Graph


def load_graph(source: str) -> Graph:
    """Parse (or load from the cache), with warnings about unused statements on stderr."""
    from ..cache import load

    graph = load(source)
    warn(graph.warnings)
    return graph


def bind(graph: Graph, values: dict[str, float]) -> dict[str, float]:
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
    source: str, values: dict[str, float], mode: str = "reverse", wrt: Sequence[str] | None = None
) -> Evaluation:
    """Load, bind and evaluate a program."""
    from .. import engine

    graph = load_graph(source)
    if wrt is not None:
        check_wrt(graph, wrt)
    return engine.evaluate(graph, bind(graph, values), mode, wrt)


def check_wrt(graph: Graph, wrt: Sequence[str]) -> None:
    """A usage error, before any value is looked at, if ``--wrt`` names what is not an input."""
    from ..engine import check_wrt

    try:
        check_wrt(graph, wrt)
    except UnknownInputsError as err:
        raise wrt_worded(err) from None
