"""numpy.linalg: inverses, solves, determinants and compositions of matrix products.

Every rule works on stacks of matrices (the last two axes) and is written with NumPy calls, so
it differentiates again. Decompositions (cholesky, eigh, svd, qr) live in
:mod:`~sciad.engine.rules.linalg_factor`, norms in :mod:`~sciad.engine.rules.linalg_norm`.

Conventions
-----------
- ``det`` of a singular (or nearly singular) matrix: its derivative is the cofactor matrix,
  computed through the SVD there (the adjugate route), so it is finite and exact; ``det * inv``
  would give NaN or lose all digits.
- ``pinv`` and ``lstsq`` assume the rank stays constant near the point (full rank for lstsq);
  at a rank change the pseudo-inverse is discontinuous and has no derivative.
- ``slogdet``'s sign is piecewise constant: it receives no derivative.
"""

import functools
import operator

import numpy as np

from ..registry import (FUNCTION_RULES, defvjp, defvjp_argnum, defvjp_multi, dtype_of,
                        nondifferentiable, shape_of, unbroadcast)

__all__ = ["matrix_transpose", "conj_transpose", "identity", "diagonal_matrix", "cofactor_matrix",
           "pinv_cotangent", "raw_value", "constant_mask"]


def matrix_transpose(x):
    """Swap the last two axes (the transpose of every matrix in a stack)."""
    return np.swapaxes(x, -1, -2)


def conj_transpose(x):
    """The conjugate transpose of every matrix in a stack (plain transpose for real ones)."""
    return np.conj(np.swapaxes(x, -1, -2)) if dtype_of(x).kind == "c" else np.swapaxes(x, -1, -2)


def identity(n: int, like) -> np.ndarray:
    """An ``n x n`` identity in the precision of ``like`` (a read-only constant)."""
    return constant_mask("identity", n, np.result_type(dtype_of(like), np.float32))


@functools.lru_cache(maxsize=128)
def constant_mask(kind: str, n: int, dtype) -> np.ndarray:
    """Cached read-only ``n x n`` masks the matrix rules multiply by (allocating them anew for
    every backward pass costs more than the arithmetic for small matrices)."""
    ones = np.ones((n, n), dtype)
    masks = {"identity": lambda: np.eye(n, dtype=dtype),
             "strict lower": lambda: np.tril(ones, -1),
             "cholesky phi": lambda: np.tril(ones) - 0.5 * np.eye(n, dtype=dtype)}
    mask = masks[kind]()
    mask.setflags(write=False)
    return mask


def diagonal_matrix(d):
    """Matrices with ``d[..., i]`` on the diagonal (differentiable in ``d``)."""
    n = shape_of(d)[-1]
    return np.expand_dims(d, -1) * identity(n, d)


# --- inverse and solve ------------------------------------------------------------------------
def _inv_vjp(g, ans, a):
    ans_h = conj_transpose(ans)
    return -(ans_h @ g @ ans_h)


def _solve_vjp(argnum, g, ans, args, kwargs):
    # x = a^-1 b: b receives a^-H g, a receives -(a^-H g) x^H. A 1-D b is one vector (NumPy 2).
    a, b = args
    vector = len(shape_of(b)) == 1
    g_matrix = np.expand_dims(g, -1) if vector else g
    gb = np.linalg.solve(conj_transpose(a), g_matrix)
    if argnum == 1:
        return unbroadcast(gb[..., 0] if vector else gb, shape_of(b), dtype_of(b))
    x_matrix = np.expand_dims(ans, -1) if vector else ans
    return unbroadcast(-(gb @ conj_transpose(x_matrix)), shape_of(a), dtype_of(a))


defvjp(np.linalg.inv, _inv_vjp)
defvjp_argnum(np.linalg.solve, _solve_vjp)


# --- determinants -----------------------------------------------------------------------------
def raw_value(x):
    """The NumPy value under any Tensor boxes (for decisions that carry no derivative)."""
    while hasattr(x, "_value"):
        x = x._value
    return x


def _regular_inverse(a):
    """inv(a) when every matrix in ``a`` is well enough conditioned for det * inv(a) to keep at
    least half the digits (1-norm condition below 1/sqrt(eps)); None otherwise."""
    raw_a = raw_value(a)
    try:
        with np.errstate(all="ignore"):
            inverse = np.linalg.inv(raw_a)
            condition = (np.linalg.norm(raw_a, 1, axis=(-2, -1))
                         * np.linalg.norm(inverse, 1, axis=(-2, -1)))
    except np.linalg.LinAlgError:  # exactly singular
        return None
    limit = np.finfo(np.result_type(raw_a.dtype, np.float32)).eps ** -0.5
    if not np.all(condition < limit):
        return None
    return inverse if a is raw_a else np.linalg.inv(a)  # differentiable when a is traced


