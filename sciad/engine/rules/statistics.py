"""Order statistics and NaN-skipping reductions: median, quantile, percentile and their nan*
versions, nanmax/nanmin, nanprod, nanvar/nanstd, nancumsum/nancumprod; cov and corrcoef.

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
* ``q`` is differentiable for ``method='linear'`` (``dQ/dq = (n - 1)(s_hi - s_lo)``, from the
  right where ``q (n - 1)`` is whole; 0 at ``q = 1``) and has derivative 0 for the step methods
  (``lower``, ``higher``, ``nearest``, ``midpoint``, the ``*inverted_cdf`` ones); the other
  continuous methods refuse a traced ``q``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...errors import NotDifferentiableError
from ..control import stop_gradient
from ..graph import Primitive, apply
from ..registry import FUNCTION_RULES, composite, defvjp, dtype_of, shape_of, unbroadcast
from ..tensor import Tensor
from .reductions import _extremum_vjp, _refuse_where, normalize_axis, restore_reduced

_BEFORE = set(FUNCTION_RULES)

_NAN_SKIPPING = {np.nanmedian, np.nanquantile, np.nanpercentile}


def _order_statistic(a, q, *, func, axis, method, keepdims):
    """The value, from NumPy itself (so that it matches NumPy to the last bit)."""
    if func in (np.median, np.nanmedian):
        return func(a, axis=axis, keepdims=keepdims)
    return func(a, q, axis=axis, method=method, keepdims=keepdims)


def _fractional_positions(count, q, func, method):
    """Where quantile ``q`` sits among ``count`` sorted values: ``lo + f`` with the result
    ``(1 - f) s[lo] + f s[lo + 1]``. The median and the linear method (the defaults) by NumPy's
    formula; every other method read off NumPy's own function applied to 0, 1, ..., count - 1,
    so that its index and interpolation rule are NumPy's."""
    if func in (np.median, np.nanmedian):
        return np.asarray((count - 1) / 2.0)
    if method == "linear":  # NumPy's virtual index, without a pass over count values
        return np.asarray(q, dtype=np.float64) / (
            100.0 if func in (np.percentile, np.nanpercentile) else 1.0) * (count - 1)
    positions = np.arange(count, dtype=np.float64)
    if func in (np.percentile, np.nanpercentile):
        return np.asarray(np.percentile(positions, q, method=method))
    return np.asarray(np.quantile(positions, q, method=method))


def _layout(shape, axis):
    """The permutation that moves the reduced axes last, and the kept and reduced shapes."""
    axes = normalize_axis(axis, len(shape))
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return kept + axes, tuple(shape[i] for i in kept), tuple(shape[i] for i in axes)


def _slices(x, order, kept_shape):
    """x as kept_shape + (n,): one row per reduced slice."""
    return np.reshape(np.transpose(x, order), kept_shape + (-1,))


