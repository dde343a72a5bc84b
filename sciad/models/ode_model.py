"""``ode`` models: states with right-hand-side formulas, solved with :mod:`sciad.ode`.

The outputs are formulas of the trajectories (each state is the array of its values at the
``time.points`` output times, ``t`` the times), so ``"max(I)"`` is an epidemic's peak and
``"R[-1]"`` its final size. :func:`ode_outputs` solves with the differentiable
:func:`sciad.ode.odeint`, so every output analysis (sensitivity, DGSM ...) differentiates
through the solver.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import jacobian
from ..engine import Tensor
from ..errors import ModelFileError
from .output_analyses import OutputsMap, free_values
from .results import AnalysisResult, per, row
from .schema import Analysis, Model

__all__ = ["ode_outputs", "trajectory_sensitivity"]


def _right_hand_side(model: Model):
    """``f(t, y, free)`` evaluating each state's formula with the states and parameters."""
    states = model.sections["states"]
    fixed = {name: p.value for name, p in model.parameters.items() if p.fixed}

    # A formula that reads no state (a constant source term, say) gets "+ 0 * y[i]", so that
    # it still has the state's type and shape; the others are used as they are (the padding
    # would cost two operations per component and call).
    padded = [not (getattr(spec["rhs"], "names", None) or set()) & set(states)
              for spec in states.values()]
    formulas = [spec["rhs"] for spec in states.values()]

    def rhs(t, y, free):
        env = {**fixed, **free, "t": t}
        env.update({name: y[i] for i, name in enumerate(states)})
        return [formula(env) + 0.0 * y[i] if pad else formula(env)
                for i, (formula, pad) in enumerate(zip(formulas, padded))]
    return rhs


def _initial_state(model: Model, free: dict):
    fixed = {name: p.value for name, p in model.parameters.items() if p.fixed}
    env = {**fixed, **free}
    return np.stack([spec["initial"](env) for spec in model.sections["states"].values()])


def _times(model: Model) -> np.ndarray:
    time = model.sections["time"]
    return np.linspace(*time["span"], time["points"])


def ode_outputs(model: Model) -> OutputsMap:
    """``free -> {output: value}``, solving the ODE once per call (differentiably)."""
    from ..ode import odeint

    rhs, t, solver = _right_hand_side(model), _times(model), model.sections["solver"]
    fixed = {name: p.value for name, p in model.parameters.items() if p.fixed}
    states = list(model.sections["states"])

    def outputs(free: dict) -> dict:
        # forward sensitivities: a model file has a few parameters and states, and many
        # outputs read the whole trajectory, which would make an adjoint stop at every time
        # (untraced, "checkpoint" is a plain solve: "forward" would still integrate them)
        y0 = _initial_state(model, free)
        traced = any(isinstance(v, Tensor) for v in [y0, *free.values()])
        y = odeint(rhs, y0, t, free, method=solver["method"], rtol=solver["rtol"],
                   atol=solver["atol"], adjoint="forward" if traced else "checkpoint")
        env = {**fixed, **free, "t": t}
        env.update({name: y[:, i] for i, name in enumerate(states)})
        for name, output in model.outputs.items():
            env[name] = output.formula(env)
        return {name: env[name] for name in model.outputs}
    return outputs


def trajectory_sensitivity(model: Model, analysis: Analysis, outputs: OutputsMap,
                           **_: Any) -> AnalysisResult:
    """Forward sensitivities ``d state(t) / d parameter`` along the whole trajectory."""
    from ..ode import solve_ivp
    from ..plot import over_time

    states, solver = list(model.sections["states"]), model.sections["solver"]
    state = analysis.options.get("state") or states[0]
    if state not in states:
        raise ModelFileError(f"{model.path}: {analysis.where}.state: no state {state!r} "
                             f"(states: {', '.join(states)})")
    t, free = _times(model), free_values(model)
    result = solve_ivp(_right_hand_side(model), (t[0], t[-1]), _initial_state(model, free),
                       params=free, sensitivity="forward", t_eval=t, method=solver["method"],
                       rtol=solver["rtol"], atol=solver["atol"])
    # parameters that set initial states act through dy/dy0 too: the total derivative
    initial = jacobian(lambda p: _initial_state(model, p))(free)
    result.dy_dp = result.dy_dp + np.einsum("imk,jm->ijk", result.dy_dy0, np.stack(
        [np.asarray(initial[name], dtype=float) for name in result.param_names]))
    units = {name: spec["unit"] for name, spec in model.sections["states"].items()}
    rows = []
    for i, name in enumerate(states):
        for j, par in enumerate(result.param_names):
            rows.append(row(f"{name}(t_end)", par, "derivative", result.dy_dp[i, j, -1],
                            per(units[name], model.parameters[par].unit)))
    details = {"t": result.t, "states": dict(zip(states, result.y)),
               "dy_dp_of_" + state: dict(zip(result.param_names,
                                             result.dy_dp[states.index(state)]))}
    time_unit = model.sections["time"]["unit"]
    return AnalysisResult("trajectory_sensitivity", analysis.where, rows, details,
                          plot=lambda ax: over_time(result, ax=ax, state=state,
                                                    state_names=states, time_unit=time_unit,
                                                    state_unit=units[state]))
