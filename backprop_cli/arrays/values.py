"""Array values from the command line: JSON (``-W '[[1, 2], [3, 4]]'``) or a file (``-W @w.json``,
``-W @w.npy``). NumPy is imported here, so only when such a value is given.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import FileError, InputError
from ..shapes import words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Array = NDArray[np.float64]


def parse_value(name: str, text: str) -> float | Array:
    """``[[1, 2], [3, 4]]`` or ``@file`` into a float64 array (a float if the file holds one number)."""
    text = text.strip()
    if text.startswith("@"):
        return _from_file(name, text[1:])
    return _from_json(name, text, "")


def _from_json(name: str, text: str, where: str) -> float | Array:
    def no_constant(word: str) -> float:
        raise ValueError(f"{word} is not a number JSON allows")

    try:
        data = json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"the value of {name}{where} is not valid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:
        raise InputError(f"the value of {name}{where} is not valid: {exc}") from None
    return from_nested(name, data, where)


def from_nested(name: str, data: Any, where: str = "") -> float | Array:
    """Nested lists of numbers into an array, with an error that says where it is not rectangular."""
    shape = _shape_of(name, data, where)
    if not shape:
        return float(data)
    array = np.array(data, dtype=np.float64)
    if not np.isfinite(array).all():
        raise InputError(f"the value of {name}{where} has a number too large for a float64")
    return array


def _shape_of(name: str, data: Any, where: str) -> tuple[int, ...]:
    """The shape of nested lists, checking level by level (no recursion) that every row agrees."""
    shape: list[int] = []
    level = [data]
    while True:
        lists = [isinstance(x, list) for x in level]
        if not any(lists):
            break
        if not all(lists):
            raise InputError(f"the value of {name}{where} mixes numbers and lists at depth {len(shape) + 1}")
        lengths = {len(x) for x in level}
        if 0 in lengths:
            raise InputError(f"the value of {name}{where} has an empty list; arrays need at least one number")
        if len(lengths) > 1:
            first = len(level[0])
            bad = next(i for i, x in enumerate(level) if len(x) != first)
            raise InputError(
                f"the value of {name}{where} is not rectangular: at depth {len(shape) + 1}, "
                f"list {bad + 1} has {len(level[bad])} items but list 1 has {first}"
            )
        shape.append(lengths.pop())
        level = [x for row in level for x in row]
    for x in level:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise InputError(f"the value of {name}{where} holds {json.dumps(x)}, which is not a number")
        if not math.isfinite(float(x)):
            raise InputError(f"the value of {name}{where} has a number too large for a float64")
    return tuple(shape)


def _from_file(name: str, path: str) -> float | Array:
    where = f" (from {path})"
    if not path:
        raise InputError(f"-{name} @: give a file after the @, as in -{name} @{name}.json")
    try:
        if path.endswith(".npy"):
            loaded = np.load(path, allow_pickle=False)
        else:
            with open(path, encoding="utf-8") as f:
                return _from_json(name, f.read(), where)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FileError(f"cannot read {path} (the value of {name}): {reason}") from None
    except ValueError as exc:
        raise InputError(f"{path} (the value of {name}) is not a NumPy .npy array of numbers: {exc}") from None
    if loaded.dtype.kind not in "biuf":
        raise InputError(f"{path} (the value of {name}) holds {loaded.dtype} values, not real numbers")
    array = loaded.astype(np.float64)
    if array.size == 0:
        raise InputError(f"{path} (the value of {name}) is an empty array of shape {words(array.shape)}")
    if not np.isfinite(array).all():
        raise InputError(f"{path} (the value of {name}) has values that are not finite numbers")
    return float(array) if array.ndim == 0 else array
