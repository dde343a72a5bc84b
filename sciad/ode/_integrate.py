"""One call into scipy's ``solve_ivp`` with sciad's error messages.

Every integration in :mod:`sciad.ode` (the forward solve, the forward-sensitivity system, each
backward adjoint segment, checkpoint recomputations) goes through :func:`integrate`, so a failure
always says which method failed, at which time, and in which pass.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.integrate
import scipy.sparse

from ..errors import SolverError

__all__ = ["integrate", "integrate_keeping_dense", "IMPLICIT_METHODS", "check_method"]

IMPLICIT_METHODS = ("Radau", "BDF", "LSODA")
_METHODS = ("RK45", "RK23", "DOP853") + IMPLICIT_METHODS


def check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"unknown ODE method {method!r}; choose one of {', '.join(_METHODS)} "
                         "(sciad.ode runs scipy's solvers and needs the method by name)")


def integrate(fun: Callable, t_span, y0, *, method: str, rtol, atol, stage: str,
              jac: Callable | None = None, t_eval=None, dense_output: bool = False,
              **options):
    """``scipy.integrate.solve_ivp`` that raises :class:`SolverError` on failure.

    ``stage`` names the pass for the message ("the forward pass", "the backward (adjoint)
    pass" ...). ``jac`` is passed only to the implicit methods, which are the ones that use it.
    """
    if method in IMPLICIT_METHODS and jac is not None:
        options["jac"] = _dense_jac(jac) if method == "LSODA" else jac
    try:
        result = scipy.integrate.solve_ivp(fun, t_span, y0, method=method, t_eval=t_eval,
                                           dense_output=dense_output, rtol=rtol, atol=atol,
                                           **options)
    except SolverError as exc:
        raise SolverError(f"{exc} (in {stage}, method {method})") from exc
    if result.status < 0 or not result.success:
        t_failed = result.t[-1] if len(result.t) else t_span[0]
        raise _failure(method, t_failed, stage, t_span, result.message)
    if not np.all(np.isfinite(result.y)):
        bad = int(np.argmax(~np.all(np.isfinite(result.y), axis=0)))
        raise SolverError(f"the state became NaN or infinite at t={result.t[bad]:.6g} in "
                          f"{stage} ({method}); check the model and its parameters")
    return result


def integrate_keeping_dense(fun: Callable, grid, y0, *, method: str, rtol, atol, stage: str,
                            dense_budget: float, jac: Callable | None = None,
                            max_step: float = np.inf):
    """The states at the increasing times ``grid`` and, if it fits, the whole dense output.

    Steps scipy's solver class directly (as ``solve_ivp`` does) so that the interpolants are
    collected only while they fit in ``dense_budget`` bytes: the adjoint then reuses them
    instead of re-solving each segment, and a solve too long to keep never holds more than the
    budget. Returns ``(states, sol)`` with ``states[k] = y(grid[k])`` and ``sol`` an
    ``OdeSolution`` over ``[grid[0], grid[-1]]``, or None when the budget was exceeded.
    """
    options = {"rtol": rtol, "atol": atol, "max_step": max_step}
    if method in IMPLICIT_METHODS and jac is not None:
        options["jac"] = _dense_jac(jac) if method == "LSODA" else jac
    span = (grid[0], grid[-1])
    states = np.empty((len(grid), len(y0)))
    states[0] = y0
    times, interpolants, kept_bytes, filled = [grid[0]], [], 0, 1
    try:
        solver = _SOLVERS[method](fun, grid[0], y0, grid[-1], **options)
        while solver.status == "running":
            message = solver.step()
            if solver.status == "failed":
                break
            step_output = solver.dense_output()
            while filled < len(grid) and grid[filled] <= solver.t:
                states[filled] = step_output(grid[filled])
                filled += 1
            if interpolants is not None:
                kept_bytes += _nbytes(step_output)
                interpolants.append(step_output)
                times.append(solver.t)
                if kept_bytes > dense_budget:
                    interpolants = None  # too long to keep: the adjoint re-solves segments
    except SolverError as exc:
        raise SolverError(f"{exc} (in {stage}, method {method})") from exc
    if solver.status == "failed":
        raise _failure(method, solver.t, stage, span, message)
    if not np.all(np.isfinite(states)):
        bad = int(np.argmax(~np.all(np.isfinite(states), axis=1)))
        raise SolverError(f"the state became NaN or infinite at t={grid[bad]:.6g} in "
                          f"{stage} ({method}); check the model and its parameters")
    if interpolants is None:
        return states, None
    return states, scipy.integrate.OdeSolution(times, interpolants,
                                               alt_segment=method in ("BDF", "LSODA"))


_SOLVERS = {"RK45": scipy.integrate.RK45, "RK23": scipy.integrate.RK23,
            "DOP853": scipy.integrate.DOP853, "Radau": scipy.integrate.Radau,
            "BDF": scipy.integrate.BDF, "LSODA": scipy.integrate.LSODA}


def _nbytes(interpolant) -> int:
    """Memory held by one step's interpolant (its arrays)."""
    return sum(v.nbytes for v in vars(interpolant).values() if isinstance(v, np.ndarray))


def _failure(method, t_failed, stage, t_span, message) -> SolverError:
    return SolverError(
        f"the {method} solver failed at t={t_failed:.6g} in {stage} "
        f"(integrating from {t_span[0]:g} to {t_span[1]:g}): {str(message).rstrip('.')}. "
        "Try a stiff method (Radau, BDF), looser tolerances, or check the model for a "
        "singularity")


def _dense_jac(jac):
    # LSODA takes only dense Jacobians
    def dense(t, y):
        value = jac(t, y)
        return value.toarray() if scipy.sparse.issparse(value) else value

    return dense
