"""NumPy functions for the op table's ``numpy`` names that NumPy itself does not have: the forward of
the array ops and of a few elementwise ops, and the helpers their gradient rules are written with.

Every function takes arrays (0-d for scalars) and returns one; an optional last ``axis`` is a 0-d
array or None. A :class:`KernelError` names the op's inputs as ``{0}``, ``{1}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Array = NDArray[np.float64]


class KernelError(Exception):
    """Values an op cannot take (an index out of range); ``{0}``, ``{1}`` name its inputs."""


def _axis(axis: Array | None) -> int | None:
    return None if axis is None else int(axis)


# Elementwise ------------------------------------------------------------------------------------


def sigmoid(a: Array) -> Array:
    # exp of minus the absolute value never overflows; the two branches of the scalar op at once.
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def step(a: Array) -> Array:
    """1 where a > 0, else 0 (step(0) = 0), as the scalar function."""
    return np.asarray(a > 0, dtype=np.float64)


def relu(a: Array) -> Array:
    return np.maximum(a, 0.0)


def softplus(a: Array) -> Array:
    """max(a, 0) + log1p(exp(-|a|)), as the scalar function computes it."""
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def leaky_relu(a: Array, slope: Array) -> Array:
    return np.where(a > 0, a, slope * a)


def clip(a: Array, lo: Array, hi: Array) -> Array:
    """min(max(a, lo), hi); NaN where lo > hi, which the engine reports as the op's failure."""
    return np.where(lo > hi, np.nan, np.minimum(np.maximum(a, lo), hi))


# Array ops --------------------------------------------------------------------------------------


def matmul(a: Array, b: Array) -> Array:
    return np.asarray(np.matmul(a, b), dtype=np.float64)


def transpose(a: Array) -> Array:
    return np.transpose(a)


def outer(a: Array, b: Array) -> Array:
    return np.outer(a, b)


def sum(a: Array, axis: Array | None = None) -> Array:
    return np.asarray(np.sum(a, axis=_axis(axis)))


def mean(a: Array, axis: Array | None = None) -> Array:
    return np.asarray(np.mean(a, axis=_axis(axis)))


def amax(a: Array, axis: Array | None = None) -> Array:
    return np.asarray(np.max(a, axis=_axis(axis)))


def logsumexp(a: Array, axis: Array | None = None) -> Array:
    # Shifted by the maximum, so that exp() cannot overflow.
    k = _axis(axis)
    top = np.max(a, axis=k, keepdims=True)
    return np.asarray(np.squeeze(top, axis=k) + np.log(np.sum(np.exp(a - top), axis=k)))


def softmax(a: Array, axis: Array | None = None) -> Array:
    k = _axis(axis)
    z = np.exp(a - np.max(a, axis=k, keepdims=True))
    return np.asarray(z / np.sum(z, axis=k, keepdims=True))


def _indices(a: Array, y: Array) -> NDArray[np.intp]:
    whole = np.equal(np.floor(y), y)
    if not whole.all():
        raise KernelError(f"the index {{1}} must be a whole number, not {y[~whole].flat[0]:g}")
    n = a.shape[-1]
    inside = (y >= 0) & (y < n)
    if not inside.all():
        raise KernelError(
            f"the index {{1}} = {y[~inside].flat[0]:g} is out of range: {{0}} has {n} entries (0 to {n - 1})"
        )
    return y.astype(np.intp)


def pick(a: Array, y: Array) -> Array:
    """``a[y]`` for a vector; one entry per row of a matrix, ``a[i, y[i]]``."""
    index = _indices(a, y)
    return np.asarray(np.take_along_axis(a, index[..., None], axis=-1)[..., 0])


def reshape(a: Array, shape: Array) -> Array:
    return np.reshape(a, [int(d) for d in shape])


# Helpers of the gradient rules ------------------------------------------------------------------


def expand(g: Array, a: Array, axis: Array | None = None) -> Array:
    """Undo a reduction: ``g`` copied back over the entries (or the axis) of ``a`` it summarised."""
    k = _axis(axis)
    if k is not None:
        g = np.expand_dims(g, k % a.ndim)
    return np.broadcast_to(g, a.shape)


def count(a: Array, axis: Array | None = None) -> Array:
    """How many entries a reduction of ``a`` summarises: all of them, or the length of the axis."""
    k = _axis(axis)
    return np.asarray(float(a.size if k is None else a.shape[k]))


def winners(a: Array, out: Array, axis: Array | None = None) -> Array:
    """1 where ``a`` holds its maximum ``out``, shared evenly at a tie (as max(x, y) shares half)."""
    top = np.equal(a, expand(out, a, axis)).astype(np.float64)
    return top / expand(sum(top, axis), a, axis)


def scatter(g: Array, a: Array, y: Array) -> Array:
    """The gradient of ``a[y]``: ``g`` at the picked entries, zero elsewhere."""
    result = np.zeros_like(a)
    np.put_along_axis(result, y.astype(np.intp)[..., None], np.asarray(g)[..., None], axis=-1)
    return result


def reshape_as(g: Array, a: Array) -> Array:
    """``g`` in the shape of ``a``."""
    return np.reshape(g, a.shape)


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient back to an input's shape after broadcasting (autograd's ``unbroadcast``):
    over the leading dimensions the input lacked, and over those where it had 1."""
    while g.ndim > len(shape):
        g = np.sum(g, axis=0)
    for k, n in enumerate(shape):
        if n == 1 and g.shape[k] != 1:
            g = np.sum(g, axis=k, keepdims=True)
    return g
