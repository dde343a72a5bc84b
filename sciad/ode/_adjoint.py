"""The adjoint method: the gradient of a loss on the states at times ``t`` by one backward solve.

With ``g_k = dL/dy(t_k)``, the adjoint ``lam`` (a row vector) and the parameter quadrature ``mu``
obey, backwards in time between observations,

    lam' = -lam df/dy,      mu' = -lam df/dtheta,      lam(t_N) = g_N,  mu(t_N) = 0,

and ``lam`` jumps by ``g_k`` at each observation; then ``dL/dy0 = lam(t_0)`` and
``dL/dtheta = mu(t_0)``. One evaluation costs one recorded forward pass of ``f`` and one reverse
pass (:meth:`Rhs.pullback`), whatever the number of parameters, which is why the adjoint wins for
many parameters (Cao, Li, Petzold & Serban 2003).

The state ``y(t)`` needed on the way back comes from

* ``"interpolate"``: the forward solve's dense output, kept whole (fast, memory ~ steps);
* ``"checkpoint"``: the dense output too while it fits in a memory budget; beyond it, states
  stored at checkpoints only, and each segment re-solved forwards with dense output just
  before its adjoint is integrated over it (memory ~ one segment);
* ``"backsolve"``: the state integrated backwards with the adjoint from the stored state at each
  observation. No extra memory, but unstable for dissipative/stiff problems
  (torchdiffeq issues #100, #184), so only for memory-bound cases.

The backward pass has its own method and tolerances, and the implicit methods get the adjoint's
Jacobian ``-df/dy^T`` (sparse with ``jac_sparsity``; the quadrature rows are left out of the
Newton matrix, see :func:`_newton_matrix`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from ._integrate import integrate
from ._rhs import Rhs, check_finite

__all__ = ["BackwardOptions", "adjoint_gradient"]

_BACKWARD = "the backward (adjoint) pass"
_ADJOINT_RATE = ("in the backward (adjoint) pass, the right-hand side's derivative "
                 "(lam df/dy, lam df/dp)")


@dataclass(frozen=True)
class BackwardOptions:
    """How to integrate backwards: method, tolerances and extra solver options."""

    method: str
    rtol: float
    atol: float
    forward_method: str
    forward_rtol: float
    forward_atol: float
    max_step: float = np.inf
    jac_sparsity: object = None


def adjoint_gradient(rhs: Rhs, theta, t, g, options: BackwardOptions, *, mode: str,
                     dense=None, grid=None, grid_states=None):
    """``(dL/dy0, dL/dtheta)`` for output cotangents ``g`` (shape ``n_t x n``).

    ``dense`` is the forward ``OdeSolution`` ("interpolate", and "checkpoint" within its memory
    budget; None: re-solve each segment); ``grid``/``grid_states`` are the checkpoint times (a
    superset of ``t``) and the states there.
    """
    if grid is None:
        grid = np.asarray(t)
    jumps = _jumps_on_grid(grid, t, g)
    lam = jumps[-1].copy()
    mu = np.zeros(rhs.n_params)
    step = None  # the last segment's step size starts the next one (no initial-step search)
    for k in range(len(grid) - 1, 0, -1):
        segment = (grid[k], grid[k - 1])
        if not np.any(lam):
            pass  # the adjoint equation is linear: a zero adjoint stays zero, nothing to solve
        elif mode == "backsolve":
            lam, mu = _backsolve_segment(rhs, theta, segment, grid_states[k], lam, mu, options)
        else:
            state_at = dense if dense is not None else _recompute_segment(
                rhs, theta, segment, grid_states[k - 1], options)
            lam, mu, step = _adjoint_segment(rhs, theta, segment, state_at, lam, mu, options,
                                             step)
        lam = lam + jumps[k - 1]
    return lam, mu


def _jumps_on_grid(grid, t, g):
    """The cotangents placed on the checkpoint grid (zero where there is no observation)."""
    jumps = np.zeros((len(grid), g.shape[1]))
    jumps[np.searchsorted(grid, t)] += g
    return jumps


def _recompute_segment(rhs, theta, segment, y_start, options):
    """Re-solve one segment forwards from its checkpoint with dense output."""
    t_end, t_start = segment
    result = integrate(rhs.numpy_fun(theta), (t_start, t_end), y_start,
                       method=options.forward_method, rtol=options.forward_rtol,
                       atol=options.forward_atol, jac=rhs.jac_fun(theta, options.jac_sparsity),
                       dense_output=True, max_step=options.max_step,
                       stage="the checkpoint recomputation of the backward pass")
    return result.sol


def _adjoint_segment(rhs: Rhs, theta, segment, state_at, lam, mu, options, first_step=None):
    """``(lam, mu, step)`` at the segment's start, with a step size to begin the next one."""
    n = rhs.n
    pullbacks = {}  # t -> recorded pass: implicit stages revisit the same times in each Newton
    #                 iteration, and the adjoint equation is linear in lam, so one trace serves

    def adjoint_rate(t, a):
        pull = pullbacks.get(t)
        if pull is None:
            if len(pullbacks) > 8:
                pullbacks.clear()
            pull = pullbacks[t] = rhs.recorded_pullback(t, state_at(t), theta)
        lam_fy, lam_fp = pull(a[:n])
        return check_finite(np.concatenate([-lam_fy, -lam_fp]), t, lambda: state_at(t),
                            _ADJOINT_RATE)

    state_jac = rhs.jac_fun(theta, options.jac_sparsity)

    def adjoint_jac(t, a):
        return _newton_matrix(-state_jac(t, state_at(t)).T, rhs.n_params)

    length = abs(segment[1] - segment[0])
    result = integrate(adjoint_rate, segment, np.concatenate([lam, mu]), method=options.method,
                       rtol=options.rtol, atol=options.atol, jac=adjoint_jac, stage=_BACKWARD,
                       max_step=options.max_step,
                       first_step=None if first_step is None else min(first_step, length))
    end = result.y[:, -1]
    # the last step was cut short to land on the segment's end: the one before is the solver's
    steps = np.abs(np.diff(result.t))
    return end[:n], end[n:], float(steps[-2] if len(steps) > 1 else steps[-1])