def _products_of_others(s):
    """``p[..., i] = prod_{j != i} s[..., j]`` without division (s may contain zeros)."""
    k = shape_of(s)[-1]
    prefix = [None] * k
    running = None
    for i in range(k):
        prefix[i] = running
        running = s[..., i] if running is None else running * s[..., i]
    products = [None] * k
    running = None
    for i in reversed(range(k)):
        parts = [p for p in (prefix[i], running) if p is not None]
        if not parts:
            products[i] = np.ones_like(s[..., i])
        else:
            products[i] = parts[0] if len(parts) == 1 else parts[0] * parts[1]
        running = s[..., i] if running is None else running * s[..., i]
    return np.stack(products, axis=-1)


def cofactor_matrix(a, det):
    """The cofactor matrix of every matrix in ``a`` (d det / d a), finite at singular matrices.

    Well-conditioned matrices use ``det * inv(a).T``; singular and nearly singular real ones use
    the SVD ``a = U S V^T``: cofactor = det(U) det(V^T) U diag(prod_{j != i} s_j) V^T.
    """
    inverse = _regular_inverse(a) if dtype_of(a).kind != "c" else np.linalg.inv(a)
    if inverse is not None:
        return np.expand_dims(np.expand_dims(det, -1), -1) * matrix_transpose(inverse)
    u, s, vh = np.linalg.svd(a)
    orientation = np.linalg.det(u) * np.linalg.det(vh)
    scaled = u * np.expand_dims(_products_of_others(s), -2)
    return np.expand_dims(np.expand_dims(orientation, -1), -1) * (scaled @ vh)


def _det_vjp(g, ans, a):
    cofactor = cofactor_matrix(a, ans)
    if dtype_of(cofactor).kind == "c":
        cofactor = np.conj(cofactor)
    return np.expand_dims(np.expand_dims(g, -1), -1) * cofactor


def _slogdet_vjp(argnum, g, ans, args, kwargs):
    g_logabsdet = g[1]
    if g_logabsdet is None:
        return None  # only the sign received a cotangent, and it is piecewise constant
    if dtype_of(g_logabsdet).kind == "c":
        g_logabsdet = np.real(g_logabsdet)
    inverse_h = conj_transpose(np.linalg.inv(args[0]))
    return np.expand_dims(np.expand_dims(g_logabsdet, -1), -1) * inverse_h


defvjp(np.linalg.det, _det_vjp)
defvjp_multi(np.linalg.slogdet, _slogdet_vjp)


# --- pseudo-inverse and least squares ---------------------------------------------------------
def pinv_cotangent(g, a, pinv):
    """Cotangent of ``a`` given the cotangent ``g`` of ``pinv(a)`` (constant rank; Golub and
    Pereyra 1973)."""
    p_h, g_h = conj_transpose(pinv), conj_transpose(g)
    m, n = shape_of(a)[-2:]
    if m > n:
        # tall a (a least-squares fit): the same terms associated so that no product is m x m,
        # O(m n^2) instead of O(m^2 n) time and no m x m projector in memory
        inner = g_h @ (pinv @ p_h)
        right = identity(n, a) - pinv @ a
        return (-(p_h @ (g @ p_h)) + (inner - a @ (pinv @ inner))
                + p_h @ (pinv @ (g_h @ right)))
    left = identity(m, a) - a @ pinv    # projector onto the complement of range(a)
    right = identity(n, a) - pinv @ a   # projector onto the null space of a
    return -(p_h @ g @ p_h) + left @ (g_h @ (pinv @ p_h)) + (p_h @ pinv) @ (g_h @ right)


def _pinv_vjp(g, ans, a, *args, **kwargs):
    return pinv_cotangent(g, a, ans)


defvjp(np.linalg.pinv, _pinv_vjp)


def _lstsq_vjp(argnum, g, ans, args, kwargs):
    a, b = args[0], args[1]
    x, residuals = ans[0], ans[1]
    g_x, g_residuals, g_sv = g[0], g[1], g[3]
    vector = len(shape_of(b)) == 1
    b_m = np.expand_dims(b, -1) if vector else b
    x_m = np.expand_dims(x, -1) if vector else x
    pinv = np.linalg.pinv(a)
    cot_a = cot_b = 0.0
    # the rule is called once per traced argument: only that argument's cotangent is computed
    if g_x is not None:
        g_x_m = np.expand_dims(g_x, -1) if vector else g_x
        if argnum == 1:
            cot_b = cot_b + matrix_transpose(pinv) @ g_x_m
        else:
            cot_a = cot_a + pinv_cotangent(g_x_m @ matrix_transpose(b_m), a, pinv)
    if g_residuals is not None and shape_of(residuals)[0] > 0:
        # residuals = |b - a x|^2 at the optimum x, so d residuals = 2 r^T (db - da x)
        weighted = 2.0 * (b_m - a @ x_m) * g_residuals
        if argnum == 1:
            cot_b = cot_b + weighted
        else:
            cot_a = cot_a - weighted @ matrix_transpose(x_m)
    if g_sv is not None and argnum == 0:
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        cot_a = cot_a + (u * np.expand_dims(g_sv, -2)) @ vh
    if argnum == 0:
        return None if type(cot_a) is float else cot_a
    if type(cot_b) is float:
        return None
    return cot_b[..., 0] if vector else cot_b