def _order_statistics(slices, q, func, method):
    """For every slice and quantile (axes ``kept + (nq,)``): the fraction ``f``, the position
    ``lo``, the slices' counts, the entries holding ``s_lo`` and ``s_hi``, and where a NaN decides
    the value (None when none does).

    The holders are indices ``kept + (nq,)`` (-1 where no entry holds it: an all-NaN slice) when
    no order statistic is tied, the common case; otherwise weights ``kept + (nq, n)`` that share
    each one among the entries holding its value."""
    kept_shape, n = slices.shape[:-1], slices.shape[-1]
    nan = np.isnan(slices)
    skip_nan = func in _NAN_SKIPPING
    counts = n - np.sum(nan, axis=-1) if skip_nan else np.full(kept_shape, n)
    q_size = int(np.prod(np.shape(q), dtype=np.int64))

    # lo + f for every slice and quantile, computed once per distinct count
    position = np.zeros(kept_shape + (q_size,))
    for count in np.unique(counts):
        if count > 0:
            position[counts == count] = np.reshape(
                _fractional_positions(int(count), q, func, method), (q_size,))
    lo = np.floor(position)
    f = position - lo
    lo = lo.astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(counts, 1)[..., None] - 1)

    if slices.ndim == 1 and not skip_nan:
        # one slice: a partition finds the positions in O(n) (for many rows sorting is faster)
        ordered = np.partition(slices, np.unique(np.concatenate([lo.ravel(), hi.ravel()])))
    else:
        ordered = np.sort(slices, axis=-1)  # NaN last
    entries = slices[..., None, :]                                    # kept + (1, n)
    hits = [entries == np.take_along_axis(ordered, index, axis=-1)[..., None]  # NaN never hits
            for index in (lo, hi)]
    held = [np.sum(hit, axis=-1) for hit in hits]
    nan_decides = None
    if not skip_nan and np.any(nan):
        # a slice holding NaN has the value NaN, which its NaN entries share (as for max)
        nan_decides = (np.any(nan, axis=-1)[..., None, None],
                       nan[..., None, :] / np.maximum(np.sum(nan, -1), 1)[..., None, None])
    elif all(np.max(count, initial=0) <= 1 for count in held):
        holders = tuple(np.where(count == 1, np.argmax(hit, axis=-1), -1)
                        for hit, count in zip(hits, held))
        return f, lo, counts, holders, None
    holders = tuple(hit / np.maximum(count, 1)[..., None] for hit, count in zip(hits, held))
    return f, lo, counts, holders, nan_decides


# methods whose result jumps from one order statistic to the next as q moves: derivative 0 in q
_STEPS_IN_Q = {"lower", "higher", "nearest", "midpoint", "inverted_cdf", "averaged_inverted_cdf",
               "closest_observation"}


def _order_statistic_vjp(argnum, g, ans, args, kwargs):
    a, q = args
    func, method = kwargs["func"], kwargs["method"]
    if argnum == 1 and method != "linear":
        if method in _STEPS_IN_Q:
            return None
        raise NotDifferentiableError(
            f"sciad differentiates numpy.{func.__name__} with respect to q only for "
            f"method='linear' (and the step methods, derivative 0), not {method!r}; pass q "
            "as a constant (sciad.stop_gradient)")
    x = np.asarray(stop_gradient(a))
    order, kept_shape, reduced_shape = _layout(np.shape(x), kwargs["axis"])
    raw_q = np.asarray(stop_gradient(q))
    f, lo, counts, (at_lo, at_hi), nan_decides = _order_statistics(
        _slices(x, order, kept_shape), raw_q, func, method)
    single = at_lo.ndim == lo.ndim  # indices of single holders, not weights
    n = int(np.prod(reduced_shape, dtype=np.int64))
    scale = 100.0 if func in (np.percentile, np.nanpercentile) else 1.0
    # g has shape q.shape + kept (1s for reduced axes under keepdims): the same entries in order
    g = np.moveaxis(np.reshape(g, (-1,) + kept_shape), 0, -1)     # kept + (nq,)
    if argnum == 1:
        # linear: Q = s_lo + (q (count - 1) - lo)(s_hi - s_lo), so dQ/dq = (count - 1)(s_hi - s_lo)
        # (at a q where q (count - 1) is whole, the derivative from the right)
        values = _slices(a, order, kept_shape)   # traced at a lower level for second order
        if single:
            spread = np.where(at_lo >= 0, np.take_along_axis(values, np.maximum(at_hi, 0), -1)
                              - np.take_along_axis(values, np.maximum(at_lo, 0), -1), 0.0)
        else:
            values = np.where(np.isnan(_slices(x, order, kept_shape)), 0.0, values)[..., None, :]
            spread = np.sum(at_hi * values, axis=-1) - np.sum(at_lo * values, axis=-1)
        slope = spread * ((counts - 1) / scale)[..., None]
        if nan_decides is not None:
            slope = np.where(nan_decides[0][..., 0], 0.0, slope)
        cot = np.sum(g * slope, axis=tuple(range(len(kept_shape))))
        return unbroadcast(np.reshape(cot, np.shape(raw_q)), shape_of(q), dtype_of(q))
    if type(q) is Tensor and method == "linear":
        # q traced at a lower level: f = q (count - 1) - lo follows it (mixed derivatives)
        f = np.reshape(q / scale, (-1,)) * (counts - 1)[..., None] - lo
    if single:
        # each quantile adds (1 - f) g and f g into two entries of its slice: one bincount
        start = np.reshape(np.arange(0, int(np.prod(kept_shape, dtype=np.int64)) * n, n),
                           kept_shape + (1,))
        index = np.concatenate([np.ravel(start + np.maximum(at_lo, 0)),
                                np.ravel(start + np.maximum(at_hi, 0))])
        low, high = g * (1.0 - f), g * f
        if np.any(at_lo < 0):  # all-NaN slices: nothing to receive
            low, high = np.where(at_lo >= 0, low, 0.0), np.where(at_hi >= 0, high, 0.0)
        cot = np.bincount(index, weights=np.concatenate([np.ravel(low), np.ravel(high)]),
                          minlength=np.size(x))
    else:
        weights = (1.0 - f)[..., None] * at_lo + f[..., None] * at_hi    # kept + (nq, n)
        if nan_decides is not None:
            weights = np.where(nan_decides[0], nan_decides[1], weights)
        cot = np.sum(g[..., None] * weights, axis=-2)
    cot = np.transpose(np.reshape(cot, kept_shape + reduced_shape), np.argsort(order))
    return unbroadcast(cot, shape_of(a), dtype_of(a))


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


