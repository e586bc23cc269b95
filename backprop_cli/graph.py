"""The computational graph: nodes in evaluation order, each after its inputs, the output last.

A graph is plain data (lists indexed by node id), so that it can be cached and so that every pass
over it is a loop, never a recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .ops import OPS

EXPR_MAX = 80
"""Longer source texts are shortened in the middle with an ellipsis."""

Const = float | tuple[Any, ...]
"""A literal's value: a float, or an array literal as nested tuples of floats (no NumPy at parse time)."""

OUTPUT_LABEL = "f"
"""The output's label when the program does not name it."""


PER_NODE = {"default": None}
"""Field metadata of a per-node list of :class:`Graph`; ``default`` fills it for the nodes a
builder did not set (another column gives its own, as in ``metadata={"default": ()}``)."""


@dataclass(slots=True)
class Graph:
    """Nodes as parallel lists (the ``PER_NODE`` fields); node ``i`` only reads nodes ``< i``.

    The columns are declared here and nowhere else: the parser, the cache and :func:`finish`
    handle every column alike, so a new per-node field is one line below.
    """

    source: str
    ops: list[str] = field(default_factory=list, metadata=PER_NODE)
    args: list[tuple[int, ...]] = field(default_factory=list, metadata=PER_NODE)
    """The input nodes' ids."""
    names: list[str | None] = field(default_factory=list, metadata=PER_NODE)
    """A variable's or a named intermediate's name; None for other nodes."""
    consts: list[Const | None] = field(default_factory=list, metadata=PER_NODE)
    """The value of a constant leaf; None for other nodes."""
    spans: list[tuple[int, int]] = field(default_factory=list, metadata=PER_NODE)
    """Start and end offsets of each node's source text."""
    labels: list[str] = field(default_factory=list, metadata=PER_NODE)
    """Unique labels: names where given, generated (t1, c1, f) elsewhere (set by :func:`finish`)."""
    warnings: list[str] = field(default_factory=list)
    needs_grad: list[bool] = field(init=False)
    """True where the node depends on an input (constants have no gradient)."""
    inputs: dict[str, int] = field(init=False)
    """Input name -> node id, in order of first use."""

    def __post_init__(self) -> None:
        for name, default in COLUMNS.items():
            values = getattr(self, name)
            if len(values) < len(self.ops):
                values.extend([default] * (len(self.ops) - len(values)))
        needs: list[bool] = []
        inputs: dict[str, int] = {}
        append, needed = needs.append, needs.__getitem__
        for i, (op, args) in enumerate(zip(self.ops, self.args)):
            if op == "var":
                inputs[self.names[i] or ""] = i
                append(True)
            else:
                append(any(map(needed, args)))
        self.needs_grad = needs
        self.inputs = inputs

    def __len__(self) -> int:
        return len(self.ops)

    @property
    def output(self) -> int:
        """The output node's id (always the last)."""
        return len(self.ops) - 1

    def users(self) -> list[list[tuple[int, int]]]:
        """``users()[j]``: every use of node j as an input, as (user node, which of its inputs), in order."""
        users: list[list[tuple[int, int]]] = [[] for _ in range(len(self.ops))]
        for i, args in enumerate(self.args):
            for k, j in enumerate(args):
                users[j].append((i, k))
        return users

    def expr(self, i: int, ellipsis: str = "…") -> str:
        """The source text of node ``i``, shortened if long (see :func:`source_text`)."""
        return source_text(self.source, self.spans[i], ellipsis=ellipsis)

    def columns(self) -> dict[str, list[Any]]:
        """Every per-node list by field name."""
        return {name: getattr(self, name) for name in COLUMNS}

    def to_data(self) -> tuple[object, ...]:
        """A tuple of builtins, for the cache (see :func:`from_data`)."""
        return (self.source, self.warnings, self.columns())

    @classmethod
    def from_data(cls, data: tuple[Any, ...]) -> Graph:
        """Rebuild a graph from :meth:`to_data`."""
        source, warnings, columns = data
        return cls(source, warnings=warnings, **columns)


COLUMNS: dict[str, object] = {f.name: f.metadata["default"] for f in fields(Graph) if "default" in f.metadata}
"""The per-node fields and their defaults."""


def new_columns() -> dict[str, list[Any]]:
    """Empty per-node lists for a builder to fill (it may leave some to their defaults)."""
    return {name: [] for name in COLUMNS}


def finish(
    source: str,
    columns: dict[str, list[Any]],
    statements: list[tuple[str | None, int, tuple[int, int]]],
) -> Graph:
    """Keep the nodes the output (the last statement's node) depends on, renumbered in order,
    and label them.

    ``statements`` lists each statement's (assigned name or None, root node, span), so that
    statements the output does not use can be reported.
    """
    args = columns["args"]
    output = statements[-1][1]
    live = [False] * len(args)
    live[output] = True
    for i in range(output, -1, -1):
        if live[i]:
            for j in args[i]:
                live[j] = True

    warnings = []
    for name, node, _ in statements[:-1]:
        if not live[node]:
            what = f"'{name}' is assigned but" if name else "a statement is"
            warnings.append(f"{what} not used by the output (the last statement)")

    taken = {n for n in columns["names"] if n}
    if not all(live):  # the common case has nothing to drop or renumber
        keep = [i for i in range(output + 1) if live[i]]
        new_id = {old: new for new, old in enumerate(keep)}
        columns = {name: [values[i] for i in keep] if values else values for name, values in columns.items()}
        columns["args"] = [tuple(new_id[j] for j in a) for a in columns["args"]]
    columns["labels"] = _labels(columns["names"], columns["ops"], taken)
    return Graph(source, warnings=warnings, **columns)


def _labels(names: list[str | None], ops: list[str], taken: set[str]) -> list[str]:
    """Names where given; otherwise ``t1, t2, ...`` for operations and ``c1, ...`` for constants.

    The output is ``f`` unless the program names it or uses ``f`` for something else.
    """
    counters = {"t": 0, "c": 0}
    leaf = {name for name, op in OPS.items() if op.arity == 0}

    def fresh(prefix: str) -> str:
        while True:
            counters[prefix] += 1
            label = f"{prefix}{counters[prefix]}"
            if label not in taken:
                return label

    out_label = None
    if names and names[-1] is None:
        out_label = OUTPUT_LABEL
        while out_label in taken:
            out_label = "out" if out_label == OUTPUT_LABEL else out_label + "_"
        taken.add(out_label)

    labels = [fresh("c" if op in leaf else "t") if name is None else name for name, op in zip(names, ops)]
    if out_label is not None:
        labels[-1] = out_label
    return labels


def source_text(source: str, span: tuple[int, int], limit: int = EXPR_MAX, ellipsis: str = "…") -> str:
    """``source[start:end]``, its middle replaced by `` … `` (the ``ellipsis``) when longer than ``limit``.

    Slices only what it shows: a long sum has as many long spans as terms.
    """
    start, end = span
    if end - start <= limit:
        return source[start:end]
    half = (limit - 2 - len(ellipsis)) // 2
    return f"{source[start : start + half]} {ellipsis} {source[end - half : end]}"
