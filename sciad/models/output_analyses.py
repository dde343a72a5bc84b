"""Analyses of models whose outputs are formulas of the parameters (``function`` and ``ode``).

Both kinds reduce to one differentiable map ``outputs(free) -> {name: value}`` from the free
parameters (a dict) to the named outputs; local sensitivities, minimisation, DGSM and Sobol
indices are then the library's adapters applied to that map.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ModelFileError, SolverError
from .results import AnalysisResult, per, row
from .schema import Analysis, Model

__all__ = ["function_outputs", "sensitivity", "minimize", "dgsm", "sobol"]

OutputsMap = Callable[[dict], dict]
_BOUNDED_METHODS = {"nelder-mead", "l-bfgs-b", "tnc", "slsqp", "powell", "trust-constr",
                    "cobyla", "cobyqa"}


def function_outputs(model: Model) -> OutputsMap:
    """The outputs of a ``function`` model, evaluated in file order (later ones may use earlier)."""
    fixed = {name: p.value for name, p in model.parameters.items() if p.fixed}

    def outputs(free: dict) -> dict:
        env = {**fixed, **free}
        for name, output in model.outputs.items():
            env[name] = output.formula(env)
        return {name: env[name] for name in model.outputs}
    return outputs


def free_values(model: Model) -> dict[str, float]:
    """The free parameters' current values."""
    return {name: model.parameters[name].value for name in model.free}


def _units(model: Model) -> dict[str, str]:
    units = {name: p.unit for name, p in model.parameters.items()}
    units.update({name: o.unit for name, o in model.outputs.items()})
    return units


def _chosen_output(model: Model, analysis: Analysis) -> str:
    name = analysis.options.get("output") or next(iter(model.outputs))
    if name not in model.outputs:
        raise ModelFileError(f"{model.path}: {analysis.where}.output: no output {name!r} "
                             f"(outputs: {', '.join(model.outputs)})")
    return name


def _scalar(outputs: OutputsMap, name: str, model: Model, analysis: Analysis) -> Callable:
    """``free -> outputs[name]``, checking once that the output is a scalar."""
    value = np.asarray(outputs(free_values(model))[name])
    if value.size != 1:
        raise ModelFileError(f"{model.path}: {analysis.where}.output: {name!r} has shape "
                             f"{value.shape}; this analysis needs a scalar output")
    return lambda free: outputs(free)[name]


def sensitivity(model: Model, analysis: Analysis, outputs: OutputsMap, **_: Any) -> AnalysisResult:
    """Local sensitivities of the outputs to the free parameters at their values."""
    from ..plot import tornado
    from ..sensitivity import local

    chosen = analysis.options.get("outputs") or list(model.outputs)
    unknown = [name for name in chosen if name not in model.outputs]
    if unknown:
        raise ModelFileError(f"{model.path}: {analysis.where}.outputs: no output(s) "
                             f"{', '.join(map(str, unknown))} (outputs: {', '.join(model.outputs)})")
    normalize = analysis.options["normalize"]
    if normalize not in ("none", "elasticity", "semi"):
        raise ModelFileError(f"{model.path}: {analysis.where}.normalize: must be none, "
                             f"elasticity or semi, not {normalize!r}")
    result = local(lambda free: {k: v for k, v in outputs(free).items() if k in chosen},
                   free_values(model), normalize=normalize, units=_units(model))
    quantity = {"none": "derivative", "elasticity": "elasticity", "semi": "semi-elasticity"}
    rows = []
    for i, out in enumerate(result.outputs):
        for j, par in enumerate(result.parameters):
            unit = _ratio_unit(result.output_units[i], result.parameter_units[j], normalize)
            rows.append(row(out, par, quantity[normalize], result.matrix[i, j], unit))
    details = {"output_values": dict(zip(result.outputs, result.output_values.tolist()))}
    return AnalysisResult("sensitivity", analysis.where, rows, details,
                          plot=lambda ax: tornado(result, ax=ax))


def _ratio_unit(output_unit: str, parameter_unit: str, normalize: str) -> str:
    if normalize == "elasticity":
        return ""
    return output_unit if normalize == "semi" else per(output_unit, parameter_unit)


