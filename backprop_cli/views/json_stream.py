"""The evaluation's JSON, written as it is produced: a million nodes never become one string.

The bytes are those of ``json_view.dumps(json_view.evaluation(ev))`` (``tests/test_json_stream.py``
compares them on random programs): the same keys in the same order (``schema_version`` first,
``warnings`` last), floats as their shortest round-trip ``repr``, ASCII only. ``--fields`` keeps only
some of the body's keys; the envelope (``schema_version``, ``warnings``) is always there.
Each node is one f-string rather than a dict handed to an encoder: about 2× faster than building
the dicts, and faster than orjson or msgspec on dicts, whose output also differs (no spaces). What
an f-string does slowly is Python's float ``repr``: on large graphs the numbers of a chunk are
written by one ``orjson.dumps`` of each column (its floats are Python's ``repr`` except below 1e-4,
which are written again by ``repr``), about 1.5× faster for the whole JSON.
"""

from __future__ import annotations

import math

# json.dumps's own string encoder (ASCII, in C), without importing the json package (~1 ms).
from _json import encode_basestring_ascii as string
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any

from ..engine import Evaluation
from ..errors import UsageError
from ..graph import EXPR_MAX
from ..output import warnings_so_far
from .json_view import SCHEMA_VERSION

FIELDS = ("expression", "mode", "value", "shape", "inputs", "gradients", "hessian", "nodes", "steps")
"""The body's keys, in their order (as ``json_view.evaluation`` gives them); ``shape`` only with vectors
and matrices, ``hessian`` only with --hessian, ``steps`` only with --steps."""

CHUNK = 4096
"""Nodes encoded per write."""


def parse_fields(text: str) -> tuple[str, ...]:
    """``"value,gradients"`` -> the fields in their documented order; an unknown one is a usage error."""
    asked = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in asked if name not in FIELDS]
    if unknown or not asked:
        what = f"unknown JSON field {unknown[0]!r}" if unknown else "--fields names no field"
        raise UsageError(f"{what}; the fields are: {', '.join(FIELDS)}")
    return tuple(name for name in FIELDS if name in asked)


class EvaluationJSON:
    """An evaluation's JSON object, to be written piece by piece (see :func:`write`)."""

    def __init__(self, ev: Evaluation, fields: Sequence[str] | None = None, steps: Any = None) -> None:
        self.ev = ev
        self.fields = FIELDS if fields is None else fields
        self.steps = steps
        """The steps view's JSON (``--steps --json``), or None."""

    def parts(self) -> Iterator[str]:
        """The object's text, in pieces of bounded size."""
        ev, g = self.ev, self.ev.graph
        _check_finite(ev)
        small: dict[str, Callable[[], Any]] = {
            "expression": lambda: g.source,
            "mode": lambda: "reverse" if ev.tangents is None else "forward",
            "value": lambda: ev.value,
            "inputs": lambda: {name: ev.values[i] for name, i in g.inputs.items()},
            "gradients": ev.input_grads,
        }
        if ev.hessian is not None:
            small["hessian"] = lambda: ev.hessian
        if self.steps is not None:
            small["steps"] = lambda: self.steps
        yield f'{{"schema_version": {SCHEMA_VERSION}'
        for name in self.fields:
            if name != "nodes" and name not in small:
                continue
            yield f', "{name}": '
            if name == "nodes":
                yield from _nodes(ev)
            else:
                yield _dumps(small[name]())
        # Last, so that warnings given while writing would be in it too.
        yield f', "warnings": {_dumps(warnings_so_far())}}}'


def write(document: EvaluationJSON, out: Callable[[str], object]) -> None:
    """Write the document and a newline with ``out`` (as ``sys.stdout.write``)."""
    for part in document.parts():
        out(part)
    out("\n")


ORJSON_FROM = 20_000
"""Graphs with this many nodes have their numbers written by orjson (importing it costs a few ms)."""