# --- NaN-skipping reductions (nanvar is a primitive, the others composites): NaN entries are
# replaced before any arithmetic, so that their (zero) cotangent is never multiplied by a NaN ------
def _present(a):
    return ~np.isnan(stop_gradient(a))


def _nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _refuse_where("nanprod", where)
    filled = np.where(_present(a), a, np.ones((), dtype_of(a)))
    if initial is None:
        return np.prod(filled, axis=axis, keepdims=keepdims)
    return np.prod(filled, axis=axis, keepdims=keepdims, initial=initial)


def _nanvar_value(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
                  mean=None, correction=None):
    _refuse_where("nanvar", where)
    if mean is not None:
        raise NotImplementedError("sciad has no derivative rule for numpy.nanvar(..., mean=...)")
    if out is not None:
        raise NotImplementedError("sciad: numpy.nanvar(..., out=...) would drop the derivative; "
                                  "assign the result instead")
    if correction is not None:
        ddof = correction
    # a lower level's box (nested transforms) dispatches back to this primitive's handler
    return np.nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)


def _nanvar_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
                where=None, mean=None, correction=None):
    """d nanvar / dx = 2 (x - nanmean) / (count - ddof) at present entries, 0 at NaN ones (also
    in an all-NaN slice); NaN where count <= ddof, as the value. One primitive instead of the
    composite's nine recorded operations."""
    if correction is not None:
        ddof = correction
    present = _present(a)
    zero = np.zeros((), dtype_of(a))
    filled = np.where(present, a, zero)
    count = np.sum(present, axis=axis, keepdims=True)
    centered = filled - np.sum(filled, axis=axis, keepdims=True) / np.maximum(count, 1)
    dof = count - ddof
    factor = 2.0 / np.where(dof > 0, dof, np.nan)
    scaled = restore_reduced(g, shape_of(a), axis, keepdims) * factor
    return unbroadcast(np.where(present, centered * scaled, zero), shape_of(a), dtype_of(a))


def _nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
            mean=None, correction=None):
    variance = np.nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                         correction=correction)
    zero = stop_gradient(variance) == 0  # zero spread: derivative 0, as for np.std
    return np.where(zero, 0.0, np.sqrt(np.where(zero, 1.0, variance)))


def _nancumsum(a, axis=None, dtype=None, out=None):
    return np.cumsum(np.where(_present(a), a, np.zeros((), dtype_of(a))), axis=axis)


