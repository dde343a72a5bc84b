"""Dense Jacobians of vector functions, computed the cheap way round.

Reverse mode costs one backward pass per output, forward mode one per input. sciad's forward
mode is the transpose of reverse mode: the vector-Jacobian product ``u -> J^T u`` is linear in u,
so recording it once and pulling back each unit vector through that recording gives the columns
of J. Either way the user's function runs once.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..engine.transforms import jacobian, vjp
from ._checks import raw_value

__all__ = ["dense_jacobian"]


def dense_jacobian(fun: Callable, x: np.ndarray, *args, n_out: int | None = None) -> np.ndarray:
    """The ``(m, n)`` Jacobian of ``fun(x, *args)`` (a 1-D output of size m) at a 1-D x.

    Uses reverse rows when ``m <= n`` and transposed-reverse (forward) columns otherwise;
    pass ``n_out`` when m is known, so that the choice needs no extra evaluation.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size

    def flat_fun(v):
        return np.reshape(fun(v, *args), (-1,))

    if n_out is not None and n_out <= n:
        return np.asarray(jacobian(flat_fun)(x), dtype=np.float64).reshape(n_out, n)
    out, pull_back = vjp(flat_fun, x)
    m = np.size(raw_value(out))
    if m <= n:
        rows = [pull_back(row)[0] for row in np.eye(m)]
        return np.asarray(np.stack(rows), dtype=np.float64).reshape(m, n)
    transposed = jacobian(lambda u: pull_back(u)[0])(np.zeros(m))  # (n, m) = J^T
    return np.asarray(transposed, dtype=np.float64).reshape(n, m).T.copy()
