"""``curve_fit`` with the exact model Jacobian, and the sensitivity of a fit to its data."""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np
import scipy.optimize

from ._checks import ProblemError
from ._checks import check_finite as _require_finite
from ._dense_jacobian import dense_jacobian
from ._sensitivity import OptimumSensitivity, optimum_sensitivity

__all__ = ["curve_fit", "fit_sensitivity", "model_jacobian"]


def model_jacobian(model: Callable) -> Callable:
    """``jac(xdata, *params)``: the exact ``(len(ydata), n_params)`` Jacobian of a scipy-style
    ``model(xdata, *params)``, for ``curve_fit(..., jac=...)``."""
    def jac(xdata, *params):
        p = np.array(params, dtype=np.float64)
        return dense_jacobian(lambda q: model(xdata, *[q[i] for i in range(p.size)]), p)
    return jac


def curve_fit(f: Callable, xdata, ydata, p0=None, sigma=None, absolute_sigma: bool = False,
              check_finite: bool | None = None, bounds=(-np.inf, np.inf),
              method: str | None = None, jac: Callable | None = None, *,
              full_output: bool = False, nan_policy: str | None = None, **kwargs):
    """:func:`scipy.optimize.curve_fit` with the exact Jacobian of the model.

    Same signature and return values as scipy: ``popt, pcov`` (plus ``infodict, mesg, ier``
    with ``full_output``). The model is ``f(xdata, *params)`` in plain NumPy. scipy computes
    ``pcov`` from the Jacobian at the solution, which is exact here rather than finite
    differences. For the sensitivity of ``popt`` to each data point, see :func:`fit_sensitivity`.

    Raises
    ------
    ProblemError
        The model is NaN or infinite at ``p0`` (scipy would return ``p0`` with an infinite
        covariance).

    Examples
    --------
    >>> t = np.linspace(0, 4, 30)
    >>> y = 3.0 * np.exp(-0.7 * t)
    >>> popt, pcov = sciad.optimize.curve_fit(lambda t, a, k: a * np.exp(-k * t), t, y, p0=[1, 1])
    >>> popt.round(6).tolist()
    [3.0, 0.7]
    """
    if p0 is not None:
        # scipy would stop at once with pcov = inf and popt = p0, and call that a fit
        with np.errstate(all="ignore"):
            at_start = f(xdata, *np.atleast_1d(np.asarray(p0, dtype=np.float64)))
        _require_finite(at_start, "the model", "at p0")
    return scipy.optimize.curve_fit(
        f, xdata, ydata, p0=p0, sigma=sigma, absolute_sigma=absolute_sigma,
        check_finite=check_finite, bounds=bounds, method=method,
        jac=jac or model_jacobian(f), full_output=full_output, nan_policy=nan_policy, **kwargs)


def fit_sensitivity(f: Callable, xdata, ydata, popt, sigma=None) -> OptimumSensitivity:
    """How each fitted parameter moves with each data point: ``d popt / d ydata``.

    ``popt`` minimises ``0.5 * sum(((f(xdata, *p) - ydata) / sigma) ** 2)``; the implicit
    function theorem on that objective (with its exact Hessian, not the Gauss-Newton
    approximation) gives ``matrix[i, j] = d popt_i / d ydata_j``. Large entries flag
    influential points.

    Parameters
    ----------
    f, xdata, ydata, sigma
        As given to :func:`curve_fit` (``sigma`` a 1-D array of standard deviations or None).
    popt : array
        The fitted parameters.

    Returns
    -------
    OptimumSensitivity
        Rows named after the model's parameters, columns ``y[0]``, ``y[1]`` ...

    Examples
    --------
    >>> t = np.array([0.0, 1.0, 2.0])
    >>> s = sciad.optimize.fit_sensitivity(lambda t, a, b: a + b * t, t, 1 + 2 * t, [1.0, 2.0])
    >>> (s.matrix.round(6) + 0.0).tolist()   # a straight-line fit: (X^T X)^-1 X^T
    [[0.833333, 0.333333, -0.166667], [-0.5, 0.0, 0.5]]
    """
    popt = np.asarray(popt, dtype=np.float64)
    ydata = np.asarray(ydata, dtype=np.float64)
    weights = np.ones_like(ydata) if sigma is None else np.asarray(sigma, dtype=np.float64)
    if weights.shape != ydata.shape:
        raise ProblemError(f"fit_sensitivity takes sigma as one standard deviation per data "
                           f"point (shape {ydata.shape}), got shape {weights.shape}")

    def objective(p, y):
        prediction = f(xdata, *[p[i] for i in range(popt.size)])
        return 0.5 * np.sum(((prediction - y) / weights) ** 2)

    result = optimum_sensitivity(objective, popt, ydata)
    result.x_names = _parameter_names(f, popt.size)
    result.theta_names = [f"y[{j}]" for j in range(ydata.size)]
    return result


def _parameter_names(f: Callable, count: int) -> list[str]:
    """The model's own parameter names (after xdata) when its signature lists them."""
    try:
        names = list(inspect.signature(f).parameters)[1:]
    except (TypeError, ValueError):
        names = []
    if len(names) == count:
        return names
    return [f"p[{i}]" for i in range(count)]
