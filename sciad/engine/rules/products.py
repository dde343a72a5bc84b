"""Products: matmul, dot. Rules use matmul/swapaxes so that they batch and broadcast."""

import numpy as np

from ..registry import defvjp, dtype_of, shape_of, unbroadcast


def _conj(x):
    return np.conj(x) if dtype_of(x).kind == "c" else x


def _as_matrices(g, a, b):
    """Promote 1-D operands to matrices as matmul does, and the cotangent with them."""
    if len(shape_of(b)) == 1:
        g = np.expand_dims(g, -1)
        b = np.reshape(b, (-1, 1))
    if len(shape_of(a)) == 1:
        g = np.expand_dims(g, -2)
        a = np.reshape(a, (1, -1))
    return g, a, b


def _matmul_vjp_a(g, ans, a, b, **_):
    g, a2, b2 = _as_matrices(g, a, b)
    cot = np.matmul(g, _conj(np.swapaxes(b2, -1, -2)))
    return np.reshape(unbroadcast(cot, shape_of(a2), dtype_of(a)), shape_of(a))


def _matmul_vjp_b(g, ans, a, b, **_):
    g, a2, b2 = _as_matrices(g, a, b)
    cot = np.matmul(_conj(np.swapaxes(a2, -1, -2)), g)
    return np.reshape(unbroadcast(cot, shape_of(b2), dtype_of(b)), shape_of(b))


defvjp(np.matmul, _matmul_vjp_a, _matmul_vjp_b)
