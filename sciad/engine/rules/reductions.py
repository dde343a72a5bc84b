"""Reductions: sum, mean, prod, max/min, var/std, ptp, average, nansum/nanmean, trapezoid.

Every rule takes ``axis`` as None, an int (negative too) or a tuple, and ``keepdims``; the
cotangent is broadcast back over the reduced axes by :func:`restore_reduced`.

Conventions where the function has a kink:

* ``max``, ``min``, ``amax``, ``amin`` (and ``ptp``) split the cotangent **evenly among tied
  entries**: the gradient of ``np.max([1, 3, 3])`` is ``[0, 0.5, 0.5]``. This is the average of
  the one-sided derivatives, it keeps ``max(x) == max(x, x)``-style identities consistent with
  ``np.maximum`` (which also splits ties), and it matches JAX. When ``initial`` wins, no entry
  receives anything.
* ``std`` has derivative 0 where the standard deviation is 0 (like ``abs`` at 0), not NaN.
* ``prod`` is exact with zeros in the input (one or several): the derivative with respect to an
  entry is the product of the others, computed without dividing by any entry of a group (the
  entries reduced together) that holds a zero; a group without zeros divides the product by the
  entry, as a zero-free array does.

The cumulative reductions (cumsum, cumprod) and logsumexp live in :mod:`.cumulative`.
"""

import math

import numpy as np

from ..control import stop_gradient
from ..graph import filled
from ..registry import FILLED_MIN, FUNCTION_RULES, composite, defvjp, dtype_of, shape_of, unbroadcast
from ..tensor import Tensor

_BEFORE = set(FUNCTION_RULES)


def normalize_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else 0 for a in axis))


def restore_reduced(g, shape, axis, keepdims=False):
    """Broadcast the cotangent of a reduction back to the input's ``shape``."""
    if axis is None and type(g) is not Tensor:
        # a full reduction of plain values (every grad of a sum)
        if type(g) is np.ndarray and g.ndim == 0 and math.prod(shape) >= FILLED_MIN:
            # no pass over memory; the transforms copy it if it reaches the caller
            return filled(g[()], shape, g.dtype)
        full = np.empty(shape, dtype_of(g))  # small: cheaper than a zero-stride view
        full[...] = g
        return full
    return np.broadcast_to(_kept_shape(g, shape, axis, keepdims), shape)


def _kept_shape(g, shape, axis, keepdims):
    """A reduction's cotangent with the reduced axes kept as length 1: it broadcasts against
    the input in the product that uses it (cheaper than a broadcast_to view of it)."""
    if keepdims:
        return g
    axes = normalize_axis(axis, len(shape))
    return np.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _reduced_count(shape, axis) -> int:
    return int(np.prod([shape[a] for a in normalize_axis(axis, len(shape))]))


def _like(cot, x):
    """The cotangent with x's shape and precision (a ``dtype=`` argument may have widened it)."""
    return unbroadcast(cot, shape_of(x), dtype_of(x))


def _refuse_where(name, where):
    if where is not None:
        raise NotImplementedError(
            f"sciad has no derivative rule for numpy.{name}(..., where=mask); mask the input "
            f"first instead, e.g. np.{name}(np.where(mask, x, neutral_value))")


def _sum_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
             where=None):
    if (axis is None and where is None and type(g) is np.ndarray and type(x) is np.ndarray
            and g.dtype is x.dtype):
        return restore_reduced(g, x.shape, None)  # every grad of a sum: nothing to sum or cast
    cot = restore_reduced(g, shape_of(x), axis, keepdims)
    if where is not None:  # entries left out of the sum get nothing
        cot = np.where(where, cot, np.zeros((), dtype_of(cot)))
    return _like(cot, x)


def _mean_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    shape = shape_of(x)
    if where is None:  # divide before broadcasting: the reduced cotangent is the smaller array
        return _like(restore_reduced(g / _reduced_count(shape, axis), shape, axis, keepdims), x)
    cot = restore_reduced(g, shape, axis, keepdims)
    mask = np.broadcast_to(where, shape)
    count = np.sum(mask, axis=normalize_axis(axis, len(shape)), keepdims=True)
    return _like(np.where(mask, cot / np.maximum(count, 1), np.zeros((), dtype_of(cot))), x)


