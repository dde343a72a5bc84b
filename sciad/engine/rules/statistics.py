"""Order statistics and NaN-skipping reductions: median, quantile, percentile and their nan*
versions, nanmax/nanmin, nanprod, nanvar/nanstd, nancumsum/nancumprod.

Conventions (docs/engine.md repeats them):

* Every NumPy quantile method (``linear`` by default, also ``lower``, ``higher``, ``nearest``,
  ``midpoint``, ``hazen``, ``weibull`` ...) gives ``(1 - f) s_lo + f s_hi`` for two adjacent order
  statistics of the slice, so the derivative is ``1 - f`` on the entry holding ``s_lo`` and ``f``
  on the entry holding ``s_hi``: the median of an even count gives 1/2 to each middle entry.
* **Ties split evenly**, as for ``max``/``min``: the weight of a value that several entries share
  is divided among them (the gradient of ``np.median([1, 3, 3])`` is ``[0, 0.5, 0.5]``).
* NaN: ``median``/``quantile`` of a slice holding NaN is NaN, and its cotangent is split among the
  NaN entries (as ``max`` does). The ``nan*`` functions skip NaN entries, which get derivative 0;
  an all-NaN slice gives NaN (NumPy's value) and derivative 0 (``nanmax``/``nanmin``: the
  cotangent goes to the NaN entries, the ``max`` rule).
* ``q`` is not differentiable (it raises); pass it as a constant.
"""

from __future__ import annotations

import numpy as np

from ...errors import NotDifferentiableError
from ..control import stop_gradient
from ..graph import Primitive, apply
from ..registry import FUNCTION_RULES, composite, defvjp, dtype_of, shape_of, unbroadcast
from .reductions import _extremum_vjp, _refuse_where, normalize_axis

_BEFORE = set(FUNCTION_RULES)

_NAN_SKIPPING = {np.nanmedian, np.nanquantile, np.nanpercentile}


def _order_statistic(a, q, *, func, axis, method, keepdims):
    """The value, from NumPy itself (so that it matches NumPy to the last bit)."""
    if func in (np.median, np.nanmedian):
        return func(a, axis=axis, keepdims=keepdims)
    return func(a, q, axis=axis, method=method, keepdims=keepdims)


def _fractional_positions(count, q, func, method):
    """Where quantile ``q`` sits among ``count`` sorted values: ``lo + f`` with the result
    ``(1 - f) s[lo] + f s[lo + 1]``. Read off NumPy's own function applied to 0, 1, ..., count-1,
    so every method's index and interpolation rule is NumPy's."""
    positions = np.arange(count, dtype=np.float64)
    if func in (np.median, np.nanmedian):
        return np.asarray(np.median(positions))
    if func in (np.percentile, np.nanpercentile):
        return np.asarray(np.percentile(positions, q, method=method))
    return np.asarray(np.quantile(positions, q, method=method))


def _order_statistic_weights(x, q, func, axis, method):
    """d result / d x as an array of shape ``q.shape + kept + (n,)`` over the slices of ``x``
    (its reduced axes moved last and flattened), plus the permutation that moved them."""
    shape = np.shape(x)
    axes = normalize_axis(axis, len(shape))
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    order = kept + axes
    kept_shape = tuple(shape[i] for i in kept)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    slices = np.reshape(np.transpose(x, order), kept_shape + (n,))
    nan = np.isnan(slices)
    counts = n - np.sum(nan, axis=-1) if func in _NAN_SKIPPING else np.full(kept_shape, n)
    q_shape = np.shape(q)

    # lo + f for every slice and quantile, computed once per distinct count
    position = np.zeros(kept_shape + q_shape)
    for count in np.unique(counts):
        if count > 0:
            position[counts == count] = _fractional_positions(int(count), q, func, method)
    lo = np.floor(position).astype(np.intp)
    f = position - lo
    hi = np.minimum(lo + 1, np.maximum(counts, 1).reshape(kept_shape + (1,) * len(q_shape)) - 1)

    ordered = np.sort(slices, axis=-1)  # NaN last
    flat_q = int(np.prod(q_shape, dtype=np.int64))
    lo, hi, f = (np.reshape(v, kept_shape + (flat_q,)) for v in (lo, hi, f))
    s_lo = np.take_along_axis(ordered, lo, axis=-1)[..., None]   # kept + (nq, 1)
    s_hi = np.take_along_axis(ordered, hi, axis=-1)[..., None]
    entries = slices[..., None, :]                               # kept + (1, n)
    hit_lo, hit_hi = entries == s_lo, entries == s_hi            # NaN never hits
    # ties: each order statistic's weight is shared by every entry holding its value
    weights = ((1.0 - f)[..., None] * hit_lo / np.maximum(np.sum(hit_lo, -1, keepdims=True), 1)
               + f[..., None] * hit_hi / np.maximum(np.sum(hit_hi, -1, keepdims=True), 1))
    if func not in _NAN_SKIPPING:
        # a slice holding NaN has the value NaN, which its NaN entries share (as for max)
        has_nan = np.any(nan, axis=-1)[..., None, None]
        nan_share = nan[..., None, :] / np.maximum(np.sum(nan, -1), 1)[..., None, None]
        weights = np.where(has_nan, nan_share, weights)
    # q's axes first, as in NumPy's result
    weights = np.moveaxis(weights, -2, 0).reshape(q_shape + kept_shape + (n,))
    return weights, order, kept_shape, tuple(shape[i] for i in axes)


