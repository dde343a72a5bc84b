"""Rules users still missed: grids, the array-API cumulative functions, sliding windows, the
general (non-symmetric) eigenproblem, polynomial division and polynomial roots.

* ``meshgrid`` (indexing 'xy'/'ij', sparse, copy) is reshapes and ``broadcast_to`` of its
  inputs; ``cumulative_sum``/``cumulative_prod`` are ``cumsum``/``cumprod`` with the initial 0
  or 1 prepended (``include_initial``): composites, so they differentiate to any order.
* ``sliding_window_view`` is a primitive returning NumPy's (read-only) view; its cotangent adds
  every window back onto the entries it covers (an entry in k windows collects k cotangents).
  That scatter is a primitive too, whose own cotangent is the sliding window again.
* ``eig``/``eigvals`` of a general real or complex matrix with distinct eigenvalues, with
  ``A = V diag(w) V^-1``: ``dw_i = (V^-1 dA V)_ii`` (``u_i^H dA v_i / u_i^H v_i`` with the left
  eigenvectors ``u_i^H``, the rows of ``V^-1``) and ``dV = V (F o (V^-1 dA V))``, ``F_ij =
  1 / (w_j - w_i)`` off the diagonal and 0 on it (Giles 2008, section 3.1). That ``dV`` keeps
  ``(V^-1 dV)_ii = 0``; NumPy's eigenvectors are further scaled to unit 2-norm with their
  largest entry real (LAPACK's normalisation), which is applied to them as differentiable NumPy
  code (a function of the direction of each column only), so the result is the derivative of
  exactly what NumPy returns. The cotangent is ``A_bar = V^-H (diag(w_bar) + conj(F) o (V^H
  V_bar)) V^H``, its real part for a real ``A``. Repeated eigenvalues (no derivative in
  general) raise NotDifferentiableError.
* ``polydiv(u, v)``: the quotient by NumPy's recurrence ``q_k = (u_k - sum_j q_{k-j} v_j) /
  v_0``, the remainder ``u - q * v`` trimmed exactly as NumPy trims it.
* ``roots(p)``: ``p(r) = 0`` differentiated implicitly, ``dr = -sum_k dp_k r^(N-k) / p'(r)``,
  for distinct roots (a repeated root has ``p'(r) = 0`` and no derivative: that raises
  NotDifferentiableError). Real coefficients get the real part of the cotangent.
* ``linalg.tensorinv``/``linalg.tensorsolve`` are ``inv``/``solve`` of the reshaped arrays, as
  NumPy computes them (composites: any order).
* ``piecewise(x, condlist, funclist)`` runs NumPy's own algorithm on the traced ``x``: each
  callable gets ``x[cond]`` and its result is assigned into ``zeros_like(x)``, so derivatives
  flow through the callables (and through a traced scalar in ``funclist``), a later condition
  overwrites an earlier one, and a constant entry has derivative 0. Conditions are read as
  values: they carry no derivative.
"""

from __future__ import annotations

import collections.abc

import numpy as np

from ...errors import NotDifferentiableError
from ..graph import Primitive, apply, apply_multi
from ..registry import FUNCTION_RULES, composite, dtype_of, shape_of
from ..tensor import Tensor
from .linalg import conj_transpose, diagonal_matrix, raw_value
from .linalg_factor import coupling_factors
from .shapes import SHAPE_ONLY

_BEFORE = set(FUNCTION_RULES)


# --- meshgrid ---------------------------------------------------------------------------------
def _meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    grids = []
    for i, x in enumerate(xi):
        shape = [1] * ndim
        shape[i] = -1
        grids.append(np.reshape(x, tuple(shape)))
    if indexing == "xy" and ndim > 1:  # the first two axes swap places
        grids[0] = np.reshape(grids[0], (1, -1) + (1,) * (ndim - 2))
        grids[1] = np.reshape(grids[1], (-1, 1) + (1,) * (ndim - 2))
    if not sparse:
        full = np.broadcast_shapes(*(shape_of(g) for g in grids))
        grids = [np.broadcast_to(g, full) for g in grids]
    if copy:
        grids = [np.copy(g) for g in grids]
    return tuple(grids)


composite(np.meshgrid, _meshgrid)


