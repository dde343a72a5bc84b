"""``fit`` models: one output formula fitted to a CSV column by :func:`sciad.optimize.curve_fit`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SolverError
from .results import AnalysisResult, row
from .schema import Analysis, Model

__all__ = ["fit_curve", "fit"]


def fit_curve(model: Model):
    """``curve(x, *free_values)``: the model output at the data's x, in curve_fit's form."""
    data, output = model.sections["data"], next(iter(model.outputs.values()))
    fixed = {name: p.value for name, p in model.parameters.items() if p.fixed}
    free = model.free

    def curve(x, *values):
        env = {**fixed, **dict(zip(free, values)), data["x_name"]: x}
        return output.formula(env) + 0.0 * x   # a constant model still gives one value per x
    return curve


def fit(model: Model, analysis: Analysis, **_: Any) -> AnalysisResult:
    """Least-squares fit of the free parameters, their standard errors and data influence."""
    from ..optimize import curve_fit, fit_sensitivity

    data, curve = model.sections["data"], fit_curve(model)
    x, y, sigma = data["x"], data["y"], data.get("sigma")
    free = model.free
    p0 = [model.parameters[p].value for p in free]
    bounds = ([model.parameters[p].bounds[0] if model.parameters[p].bounds else -np.inf
               for p in free],
              [model.parameters[p].bounds[1] if model.parameters[p].bounds else np.inf
               for p in free])
    bounded = np.isfinite(bounds[0]).any() or np.isfinite(bounds[1]).any()
    method = "trf" if bounded and analysis.options["method"] == "lm" else analysis.options["method"]
    try:
        popt, pcov = curve_fit(curve, x, y, p0=p0, sigma=sigma, absolute_sigma=sigma is not None,
                               bounds=bounds, method=method)
    except (RuntimeError, ValueError) as exc:   # scipy's "optimal parameters not found"
        raise SolverError(f"{model.path}: {analysis.where}: the fit failed: {exc}") from None
    stderr = np.sqrt(np.diag(pcov))
    name, y_unit = data["y_name"], next(iter(model.outputs.values())).unit
    rows = []
    for i, par in enumerate(free):
        unit = model.parameters[par].unit
        rows += [row(name, par, "estimate", popt[i], unit), row(name, par, "stderr", stderr[i], unit)]
    residuals = y - curve(x, *popt)
    weighted = residuals / sigma if sigma is not None else residuals
    rows.append(row(name, "", "chi_square" if sigma is not None else "residual_sum_of_squares",
                    np.sum(weighted ** 2), "" if sigma is not None else _squared(y_unit)))
    scale = np.sqrt(np.outer(np.diag(pcov), np.diag(pcov)))
    details = {"correlation": dict(zip(free, (pcov / scale).tolist())),
               "residuals": residuals, "n_points": len(x)}
    if analysis.options["influence"]:
        influence = fit_sensitivity(curve, x, y, popt, sigma=sigma)
        # the data point that moves each estimate most: where to look for outliers
        details["most_influential_point"] = {
            par: int(np.argmax(np.abs(influence.matrix[i]))) for i, par in enumerate(free)}
        details["d_estimate_d_y"] = dict(zip(free, influence.matrix.tolist()))

    def plot(ax):
        fine = np.linspace(x.min(), x.max(), 200)
        ax.errorbar(x, y, yerr=sigma, fmt="o", ms=4, label="data")
        ax.plot(fine, curve(fine, *popt), label="fit")
        ax.set_xlabel(data["x_name"])
        ax.set_ylabel(f"{name} [{y_unit}]" if y_unit else name)
        ax.legend()
        return ax
    return AnalysisResult("fit", analysis.where, rows, details, plot=plot)


def _squared(unit: str) -> str:
    """The unit of a sum of squared residuals: none for a unitless output (not "()^2"), and
    parentheses only around a compound unit ("(mg/L)^2", "m^2")."""
    if not unit:
        return ""
    return f"{unit}^2" if unit.isalnum() else f"({unit})^2"