def _order_statistic_vjp(argnum, g, ans, args, kwargs):
    a, q = args
    func = kwargs["func"]
    if argnum == 1:
        raise NotDifferentiableError(
            f"sciad has no derivative of numpy.{func.__name__} with respect to q; pass q as a "
            "constant (sciad.stop_gradient)")
    x = np.asarray(stop_gradient(a))
    weights, order, kept_shape, reduced_shape = _order_statistic_weights(
        x, stop_gradient(q), func, kwargs["axis"], kwargs["method"])
    q_ndim = len(np.shape(q))
    weights = weights.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)
    # g has shape q.shape + kept (with 1s for kept reduced axes): the same entries in order
    g = np.reshape(g, np.shape(q) + kept_shape + (1,))
    cot = g * weights
    if q_ndim:
        cot = np.sum(cot, axis=tuple(range(q_ndim)))
    cot = np.reshape(cot, kept_shape + reduced_shape)
    return unbroadcast(np.transpose(cot, np.argsort(order)), shape_of(a), dtype_of(a))


ORDER_STATISTIC = Primitive("numpy order statistic (median, quantile, percentile)",
                            _order_statistic, _order_statistic_vjp)


def _refuse_options(name, out, weights):
    if out is not None:
        raise NotImplementedError(f"sciad: numpy.{name}(..., out=...) would drop the "
                                  "derivative; assign the result instead")
    if weights is not None:
        raise NotImplementedError(f"sciad has no derivative rule for numpy.{name}(..., "
                                  "weights=...)")


def _median_like(func):
    def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
        _refuse_options(func.__name__, out, None)
        return apply(ORDER_STATISTIC, (a, 0.5), {"func": func, "axis": axis, "method": "linear",
                                                 "keepdims": keepdims})
    return median


def _quantile_like(func):
    def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                 keepdims=False, *, weights=None, interpolation=None):
        _refuse_options(func.__name__, out, weights)
        if interpolation is not None:  # NumPy's deprecated name for method
            method = interpolation
        return apply(ORDER_STATISTIC, (a, q), {"func": func, "axis": axis, "method": method,
                                               "keepdims": keepdims})
    return quantile


for _func in (np.median, np.nanmedian):
    composite(_func, _median_like(_func))
for _func in (np.quantile, np.percentile, np.nanquantile, np.nanpercentile):
    composite(_func, _quantile_like(_func))

defvjp(np.nanmax, _extremum_vjp("nanmax"))
defvjp(np.nanmin, _extremum_vjp("nanmin"))


# --- NaN-skipping reductions as composites: NaN entries are replaced before any arithmetic, so
# that their (zero) cotangent is never multiplied by a NaN --------------------------------------
def _present(a):
    return ~np.isnan(stop_gradient(a))


def _nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _refuse_where("nanprod", where)
    filled = np.where(_present(a), a, np.ones((), dtype_of(a)))
    if initial is None:
        return np.prod(filled, axis=axis, keepdims=keepdims)
    return np.prod(filled, axis=axis, keepdims=keepdims, initial=initial)


def _nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
            mean=None, correction=None):
    _refuse_where("nanvar", where)
    if mean is not None:
        raise NotImplementedError("sciad has no derivative rule for numpy.nanvar(..., mean=...)")
    if correction is not None:
        ddof = correction
    present = _present(a)
    zero = np.zeros((), dtype_of(a))
    filled = np.where(present, a, zero)
    count = np.sum(present, axis=axis, keepdims=True)
    centered = np.where(present, filled - np.sum(filled, axis=axis, keepdims=True)
                        / np.maximum(count, 1), zero)
    squares = centered * np.conj(centered) if dtype_of(a).kind == "c" else centered * centered
    total = np.real(np.sum(squares, axis=axis, keepdims=keepdims))
    dof = np.reshape(count, shape_of(total)) - ddof
    return total / np.where(dof > 0, dof, np.nan)  # NumPy: NaN where dof <= 0


def _nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
            mean=None, correction=None):
    variance = _nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                       correction=correction)
    zero = stop_gradient(variance) == 0  # zero spread: derivative 0, as for np.std
    return np.where(zero, 0.0, np.sqrt(np.where(zero, 1.0, variance)))


def _nancumsum(a, axis=None, dtype=None, out=None):
    return np.cumsum(np.where(_present(a), a, np.zeros((), dtype_of(a))), axis=axis)


def _nancumprod(a, axis=None, dtype=None, out=None):
    return np.cumprod(np.where(_present(a), a, np.ones((), dtype_of(a))), axis=axis)


composite(np.nanprod, _nanprod)
composite(np.nanvar, _nanvar)
composite(np.nanstd, _nanstd)
composite(np.nancumsum, _nancumsum)
composite(np.nancumprod, _nancumprod)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