# --- cumulative_sum, cumulative_prod (NumPy >= 2.1) -------------------------------------------
def _cumulative(running, initial, name):
    def implementation(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        if out is not None:
            raise NotDifferentiableError(f"numpy.{name}(..., out=...) writes into an existing "
                                         "array, which sciad does not trace; drop out=")
        if len(shape_of(x)) == 0:
            x = np.reshape(x, (1,))  # as NumPy: a scalar is a 1-element array
        if axis is None:
            if len(shape_of(x)) > 1:
                raise ValueError("For arrays which have more than one dimension ``axis`` "
                                 "argument is required.")
            axis = 0
        result = running(x, axis=axis, dtype=dtype)
        if not include_initial:
            return result
        edge = list(shape_of(result))
        edge[axis] = 1
        return np.concatenate([np.full(tuple(edge), initial, dtype_of(result)), result],
                              axis=axis)
    return implementation


composite(np.cumulative_sum, _cumulative(np.cumsum, 0, "cumulative_sum"))
composite(np.cumulative_prod, _cumulative(np.cumprod, 1, "cumulative_prod"))


# --- sliding_window_view ----------------------------------------------------------------------
def _window_axes(shape, window_shape, axis):
    window_shape = tuple(window_shape) if np.iterable(window_shape) else (window_shape,)
    if axis is None:
        axes = tuple(range(len(shape)))
    else:
        axes = tuple(axis) if np.iterable(axis) else (axis,)
        axes = tuple(a + len(shape) if a < 0 else a for a in axes)
    return tuple(int(w) for w in window_shape), axes


def _windows(x, window_shape, axes):
    return np.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axes)


def _windows_vjp(argnum, g, ans, args, kwargs):
    x = args[0]
    return _scatter_windows(g, shape=shape_of(x), axes=kwargs["axes"], dtype=dtype_of(x))


WINDOWS = Primitive("numpy.lib.stride_tricks.sliding_window_view",
                    lambda x, window_shape, axes: _windows(x, window_shape, axes),
                    _windows_vjp, reads=SHAPE_ONLY)


def _scatter_windows(g, shape, axes, dtype):
    """The sum of every window of ``g`` (shaped like ``sliding_window_view(x)``) put back where
    it came from in an array shaped like ``x``."""
    if type(g) is Tensor:  # traced (higher order): recorded, so it differentiates again
        return apply(SCATTER_WINDOWS, (g,), {"shape": shape, "axes": axes, "dtype": dtype})
    if dtype.kind != "c" and g.dtype.kind == "c":
        g = np.real(g)
    out = np.zeros(shape, g.dtype)
    counts = shape_of(g)[:len(shape)]   # windows per axis
    for offset in np.ndindex(*shape_of(g)[len(shape):]):
        start = [0] * len(shape)
        for a, o in zip(axes, offset):  # an axis named twice moves by both offsets
            start[a] += o
        out[tuple(slice(s, s + n) for s, n in zip(start, counts))] += g[(Ellipsis,) + offset]
    return out.astype(dtype, copy=False) if dtype.kind == "f" else out  # float32 stays float32


def _scatter_windows_vjp(argnum, g, ans, args, kwargs):
    window_shape = shape_of(args[0])[len(kwargs["shape"]):]
    return np.lib.stride_tricks.sliding_window_view(g, window_shape, axis=kwargs["axes"])


SCATTER_WINDOWS = Primitive("sliding_window_view cotangent (scatter-add)",
                            lambda g, shape, axes, dtype: _scatter_windows(g, shape, axes, dtype),
                            _scatter_windows_vjp, reads=SHAPE_ONLY)


def _sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    if writeable:
        raise NotDifferentiableError(
            "sliding_window_view(..., writeable=True) writes through a view into its input, "
            "which sciad does not trace; keep writeable=False and build a new array")
    window_shape, axes = _window_axes(shape_of(x), window_shape, axis)
    return apply(WINDOWS, (x,), {"window_shape": window_shape, "axes": axes})


FUNCTION_RULES[np.lib.stride_tricks.sliding_window_view] = (
    lambda args, kwargs: _sliding_window_view(*args, **kwargs))


# --- eig, eigvals (general matrices) ----------------------------------------------------------
def _repeated_gap(dtype):
    """Values closer than this (relative to the largest) count as repeated: a double root or a
    defective double eigenvalue comes out of LAPACK split by about sqrt(eps), with derivatives
    of order 1/sqrt(eps) that would be noise, not a derivative."""
    return 10.0 * np.sqrt(np.finfo(np.result_type(dtype, np.float32)).eps)