def _product_of_others(x, axes):
    """For every entry, the product of the other entries in its reduced group, without division
    (exact when the group holds zeros): exclusive cumulative products from the left and right."""
    shape = shape_of(x)
    moved_to = tuple(range(len(shape) - len(axes), len(shape)))
    moved = np.moveaxis(x, axes, moved_to)
    moved_shape = shape_of(moved)
    flat = np.reshape(moved, moved_shape[:len(shape) - len(axes)] + (-1,))
    ones = np.ones(shape_of(flat)[:-1] + (1,), dtype_of(x))
    left = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
    right = np.flip(np.concatenate(
        [ones, np.cumprod(np.flip(flat, -1)[..., :-1], axis=-1)], axis=-1), -1)
    return np.moveaxis(np.reshape(left * right, moved_shape), moved_to, axes)


def _prod_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None,
              where=None):
    _refuse_where("prod", where)
    if dtype_of(x).kind == "c":  # holomorphic: the cotangent is conj(J^T conj(g)), not J^T g
        return np.conj(_prod_transposed(np.conj(g), ans, x, axis, keepdims, initial))
    return _prod_transposed(g, ans, x, axis, keepdims, initial)


def _prod_transposed(g, ans, x, axis, keepdims, initial):
    """J^T g for the Jacobian J of prod (the cotangent for real x)."""
    shape = shape_of(x)
    g = _kept_shape(g, shape, axis, keepdims)  # products on the reduced array, then broadcast
    zero = stop_gradient(x) == 0
    if not np.any(zero):
        return _like(g * _kept_shape(ans, shape, axis, keepdims) / x, x)
    axes = normalize_axis(axis, len(shape))
    if type(x) is Tensor:  # higher order: exclusive products, exact to any order
        others = _product_of_others(x, axes)
        return _like(g * (others if initial is None else others * initial), x)
    # Plain values (first order): a group without zeros divides as a zero-free array does; in a
    # group with one zero only that entry gets the product of the others (its non-zero ones),
    # with two or more none does. Two cumulative products of every group cost 3x this.
    zeros = np.count_nonzero(zero, axis=axes, keepdims=True)
    nonzero = x + zero  # 1 at the zeros, exactly
    weighted = g * np.prod(nonzero, axis=axes, keepdims=True)
    if initial is not None:
        weighted = weighted * initial
    # masks as factors, not np.where: broadcasting selections cost twice these products
    return _like((weighted * (zeros == 0)) / nonzero + (zero & (zeros == 1)) * weighted, x)


def _extremum_vjp(name):
    def vjp(g, ans, x, axis=None, out=None, keepdims=False, initial=None, where=None):
        _refuse_where(name, where)
        shape = shape_of(x)
        axes = normalize_axis(axis, len(shape))
        kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
        best = np.reshape(stop_gradient(ans), kept)  # broadcasting beats a broadcast_to view
        value = stop_gradient(x)
        hit = value == best
        if np.any(np.isnan(best)):  # NaN propagates as the max: it takes the cotangent
            hit |= np.isnan(value) & np.isnan(best)
        g = np.reshape(g, kept)
        if np.count_nonzero(hit) != np.size(best):  # ties (or an initial value that won)
            g = g / np.maximum(np.sum(hit, axis=axes, keepdims=True), 1)
        # the reduced cotangent times the boolean hits: one array of x's size, where a float
        # share of the hits times g made two
        return _like(g * hit, x)
    return vjp


def _times_var_derivative(per_var, x, axis, keepdims, ddof, correction):
    """The cotangent ``per_var`` of var (reduced shape) times d var / dx = 2 (x - mean) /
    (N - ddof); also right for complex x in sciad's convention. The constant and the cotangent
    meet on the reduced array, which then broadcasts against the centered x: one product of x's
    size instead of three."""
    if correction is not None:
        ddof = correction
    shape = shape_of(x)
    scaled = _kept_shape(per_var * (2.0 / (_reduced_count(shape, axis) - ddof)), shape, axis,
                         keepdims)
    centered = x - np.mean(x, axis=axis, keepdims=True)
    if (type(centered) is np.ndarray and type(scaled) is np.ndarray
            and np.result_type(centered, scaled) == centered.dtype):
        centered *= scaled  # plain values: the fresh difference is the result's memory
        return _like(centered, x)
    return _like(scaled * centered, x)


