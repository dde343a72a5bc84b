"""Cumulative reductions (cumsum, cumprod), their inverse (diff) and the log-sum-exp reduction.

``scipy.special.logsumexp`` is a Python function, not a ufunc: in scipy 1.17 it converts its
arguments with ``np.asanyarray`` (through its array-API layer, which only recognises foreign
arrays when ``SCIPY_ARRAY_API=1`` is set before scipy is imported), so a traced Tensor cannot
pass through it without dropping its derivative. sciad therefore refuses it with an error that
names :func:`logsumexp` here (exported as ``sciad.logsumexp``), which takes the same arguments.
``np.logaddexp.reduce`` on a Tensor is routed to the same function.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp as scipy_logsumexp

from .. import tensor as tensor_module
from ..control import stop_gradient
from ..registry import composite, defvjp, dtype_of, shape_of, unbroadcast
from .reductions import normalize_axis

__all__ = ["logsumexp"]


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _cumsum_vjp(g, ans, x, axis=None, dtype=None, out=None):
    if axis is None:  # numpy flattens first
        return unbroadcast(np.reshape(_reverse_cumsum(g, 0), shape_of(x)), shape_of(x),
                           dtype_of(x))
    return unbroadcast(_reverse_cumsum(g, axis), shape_of(x), dtype_of(x))


def _cumprod_vjp_with_zeros(g, x, axis):
    """dx_i = prod_{j<i} x_j * sum_{k>=i} g_k prod_{i<j<=k} x_j, with no division by x.

    Builds the (n, n) table of partial products prod_{i<j<=k} x_j per position along ``axis``:
    O(n^2) memory, used only when a run along ``axis`` holds two zeros or more."""
    last = np.moveaxis(x, axis, -1)
    g_last = np.moveaxis(g, axis, -1)
    n = shape_of(last)[-1]
    later = np.arange(n)[None, :] > np.arange(n)[:, None]         # [i, k]: k > i
    factors = np.where(later, np.expand_dims(last, -2), 1.0)     # [..., i, k]
    partial = np.cumprod(factors, axis=-1)                       # prod_{i<j<=k} x_j
    reach = np.arange(n)[None, :] >= np.arange(n)[:, None]        # [i, k]: k >= i
    tail = np.sum(np.where(reach, np.expand_dims(g_last, -2) * partial, 0.0), axis=-1)
    ones = np.ones(shape_of(last)[:-1] + (1,), dtype_of(x))
    before = np.concatenate([ones, np.cumprod(last[..., :-1], axis=-1)], axis=-1)
    return np.moveaxis(before * tail, -1, axis)


def _cumprod_vjp_one_zero(g, ans, x, zero, axis):
    """At most one zero z per run along ``axis``, in O(n): with c = cumprod(x, zero -> 1),
    dx_i = sum_{k>=i} g_k ans_k / x_i before z, sum_{k>=z} g_k c_k at z, and
    x_z sum_{k>=i} g_k c_k / x_i after z (x_z is 0, but its derivative is not)."""
    before = np.cumsum(zero, axis=axis) == 0
    nonzero = np.where(zero, 1.0, x)
    tail = _reverse_cumsum(g * np.cumprod(nonzero, axis=axis), axis)
    x_zero = np.sum(np.where(zero, x, 0.0), axis=axis, keepdims=True)
    return np.where(before, _reverse_cumsum(g * ans, axis) / nonzero,
                    np.where(zero, tail, x_zero * tail / nonzero))


def _cumprod_vjp(g, ans, x, axis=None, dtype=None, out=None):
    if dtype_of(x).kind == "c":  # holomorphic: the cotangent is conj(J^T conj(g)), not J^T g
        return np.conj(_cumprod_transposed(np.conj(g), ans, x, axis))
    return _cumprod_transposed(g, ans, x, axis)


def _cumprod_transposed(g, ans, x, axis):
    """J^T g for the Jacobian J of cumprod (the cotangent for real x)."""
    shape = shape_of(x)
    if axis is None:
        x, ans, axis = np.reshape(x, (-1,)), np.reshape(ans, (-1,)), 0
    zero = stop_gradient(x) == 0
    if not np.any(zero):
        weighted = g * ans
        if (type(weighted) is np.ndarray and type(x) is np.ndarray
                and np.result_type(weighted, x) == weighted.dtype):
            # plain values: the sum and the division in the product's fresh memory, one array
            # of x's size where three were made
            backwards = np.flip(weighted, axis)
            np.cumsum(backwards, axis=axis, out=backwards)
            weighted /= x
            cot = weighted
        else:
            cot = _reverse_cumsum(weighted, axis) / x
    elif np.all(np.sum(zero, axis=axis) <= 1):
        cot = _cumprod_vjp_one_zero(g, ans, x, zero, axis)
    else:
        cot = _cumprod_vjp_with_zeros(g, x, axis)
    return unbroadcast(np.reshape(cot, shape), shape, dtype_of(x))


defvjp(np.cumsum, _cumsum_vjp)
defvjp(np.cumprod, _cumprod_vjp)


def _diff_edge(value, shape, axis):
    """A scalar ``prepend``/``append`` broadcast to one slice along ``axis``, as numpy does."""
    if np.ndim(value) != 0:
        return value
    edge_shape = list(shape)
    edge_shape[axis] = 1
    return np.broadcast_to(value, tuple(edge_shape))


def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    """``np.diff`` as differences of slices, so it differentiates (in ``a``, ``prepend`` and
    ``append``) to any order; the model-file language offers ``diff`` to formulas."""
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if n == 0:
        return a
    ndim = np.ndim(a)
    if ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    axis %= ndim
    if prepend is not np._NoValue or append is not np._NoValue:
        pieces = [a]
        if prepend is not np._NoValue:
            pieces.insert(0, _diff_edge(prepend, np.shape(a), axis))
        if append is not np._NoValue:
            pieces.append(_diff_edge(append, np.shape(a), axis))
        a = np.concatenate(pieces, axis=axis)
    later = tuple(slice(1, None) if k == axis else slice(None) for k in range(ndim))
    earlier = tuple(slice(None, -1) if k == axis else slice(None) for k in range(ndim))
    for _ in range(n):
        a = a[later] - a[earlier]
    return a


composite(np.diff, _diff)


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False):
    """``log(sum(b * exp(a), axis))`` without overflow, differentiable in ``a`` and ``b``.

    The drop-in replacement for ``scipy.special.logsumexp`` on traced values (scipy converts
    its input to a plain array, which would drop the derivative). Works on plain arrays too.

    Parameters
    ----------
    a : array_like or Tensor
        Values to combine.
    axis : None, int or tuple of ints
        Axes to reduce over (negative allowed); None reduces over all of them.
    b : array_like or Tensor, optional
        Weights, broadcast against ``a``. The weighted sum must be positive.
    keepdims : bool
        Keep the reduced axes with length 1.
    return_sign : bool
        Not supported: raises NotImplementedError (take the log of a positive weighted sum).

    Returns
    -------
    Tensor or ndarray
        The reduction, shaped as ``np.sum(a, axis, keepdims=keepdims)``.

    Examples
    --------
    >>> sciad.grad(lambda a: sciad.logsumexp(a))(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    if return_sign:
        raise NotImplementedError(
            "sciad.logsumexp(..., return_sign=True) is not supported: a sign has no derivative; "
            "make the weighted sum positive (split b into positive and negative parts)")
    a = a if isinstance(a, (np.ndarray, tensor_module.Tensor)) else np.asarray(a, float)
    shape = np.broadcast_shapes(shape_of(a), shape_of(b)) if b is not None else shape_of(a)
    axes = normalize_axis(axis, len(shape))
    # shifting by the (constant) maximum changes nothing mathematically, and avoids overflow
    largest = np.max(np.broadcast_to(stop_gradient(a), shape), axis=axes, keepdims=True)
    shift = np.where(np.isfinite(largest), largest, 0.0).astype(dtype_of(a), copy=False)
    terms = np.exp(a - shift)
    if b is not None:
        terms = b * terms
    out = np.log(np.sum(np.broadcast_to(terms, shape), axis=axes, keepdims=True)) + shift
    if keepdims:
        return out
    return np.reshape(out, tuple(n for i, n in enumerate(shape) if i not in axes))


def _logaddexp_reduce(a, axis=0, dtype=None, out=None, keepdims=False, **_):
    return logsumexp(a, axis=axis, keepdims=keepdims)


tensor_module._UFUNC_METHODS[(np.logaddexp, "reduce")] = _logaddexp_reduce
tensor_module.REPLACEMENTS[f"{scipy_logsumexp.__module__}.{scipy_logsumexp.__name__}"] = (
    "scipy.special.logsumexp converts its arguments to plain NumPy arrays, which would drop "
    "the derivative: call sciad.logsumexp(a, axis=None, b=None, keepdims=False) instead (same "
    "arguments, differentiable in a and b).")