def _nancumprod(a, axis=None, dtype=None, out=None):
    return np.cumprod(np.where(_present(a), a, np.ones((), dtype_of(a))), axis=axis)


def _cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
         dtype=None):
    """np.cov, differentiable in m, y and aweights (NumPy's algorithm, step by step)."""
    if len(shape_of(m)) > 2:
        raise ValueError("m has more than 2 dimensions")
    x = np.reshape(m, (1, -1)) if len(shape_of(m)) < 2 else (m if rowvar else np.transpose(m))
    if y is not None:
        y = np.reshape(y, (1, -1)) if len(shape_of(y)) < 2 else y
        if not rowvar and shape_of(y)[0] != 1:
            y = np.transpose(y)
        x = np.concatenate([x, y], axis=0)
    if ddof is None:
        ddof = 1 if not bias else 0
    observations = shape_of(x)[1]
    weights = None
    for name, given in (("fweights", fweights), ("aweights", aweights)):
        if given is None:
            continue
        if len(shape_of(given)) > 1:
            raise RuntimeError(f"cannot handle multidimensional {name}")
        if shape_of(given)[0] != observations:
            raise RuntimeError(f"incompatible numbers of samples and {name}")
        raw = np.asarray(stop_gradient(given), dtype=float)
        if np.any(raw < 0):
            raise ValueError(f"{name} cannot be negative")
        if name == "fweights" and not np.all(raw == np.around(raw)):
            raise TypeError("fweights must be integer")
        weights = given if weights is None else weights * given
    if weights is None:
        mean = np.mean(x, axis=1, keepdims=True)
        factor = observations - ddof
    else:
        total = np.sum(weights)
        mean = np.sum(x * weights, axis=1, keepdims=True) / total
        if ddof == 0:
            factor = total
        elif aweights is None:
            factor = total - ddof
        else:
            factor = total - ddof * np.sum(weights * aweights) / total
    if stop_gradient(factor) <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
        factor = 0.0
    centered = x - mean
    weighted = centered if weights is None else centered * weights
    if dtype_of(weighted).kind == "c":
        weighted = np.conj(weighted)
    return np.squeeze(np.matmul(centered, np.transpose(weighted)) / factor)


def _corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """np.corrcoef: the covariance scaled by the standard deviations, clipped to [-1, 1] as
    NumPy does (the clip's edges pass the derivative, so the unit diagonal keeps its zero one)."""
    c = _cov(x, y, rowvar)
    if len(shape_of(c)) == 0:
        return c / c  # one variable: NumPy's nan or 1
    stddev = np.sqrt(np.real(np.diagonal(c)))
    c = c / stddev[:, None] / stddev[None, :]
    if dtype_of(c).kind == "c":
        return np.clip(np.real(c), -1, 1) + 1j * np.clip(np.imag(c), -1, 1)
    return np.clip(c, -1, 1)


def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """np.nan_to_num: derivative 1 at finite entries; the replacements (differentiable when
    traced) at the others."""
    if dtype_of(x).kind == "c":
        return (_nan_to_num(np.real(x), copy, nan, posinf, neginf)
                + 1j * _nan_to_num(np.imag(x), copy, nan, posinf, neginf))
    raw = np.asarray(stop_gradient(x))
    if raw.dtype.kind != "f":
        return x
    largest = np.finfo(raw.dtype).max
    result = np.where(np.isnan(raw), np.asarray(nan, raw.dtype) if type(nan) is float else nan, x)
    result = np.where(np.isposinf(raw), largest if posinf is None else posinf, result)
    return np.where(np.isneginf(raw), -largest if neginf is None else neginf, result)


composite(np.nan_to_num, _nan_to_num)
composite(np.cov, _cov)
composite(np.corrcoef, _corrcoef)
composite(np.nanprod, _nanprod)
defvjp(np.nanvar, _nanvar_vjp, fn=_nanvar_value)
composite(np.nanstd, _nanstd)
composite(np.nancumsum, _nancumsum)
composite(np.nancumprod, _nancumprod)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