def _var_vjp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
             mean=None, correction=None):
    _refuse_where("var", where)
    return _times_var_derivative(g, x, axis, keepdims, ddof, correction)


def _std_vjp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
             mean=None, correction=None):
    _refuse_where("std", where)
    positive = stop_gradient(ans) > 0  # zero spread: derivative 0 by convention
    per_var = np.where(positive, g / (2.0 * np.where(positive, ans, 1.0)), 0.0)
    return _times_var_derivative(per_var, x, axis, keepdims, ddof, correction)


def _sum_value(x, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    # np.sum's Python wrapper costs more than the sum of a small array; for a plain array
    # without extra keywords it ends in exactly this call
    if type(x) is np.ndarray and out is None and not kwargs:
        return np.add.reduce(x, axis, dtype, None, keepdims)
    return np.sum(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)


# their rules look at the input's shape and dtype only, never at its values or the result's
defvjp(np.sum, _sum_vjp, fn=_sum_value).reads = ((False,), (frozenset(),))
defvjp(np.mean, _mean_vjp).reads = ((False,), (frozenset(),))
defvjp(np.prod, _prod_vjp)
defvjp(np.max, _extremum_vjp("max"))
defvjp(np.min, _extremum_vjp("min"))
defvjp(np.amax, _extremum_vjp("amax"))
defvjp(np.amin, _extremum_vjp("amin"))
defvjp(np.var, _var_vjp)
defvjp(np.std, _std_vjp)


# --- composites: built from the rules above, so they differentiate to any order --------------
def _ptp(a, axis=None, out=None, keepdims=False):
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


def _nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _refuse_where("nansum", where)
    return np.sum(np.where(np.isnan(a), 0.0, a), axis=axis, keepdims=keepdims)


def _nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    _refuse_where("nanmean", where)
    present = ~np.isnan(stop_gradient(a))
    count = np.sum(present, axis=axis, keepdims=keepdims)
    return np.sum(np.where(present, a, 0.0), axis=axis, keepdims=keepdims) / count


def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """np.average, differentiable in ``a`` and in ``weights``."""
    if returned:
        raise NotImplementedError(
            "sciad: np.average(..., returned=True) is not supported on traced values; call "
            "np.average(a, axis, weights) and compute the sum of weights with np.sum yourself")
    if weights is None:
        return np.mean(a, axis=axis, keepdims=keepdims)
    a_shape, w_shape = shape_of(a), shape_of(weights)
    if w_shape != a_shape:
        if axis is None:
            raise TypeError("np.average: axis must be given when a and weights differ in shape")
        if len(w_shape) != 1 or not isinstance(axis, (int, np.integer)):
            raise TypeError("np.average: weights must be 1-D along one int axis when its shape "
                            f"{w_shape} differs from a's {a_shape}")
        if w_shape[0] != a_shape[axis]:
            raise ValueError("np.average: length of weights differs from a along axis")
        along = [1] * len(a_shape)
        along[axis] = w_shape[0]
        weights = np.reshape(weights, tuple(along))
    total = np.sum(np.broadcast_to(weights, a_shape), axis=axis, keepdims=keepdims)
    if np.any(stop_gradient(total) == 0):
        raise ZeroDivisionError("np.average: weights sum to zero, can't be normalized")
    return np.sum(a * weights, axis=axis, keepdims=keepdims) / total


def _trapezoid(y, x=None, dx=1.0, axis=-1):
    """np.trapezoid, differentiable in ``y``, in the sample points ``x`` and in ``dx``."""
    ndim = len(shape_of(y))
    axis = axis % ndim
    upper = (slice(None),) * axis + (slice(1, None),)
    lower = (slice(None),) * axis + (slice(None, -1),)
    if x is None:
        spacing = dx
    elif len(shape_of(x)) == 1:
        spacing = np.reshape(x[1:] - x[:-1], (-1,) + (1,) * (ndim - 1 - axis))
    else:
        spacing = x[upper] - x[lower]
    return np.sum(spacing * (y[upper] + y[lower]) / 2.0, axis=axis)


composite(np.ptp, _ptp)
composite(np.nansum, _nansum)
composite(np.nanmean, _nanmean)
composite(np.average, _average)
composite(np.trapezoid, _trapezoid)

from . import cumulative  # noqa: E402,F401  (cumsum, cumprod, logsumexp: they use the rules above)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
