"""Sampled signals: 1-D convolution and correlation (``np.convolve``, ``np.correlate``, modes
full/same/valid), finite-difference derivatives (``np.gradient``), ``np.ediff1d``, ``np.unwrap``, and polynomials
as coefficient arrays (``polyadd``, ``polysub``, ``polymul``, ``polyder``, ``polyint``,
``vander``, ``polyfit``, ``poly``).

One primitive, the full convolution ``c[k] = sum_i a[i] v[k - i]``, whose cotangents are
correlations: ``da = correlate(g, v, 'valid')`` and ``dv = correlate(g, a, 'valid')`` (the
conjugate of the other factor, sciad's complex convention, is what ``correlate`` applies). The
modes are slices of the full result and ``correlate(a, v)`` is ``convolve(a, conj(v[::-1]))``,
so both functions, in every mode, differentiate to any order through that one rule.
``np.gradient`` is written out with NumPy's formulas (even and uneven spacing, edge orders 1 and
2) from slices, so it is differentiable in the samples and in the spacings or coordinates.
``np.polyfit`` solves NumPy's scaled least-squares problem with ``lstsq`` on the traced values;
with ``full=True`` the residual sums are ``|w (y - vander(x) c)|^2`` (empty where NumPy's are:
rank < deg + 1 or too few points) and the singular values those of the scaled Vandermonde matrix
(through ``svd``); ``cov`` is NumPy's ``inv(lhs^T lhs) / outer(scale, scale)``, times
``residuals / (len(x) - deg - 1)`` unless 'unscaled'. ``rank`` and ``rcond`` are NumPy's plain
values.
(``np.interp``, ``np.polyval`` and ``np.cross`` live in :mod:`.ufuncs` and :mod:`.products`.)
"""

from __future__ import annotations

import warnings

import numpy as np

from ..control import stop_gradient
from ..graph import Primitive, apply
from ..registry import FUNCTION_RULES, composite, dtype_of, shape_of, unbroadcast
from ..tensor import Tensor

_BEFORE = set(FUNCTION_RULES)


def _full_convolution_vjp(argnum, g, ans, args, kwargs):
    other = args[1 - argnum]
    # len(g) = len(a) + len(v) - 1 >= len(other): 'valid' leaves exactly len(args[argnum])
    cot = np.correlate(g, other, "valid")
    return unbroadcast(cot, shape_of(args[argnum]), dtype_of(args[argnum]))


FULL_CONVOLUTION = Primitive("numpy.convolve (full)", lambda a, v: np.convolve(a, v, "full"),
                             _full_convolution_vjp)


