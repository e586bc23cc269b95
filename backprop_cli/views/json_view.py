"""The JSON contract: one strict JSON object, stable keys, full float precision."""

from __future__ import annotations

import json
from typing import Any

from ..engine import Evaluation
from ..errors import BackpropError


def evaluation(ev: Evaluation) -> dict[str, Any]:
    """The eval result as JSON-ready data (keys in their documented order)."""
    g = ev.graph
    nodes: list[dict[str, Any]] = [
        {
            "id": i,
            "label": g.labels[i],
            "op": g.ops[i],
            "expr": g.expr(i),
            "inputs": list(g.args[i]),
            "local": list(ev.local[i]),
            "value": ev.values[i],
            "grad": ev.grads[i],
            "span": list(g.spans[i]),
        }
        for i in range(len(g))
    ]
    data = {
        "expression": g.source,
        "value": ev.value,
        "inputs": {name: ev.values[i] for name, i in g.inputs.items()},
        "gradients": ev.input_grads(),
        "nodes": nodes,
    }
    if ev.tangents is not None:
        for i, node in enumerate(nodes):
            node["tangents"] = {name: ev.tangents[name][i] for name in ev.wrt}
        data["mode"] = "forward"
    return data


def error(err: BackpropError) -> dict[str, Any]:
    """``{"error": {...}}`` for any user-facing error."""
    return {"error": err.to_json()}


def dumps(data: dict[str, Any]) -> str:
    """Strict ASCII JSON (no NaN or Infinity), floats as their shortest round-trip repr."""
    return json.dumps(data, allow_nan=False)
