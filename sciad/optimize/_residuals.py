"""``least_squares`` and ``root``: solvers of residual vectors, with exact Jacobians."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.optimize

from ._checks import ProblemError, check_vector_output
from ._dense_jacobian import dense_jacobian
from ._params import ParamSpace, as_parameters
from ._result import OptimizeResult

__all__ = ["least_squares", "root"]

#: scipy.optimize.root's methods
ROOT_METHODS = frozenset({"hybr", "lm", "broyden1", "broyden2", "anderson", "linearmixing",
                          "diagbroyden", "excitingmixing", "krylov", "df-sane"})


class _Residuals:
    """Residuals ``fun(params, *args, **kwargs)`` as a function of scipy's flat vector."""

    def __init__(self, fun: Callable, space: ParamSpace, args: tuple, kwargs: dict | None,
                 what: str, x0: np.ndarray):
        self.user_fun, self.space = fun, space
        self.args, self.kwargs = tuple(args), dict(kwargs or {})
        self.size = check_vector_output(self(x0), what, "at x0").size

    def on_vector(self, x):
        out = self.user_fun(self.space.unflatten(x), *self.args, **self.kwargs)
        return np.reshape(out, (-1,))

    def __call__(self, x):
        return np.asarray(self.on_vector(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def jac(self, x, *_):
        return dense_jacobian(self.on_vector, x)


def least_squares(fun: Callable, x0: Any, bounds: Any = None, args: tuple = (),
                  kwargs: dict | None = None, **options) -> OptimizeResult:
    """Solve a nonlinear least-squares problem with :func:`scipy.optimize.least_squares` and
    the exact Jacobian of the residuals.

    The Jacobian is computed the cheap way round: reverse rows when there are fewer residuals
    than parameters, forward columns otherwise.

    Parameters
    ----------
    fun : callable
        ``fun(params, *args, **kwargs)`` returning the residual vector, in plain NumPy.
    x0 : array or pytree
        Starting point; a dict of named arrays and numbers is passed to ``fun`` as such.
    bounds : (lo, hi), sequence of pairs, Bounds or dict, optional
        As scipy, or per name ``{"k": (0, None)}``.
    args, kwargs
        Extra arguments of ``fun`` (not differentiated).
    **options
        Passed to scipy (``method``, ``loss``, ``f_scale``, ``x_scale``, tolerances ...);
        ``jac=`` replaces sciad's Jacobian with yours (or scipy's ``"2-point"`` differences).

    Returns
    -------
    OptimizeResult
        scipy's fields (``x``, ``cost``, ``fun``, ``jac``, ``nfev``, ``njev`` ...) plus
        ``params`` and ``names``.

    Examples
    --------
    >>> t = np.linspace(0, 1, 5)
    >>> res = sciad.optimize.least_squares(lambda p: p["a"] * t + p["b"] - (2 * t + 1),
    ...                                    {"a": 0.0, "b": 0.0})
    >>> round(res.params["a"], 6), round(res.params["b"], 6)
    (2.0, 1.0)
    """
    x0 = as_parameters(x0)
    space = ParamSpace(x0)
    x_flat = space.flatten(x0)
    residuals = _Residuals(fun, space, args, kwargs, "the residual function", x_flat)
    scipy_bounds = space.bounds(bounds)
    extra = {} if scipy_bounds is None else {"bounds": scipy_bounds}
    jac = options.pop("jac", None)  # your own Jacobian, or scipy's differences, if you ask
    result = scipy.optimize.least_squares(residuals, x_flat, jac=residuals.jac if jac is None
                                          else jac, **extra, **options)
    return OptimizeResult.from_scipy(result, space)


def root(fun: Callable, x0: Any, args: tuple = (), method: str = "hybr",
         tol: float | None = None, callback: Callable | None = None,
         options: dict | None = None) -> OptimizeResult:
    """Solve ``fun(x, *args) = 0`` with :func:`scipy.optimize.root` and the exact Jacobian.

    Parameters
    ----------
    fun : callable
        ``fun(params, *args)`` returning as many values as there are parameters.
    x0 : array or pytree
        Starting point; a dict of named arrays is passed to ``fun`` as such.
    method, tol, callback, options
        As scipy; ``hybr`` and ``lm``, the methods that take a Jacobian, get sciad's exact one.

    Returns
    -------
    OptimizeResult
        scipy's fields plus ``params`` and ``names``.

    Examples
    --------
    >>> res = sciad.optimize.root(lambda x: np.stack([x[0] ** 2 - 4, x[0] * x[1] - 2]),
    ...                           np.array([1.0, 1.0]))
    >>> res.x.round(6).tolist()
    [2.0, 1.0]
    """
    x0 = as_parameters(x0)
    space = ParamSpace(x0)
    x_flat = space.flatten(x0)
    equations = _Residuals(fun, space, args, None, "the root function", x_flat)
    if not isinstance(method, str) or method.lower() not in ROOT_METHODS:
        raise ProblemError(f"unknown root method {method!r}; choose one of "
                           f"{', '.join(sorted(ROOT_METHODS))}")
    if equations.size != space.size:
        raise ProblemError(f"the root function returned {equations.size} values for "
                           f"{space.size} unknowns; root needs a square system (use "
                           "least_squares otherwise)")
    # only hybr and lm take a Jacobian; the quasi-Newton methods warn when given one
    jac = equations.jac if method.lower() in ("hybr", "lm") else None
    result = scipy.optimize.root(equations, x_flat, method=method, jac=jac, tol=tol,
                                 callback=callback, options=options)
    return OptimizeResult.from_scipy(result, space)