def _has_repeats(values) -> bool:
    """Whether two entries along the last axis of a raw array are (numerically) equal."""
    n = values.shape[-1]
    if n < 2:
        return False
    gap = np.abs(values[..., :, None] - values[..., None, :])
    gap[..., np.arange(n), np.arange(n)] = np.inf
    scale = np.max(np.abs(values), axis=-1, keepdims=True)[..., None]
    scale = np.maximum(scale, np.finfo(gap.dtype).tiny)
    return bool(np.any(gap <= _repeated_gap(values.dtype) * scale))


def _require_distinct(w, name):
    if _has_repeats(raw_value(w)):
        raise NotDifferentiableError(
            f"{name} of a matrix with repeated eigenvalues has no derivative (the eigenvalues "
            "of a defective matrix are not differentiable, and the eigenvectors of a repeated "
            "one are not unique); for a symmetric matrix use numpy.linalg.eigh, whose "
            "eigenvalues are differentiable there")


def _eigen_cotangent(a, w, v, g_w, g_v):
    """``V^-H (diag(g_w) + conj(F) o (V^H g_v)) V^H``, real for a real ``a``."""
    v_h = conj_transpose(v)
    inner = 0.0
    if g_w is not None:
        inner = inner + diagonal_matrix(g_w)
    if g_v is not None:
        # coupling_factors zeroes nearly equal pairs; _require_distinct has refused those
        inner = inner + np.conj(coupling_factors(w)) * (v_h @ g_v)
    if type(inner) is float:
        return None
    cot = np.linalg.solve(v_h, inner @ v_h)
    return cot if dtype_of(a).kind == "c" else np.real(cot)


def _eig_vjp(argnum, g, ans, args, kwargs):
    w, v = ans
    _require_distinct(w, "numpy.linalg.eig")
    return _eigen_cotangent(args[0], w, v, g[0], g[1])


def _eigvals_vjp(g, ans, a):
    _require_distinct(ans, "numpy.linalg.eigvals")
    # the eigenvalue cotangent does not depend on how the columns of V are scaled
    v = np.linalg.eig(a).eigenvectors
    return _eigen_cotangent(a, ans, v, g, None)


EIG = Primitive("numpy.linalg.eig", lambda a: np.linalg.eig(a), _eig_vjp)
EIGVALS = Primitive("numpy.linalg.eigvals", lambda a: np.linalg.eigvals(a),
                    lambda argnum, g, ans, args, kwargs: _eigvals_vjp(g, ans, *args))


def _lapack_normalised(x):
    """LAPACK's scaling of eigenvectors, ``x conj(x_k) / (|x_k| ||x||)`` per column with ``k``
    its largest entry (kept real, with the sign NumPy gave it), as NumPy code: it depends only on
    the direction of each column, so it turns the rule's ``dV`` into the derivative of NumPy's
    eigenvectors. Its value is NumPy's up to rounding."""
    raw = raw_value(x)
    norm = np.sqrt(np.sum(np.real(x * np.conj(x)), axis=-2, keepdims=True))
    if raw.dtype.kind != "c":
        return x / norm
    k = np.argmax(np.abs(raw), axis=-2, keepdims=True)
    lead = np.take_along_axis(x, k, axis=-2)
    raw_lead = np.take_along_axis(raw, k, axis=-2)
    sign = np.where(np.real(raw_lead) < 0, -1.0, 1.0).astype(raw.real.dtype)
    return x * (np.conj(lead) * sign / (np.abs(lead) * norm))


def _eig(args, kwargs):
    result = apply_multi(EIG, args, kwargs)
    if type(result.eigenvectors) is not Tensor:
        return result
    return type(result)._make((result.eigenvalues, _lapack_normalised(result.eigenvectors)))


FUNCTION_RULES[np.linalg.eig] = _eig
FUNCTION_RULES[np.linalg.eigvals] = lambda args, kwargs: apply(EIGVALS, args, kwargs)


# --- polydiv, roots ---------------------------------------------------------------------------
def _polydiv(u, v):
    u = np.atleast_1d(u) + 0.0
    v = np.atleast_1d(v) + 0.0
    if len(shape_of(u)) != 1 or len(shape_of(v)) != 1:
        return np.polydiv(raw_value(u), raw_value(v))  # NumPy's own error
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    # NumPy's output lengths: its remainder is trimmed by an allclose test on values
    raw_q, raw_r = np.polydiv(raw_value(u), raw_value(v))
    if m < n:
        return raw_q, u[m + 1 - shape_of(raw_r)[0]:]
    quotient = []
    for k in range(m - n + 1):
        term = u[k]
        for j in range(1, min(k, n) + 1):
            term = term - quotient[k - j] * v[j]
        quotient.append(term / v[0])
    q = np.stack(quotient)
    remainder = u - np.convolve(q, v)
    return q, remainder[m + 1 - shape_of(raw_r)[0]:]


