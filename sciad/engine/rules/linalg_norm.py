"""numpy.linalg.norm (and the array-API vector_norm, matrix_norm), every ``ord``, ``axis`` and
``keepdims``.

Conventions at the kinks
------------------------
- The 2-norm (and Frobenius norm, and any p-norm with p > 1) of a zero vector has gradient 0:
  0 is a subgradient there, and it is what JAX and PyTorch return.
- ``ord=1`` uses sign(x), with 0 at x = 0 (a subgradient).
- ``ord=inf``/``-inf`` (and the matrix norms 1, -1, inf, -inf, which are max/min of column or row
  sums) split the cotangent evenly among tied entries, like ``np.max``.
- ``ord=2``/``-2`` for matrices use the largest/smallest singular pair; ``'nuc'`` uses U V^T.
  These are not differentiable where the singular value is repeated (then one valid choice).
- ``ord=0`` counts nonzeros: derivative 0.
"""

import numpy as np

from ..registry import FUNCTION_RULES, defvjp, dtype_of, shape_of

__all__: list = []


def _unit(x):
    """x / |x| elementwise, 0 where x = 0 (sign(x) for real x)."""
    magnitude = np.abs(x)
    return x / np.where(magnitude == 0, 1.0, magnitude)


def _safe(denominator):
    return np.where(denominator == 0, 1.0, denominator)


def _tied_share(values, extreme, axis):
    """1/k at the k entries of ``values`` equal to ``extreme`` along ``axis``, 0 elsewhere."""
    ties = (values == extreme).astype(dtype_of(values) if dtype_of(values).kind == "f" else float)
    return ties / np.sum(ties, axis=axis, keepdims=True)


def _vector_cotangent(g, ans, x, ord, axis):
    """Cotangent of a vector norm over ``axis``; g and ans are broadcast along it already."""
    if ord is None or ord == 2:
        return x * (g / _safe(ans))  # the small factor first: one pass over x
    if ord == 0:
        return np.zeros(shape_of(x), np.result_type(dtype_of(x), np.float32))
    if ord == 1:
        return g * _unit(x)
    if ord == np.inf or ord == -np.inf:
        return g * _unit(x) * _tied_share(np.abs(x), ans, axis)
    magnitude = np.abs(x)
    return g * _unit(x) * (magnitude / _safe(ans)) ** (ord - 1)


def _matrix_cotangent(g, ans, x, ord):
    """Cotangent of a matrix norm over the last two axes; g and ans have two trailing 1s."""
    if ord is None or ord == "fro":
        return x * (g / _safe(ans))  # the small factor first: one pass over x
    if ord in ("nuc", 2, -2):
        u, _, vh = np.linalg.svd(x, full_matrices=False)
        if ord == "nuc":
            return g * (u @ vh)
        if ord == 2:  # the largest singular pair
            return g * (u[..., :, :1] @ vh[..., :1, :])
        return g * (u[..., :, -1:] @ vh[..., -1:, :])
    if ord in (1, -1):   # max/min over columns of the column sums of |x|
        sums = np.sum(np.abs(x), axis=-2, keepdims=True)
        return g * _unit(x) * _tied_share(sums, ans, -1)
    if ord in (np.inf, -np.inf):   # max/min over rows of the row sums of |x|
        sums = np.sum(np.abs(x), axis=-1, keepdims=True)
        return g * _unit(x) * _tied_share(sums, ans, -2)
    raise ValueError(f"invalid norm order {ord!r} for matrices")


def _norm_vjp(g, ans, x, ord=None, axis=None, keepdims=False):
    ndim = len(shape_of(x))
    if axis is None:
        if ord is None:  # the 2-norm of x.ravel(), whatever x's shape
            return x * (g / _safe(ans))  # the small factor first: one pass over x
        axis = tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    axes = tuple(a % ndim for a in axes)
    if not keepdims:
        for a in sorted(axes):
            g, ans = np.expand_dims(g, a), np.expand_dims(ans, a)
    if len(axes) == 1:
        return _vector_cotangent(g, ans, x, ord, axes[0])
    # matrix norms: move the two axes to the end, where the matrix rules work
    moved = [np.moveaxis(t, axes, (-2, -1)) for t in (g, ans, x)]
    return np.moveaxis(_matrix_cotangent(*moved, ord), (-2, -1), axes)


def _norm(x, ord=None, axis=None, keepdims=False):
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


defvjp(np.linalg.norm, _norm_vjp, fn=_norm)


def _vector_norm(args, kwargs):
    x = args[0]
    axis, keepdims, ord = kwargs.get("axis"), kwargs.get("keepdims", False), kwargs.get("ord", 2)
    ndim = len(shape_of(x))
    if axis is not None and not isinstance(axis, (tuple, list)):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    axes = tuple(range(ndim)) if axis is None else tuple(a % ndim for a in axis)
    # several axes: move them to the end and merge them into one
    kept = [a for a in range(ndim) if a not in axes]
    moved = np.moveaxis(x, axes, tuple(range(ndim - len(axes), ndim)))
    merged = np.reshape(moved, tuple(shape_of(x)[a] for a in kept) + (-1,))
    result = np.linalg.norm(merged, ord=ord, axis=-1)
    if keepdims:
        result = np.reshape(result, tuple(1 if a in axes else n for a, n in enumerate(shape_of(x))))
    return result


def _matrix_norm(args, kwargs):
    return np.linalg.norm(args[0], ord=kwargs.get("ord", "fro"), axis=(-2, -1),
                          keepdims=kwargs.get("keepdims", False))


FUNCTION_RULES[np.linalg.vector_norm] = _vector_norm
FUNCTION_RULES[np.linalg.matrix_norm] = _matrix_norm