def _lstsq(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)


defvjp_multi(np.linalg.lstsq, _lstsq_vjp, fn=_lstsq)


# --- compositions of products (no rule of their own: they are recorded as matmuls) ------------
def _matrix_power(args, kwargs):
    a = args[0]
    n = operator.index(args[1] if len(args) > 1 else kwargs["n"])
    if n == 0:
        return np.zeros_like(a) + identity(shape_of(a)[-1], a)
    if n < 0:
        a, n = np.linalg.inv(a), -n
    # binary powering, in the order NumPy uses, so the values agree to the last bit
    if n <= 3:
        result = a
        for _ in range(n - 1):
            result = np.matmul(result, a)
        return result
    result = square = None
    while n > 0:
        square = a if square is None else np.matmul(square, square)
        n, bit = divmod(n, 2)
        if bit:
            result = square if result is None else np.matmul(result, square)
    return result


def _chain_order(shapes):
    """The classic dynamic programme for the cheapest multiplication order of a matrix chain."""
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    count = len(shapes)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _multiply_chain(arrays, split, i, j):
    if i == j:
        return arrays[i]
    k = split[i][j]
    return np.matmul(_multiply_chain(arrays, split, i, k), _multiply_chain(arrays, split, k + 1, j))


def _multi_dot(args, kwargs):
    arrays = list(args[0])
    if len(arrays) < 2:
        raise ValueError("multi_dot needs at least two arrays")
    first_vector, last_vector = len(shape_of(arrays[0])) == 1, len(shape_of(arrays[-1])) == 1
    if first_vector:
        arrays[0] = np.reshape(arrays[0], (1, -1))
    if last_vector:
        arrays[-1] = np.reshape(arrays[-1], (-1, 1))
    split = _chain_order([shape_of(m) for m in arrays])
    result = _multiply_chain(arrays, split, 0, len(arrays) - 1)
    if first_vector and last_vector:
        return result[0, 0]
    if first_vector:
        return result[0]
    return result[:, 0] if last_vector else result


def _linalg_matmul(args, kwargs):
    return np.matmul(*args, **kwargs)


def _matrix_transpose(args, kwargs):
    return matrix_transpose(args[0])


def _vecdot(args, kwargs):
    x1, x2 = args
    x1 = np.conj(x1) if dtype_of(x1).kind == "c" else x1
    return np.sum(x1 * x2, axis=kwargs.get("axis", -1))


def _array_api_alias(func, *keywords):
    """numpy.linalg's array-API functions, recorded as the NumPy functions they equal."""
    def handler(args, kwargs):
        return func(*args, **{key: kwargs[key] for key in keywords if key in kwargs})
    return handler


def _diagonal(args, kwargs):
    return np.diagonal(args[0], offset=kwargs.get("offset", 0), axis1=-2, axis2=-1)


def _trace(args, kwargs):
    return np.trace(args[0], offset=kwargs.get("offset", 0), axis1=-2, axis2=-1)


def _outer(args, kwargs):
    x1, x2 = args
    if len(shape_of(x1)) != 1 or len(shape_of(x2)) != 1:
        raise ValueError("numpy.linalg.outer takes two 1-D arrays")
    return np.expand_dims(x1, -1) * x2


def _cond(args, kwargs):
    """cond(x, p): the ratio of extreme singular values (p None, 2, -2), otherwise
    norm(x, p) * norm(inv(x), p); differentiable through svd, norm and inv."""
    x = args[0]
    p = args[1] if len(args) > 1 else kwargs.get("p")
    if p in (None, 2, -2):
        s = np.linalg.svd(x, compute_uv=False)
        largest, smallest = s[..., 0], s[..., -1]
        return smallest / largest if p == -2 else largest / smallest
    return (np.linalg.norm(x, ord=p, axis=(-2, -1))
            * np.linalg.norm(np.linalg.inv(x), ord=p, axis=(-2, -1)))


FUNCTION_RULES[np.linalg.diagonal] = _diagonal
FUNCTION_RULES[np.linalg.trace] = _trace
FUNCTION_RULES[np.linalg.outer] = _outer
FUNCTION_RULES[np.linalg.cond] = _cond
FUNCTION_RULES[np.linalg.tensordot] = _array_api_alias(np.tensordot, "axes")
FUNCTION_RULES[np.linalg.cross] = _array_api_alias(np.cross, "axis")
FUNCTION_RULES[np.linalg.matrix_power] = _matrix_power
FUNCTION_RULES[np.linalg.multi_dot] = _multi_dot
FUNCTION_RULES[np.linalg.matmul] = _linalg_matmul
FUNCTION_RULES[np.linalg.matrix_transpose] = _matrix_transpose
FUNCTION_RULES[np.linalg.vecdot] = _vecdot

nondifferentiable(np.linalg.matrix_rank)