composite(np.polydiv, _polydiv)


def _roots_vjp(g, ans, p):
    """p(r) = 0 gives dr_i = -sum_k dp_k r_i^(N-k) / p'(r_i); the cotangent of p_k is
    sum_i g_i conj(-r_i^(N-k) / p'(r_i))."""
    p = np.atleast_1d(p)
    degree = shape_of(p)[0] - 1
    powers = np.vander(ans, degree + 1)                       # r_i^(N-k)
    slope = powers[:, 1:] @ (p[:-1] * np.arange(degree, 0, -1))  # p'(r_i)
    _require_simple_roots(ans, slope)
    cot = np.conj(-powers / slope[:, None]).T @ g
    return cot if dtype_of(p).kind == "c" else np.real(cot)


def _require_simple_roots(r, slope):
    raw_r, raw_slope = raw_value(r), raw_value(slope)
    if np.any(raw_slope == 0) or _has_repeats(raw_r):
        raise NotDifferentiableError(
            "numpy.roots: a repeated root has no derivative (p'(r) = 0 there)")


ROOTS = Primitive("numpy.roots", lambda p: np.roots(p),
                  lambda argnum, g, ans, args, kwargs: _roots_vjp(g, ans, *args))
FUNCTION_RULES[np.roots] = lambda args, kwargs: apply(ROOTS, args, kwargs)

# --- tensorinv, tensorsolve: inv and solve of reshaped arrays, NumPy's way --------------------
def _tensorinv(a, ind=2):
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = shape_of(a)
    rows = int(np.prod(shape[ind:]))
    inverse = np.linalg.inv(np.reshape(a, (rows, -1)))
    return np.reshape(inverse, shape[ind:] + shape[:ind])


def _tensorsolve(a, b, axes=None):
    a, b = (v if type(v) is Tensor else np.asarray(v) for v in (a, b))
    ndim = len(shape_of(a))
    if axes is not None:  # NumPy's loop: the named axes move to the end, in order
        order = list(range(ndim))
        for k in axes:
            order.remove(k)
            order.insert(ndim, k)
        a = np.transpose(a, order)
    solution_shape = shape_of(a)[-(ndim - len(shape_of(b))):]
    size = int(np.prod(solution_shape))
    if int(np.prod(shape_of(a))) != size ** 2:
        raise np.linalg.LinAlgError("Input arrays must satisfy the requirement prod(a.shape["
                                    "b.ndim:]) == prod(a.shape[:b.ndim])")
    solution = np.linalg.solve(np.reshape(a, (size, size)), np.reshape(b, (-1,)))
    return np.reshape(solution, solution_shape)


composite(np.linalg.tensorinv, _tensorinv)
composite(np.linalg.tensorsolve, _tensorsolve)


# --- piecewise ----------------------------------------------------------------------------------
def _piecewise(x, condlist, funclist, *args, **kw):
    """NumPy's piecewise, line by line, on a traced x (conditions as plain values)."""
    x = x if type(x) is Tensor else np.asanyarray(x)
    if type(condlist) is Tensor:
        condlist = raw_value(condlist)
    elif isinstance(condlist, (list, tuple)):
        condlist = [raw_value(c) for c in condlist]
    # undocumented in NumPy: a single condition is promoted to a list of one condition
    if np.isscalar(condlist) or (not isinstance(condlist[0], (list, np.ndarray))
                                 and len(shape_of(x)) != 0):
        condlist = [condlist]
    condlist = np.asarray(condlist, dtype=bool)
    n = len(condlist)
    if n == len(funclist) - 1:  # the extra function applies where no condition holds
        otherwise = ~np.any(condlist, axis=0, keepdims=True)
        condlist = np.concatenate([condlist, otherwise], axis=0)
    elif n != len(funclist):
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = np.zeros_like(x)  # a constant box: the assignments below are recorded
    for cond, func in zip(condlist, funclist):
        if not isinstance(func, collections.abc.Callable):
            y[cond] = func
        else:
            values = x[cond]
            if raw_value(values).size > 0:
                y[cond] = func(values, *args, **kw)
    return y


composite(np.piecewise, _piecewise)


REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