def _as_signals(name, a, v):
    if len(shape_of(a)) > 1 or len(shape_of(v)) > 1:
        raise ValueError(f"{name}: object too deep for desired array")
    if name == "correlate" and (len(shape_of(a)) == 0 or len(shape_of(v)) == 0):
        raise ValueError("correlate: object of too small depth for desired array")  # as NumPy
    a = np.reshape(a, (-1,)) if len(shape_of(a)) == 0 else a
    v = np.reshape(v, (-1,)) if len(shape_of(v)) == 0 else v
    if shape_of(a)[0] == 0 or shape_of(v)[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty")
    return a, v


def _mode_slice(full, n, m, mode, offset_same):
    """The part of the full result (length n + m - 1) that ``mode`` returns."""
    if mode == "full":
        return full
    if mode == "same":
        start, length = offset_same, max(n, m)
    elif mode == "valid":
        start, length = min(n, m) - 1, max(n, m) - min(n, m) + 1
    else:
        raise ValueError(f"mode must be one of 'full', 'same' or 'valid', not {mode!r}")
    return full[start:start + length]


def _convolve(a, v, mode="full"):
    a, v = _as_signals("convolve", a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = apply(FULL_CONVOLUTION, (a, v), {})
    return _mode_slice(full, n, m, mode, (min(n, m) - 1) // 2)


def _correlate(a, v, mode="valid"):
    a, v = _as_signals("correlate", a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    reversed_v = np.flip(np.conj(v) if dtype_of(v).kind == "c" else v, 0)
    full = apply(FULL_CONVOLUTION, (a, reversed_v), {})
    # NumPy centres 'same' one place later when v is the longer signal (it swaps the two)
    return _mode_slice(full, n, m, mode, (min(n, m) - 1) // 2 if n >= m else min(n, m) // 2)


def _spacings(f, varargs, axes):
    """np.gradient's sample spacing per axis: a number, or the differences of 1-D coordinates
    (a number again when they are all equal), as NumPy reads ``varargs``."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and len(shape_of(varargs[0])) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError("invalid number of arguments")
    spacings = []
    for axis, distances in zip(axes, varargs):
        if len(shape_of(distances)) == 0:
            spacings.append(distances)
            continue
        if len(shape_of(distances)) != 1:
            raise ValueError("distances must be either scalars or 1d")
        if shape_of(distances)[0] != shape_of(f)[axis]:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        if dtype_of(distances).kind in "iub":
            distances = np.asarray(distances, dtype=np.float64)
        steps = np.diff(distances)
        spacings.append(steps[0] if np.all(stop_gradient(steps) == stop_gradient(steps)[0])
                        else steps)
    return spacings


def _gradient_along(f, axis, dx, edge_order):
    """One axis of np.gradient: second-order central differences inside, one-sided differences
    of ``edge_order`` at the two ends; the same formulas as NumPy, also for uneven spacing."""
    ndim = len(shape_of(f))

    def part(start, stop=None):  # f[..., start:stop, ...] along axis
        index = [slice(None)] * ndim
        index[axis] = slice(start, stop)
        return f[tuple(index)]

    def along(values):  # 1-D coefficients broadcast along axis
        return np.reshape(values, (-1,) + (1,) * (ndim - 1 - axis))

    uniform = len(shape_of(dx)) == 0
    if uniform:
        inside = (part(2) - part(None, -2)) / (2.0 * dx)
    else:
        dx1, dx2 = dx[:-1], dx[1:]
        a = along(-dx2 / (dx1 * (dx1 + dx2)))
        b = along((dx2 - dx1) / (dx1 * dx2))
        c = along(dx1 / (dx2 * (dx1 + dx2)))
        inside = a * part(None, -2) + b * part(1, -1) + c * part(2)
    if edge_order == 1:
        first_dx, last_dx = (dx, dx) if uniform else (dx[0], dx[-1])
        first = (part(1, 2) - part(0, 1)) / first_dx
        last = (part(-1) - part(-2, -1)) / last_dx
    else:
        if uniform:
            a, b, c = -1.5 / dx, 2.0 / dx, -0.5 / dx
        else:
            dx1, dx2 = dx[0], dx[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * part(0, 1) + b * part(1, 2) + c * part(2, 3)
        if uniform:
            a, b, c = 0.5 / dx, -2.0 / dx, 1.5 / dx
        else:
            dx1, dx2 = dx[-2], dx[-1]
            a = dx2 / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * part(-3, -2) + b * part(-2, -1) + c * part(-1)
    return np.concatenate([first, inside, last], axis=axis)


def _gradient(f, *varargs, axis=None, edge_order=1):
    """np.gradient, differentiable in the samples ``f`` and in the spacings or coordinates."""
    ndim = len(shape_of(f))
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = tuple(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    if dtype_of(f).kind in "iub":
        f = np.asarray(f, dtype=np.float64)
    results = []
    for ax, dx in zip(axes, _spacings(f, varargs, axes)):
        if shape_of(f)[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        results.append(_gradient_along(f, ax, dx, edge_order))
    return results[0] if len(results) == 1 else tuple(results)


def _ediff1d(ary, to_end=None, to_begin=None):
    pieces = [np.ravel(ary)[1:] - np.ravel(ary)[:-1]]
    if to_begin is not None:
        pieces.insert(0, np.ravel(to_begin))
    if to_end is not None:
        pieces.append(np.ravel(to_end))
    return np.concatenate(pieces) if len(pieces) > 1 else pieces[0]


# --- polynomials as coefficient arrays, highest power first (np.polyval lives in ufuncs.py) ---
def _coefficients(p):
    return np.reshape(p, (1,)) if len(shape_of(p)) == 0 else p


def _aligned(a1, a2):
    """The two coefficient arrays zero-padded in front to one length (polyadd, polysub)."""
    a1, a2 = _coefficients(a1), _coefficients(a2)
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    if n1 < n2:
        a1 = np.concatenate([np.zeros(n2 - n1, dtype_of(a1)), a1])
    elif n2 < n1:
        a2 = np.concatenate([np.zeros(n1 - n2, dtype_of(a2)), a2])
    return a1, a2


def _polyadd(a1, a2):
    a1, a2 = _aligned(a1, a2)
    return a1 + a2


def _polysub(a1, a2):
    a1, a2 = _aligned(a1, a2)
    return a1 - a2


def _polymul(a1, a2):
    return np.convolve(_coefficients(a1), _coefficients(a2))


def _polyder(p, m=1):
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _coefficients(p)
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


def _polyint(p, m=1, k=None):
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if k is None:
        k = np.zeros(m)
    elif len(shape_of(k)) == 0 or (shape_of(k)[0] == 1 and m > 1):
        k = np.full(m, 1.0) * np.reshape(k, ())  # one constant for every integration
    if shape_of(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _coefficients(p)
    for i in range(m):
        p = np.concatenate([p / np.arange(shape_of(p)[0], 0, -1), np.reshape(k[i], (1,))])
    return p


def _vander(x, N=None, increasing=False):
    """Columns x**0, x**1, ... as running products, NumPy's way (so the values match it)."""
    if len(shape_of(x)) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0] if N is None else N
    if n == 0:
        return np.zeros((shape_of(x)[0], 0), dtype_of(x))
    columns = np.concatenate([np.ones((shape_of(x)[0], 1), dtype_of(x)),
                              np.repeat(x[:, None], n - 1, axis=1)], axis=1)
    powers = np.cumprod(columns, axis=1)
    return powers if increasing else np.flip(powers, 1)


def _polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """np.polyfit (least squares on the column-scaled Vandermonde matrix, as NumPy solves it),
    differentiable in x, y and w, with the outputs of ``full=True`` and ``cov``."""
    x, y = (v if type(v) is Tensor else np.asarray(v) for v in (x, y))  # lists, as NumPy takes
    w = w if w is None or type(w) is Tensor else np.asarray(w)
    order = int(deg) + 1
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if len(shape_of(x)) != 1 or shape_of(x)[0] == 0:
        raise TypeError("expected non-empty 1D vector for x")
    if len(shape_of(y)) not in (1, 2) or shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("expected 1D or 2D array for y, with as many entries as x")
    if rcond is None:
        rcond = shape_of(x)[0] * np.finfo(np.result_type(dtype_of(x), 0.0)).eps
    two_d = len(shape_of(y)) == 2
    lhs, rhs = _vander(x + 0.0, order), y + 0.0
    if w is not None:
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if two_d else w)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    scaled = lhs / scale  # NumPy's lhs
    coefficients = np.linalg.lstsq(scaled, rhs, rcond=rcond)[0]
    coefficients = coefficients / (scale[:, None] if two_d else scale)
    if not full and not cov:
        return coefficients
    # NumPy's own full fit on the values: its checks, rank, rcond and the residuals' shape
    _, raw_residuals, rank, _, rcond_used = np.polyfit(
        stop_gradient(x), stop_gradient(y), deg, rcond, True,
        None if w is None else stop_gradient(w))
    residuals = raw_residuals  # empty (rank < order or too few points): no derivative
    if shape_of(raw_residuals)[0] > 0:
        misfit = rhs - lhs @ coefficients  # w (y - vander(x) c)
        residuals = np.reshape(np.sum(np.real(misfit * np.conj(misfit)), axis=0), (-1,))
    if full:
        singular_values = np.linalg.svd(scaled, compute_uv=False)
        return coefficients, residuals, rank, singular_values, rcond_used
    if rank != order:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning,
                      stacklevel=2)
    covariance = np.linalg.inv(np.swapaxes(scaled, 0, 1) @ scaled) / np.outer(scale, scale)
    if cov == "unscaled":
        factor = 1
    else:
        if shape_of(x)[0] <= order:
            raise ValueError("the number of data points must exceed order to scale the "
                             "covariance matrix")
        factor = residuals / (shape_of(x)[0] - order)
    if not two_d:
        return coefficients, covariance * factor
    return coefficients, np.expand_dims(covariance, -1) * factor


def _poly(seq_of_zeros):
    """np.poly of 1-D roots: the product of the factors (x - r), one convolution each."""
    if len(shape_of(seq_of_zeros)) != 1:
        raise NotImplementedError("sciad differentiates numpy.poly of a 1-D sequence of roots "
                                  "only (the characteristic polynomial needs eigvals)")
    coefficients = np.ones(1, dtype_of(seq_of_zeros))
    for i in range(shape_of(seq_of_zeros)[0]):
        factor = np.concatenate([np.ones(1, dtype_of(seq_of_zeros)),
                                 np.reshape(-seq_of_zeros[i], (1,))])
        coefficients = np.convolve(coefficients, factor, "full")
    return coefficients


def _unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """np.unwrap adds whole periods, piecewise constant in p: p plus NumPy's correction."""
    raw = stop_gradient(p)
    return p + (np.unwrap(raw, discont, axis, period=period) - raw)


for _func, _implementation in ((np.polyadd, _polyadd), (np.polysub, _polysub),
                               (np.polymul, _polymul), (np.polyder, _polyder),
                               (np.polyint, _polyint), (np.vander, _vander),
                               (np.polyfit, _polyfit), (np.poly, _poly), (np.unwrap, _unwrap)):
    composite(_func, _implementation)
composite(np.gradient, _gradient)
composite(np.ediff1d, _ediff1d)
composite(np.convolve, _convolve)
composite(np.correlate, _correlate)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
