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

__all__ = ["integrate", "IMPLICIT_METHODS", "check_method"]

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
        raise SolverError(
            f"the {method} solver failed at t={t_failed:.6g} in {stage} "
            f"(integrating from {t_span[0]:g} to {t_span[1]:g}): {str(result.message).rstrip('.')}. Try a stiff "
            "method (Radau, BDF), looser tolerances, or check the model for a singularity")
    if not np.all(np.isfinite(result.y)):
        bad = int(np.argmax(~np.all(np.isfinite(result.y), axis=0)))
        raise SolverError(f"the state became NaN or infinite at t={result.t[bad]:.6g} in "
                          f"{stage} ({method}); check the model and its parameters")
    return result


def _dense_jac(jac):
    # LSODA takes only dense Jacobians
    def dense(t, y):
        value = jac(t, y)
        return value.toarray() if scipy.sparse.issparse(value) else value

    return dense
