"""numpy.linalg decompositions: cholesky, eigh, eigvalsh, svd, svdvals, qr (real matrices).

Conventions
-----------
- cholesky and eigh read one triangle of their argument (the lower one by default, as LAPACK
  does). Their derivatives are those of the function NumPy computes: the unread triangle gets a
  zero cotangent, and each read off-diagonal entry gets the cotangent of both symmetric
  positions. For a symmetric perturbation (a = b @ b.T, say) this is the usual symmetric
  derivative, and it agrees with central finite differences entry by entry.
- Degenerate eigenvalues (eigh) and singular values (svd): the eigenvectors are not unique
  there. The terms that couple two equal values (|w_i - w_j| <= 100 eps max|w|) are set to
  zero, so losses that do not depend on the choice of basis inside the degenerate subspace
  (eigenvalues, projectors) get correct derivatives; other losses have no derivative there.
- svd needs ``full_matrices=False`` (the extra columns of full U or V are arbitrary) unless only
  the singular values are used; qr gives derivatives of the reduced factorisation (any shape,
  full rank). Complex matrices are refused with a clear error.

References: Murray 2016 (Cholesky), Giles 2008 (eigh), Townsend 2016 (SVD), Walter and
Lehmann 2018 and Liao et al. 2019 (QR).
"""

import numpy as np
import scipy.linalg

from ...errors import NotDifferentiableError
from ..graph import Primitive, apply, apply_multi
from ..registry import FUNCTION_RULES, defvjp, dtype_of, function_name, shape_of
from .linalg import constant_mask, diagonal_matrix, identity, matrix_transpose, raw_value

__all__ = ["read_lower_triangle_cotangent", "coupling_factors"]

_DEGENERATE_RTOL = 100.0


def _real_only(a, func):
    if dtype_of(a).kind == "c":
        raise NotDifferentiableError(
            f"sciad's derivative of {function_name(func)} is for real matrices; write the "
            "complex matrix as a real one (the real and imaginary parts as separate arrays)")


def _strict_lower(n, like):
    return constant_mask("strict lower", n, np.result_type(dtype_of(like), np.float32))


def read_lower_triangle_cotangent(sym_cotangent):
    """Cotangent of ``a`` for a function that reads only ``tril(a)`` as the symmetric matrix
    ``tril(a) + tril(a, -1).T``, from the cotangent of that symmetric matrix."""
    n = shape_of(sym_cotangent)[-1]
    both = sym_cotangent + matrix_transpose(sym_cotangent)
    return _strict_lower(n, sym_cotangent) * both + identity(n, sym_cotangent) * sym_cotangent


def coupling_factors(values, squared=False):
    """``F[..., i, j] = 1 / (v_j - v_i)`` (of the squares with ``squared``); 0 on the diagonal
    and between degenerate values."""
    v = values * values if squared else values
    gap = np.expand_dims(v, -2) - np.expand_dims(v, -1)
    raw_v = raw_value(v)
    eps = np.finfo(np.result_type(raw_v.dtype, np.float32)).eps
    scale = np.max(np.abs(raw_v), axis=-1, keepdims=True)[..., None] if raw_v.size else 1.0
    degenerate = np.abs(raw_value(gap)) <= _DEGENERATE_RTOL * eps * scale
    return np.where(degenerate, 0.0, 1.0 / np.where(degenerate, 1.0, gap))


# --- cholesky ---------------------------------------------------------------------------------
def _solve_transposed_lower(lower, b):
    """``lower^-T b``: a triangular solve on plain arrays; on traced ones (higher order) it is
    recorded as np.linalg.solve, which has a rule."""
    if type(lower) is np.ndarray and type(b) is np.ndarray:
        return scipy.linalg.solve_triangular(lower, b, trans="T", lower=True)
    return np.linalg.solve(matrix_transpose(lower), b)


