"""``solve_ivp``: scipy's solver and result, plus forward sensitivities on request."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable

import numpy as np

from ._forward import solve_forward, split_augmented
from ._integrate import check_method, integrate
from ..engine.pytree import tree_leaves
from ..errors import NotDifferentiableError
from ._rhs import Rhs, is_traced, raw

__all__ = ["solve_ivp", "OdeResult"]


@dataclass
class OdeResult:
    """scipy's ``OdeResult`` fields, and the sensitivities when they were asked for.

    Attributes
    ----------
    t : ndarray, shape (n_t,)
    y : ndarray, shape (n, n_t)
    dy_dy0 : ndarray, shape (n, n, n_t), or None
        ``dy_dy0[i, j, k] = d y_i(t_k) / d y0_j``.
    dy_dp : ndarray, shape (n, P, n_t), or None
        ``dy_dp[i, j, k] = d y_i(t_k) / d p_j`` for the parameter elements named in
        ``param_names`` (pytree leaves raveled in order).
    """

    t: np.ndarray
    y: np.ndarray
    success: bool
    status: int
    message: str
    method: str
    nfev: int
    njev: int
    nlu: int
    dy_dy0: np.ndarray | None = None
    dy_dp: np.ndarray | None = None
    param_names: list[str] = field(default_factory=list)
    sol: Any = None
    t_events: Any = None
    y_events: Any = None

    def __getitem__(self, key: str):  # scipy's result is also a dict
        return getattr(self, key)

    def to_dict(self) -> dict:
        """Plain lists, numbers and strings, ready for JSON.

        Returns
        -------
        dict
            Every field that is set, arrays as nested lists; ``sol`` (a function) and fields
            that are None (``dy_dy0``/``dy_dp`` without sensitivities) are left out.
        """
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "sol" or value is None:
                continue
            if f.name in ("t_events", "y_events"):
                value = [np.asarray(v).tolist() for v in value]
            elif isinstance(value, np.ndarray):
                value = value.tolist()
            elif isinstance(value, np.generic):
                value = value.item()
            out[f.name] = value
        return out


def solve_ivp(fun: Callable, t_span, y0, *, params: Any = None, sensitivity: str | None = None,
              method: str = "RK45", t_eval=None, dense_output: bool = False,
              rtol: float = 1e-6, atol: float = 1e-9, jac_sparsity=None,
              **options) -> OdeResult:
    """Solve an initial value problem with scipy, optionally with forward sensitivities.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, params)`` in plain NumPy (``fun(t, y)`` when ``params`` is None); it may
        return a list of components.
    t_span, y0, method, t_eval, dense_output, rtol, atol
        As in :func:`scipy.integrate.solve_ivp`. For "Radau", "BDF" and "LSODA" the Jacobian
        ``df/dy`` comes from the engine unless you pass ``jac``.
    params : pytree, optional
        Parameters (a dict of named numbers and arrays).
    sensitivity : {None, "forward"}
        "forward" also solves the forward sensitivity equations, under the same error control,
        and fills ``dy_dy0`` and ``dy_dp``.
    jac_sparsity : array_like, optional
        Sparsity of ``df/dy``; the engine's Jacobian is then sparse, one reverse pass per
        colour of a row colouring.
    **options
        Passed on to scipy (``first_step``, ``max_step``, ``events`` (without sensitivities),
        ``jac`` ...).

    Returns
    -------
    OdeResult
        scipy's fields plus ``dy_dy0``, ``dy_dp`` and ``param_names``; ``to_dict()`` for JSON.

    Raises
    ------
    sciad.SolverError
        The solver failed (the message says which method and at which t) or the state became NaN.

    Examples
    --------
    >>> res = solve_ivp(lambda t, y, p: -p["k"] * y, (0.0, 2.0), [1.0], params={"k": 0.5},
    ...                 sensitivity="forward", t_eval=[2.0], rtol=1e-10, atol=1e-12)
    >>> round(float(res.dy_dp[0, 0, -1]), 6)   # d/dk exp(-2k) = -2 exp(-1)
    -0.735759
    """
    check_method(method)
    _check_options(t_span, options)
    if is_traced(y0, t_span, *tree_leaves(params)):
        raise NotDifferentiableError(
            "sciad.ode.solve_ivp was called on values traced by sciad.grad (or another "
            "transform), whose derivative it would drop; use sciad.ode.odeint inside transforms, "
            "or solve_ivp(..., sensitivity='forward') for the sensitivities themselves")
    y0 = np.atleast_1d(np.asarray(raw(y0), dtype=float))
    if y0.ndim != 1:
        raise ValueError(f"y0 must be a 1-D state vector, got shape {y0.shape}")
    rhs = Rhs(fun, len(y0), params)
    theta = rhs.flatten_params(params)
    rhs.check_params(theta)
    t_span = tuple(float(s) for s in t_span)
    if sensitivity is None:
        jac = options.pop("jac", None) or rhs.jac_fun(theta, jac_sparsity)
        result = integrate(rhs.numpy_fun(theta), t_span, y0, method=method, rtol=rtol,
                           atol=atol, jac=jac, t_eval=t_eval, dense_output=dense_output,
                           stage="solve_ivp", **options)
        return _result(result, method, rhs, result.y, None, None, result.sol)
    if sensitivity != "forward":
        raise ValueError(f"sensitivity={sensitivity!r}: solve_ivp computes forward "
                         "sensitivities (sensitivity='forward'); for the gradient of a loss by "
                         "the adjoint method use sciad.grad over sciad.ode.odeint")
    if "events" in options or "jac" in options:
        raise ValueError("solve_ivp(sensitivity='forward') does not take events or a "
                         "user-supplied jac: the engine differentiates fun itself")
    result = solve_forward(rhs, y0, theta, t_span, method=method, rtol=rtol, atol=atol,
                           t_eval=t_eval, dense_output=dense_output, jac_sparsity=jac_sparsity,
                           stage="solve_ivp "
                           "(with forward sensitivities)", **options)
    states, dy_dy0, dy_dp = split_augmented(rhs, result.y)
    sol = None
    if result.sol is not None:
        full, n = result.sol, rhs.n
        sol = lambda t: full(t)[:n]  # noqa: E731  the states only, as the user's system has
    return _result(result, method, rhs, states, dy_dy0, dy_dp, sol)


def _check_options(t_span, options) -> None:
    """Refuse the scipy options that cannot work here, saying what to do instead."""
    if np.ndim(raw(t_span)) != 1 or len(t_span) != 2:
        raise ValueError(f"t_span must be a pair (t0, t_end), got {t_span!r}")
    if "args" in options:
        raise ValueError("solve_ivp does not take args: pass the extra values as params "
                         "(then fun(t, y, params) and they are differentiable), or bind them "
                         "with a closure or functools.partial")
    if options.get("vectorized"):
        raise ValueError("solve_ivp does not take vectorized=True: sciad evaluates and "
                         "differentiates fun one state vector at a time; leave it out")


def _result(result, method, rhs, states, dy_dy0, dy_dp, sol) -> OdeResult:
    return OdeResult(t=result.t, y=np.ascontiguousarray(states), success=bool(result.success),
                     status=int(result.status), message=str(result.message), method=method,
                     nfev=int(result.nfev), njev=int(result.njev), nlu=int(result.nlu),
                     dy_dy0=None if dy_dy0 is None else np.ascontiguousarray(dy_dy0),
                     dy_dp=None if dy_dp is None else np.ascontiguousarray(dy_dp),
                     param_names=list(rhs.names), sol=sol, t_events=result.t_events,
                     y_events=result.y_events)
