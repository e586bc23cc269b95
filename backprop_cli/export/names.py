"""Names in generated code: the program's own where the target allows them, ``d<name>`` for adjoints.

A name the target cannot use (a keyword, a name its code needs such as ``math``, or one that is not
an identifier there) gets a trailing underscore, or a plain ``v<i>``; names are compared as the
target compares them (Python: NFKC-normalised, so ``𝐦𝐚𝐭𝐡`` is ``math``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from .passes import Passes, adjoint, value


class Namer:
    """Hands out distinct names that a target accepts."""

    def __init__(self, reserved: Collection[str], legal: Callable[[str], bool], key: Callable[[str], str]) -> None:
        self._legal = legal
        self._key = key
        self._taken = {key(name) for name in reserved}

    def take(self, wanted: str, fallback: str) -> str:
        """``wanted`` if free, else ``wanted_``, ``wanted__``...; ``fallback`` (made free the same way)
        when ``wanted`` is no name of the target."""
        base = wanted if self._legal(wanted) or self._legal(wanted + "_") else fallback  # lambda -> lambda_
        name = base
        while self._key(name) in self._taken or not self._legal(name):
            name += "_"
        self._taken.add(self._key(name))
        return name


def code_names(passes: Passes, namer: Namer) -> dict[str, str]:
    """``v<i>`` and ``g<i>`` -> the names of node i's value and adjoint: inputs and named statements
    keep their names, other operations their labels (``t1``), adjoints get a ``d`` in front."""
    graph = passes.graph
    names: dict[str, str] = {}
    for i, op in enumerate(graph.ops):
        if op != "const":
            names[value(i)] = namer.take(graph.labels[i], f"v{i}")
    for step in passes.backward:
        key = adjoint(step.node)
        if key not in names:
            names[key] = namer.take("d" + names[value(step.node)], f"d{step.node}")
    return names