def _cholesky_vjp(g, ans, a, upper=False):
    _real_only(a, np.linalg.cholesky)
    # upper=True reads the upper triangle: U = cholesky_lower(a.T).T
    lower, g_lower = (matrix_transpose(ans), matrix_transpose(g)) if upper else (ans, g)
    n = shape_of(a)[-1]
    phi = constant_mask("cholesky phi", n, np.result_type(dtype_of(ans), np.float32))
    inner = (matrix_transpose(lower) @ g_lower) * phi
    half = _solve_transposed_lower(lower, inner)                                 # L^-T P
    sym = matrix_transpose(_solve_transposed_lower(lower, matrix_transpose(half)))  # L^-T P L^-1
    cot = read_lower_triangle_cotangent(sym)
    return matrix_transpose(cot) if upper else cot


def _cholesky(a, upper=False):
    return np.linalg.cholesky(a, upper=upper)


defvjp(np.linalg.cholesky, _cholesky_vjp, fn=_cholesky)


# --- symmetric eigenproblem -------------------------------------------------------------------
def _read_triangle(sym_cotangent, uplo):
    cot = read_lower_triangle_cotangent(sym_cotangent)
    return cot if str(uplo).upper() == "L" else matrix_transpose(cot)


def _eigh_vjp(argnum, g, ans, args, kwargs):
    a = args[0]
    _real_only(a, np.linalg.eigh)
    uplo = args[1] if len(args) > 1 else kwargs.get("UPLO", "L")
    w, v = ans
    g_w, g_v = g[0], g[1]
    v_t = matrix_transpose(v)
    inner = 0.0
    if g_w is not None:
        inner = inner + diagonal_matrix(g_w)
    if g_v is not None:
        inner = inner + coupling_factors(w) * (v_t @ g_v)
    if type(inner) is float:
        return None
    return _read_triangle(v @ inner @ v_t, uplo)


def _eigvalsh_vjp(g, ans, a, UPLO="L"):  # noqa: N803  (NumPy's keyword)
    _real_only(a, np.linalg.eigvalsh)
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    return _read_triangle((v * np.expand_dims(g, -2)) @ matrix_transpose(v), UPLO)


def _eigh(a, UPLO="L"):  # noqa: N803
    return np.linalg.eigh(a, UPLO=UPLO)


EIGH = Primitive("numpy.linalg.eigh", _eigh, _eigh_vjp)
FUNCTION_RULES[np.linalg.eigh] = lambda args, kwargs: apply_multi(EIGH, args, kwargs)
defvjp(np.linalg.eigvalsh, _eigvalsh_vjp)


# --- singular value decomposition -------------------------------------------------------------
def _svd_vjp(argnum, g, ans, args, kwargs):
    a = args[0]
    _real_only(a, np.linalg.svd)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    u, s, vh = ans
    g_u, g_s, g_vh = g[0], g[1], g[2]
    if (shape_of(u)[-1] != k and g_u is not None) or (shape_of(vh)[-2] != k and g_vh is not None):
        raise NotDifferentiableError(
            "numpy.linalg.svd(a, full_matrices=True) of a non-square matrix has arbitrary extra "
            "columns in U or V, which have no derivative; call svd(a, full_matrices=False)")
    u, vh = u[..., :, :k], vh[..., :k, :]
    u_t, v = matrix_transpose(u), matrix_transpose(vh)
    inner = 0.0 if g_s is None else diagonal_matrix(g_s)
    if g_u is not None or g_vh is not None:
        factors = coupling_factors(s, squared=True)
        sigma = diagonal_matrix(s)
    if g_u is not None:
        inner = inner + (factors * (u_t @ g_u - matrix_transpose(g_u) @ u)) @ sigma
    if g_vh is not None:
        g_v = matrix_transpose(g_vh)
        inner = inner + sigma @ (factors * (vh @ g_v - g_vh @ v))
    cot = 0.0 if type(inner) is float else u @ inner @ vh
    s_row = np.expand_dims(s, -2)
    if g_u is not None and m > k:  # the part of g_u outside range(u)
        scaled = g_u / s_row
        cot = cot + (scaled - u @ (u_t @ scaled)) @ vh
    if g_vh is not None and n > k:  # the part of g_vh outside range(v)
        scaled = g_vh / np.expand_dims(s, -1)
        cot = cot + u @ (scaled - (scaled @ v) @ vh)
    return None if type(cot) is float else cot


