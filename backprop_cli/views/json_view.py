"""The JSON contract: one strict JSON object, stable keys, full float precision.

Every object printed carries ``schema_version`` first and the run's ``warnings`` last (see
:func:`dumps`); its shape is published as a JSON Schema in ``docs/schema/<command>.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..engine import Evaluation
from ..errors import BackpropError
from ..graph import Graph

if TYPE_CHECKING:
    from ..arrays.evaluation import ArrayEvaluation


def node_identity(graph: Graph, i: int) -> dict[str, Any]:
    """The keys that name node i in every JSON output, first in its object: id, label, op, expr, inputs."""
    return {"id": i, "label": graph.labels[i], "op": graph.ops[i], "expr": graph.expr(i), "inputs": list(graph.args[i])}


def only(data: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """The keys that --fields names (all without it)."""
    return data if fields is None else {key: value for key, value in data.items() if key in fields}


def evaluation(ev: Evaluation) -> dict[str, Any]:
    """The eval result as JSON-ready data (keys in their documented order)."""
    g = ev.graph
    nodes: list[dict[str, Any]] = [
        {
            **node_identity(g, i),
            "local": list(ev.local[i]),
            "value": ev.values[i],
            "grad": ev.grads[i],
            "span": list(g.spans[i]),
        }
        for i in range(len(g))
    ]
    data = {
        "expression": g.source,
        "mode": "reverse" if ev.tangents is None else "forward",
        "value": ev.value,
        "inputs": {name: ev.values[i] for name, i in g.inputs.items()},
        "gradients": ev.input_grads(),
        **({} if ev.hessian is None else {"hessian": ev.hessian}),
        "nodes": nodes,
    }
    if ev.tangents is not None:
        for i, node in enumerate(nodes):
            node["tangents"] = {name: ev.tangents[name][i] for name in ev.wrt}
    return data


def _plain(x: Any) -> Any:
    """A float as it is; a NumPy array as nested lists."""
    return x.tolist() if hasattr(x, "tolist") else x


def circuit(graph: Graph, ev: Evaluation | ArrayEvaluation | None) -> dict[str, Any]:
    """``graph --json``: the nodes, and every wire with the value it carries forward and the gradient
    it carries back (a fork's wires each carry their own share; see wires.py)."""
    from ..wires import forks, wires, wires_of

    nodes = [
        {
            **node_identity(graph, i),
            "value": None if ev is None else _plain(ev.values[i]),
            "grad": None if ev is None else _plain(ev.grads[i]),
        }
        for i in range(len(graph))
    ]
    edges = [
        {"from": w.src, "to": w.dst, "position": w.position, "value": _plain(w.value), "grad": _plain(w.grad)}
        for w in (wires_of(graph) if ev is None else wires(ev))
    ]
    return {"expression": graph.source, "nodes": nodes, "wires": edges, "forks": forks(graph)}


def error(err: BackpropError) -> dict[str, Any]:
    """``{"error": {...}}`` for any user-facing error."""
    return {"error": err.to_json()}


SCHEMA_VERSION = 1
"""Raised when a key is removed or changes meaning; adding a key keeps the version."""


def document(body: dict[str, Any], warnings: Sequence[str] = ()) -> dict[str, Any]:
    """The printed object: ``schema_version`` first, the body, then the ``warnings`` list."""
    return {"schema_version": SCHEMA_VERSION, **body, "warnings": list(warnings)}


def dumps(body: dict[str, Any]) -> str:
    """One printed JSON object: strict ASCII JSON (no NaN or Infinity), floats as their shortest
    round-trip repr, with the warnings of this run (which also went to stderr)."""
    import json  # here: the streamed eval --json (json_stream.py) does without it (~1 ms to import)

    from ..output import warnings_so_far

    return json.dumps(document(body, warnings_so_far()), allow_nan=False)