def _backsolve_segment(rhs: Rhs, theta, segment, y_end, lam, mu, options):
    n = rhs.n

    def joint_rate(t, a):
        f, lam_fy, lam_fp = rhs.pullback(t, a[:n], theta, a[n:2 * n])
        return check_finite(np.concatenate([f, -lam_fy, -lam_fp]), t, a[:n], _ADJOINT_RATE)

    state_jac = rhs.jac_fun(theta, options.jac_sparsity)

    def joint_jac(t, a):
        # the coupling of lam' to y (second derivatives) is left out of the Newton matrix
        f_y = state_jac(t, a[:n])
        if scipy.sparse.issparse(f_y):
            square = scipy.sparse.block_diag((f_y, -f_y.T), format="csc")
        else:
            square = np.block([[f_y, np.zeros_like(f_y)], [np.zeros_like(f_y), -f_y.T]])
        return _newton_matrix(square, rhs.n_params)

    start = np.concatenate([y_end, lam, mu])
    result = integrate(joint_rate, segment, start, method=options.method, rtol=options.rtol,
                       atol=options.atol, jac=joint_jac, stage=_BACKWARD + " (backsolve)",
                       max_step=options.max_step)
    end = result.y[:, -1]
    return end[n:2 * n], end[2 * n:]


def _newton_matrix(square, n_quadratures):
    """``[[square, 0], [0, 0]]``: the Jacobian of the adjoint for the implicit methods' Newton
    iterations. The parameter quadratures ``mu`` depend on ``lam`` but nothing depends on
    them, so their rows are left out (as CVODES does for quadratures): Newton then settles
    ``mu`` one iteration after ``lam``, and the matrix keeps the sparsity of ``df/dy``."""
    k = square.shape[0]
    if not n_quadratures:
        return square
    if k + n_quadratures <= 200 and not scipy.sparse.issparse(square):
        out = np.zeros((k + n_quadratures, k + n_quadratures))
        out[:k, :k] = square
        return out
    return scipy.sparse.block_diag((scipy.sparse.csc_matrix(square),
                                    scipy.sparse.csc_matrix((n_quadratures, n_quadratures))),
                                   format="csc")
