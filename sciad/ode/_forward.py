"""Forward sensitivities: the state and its derivatives with respect to ``y0`` and ``theta``.

The sensitivity matrix ``S = dy/d(y0, theta)`` (``n x m``, ``m = n + P``) obeys

    S' = (df/dy) S + [0 | df/dtheta],    S(t0) = [I | 0],

solved together with the state as one ODE, so the sensitivities are under the solver's error
control (the simultaneous corrector of CVODES; Maly & Petzold 1996). The augmented state is laid
out as ``m + 1`` rows of length ``n``: the state, then one column of ``S`` per row. Each
evaluation costs one recorded forward pass of ``f`` and ``n`` reverse passes
(:meth:`Rhs.linearize`), whatever the number of parameters.

For the implicit methods the Newton matrix uses ``I (x) df/dy`` (block diagonal), dropping the
second-derivative coupling term as CVODES does; it changes only the Newton convergence rate.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from ._integrate import integrate
from ._rhs import Rhs, check_finite, raw

__all__ = ["augmented_rhs", "augmented_initial", "augmented_jac", "solve_forward",
           "split_augmented"]


def augmented_initial(rhs: Rhs, y0):
    """``[y0, I, 0]`` raveled (traced if ``y0`` is)."""
    n, p = rhs.n, rhs.n_params
    columns = np.concatenate([np.eye(n), np.zeros((p, n))]).ravel()
    return np.concatenate([y0, columns])


def augmented_rhs(rhs: Rhs, t, z, theta):
    """The right-hand side of the state plus its sensitivities (raw or traced)."""
    n, m = rhs.n, rhs.n + rhs.n_params
    rows = np.reshape(z, (m + 1, n))
    f, f_y, f_p = rhs.linearize(t, rows[0], theta)
    sensitivity_rate = rows[1:] @ np.transpose(f_y)
    if rhs.n_params:
        forcing = np.concatenate([np.zeros((n, n)), np.transpose(f_p)])
        sensitivity_rate = sensitivity_rate + forcing
    return np.concatenate([f, np.reshape(sensitivity_rate, (-1,))])


def augmented_jac(rhs: Rhs, theta, sparsity=None):
    """``I (x) df/dy`` for the Newton iterations of Radau/BDF/LSODA (``sparsity``: of df/dy)."""
    blocks = rhs.n + rhs.n_params + 1
    state_jac = rhs.jac_fun(theta, sparsity)

    def jac(t, z):
        f_y = state_jac(t, z[:rhs.n])
        if blocks * rhs.n <= 200:
            return np.kron(np.eye(blocks), f_y.toarray() if scipy.sparse.issparse(f_y) else f_y)
        return scipy.sparse.kron(scipy.sparse.identity(blocks), f_y, format="csc")

    return jac


def split_augmented(rhs: Rhs, z_columns):
    """``(y, dy_dy0, dy_dp)`` from augmented states stored column-wise (scipy's ``y``).

    ``z_columns`` has shape ``((m + 1) n, n_t)``; the results have shapes ``(n, n_t)``,
    ``(n, n, n_t)`` and ``(n, P, n_t)`` with ``dy_dy0[i, j, k] = d y_i(t_k) / d y0_j``.
    """
    n, m = rhs.n, rhs.n + rhs.n_params
    rows = np.reshape(z_columns, (m + 1, n, -1))
    sensitivities = np.transpose(rows[1:], (1, 0, 2))  # (n, m, n_t)
    return rows[0], sensitivities[:, :n], sensitivities[:, n:]


def solve_forward(rhs: Rhs, y0, theta, t_span, *, method, rtol, atol, t_eval=None,
                  dense_output=False, jac_sparsity=None, stage="the forward-sensitivity solve",
                  **options):
    """Integrate the augmented system with raw values; returns scipy's result object."""
    theta = np.asarray(raw(theta), float)
    z0 = augmented_initial(rhs, np.asarray(raw(y0), float))

    def sensitivity_rate(t, z):
        return check_finite(augmented_rhs(rhs, t, z, theta), t, z[:rhs.n],
                            "the right-hand side or its derivatives (sensitivity equations)")

    return integrate(sensitivity_rate, t_span, z0, method=method,
                     rtol=rtol, atol=atol, jac=augmented_jac(rhs, theta, jac_sparsity),
                     t_eval=t_eval,
                     dense_output=dense_output, stage=stage, **options)
