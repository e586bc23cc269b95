"""The op table's forward functions, local derivatives and error words, as JavaScript for the page."""

from __future__ import annotations

import os

from ..graph import Graph


def ops_js(graph: Graph) -> str:
    """``const OPS = {...}`` for the ops the graph uses."""
    with open(os.environ["BACKPROP_DEV_OPS"], encoding="utf-8") as f:  # placeholder until the JS printer lands
        return f.read()