def minimize(model: Model, analysis: Analysis, outputs: OutputsMap, **_: Any) -> AnalysisResult:
    """Minimise one scalar output over the free parameters (bounds where given)."""
    from ..optimize import minimize as sciad_minimize
    from ..plot import convergence

    name = _chosen_output(model, analysis)
    objective = _scalar(outputs, name, model, analysis)
    bounds = {p: model.parameters[p].bounds or (None, None) for p in model.free}
    method = analysis.options["method"]
    # scipy warns and ignores bounds for methods without them (BFGS, CG, Newton-CG ...)
    has_bounds = any(b != (None, None) for b in bounds.values()) and (
        method is None or method.lower() in _BOUNDED_METHODS)
    history: list[float] = []
    result = sciad_minimize(objective, free_values(model), method=method,
                            bounds=bounds if has_bounds else None,
                            options={"maxiter": analysis.options["maxiter"]},
                            callback=lambda intermediate_result: history.append(
                                float(intermediate_result.fun)))
    if not result.success:
        raise SolverError(f"{model.path}: {analysis.where}: the minimisation of {name!r} did not "
                          f"converge: {result.message}")
    unit = model.outputs[name].unit
    rows = [row(name, "", "minimum", result.fun, unit)]
    rows += [row(name, p, "argmin", result.params[p], model.parameters[p].unit)
             for p in model.free]
    details = {"success": bool(result.success), "message": str(result.message),
               "iterations": int(getattr(result, "nit", 0) or 0), "evaluations": int(result.nfev),
               "history": history}
    return AnalysisResult("minimize", analysis.where, rows, details,
                          plot=(lambda ax: convergence(history, ax=ax, objective_unit=unit))
                          if history else None)


def _problem(model: Model, analysis: Analysis) -> dict:
    missing = [p for p in model.free if model.parameters[p].bounds is None]
    if missing:
        raise ModelFileError(f"{model.path}: parameters.{missing[0]}.bounds: {analysis.type} "
                             f"samples every free parameter; give bounds to "
                             f"{', '.join(missing)} (or mark them fixed = true)")
    return {"names": model.free, "bounds": [list(model.parameters[p].bounds) for p in model.free],
            "dists": [model.parameters[p].distribution for p in model.free],
            "units": [model.parameters[p].unit for p in model.free]}


def _sampled(method: Callable, objective: Callable, name: str, model: Model,
             analysis: Analysis, seed: int, progress: Any) -> Any:
    """``method`` (:func:`sciad.sensitivity.dgsm` or ``sobol``) on one scalar output, sampling
    the free parameters within their bounds with the analysis's ``n`` and ``bootstrap``."""
    names = model.free
    return method(lambda x: objective({p: x[i] for i, p in enumerate(names)}),
                  _problem(model, analysis), n=analysis.options["n"], seed=seed,
                  bootstrap=analysis.options["bootstrap"], progress=progress,
                  output_name=name, output_unit=model.outputs[name].unit)


def _per_input_rows(name: str, result: Any, measures: dict[str, Any]) -> list[dict]:
    """Rows of each input's measures (quantity -> one value per input), input by input."""
    return [row(name, par, quantity, values[i])
            for i, par in enumerate(result.names) for quantity, values in measures.items()]


def dgsm(model: Model, analysis: Analysis, outputs: OutputsMap, *, seed: int = 0,
         progress: Any = False, **_: Any) -> AnalysisResult:
    """Derivative-based global sensitivity measures of one scalar output."""
    from ..plot import dgsm_bars
    from ..sensitivity import dgsm as sciad_dgsm

    name = _chosen_output(model, analysis)
    result = _sampled(sciad_dgsm, _scalar(outputs, name, model, analysis), name, model, analysis,
                      seed, progress)
    rows = _per_input_rows(name, result, {"dgsm_upper_bound": result.upper_bound,
                                          "dgsm_index": result.index})
    details = {"mean": result.mean, "variance": result.variance, "n_samples": result.n_samples,
               "upper_bound_ci": dict(zip(result.names, result.ci["upper_bound"].tolist()))}
    return AnalysisResult("dgsm", analysis.where, rows, details,
                          plot=lambda ax: dgsm_bars(result, ax=ax))


def sobol(model: Model, analysis: Analysis, outputs: OutputsMap, *, seed: int = 0,
          progress: Any = False, **_: Any) -> AnalysisResult:
    """First-order and total Sobol indices of one scalar output."""
    from ..plot import sobol_bars
    from ..sensitivity import sobol as sciad_sobol

    name = _chosen_output(model, analysis)
    objective = _scalar(outputs, name, model, analysis)
    result = _sampled(sciad_sobol, lambda free: float(np.asarray(objective(free))), name, model,
                      analysis, seed, progress)
    rows = _per_input_rows(name, result, {"sobol_first": result.first,
                                          "sobol_total": result.total})
    return AnalysisResult("sobol", analysis.where, rows, {"n_evaluations": int(
        getattr(result, "model_evaluations", 0))}, plot=lambda ax: sobol_bars(result, ax=ax))
