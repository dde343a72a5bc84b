"""Reductions: sum, mean and friends. ``axis`` may be None, an int, negative, or a tuple."""

import numpy as np

from ..registry import defvjp, shape_of


def normalize_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else 0 for a in axis))


def restore_reduced(g, shape, axis, keepdims=False):
    """Broadcast the cotangent of a reduction back to the input's ``shape``."""
    if not keepdims:
        axes = normalize_axis(axis, len(shape))
        g = np.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return np.broadcast_to(g, shape)


def _sum_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, **_):
    return restore_reduced(g, shape_of(x), axis, keepdims)


def _mean_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, **_):
    shape = shape_of(x)
    count = int(np.prod([shape[a] for a in normalize_axis(axis, len(shape))]))
    return restore_reduced(g, shape, axis, keepdims) / count


defvjp(np.sum, _sum_vjp)
defvjp(np.mean, _mean_vjp)
