"""Runs whose cost grows as inputs × nodes, refused before they start unless the inputs were chosen.

Reverse mode costs one pass whatever the number of inputs. Forward mode costs one pass per input, and
its steps view writes a line per node per input; a gradient check costs two forward passes per input;
the Hessian costs a pass per input (forward mode: per pair of inputs) and has inputs² entries.
With every input of a large program (the default) that is quadratic: 400 inputs made 7.7 MB of steps
in 10 s, 3,000 over 10 GB; checking 10,000 inputs took minutes. Such a run is refused up front with
what it would cost and how to narrow it; with ``--wrt`` the user has chosen the inputs, and it runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import UsageError
from ..graph import Graph

FORWARD_TANGENTS = 5_000_000
"""Forward mode over every input: at most this many tangents (inputs × nodes)."""
FORWARD_STEPS_LINES = 50_000
"""Forward mode's steps view over every input: at most this many lines (inputs × nodes)."""
HESSIAN_PASSES = 5_000_000
"""The Hessian of every input: at most this many node visits (passes × nodes; a pass per input in
reverse mode, one per pair of inputs in forward mode)."""
HESSIAN_ENTRIES = 250_000
"""The Hessian of every input: at most this many entries (inputs², 500 inputs)."""
CHECK_EVALUATIONS = 20_000_000
"""A gradient check of every input: at most this many node evaluations (2 × inputs × nodes)."""


def _example(graph: Graph) -> str:
    return ",".join(list(graph.inputs)[:2])


def forward_mode(graph: Graph, mode: str, view: str, wrt: Sequence[str] | None) -> None:
    """Refuse forward mode over every input of a program too large for it (see the module's note)."""
    inputs, nodes = len(graph.inputs), len(graph)
    if mode != "forward" or wrt is not None:
        return
    if view == "steps" and inputs * nodes > FORWARD_STEPS_LINES:
        cost = f"writes {inputs * nodes:,} lines ({inputs:,} inputs × {nodes:,} nodes)"
    elif inputs * nodes > FORWARD_TANGENTS:
        cost = f"makes {inputs:,} passes over {nodes:,} nodes ({inputs * nodes:,} tangents)"
    else:
        return
    raise UsageError(
        f"forward mode over all {inputs:,} inputs {cost}: choose the inputs with --wrt "
        f"(as in --wrt {_example(graph)}), or use reverse mode, one pass for every input"
    )


def gradient_check(graph: Graph, wrt: Sequence[str] | None) -> None:
    """Refuse to check every input of a program too large for it (see the module's note)."""
    inputs, nodes = len(graph.inputs), len(graph)
    if wrt is not None or 2 * inputs * nodes <= CHECK_EVALUATIONS:
        return
    raise UsageError(
        f"checking all {inputs:,} inputs takes 2 forward passes each over {nodes:,} nodes "
        f"({2 * inputs * nodes:,} node evaluations): choose the inputs to check with --wrt "
        f"(as in --wrt {_example(graph)})"
    )


def hessian(graph: Graph, mode: str, wrt: Sequence[str] | None, check: bool = False) -> None:
    """Refuse the Hessian of every input of a program too large for it (see the module's note): one
    pass per input (forward mode: per pair of inputs; a check: 2 evaluations per input), and
    inputs² entries to print."""
    inputs, nodes = len(graph.inputs), len(graph)
    if wrt is not None:
        return
    passes = 2 * inputs if check else inputs * (inputs + 1) // 2 if mode == "forward" else inputs
    if passes * nodes > HESSIAN_PASSES:
        cost = f"makes {passes:,} passes over {nodes:,} nodes ({passes * nodes:,} node visits)"
    elif inputs * inputs > HESSIAN_ENTRIES:
        cost = f"has {inputs * inputs:,} entries"
    else:
        return
    raise UsageError(
        f"the Hessian of all {inputs:,} inputs {cost}: choose the inputs with --wrt (as in --wrt {_example(graph)})"
    )