def _singular_values_vjp(argnum, g, ans, args, kwargs):
    a = args[0]
    _real_only(a, np.linalg.svd)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return (u * np.expand_dims(g, -2)) @ vh


def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                         hermitian=hermitian)


def _singular_values(a):
    return np.linalg.svd(a, compute_uv=False)


SVD = Primitive("numpy.linalg.svd", _svd, _svd_vjp)
SINGULAR_VALUES = Primitive("numpy.linalg.svd(compute_uv=False)", _singular_values,
                            _singular_values_vjp)


def _svd_handler(args, kwargs):
    names = ("full_matrices", "compute_uv", "hermitian")
    options = dict(zip(names, args[1:]), **kwargs)
    if not options.get("compute_uv", True):
        return apply(SINGULAR_VALUES, args[:1], {})
    return apply_multi(SVD, args[:1], options)


FUNCTION_RULES[np.linalg.svd] = _svd_handler
FUNCTION_RULES[np.linalg.svdvals] = lambda args, kwargs: apply(SINGULAR_VALUES, args[:1], {})


# --- QR ---------------------------------------------------------------------------------------
def _copy_lower_to_upper(m):
    n = shape_of(m)[-1]
    strict = _strict_lower(n, m) * m
    return strict + matrix_transpose(strict) + identity(n, m) * m


def _qr_tall_cotangent(g_q, g_r, q, r):
    """Cotangent of a (m >= n) from those of q and r: (g_q + q copyltu(M)) r^-T,
    M = r g_r^T - g_q^T q."""
    m_matrix = r @ matrix_transpose(g_r) - matrix_transpose(g_q) @ q
    b = g_q + q @ _copy_lower_to_upper(m_matrix)
    return matrix_transpose(np.linalg.solve(r, matrix_transpose(b)))


def _qr_cotangent(g_q, g_r, q, r, a):
    m, n = shape_of(a)[-2:]
    g_q = np.zeros(shape_of(q), dtype_of(q)) if g_q is None else g_q
    g_r = np.zeros(shape_of(r), dtype_of(r)) if g_r is None else g_r
    if m >= n:
        return _qr_tall_cotangent(g_q, g_r, q, r)
    # wide: a = [x | y], r = [u | q^T y]; x's QR is square (Liao et al. 2019)
    y, u = a[..., :, m:], r[..., :, :m]
    g_u, g_v = g_r[..., :, :m], g_r[..., :, m:]
    g_x = _qr_tall_cotangent(g_q + y @ matrix_transpose(g_v), g_u, q, u)
    return np.concatenate([g_x, q @ g_v], axis=-1)


def _qr_vjp(argnum, g, ans, args, kwargs):
    a = args[0]
    _real_only(a, np.linalg.qr)
    q, r = ans
    if shape_of(q)[-1] != shape_of(r)[-2] or shape_of(r)[-2] != min(shape_of(a)[-2:]):
        raise NotDifferentiableError("numpy.linalg.qr(a, mode='complete') of a tall matrix has "
                                     "arbitrary extra columns in Q; use mode='reduced'")
    return _qr_cotangent(g[0], g[1], q, r, a)


def _qr_r_vjp(argnum, g, ans, args, kwargs):
    a = args[0]
    _real_only(a, np.linalg.qr)
    q, r = np.linalg.qr(a)
    return _qr_cotangent(None, g, q, r, a)


def _qr(a, mode="reduced"):
    return np.linalg.qr(a, mode=mode)


QR = Primitive("numpy.linalg.qr", _qr, _qr_vjp)
QR_R = Primitive("numpy.linalg.qr(mode='r')", _qr, _qr_r_vjp)


def _qr_handler(args, kwargs):
    mode = args[1] if len(args) > 1 else kwargs.get("mode", "reduced")
    if mode == "r":
        return apply(QR_R, args[:1], {"mode": "r"})
    if mode not in ("reduced", "complete"):
        raise NotDifferentiableError(f"numpy.linalg.qr(mode={mode!r}) returns LAPACK's raw "
                                     "reflectors, which sciad does not differentiate; use "
                                     "mode='reduced'")
    return apply_multi(QR, args[:1], {"mode": mode})


FUNCTION_RULES[np.linalg.qr] = _qr_handler
