"""The shape model of vectors and matrices, in plain Python (no NumPy): shapes of results, and shape
errors in words, as in ``W @ x: (2×3) @ (4) — W has 3 columns but x has 4 rows``.

A shape is a tuple of dimensions: ``()`` for a scalar, ``(4,)`` for a vector, ``(2, 3)`` for a matrix.
Reasons name an op's inputs as ``{0}``, ``{1}``; the engine fills in their source text.
"""

from __future__ import annotations

from collections.abc import Sequence

Shape = tuple[int, ...]


class ShapeError(Exception):
    """The inputs of an op do not fit; the message names them as ``{0}``, ``{1}``."""


def shape_of(value: object) -> Shape:
    """The shape of a float (``()``) or of an array."""
    shape = getattr(value, "shape", ())
    return tuple(int(n) for n in shape)


def words(shape: Sequence[int]) -> str:
    """``(2×3)``, ``(4)``, ``()``."""
    return "(" + "×".join(map(str, shape)) + ")"


def size(shape: Sequence[int]) -> int:
    """The number of entries."""
    n = 1
    for d in shape:
        n *= d
    return n


def broadcast(*shapes: Shape) -> Shape:
    """NumPy broadcasting: dimensions line up from the right, and each pair agrees or one is 1."""
    ndim = max(map(len, shapes))
    result = []
    for k in range(ndim, 0, -1):
        dims = {s[-k] for s in shapes if len(s) >= k} - {1}
        if len(dims) > 1:
            raise ShapeError(_broadcast_reason(shapes, k))
        result.append(dims.pop() if dims else 1)
    return tuple(result)


def _broadcast_reason(shapes: Sequence[Shape], k: int) -> str:
    a, b = (i for i, s in enumerate(shapes) if len(s) >= k and s[-k] != 1)
    sa, sb = shapes[a], shapes[b]
    if k == 1 and len(sa) == 2 and len(sb) == 1:
        return f"{{{b}}} has {sb[0]} entries but {{{a}}} has {sa[1]} columns (a vector is added to every row)"
    if k == 1 and len(sb) == 2 and len(sa) == 1:
        return f"{{{a}}} has {sa[0]} entries but {{{b}}} has {sb[1]} columns (a vector is added to every row)"
    where = "last dimension" if k == 1 else f"dimension {k} from the right"
    return (
        f"their {where} differs, {sa[-k]} against {sb[-k]} "
        "(shapes broadcast when, from the right, each pair of dimensions agrees or one is 1)"
    )


def _dims(shape: Shape) -> str:
    return {0: "is a scalar", 1: "is a vector"}.get(len(shape), f"has {len(shape)} dimensions {words(shape)}")


def matmul(a: Shape, b: Shape) -> Shape:
    """The matrix product of vectors and matrices, with NumPy's rules for vectors."""
    for k, s in enumerate((a, b)):
        if len(s) == 0:
            return _raise(f"{{{k}}} is a scalar; @ multiplies vectors and matrices (use * to scale)")
        if len(s) > 2:
            return _raise(f"{{{k}}} {_dims(s)}; @ multiplies vectors and matrices")
    inner_a, inner_b = a[-1], b[0]
    if inner_a != inner_b:
        left = f"{{0}} has {inner_a} columns" if len(a) == 2 else f"{{0}} has {inner_a} entries"
        right = f"{{1}} has {inner_b} rows" if len(b) == 2 or len(a) == 2 else f"{{1}} has {inner_b}"
        raise ShapeError(f"{left} but {right}")
    return a[:-1] + b[1:]


def outer(a: Shape, b: Shape) -> Shape:
    """The outer product of two vectors."""
    for k, s in enumerate((a, b)):
        if len(s) != 1:
            raise ShapeError(f"outer takes two vectors, and {{{k}}} {_dims(s)}")
    return (a[0], b[0])


def transpose(a: Shape) -> Shape:
    """Reversed dimensions: (m×n) -> (n×m); a vector or a scalar stays as it is."""
    return a[::-1]


def axis_of(shape: Shape, axis: float) -> int:
    """A validated axis (negative counts from the end), as NumPy accepts it."""
    n = len(shape)
    if n == 0:
        raise ShapeError("{0} is a scalar, which has no axis")
    if not float(axis).is_integer() or not -n <= axis < n:
        allowed = ", ".join(str(k) for k in [*range(n), *range(-1, -n - 1, -1)])
        raise ShapeError(
            f"{{0}} has {n} dimension{'s' if n > 1 else ''}, so the axis is one of {allowed}, not {axis:g}"
        )
    return int(axis) % n


def array(a: Shape, name: str) -> Shape:
    """``a`` when it is a vector or a matrix: max(x) of a scalar is a slip for max(x, y)."""
    if not a:
        raise ShapeError(
            f"{{0}} is a scalar; {name}() of one argument is the largest entry of a vector or a matrix "
            f"(the larger of two numbers is {name}(a, b))"
        )
    return a


def reduce(a: Shape, axis: float | None = None) -> Shape:
    """The shape after summing over every entry (``axis`` None) or over one axis."""
    if axis is None:
        return ()
    k = axis_of(a, axis)
    return a[:k] + a[k + 1 :]


def keep(a: Shape, axis: float | None = None) -> Shape:
    """The shape of a softmax: unchanged, once the axis is checked."""
    if axis is not None:
        axis_of(a, axis)
    return a


def pick(s: Shape, y: Shape) -> Shape:
    """``s[y]``: one entry of a vector, or one entry per row of a matrix (``y`` a vector of indices)."""
    if len(s) == 0:
        raise ShapeError("{0} is a scalar, so there is nothing to pick from")
    if y != s[:-1]:
        if len(s) == 1:
            raise ShapeError(f"the index {{1}} must be one whole number, not {words(y)}")
        raise ShapeError(f"{{0}} has {s[0]} rows, so the index {{1}} must be {s[0]} whole numbers, one per row")
    return y


def reshape(a: Shape, target: Sequence[float]) -> Shape:
    """A new shape with the same number of entries; one dimension may be -1 (inferred)."""
    dims = [int(d) for d in target]
    if any(not float(d).is_integer() or (d < 1 and d != -1) for d in target) or dims.count(-1) > 1:
        raise ShapeError("a shape is whole numbers of at least 1, with at most one -1 (inferred)")
    known = size([d for d in dims if d != -1])
    if -1 in dims:
        if size(a) % known:
            raise ShapeError(f"{{0}} has {size(a)} entries, which {words(dims)} cannot hold")
        dims[dims.index(-1)] = size(a) // known
    if size(dims) != size(a):
        raise ShapeError(f"{{0}} has {size(a)} entries but {words(dims)} holds {size(dims)}")
    return tuple(dims)


def _raise(reason: str) -> Shape:
    raise ShapeError(reason)
