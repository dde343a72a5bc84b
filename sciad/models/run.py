"""Run the analyses a model file declares, and check its derivatives.

>>> from sciad.models import load_model, run_model
>>> result = run_model(load_model("examples/rosenbrock.toml"))
>>> [a.type for a in result.analyses]
['sensitivity', 'minimize']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import jacobian, numerical_jacobian
from ..errors import ModelFileError, SciadError, SolverError
from . import fit_model, ode_model, option_model, output_analyses, particles_model
from .results import AnalysisError, AnalysisResult, RunResult, row
from .schema import Model

__all__ = ["run_model", "check_model", "differentiable_map"]

_RUNNERS: dict[str, dict[str, Callable]] = {
    "function": {"sensitivity": output_analyses.sensitivity, "minimize": output_analyses.minimize,
                 "dgsm": output_analyses.dgsm, "sobol": output_analyses.sobol},
    "ode": {"sensitivity": output_analyses.sensitivity, "dgsm": output_analyses.dgsm,
            "sobol": output_analyses.sobol,
            "trajectory_sensitivity": ode_model.trajectory_sensitivity},
    "fit": {"fit": fit_model.fit},
    "particles": {"forces": particles_model.forces, "stress": particles_model.stress,
                  "normal_modes": particles_model.normal_modes},
    "option": {"greeks": option_model.greeks},
}


def run_model(model: Model, seed: int | None = None, progress: Any = False,
              on_analysis: Callable[[int, str], None] | None = None) -> RunResult:
    """Run every ``[[analysis]]`` of ``model`` in order.

    Parameters
    ----------
    model : Model
        From :func:`~sciad.models.load_model`.
    seed : int, optional
        Seed of the random sampling (DGSM, Sobol, Monte Carlo); default: the file's ``seed``.
    progress : bool, "auto" or callable
        Passed to the sampling analyses (``progress(done, total)``).
    on_analysis : callable, optional
        ``on_analysis(index, type)`` before each analysis starts (for a status line).

    Returns
    -------
    RunResult

    Raises
    ------
    ModelFileError
        A problem only visible when running (an output that is not a scalar, say).
    SolverError
        An optimiser, fit or ODE solver failed.
    AnalysisError
        An analysis gave NaN or infinite numbers.
    """
    seed = model.seed if seed is None else seed
    outputs = _outputs_map(model)
    results = []
    for index, analysis in enumerate(model.analyses):
        if on_analysis is not None:
            on_analysis(index, analysis.type)
        runner = _RUNNERS[model.kind][analysis.type]
        try:
            result = runner(model, analysis, outputs=outputs, seed=seed, progress=progress)
        except Exception as exc:   # say which file and analysis failed, whatever failed
            raise _located(exc, model, analysis) from exc
        result.raise_if_not_finite(model.path)
        results.append(result)
    parameters = {name: {"value": p.value, "unit": p.unit, "fixed": p.fixed}
                  for name, p in model.parameters.items()}
    return RunResult(model.name, model.kind, model.path, parameters, results, seed, model.sha256)


def _located(exc: Exception, model: Model, analysis) -> Exception:
    """``exc`` with its message prefixed by the file and analysis when it lacks them."""
    message = str(exc)
    if message.startswith(model.path):
        return exc
    message = f"{model.path}: {analysis.where} ({analysis.type}): {message}"
    for kind in (ModelFileError, SolverError, SciadError):
        if isinstance(exc, kind):
            return (AnalysisError if kind is SciadError else kind)(message)
    return AnalysisError(f"{message} ({type(exc).__name__})")


def _outputs_map(model: Model) -> Callable | None:
    if model.kind == "function":
        return output_analyses.function_outputs(model)
    if model.kind == "ode":
        return ode_model.ode_outputs(model)
    return None


def differentiable_map(model: Model) -> tuple[Callable[[dict], dict], dict[str, float]]:
    """The map ``free parameters -> named outputs`` that ``sciad check`` differentiates.

    function/ode: the outputs; fit: the model at every data x; particles: the energy;
    option: the closed-form price.
    """
    free = {name: model.parameters[name].value for name in model.free}
    if model.kind in ("function", "ode"):
        return _outputs_map(model), free
    if model.kind == "fit":
        curve, data = fit_model.fit_curve(model), model.sections["data"]
        return (lambda p: {data["y_name"]: curve(data["x"], *[p[n] for n in model.free])}), free
    if model.kind == "particles":
        energy, _space, positions = particles_model.particle_system(model)
        return (lambda p: {"energy": energy(positions, params=p)}), free
    return option_model.option_price(model), free


def check_model(model: Model, rtol: float | None = None, atol: float | None = None,
                step: float | None = None) -> tuple[AnalysisResult, bool]:
    """Compare the exact derivatives of the model's outputs with central finite differences.

    Each derivative ``d output / d parameter`` (for arrays: the element with the largest
    error) is reported as its exact value, its finite-difference value and their difference;
    it passes when ``|exact - fd| <= atol + rtol * |fd|``, with the step scaled by the
    parameter's size. The defaults (rtol 1e-5, atol 1e-7, step 1e-6) are looser for ODE
    models (rtol 1e-3, atol 1e-6, step 1e-4), whose finite differences carry the solver's
    error divided by the step.

    Returns
    -------
    (AnalysisResult, bool)
        The rows, and whether every derivative passed.
    """
    loose = model.kind == "ode"
    rtol = rtol if rtol is not None else (1e-3 if loose else 1e-5)
    atol = atol if atol is not None else (1e-6 if loose else 1e-7)
    step = step if step is not None else (1e-4 if loose else 1e-6)
    fun, free = differentiable_map(model)
    if not free:
        raise ModelFileError(f"{model.path}: parameters: every parameter is fixed; nothing to check")
    names = list(free)
    x0 = np.array([free[n] for n in names], dtype=float)
    # relative steps: a step of 1e-6 means as little to 3e7 as to 1e-3
    scale = np.where(x0 != 0.0, np.abs(x0), 1.0)

    def flat(u):
        outputs = fun({n: u[i] * scale[i] for i, n in enumerate(names)})
        return {k: np.reshape(v, -1) for k, v in outputs.items()}

    exact = jacobian(flat)(x0 / scale)
    sizes = {k: v.shape[0] for k, v in exact.items()}

    def stacked(u):   # every output in one vector: one model evaluation per step
        return np.concatenate([np.asarray(v, dtype=float) for v in flat(u).values()])
    columns = numerical_jacobian(stacked, x0 / scale, eps=step)
    offsets = np.cumsum([0, *sizes.values()])
    approx = {k: columns[offsets[i]:offsets[i + 1]] for i, k in enumerate(sizes)}
    rows, passed = [], True
    for out in exact:
        for j, par in enumerate(names):
            e, a = exact[out][:, j] / scale[j], approx[out][:, j] / scale[j]
            worst = int(np.argmax(np.abs(e - a))) if e.size else 0
            ok = bool(np.all(np.abs(e - a) <= atol + rtol * np.abs(a)))
            passed &= ok
            label = out if e.size == 1 else f"{out}[{worst}]"
            rows += [row(label, par, "exact", e[worst]), row(label, par, "finite_difference",
                                                               a[worst]),
                     row(label, par, "abs_error", abs(e[worst] - a[worst])),
                     row(label, par, "pass", float(ok))]
    return AnalysisResult("check", "", rows, {"rtol": rtol, "atol": atol, "step": step,
                                               "passed": passed}), passed
