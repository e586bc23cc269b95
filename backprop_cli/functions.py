"""Float implementations of the language's functions that Python's ``math`` module lacks.

The op table's forward functions use them, the generated rule functions (``rules.py``) call them, and
``backprop export --to python`` copies their source into the code it writes, so each is plain Python
on floats with no import but ``math``.
"""

from __future__ import annotations

import math


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), in two branches so that neither exp() can overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def relu(x: float) -> float:
    """max(x, 0)."""
    return x if x > 0 else 0.0


def step(x: float) -> float:
    """The unit step [x > 0]: 1 for x > 0, else 0 (so step(0) = 0, as relu'(0) = 0 in PyTorch)."""
    return 1.0 if x > 0 else 0.0


def sign(x: float) -> float:
    """-1, 0 or 1."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def where(c: float, x: float, y: float) -> float:
    """x where c is not zero, else y (both are computed: where picks a value, it avoids no error)."""
    return x if c != 0 else y


def softplus(x: float) -> float:
    """log(1 + e^x), as max(x, 0) + log1p(e^-|x|): exp() cannot overflow, and far left of zero the
    result keeps its precision (e^x, where log(1 + e^x) would round to 0)."""
    return (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))


def leaky_relu(x: float, slope: float) -> float:
    """x where x > 0, else slope * x."""
    return x if x > 0 else slope * x


def clip(x: float, lo: float, hi: float) -> float:
    """min(max(x, lo), hi); a lower bound above the upper one is an error, not a silent hi."""
    if lo > hi:
        raise ValueError("clip: lo > hi")
    return min(max(x, lo), hi)