def _nodes(ev: Evaluation) -> Iterator[str]:
    g = ev.graph
    labels, ops, args, spans, source = g.labels, g.ops, g.args, g.spans, g.source
    values, grads, local = ev.values, ev.grads, ev.local
    tangents = None if ev.tangents is None else [(string(n), ev.tangents[n]) for n in ev.wrt]
    numbers, rows = (_orjson_numbers, _orjson_rows) if len(g) >= ORJSON_FROM else (_numbers, _rows)
    op_text = {op: string(op) for op in set(ops)}
    half = (EXPR_MAX - 3) // 2  # graph.source_text, inlined: "start … end"
    yield "["
    for start in range(0, len(g), CHUNK):
        stop = min(start + CHUNK, len(g))
        chunk = zip(
            range(start, stop),
            labels[start:stop],
            ops[start:stop],
            args[start:stop],
            rows(local[start:stop]),
            numbers(values[start:stop]),
            numbers(grads[start:stop]),
            spans[start:stop],
        )
        pieces = [
            f'{{"id": {i}, "label": {string(label)}, "op": {op_text[op]}, "expr": '
            f"{string(source[b:e] if e - b <= EXPR_MAX else f'{source[b : b + half]} … {source[e - half : e]}')}, "
            f'"inputs": {list(inputs)}, "local": [{row}], "value": {value}, "grad": {grad}, "span": [{b}, {e}]'
            for i, label, op, inputs, row, value, grad, (b, e) in chunk
        ]
        if tangents is not None:
            for k, i in enumerate(range(start, stop)):
                pieces[k] += ', "tangents": {' + ", ".join(f"{n}: {t[i]!r}" for n, t in tangents) + "}"
        yield (", " if start else "") + "}, ".join(pieces) + "}"
    yield "]"


def _numbers(numbers: Sequence[float | None]) -> list[str]:
    return "\n".join(map(repr, numbers)).replace("None", "null").split("\n")


def _rows(rows: Sequence[tuple[float | None, ...]]) -> list[str]:
    return [", ".join(map(repr, row)).replace("None", "null") for row in rows]


def _orjson_numbers(numbers: Sequence[float | None]) -> list[str]:
    """As :func:`_numbers`, by orjson: its floats are Python's ``repr`` but below 1e-4, where it
    writes ``0.00001`` or ``1e-7`` (Python: ``1e-05``, ``1e-07``); those are written again by ``repr``."""
    import orjson

    raw = orjson.dumps(numbers)
    texts = raw[1:-1].decode().split(",")
    return _python_small(texts) if b"e-" in raw or b"0.0000" in raw else texts


def _orjson_rows(rows: Sequence[tuple[float | None, ...]]) -> list[str]:
    """As :func:`_rows`, by orjson (see :func:`_orjson_numbers`)."""
    import orjson

    raw = orjson.dumps(rows)
    texts = raw[2:-2].decode().replace(",", ", ").split("], [")
    if b"e-" in raw or b"0.0000" in raw:
        return [", ".join(_python_small(text.split(", "))) for text in texts]
    return texts


def _python_small(texts: list[str]) -> list[str]:
    return [t if "e-" not in t and "0.0000" not in t else repr(float(t)) for t in texts]


def _dumps(value: Any) -> str:
    """``json.dumps(value, allow_nan=False)``: written here for the body's small values (a string, a
    finite float, names to finite floats, a list of strings), by ``json`` for anything else."""
    kind = type(value)
    if kind is str:
        return string(value)
    if kind is float and math.isfinite(value):
        return repr(value)
    if kind is dict and all(type(k) is str and type(v) is float and math.isfinite(v) for k, v in value.items()):
        return "{" + ", ".join(f"{string(k)}: {v!r}" for k, v in value.items()) + "}"
    if kind is list and all(type(item) is str for item in value):
        return "[" + ", ".join(map(string, value)) + "]"
    import json

    return json.dumps(value, allow_nan=False)


def _check_finite(ev: Evaluation) -> None:
    """The engine never gives a NaN or an infinity; if it ever did, fail as ``json.dumps`` would."""
    numbers = chain(
        ev.values,
        (g for g in ev.grads if g is not None),
        (d for row in ev.local for d in row if d is not None),
        *(ev.tangents.values() if ev.tangents is not None else ()),
        *(row.values() for row in (ev.hessian or {}).values()),
    )
    if not all(map(math.isfinite, numbers)):
        raise ValueError("Out of range float values are not JSON compliant")
