"""``minimize`` with scipy's signature, fed exact derivatives chosen per method."""

from __future__ import annotations

from typing import Any, Callable

import scipy.optimize

from ._checks import (DENSE_HESSIAN, DERIVATIVE_FREE, HESSIAN_PRODUCT, ProblemError,
                      canonical_method, check_finite, check_scalar_objective, raw_value)
from ._constraints import prepare_constraints
from ._history import History
from ._objective import Objective
from ._params import ParamSpace, as_parameters
from ._result import OptimizeResult

__all__ = ["minimize"]


def minimize(fun: Callable, x0: Any, args: tuple = (), method: str | None = None,
             jac: Callable | None = None, hess: Callable | None = None,
             hessp: Callable | None = None, bounds: Any = None, constraints: Any = (),
             tol: float | None = None, callback: Callable | None = None,
             options: dict | None = None) -> OptimizeResult:
    """Minimize a scalar function with :func:`scipy.optimize.minimize` and exact derivatives.

    sciad supplies what each method uses: the gradient always (one forward-and-backward pass
    per new x, shared by scipy's value and gradient calls); Hessian-vector products for
    Newton-CG, trust-ncg, trust-krylov and trust-constr (the gradient computation is recorded
    once per x and serves the value, gradient and every product there); the dense Hessian for
    dogleg and trust-exact; exact constraint Jacobians for SLSQP, and for trust-constr the
    Lagrangian Hessian of every nonlinear constraint. Derivative-free methods get plain
    evaluations.

    Parameters
    ----------
    fun : callable
        ``fun(params, *args) -> float`` in plain NumPy.
    x0 : array or pytree
        Starting point: a 1-D array as in scipy, or a dict/list of named arrays and numbers
        (``{"k": 0.1, "w": np.zeros(3)}``); ``fun`` then receives that structure.
    args : tuple
        Extra arguments of ``fun`` (not differentiated).
    method : str, optional
        Any scipy method name; default as scipy (BFGS, L-BFGS-B with bounds, SLSQP with
        constraints).
    jac, hess, hessp : callable, optional
        Your own derivatives of the flat vector, to override sciad's.
    bounds : sequence of (lo, hi), scipy.optimize.Bounds or dict, optional
        Per entry as scipy, or per name ``{"k": (0, None), "w": (-1, 1)}``.
    constraints : dict, NonlinearConstraint, LinearConstraint or a list of them
        Constraint functions take the parameters in the structure of ``x0``.
    tol, options
        Passed to scipy unchanged.
    callback : callable, optional
        Called as scipy calls it (``callback(intermediate_result)`` or ``callback(xk)``, with
        scipy's flat vector); sciad records the path through the same hook.

    Returns
    -------
    OptimizeResult
        scipy's fields, plus ``params`` (the solution in the structure of ``x0``), ``names``,
        ``n_passes`` (forward-and-backward passes run) and ``history``: ``{"fun": [...],
        "grad_norm": [...]}`` per iteration from x0 (``grad_norm`` None for derivative-free
        methods), which :func:`sciad.plot.convergence` draws.

    Raises
    ------
    ProblemError
        For an unknown method, an objective that is not one finite number at x0, constraints
        of the wrong shape or kind, bounds that do not fit the parameters, or ``jac``, ``hess``,
        ``hessp`` given as something other than a callable.

    Examples
    --------
    >>> res = sciad.optimize.minimize(lambda p: (p["a"] - 1) ** 2 + np.sum((p["b"] + 2) ** 2),
    ...                               {"a": 0.0, "b": np.zeros(2)})
    >>> round(res.params["a"], 6), res.params["b"].round(6).tolist()
    (1.0, [-2.0, -2.0])
    """
    x0 = as_parameters(x0)
    space = ParamSpace(x0)
    x_flat = space.flatten(x0)
    scipy_bounds = space.bounds(bounds)
    has_constraints = bool(constraints) if not hasattr(constraints, "fun") else True
    method = canonical_method(method, scipy_bounds is not None, has_constraints)
    _check_user_derivatives(jac, hess, hessp)
    products = method in HESSIAN_PRODUCT and hess is None and hessp is None
    objective = Objective(fun, x0, record_for_products=products)

    start = fun(space.unflatten(x_flat), *args)
    check_scalar_objective(start, "at x0")
    check_finite(start, "the objective", "at x0")

    kwargs: dict[str, Any] = {}
    gradient_at_start = None
    if method in DERIVATIVE_FREE:
        objective_fun = objective.value
    else:
        objective_fun = objective.fun
        kwargs["jac"] = jac or objective.jac
        if jac is None:
            # scipy's first evaluation is at x0: this pass is the one it would run (memoised)
            gradient_at_start = objective.jac(x_flat, *args)
    if method in HESSIAN_PRODUCT:
        if hess is not None:
            kwargs["hess"] = hess
        else:
            kwargs["hessp"] = hessp or objective.hessp
    elif method in DENSE_HESSIAN:
        kwargs["hess"] = hess or objective.hess
    prepared = prepare_constraints(constraints, space, x_flat, method)
    history = History(objective, args, method, callback)
    history.start(x_flat, raw_value(start), gradient_at_start)

    result = scipy.optimize.minimize(objective_fun, x_flat, args=tuple(args), method=method,
                                     bounds=scipy_bounds, constraints=prepared, tol=tol,
                                     callback=history, options=options, **kwargs)
    return OptimizeResult.from_scipy(result, space, n_passes=objective.n_passes,
                                     history=history.as_dict())


def _check_user_derivatives(jac, hess, hessp) -> None:
    """Own derivatives must be callables: sciad computes them otherwise, so scipy's
    ``jac=True`` (fun returns value and gradient) and finite-difference strings do not apply."""
    for name, value in (("jac", jac), ("hess", hess), ("hessp", hessp)):
        if value is not None and not callable(value):
            raise ProblemError(
                f"{name}={value!r}: sciad.optimize.minimize computes {name} exactly; leave it "
                f"out, or pass your own {name} as a callable of scipy's flat vector (for "
                f"scipy's finite differences or jac=True, call scipy.optimize.minimize)")
