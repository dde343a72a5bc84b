"""Figures of the other adapters' results: ODE sensitivities over time, Greeks against spot or
volatility, optimisation convergence, normal-mode spectra.

Each function reads the result's fields by name (``t``, ``dy_dp``, ``param_names`` of
:class:`sciad.ode.OdeResult`; the arrays and ``units`` of :class:`sciad.finance.Greeks`;
``frequencies`` of :class:`sciad.physics.NormalModes`), so this module imports none of them.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ._axes import target_axes, with_unit

__all__ = ["over_time", "greeks_profile", "convergence", "mode_spectrum"]


def _position(name_or_index: str | int, names: Sequence[str], what: str) -> int:
    if isinstance(name_or_index, (int, np.integer)):
        if not 0 <= name_or_index < len(names):
            raise IndexError(f"{what} {name_or_index} is out of range: there are {len(names)}")
        return int(name_or_index)
    if name_or_index not in names:
        raise KeyError(f"no {what} named {name_or_index!r}; the {what}s are {list(names)}")
    return list(names).index(name_or_index)


def _require_fields(result: Any, fields: Sequence[str], function: str, expected: str) -> None:
    """A TypeError naming what to pass, instead of an AttributeError from deep inside."""
    if not all(hasattr(result, field) for field in fields):
        raise TypeError(f"{function} needs {expected}, got {type(result).__name__}")


def over_time(ode_result: Any, ax: Any = None, *, state: str | int = 0,
              parameters: Sequence[str] | None = None, wrt: str = "params",
              state_names: Sequence[str] | None = None, normalize: bool = False,
              time_unit: str = "", state_unit: str = "") -> Any:
    """Sensitivity trajectories ``d y_state(t) / d p_j`` of an ODE solution, one line each.

    Parameters
    ----------
    ode_result : sciad.ode.OdeResult
        From ``solve_ivp(..., sensitivity="forward")``.
    state : str or int
        Which state (a name from ``state_names``, or an index).
    parameters : list of str, optional
        Which of ``ode_result.param_names`` to draw (default: all).
    wrt : {"params", "y0"}
        Sensitivities to the parameters (``dy_dp``) or to the initial state (``dy_dy0``).
    state_names : list of str, optional
        Names of the states, for the labels (default ``y0, y1, ...``).
    normalize : bool
        Divide each line by the state: ``(1/y) dy/dp``, the relative sensitivity (NaN where the
        state is zero).
    time_unit, state_unit : str
        Units for the axis labels.

    Returns
    -------
    matplotlib Axes
    """
    _require_fields(ode_result, ("t", "y", "dy_dp", "dy_dy0"), "over_time",
                    "the result of sciad.ode.solve_ivp(..., sensitivity='forward')")
    if wrt not in ("params", "y0"):
        raise ValueError(f"wrt must be 'params' or 'y0', got {wrt!r}")
    sens = ode_result.dy_dp if wrt == "params" else ode_result.dy_dy0
    if sens is None:
        raise ValueError("this ODE result holds no sensitivities; solve with "
                         "solve_ivp(..., sensitivity='forward')")
    n_states = np.shape(ode_result.y)[0]
    state_names = list(state_names or [f"y{i}" for i in range(n_states)])
    i = _position(state, state_names, "state")
    names = list(ode_result.param_names) if wrt == "params" else [f"{n}(0)" for n in state_names]
    chosen = [_position(p, names, "parameter") for p in (parameters or names)]
    ax = target_axes(ax)
    t = np.asarray(ode_result.t)
    y = np.asarray(ode_result.y)[i]
    for j in chosen:
        line = np.asarray(sens)[i, j]
        if normalize:
            line = np.divide(line, y, out=np.full_like(line, np.nan), where=y != 0)
        ax.plot(t, line, label=names[j])
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xlabel(with_unit("time", time_unit))
    label = f"(1/{state_names[i]}) d{state_names[i]}/dp" if normalize else \
        with_unit(f"d{state_names[i]}/dp", f"{state_unit} per parameter unit" if state_unit
                  else "")
    ax.set_ylabel(label)
    ax.set_title(f"sensitivity of {state_names[i]} over time")
    ax.legend(title="parameter" if wrt == "params" else "initial state")
    return ax


def greeks_profile(greeks: Any, x: Any, ax: Any = None, *, greek: str | Sequence[str] = "delta",
                   against: str = "spot", x_unit: str = "") -> Any:
    """One or more Greeks against the input that was swept (spot, volatility, maturity ...).

    Parameters
    ----------
    greeks : sciad.finance.Greeks
        Computed over a 1-D sweep, e.g. ``greeks(np.linspace(60, 140, 81), K, T, r, sigma)``.
    x : array_like
        The swept values, same length as the Greeks' arrays.
    greek : str or list of str
        ``"delta"``, ``"gamma"``, ``"vega"``, ``"theta"``, ``"price"`` ... Several Greeks share
        the Axes only when they share a unit.
    against : str
        Name of the swept input for the x label.

    Returns
    -------
    matplotlib Axes
    """
    names = [greek] if isinstance(greek, str) else list(greek)
    units = getattr(greeks, "units", {}) or {}
    if len({units.get(n, "") for n in names}) > 1:
        raise ValueError(f"{names} have different units ({[units.get(n) for n in names]}); "
                         "draw them on separate Axes")
    x = np.asarray(x, dtype=np.float64)
    ax = target_axes(ax)
    for name in names:
        values = getattr(greeks, name, None)
        if values is None:
            raise ValueError(f"the Greeks hold no {name!r}; compute it (order=2 or 3 for "
                             "gamma, vanna, volga, charm, speed) or pick another")
        values = np.asarray(values, dtype=np.float64)
        if values.shape != x.shape:
            raise ValueError(f"{name} has shape {values.shape} but x has shape {x.shape}; pass "
                             "the swept input that the Greeks were computed over")
        ax.plot(x, values, label=name)
    ax.set_xlabel(with_unit(against, x_unit))
    ax.set_ylabel(with_unit(", ".join(names), units.get(names[0], "")))
    ax.set_title(f"{getattr(greeks, 'kind', '')} {', '.join(names)} against {against}".strip())
    if len(names) > 1:
        ax.legend()
    return ax


def _history(result: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Objective values (and gradient norms if recorded) per iteration."""
    if isinstance(result, Mapping):
        if "fun" in result and np.ndim(result["fun"]) == 1:
            norms = result.get("grad_norm")
            return (np.asarray(result["fun"], dtype=np.float64),
                    None if norms is None else np.asarray(norms, dtype=np.float64))
        if "history" in result:
            return _history(result["history"])
        raise TypeError("this optimisation result holds no history of objective values; record "
                        "one with callback=lambda intermediate_result: "
                        "history.append(intermediate_result.fun) and pass the list, or a dict "
                        "{'fun': [...], 'grad_norm': [...]}")
    values = np.asarray(result, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise TypeError(f"convergence needs a non-empty sequence of objective values, got shape "
                        f"{values.shape}")
    return values, None


def convergence(result: Any, ax: Any = None, *, log: bool | None = None,
                objective_unit: str = "") -> Any:
    """Objective value (and gradient norm, when recorded) against iteration.

    Parameters
    ----------
    result : optimisation result, sequence or dict
        The result of :func:`sciad.optimize.minimize` (it records ``history``); or objective
        values per iteration; or ``{"fun": [...], "grad_norm": [...]}``. For scipy's own results,
        record the values with its callback:
        ``minimize(..., callback=lambda intermediate_result: h.append(intermediate_result.fun))``.
    log : bool, optional
        Logarithmic y axis (default: when every value is positive).

    Returns
    -------
    matplotlib Axes
    """
    values, norms = _history(result)
    ax = target_axes(ax)
    iterations = np.arange(len(values))
    ax.plot(iterations, values, marker="o", markersize=3, label="objective")
    if norms is not None:
        ax.plot(np.arange(len(norms)), norms, marker="s", markersize=3, label="gradient norm")
        ax.legend()
    positive = np.all(values > 0) and (norms is None or np.all(norms > 0))
    if log if log is not None else positive:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(with_unit("objective", objective_unit))
    ax.set_title(f"convergence: {values[-1]:.4g} after {len(values) - 1} iterations")
    return ax


def mode_spectrum(modes: Any, ax: Any = None, *, unit: str = "", skip_zero: bool = True,
                  tolerance: float = 1e-6) -> Any:
    """Normal-mode frequencies as a stick spectrum (imaginary modes, negative, in red).

    Parameters
    ----------
    modes : sciad.physics.NormalModes
    unit : str
        Unit of the frequencies (e.g. ``"cm^-1"`` after ``unit=INV_CM_PER_UNIT_FREQUENCY``).
    skip_zero : bool
        Leave out the zero modes (translations, rotations) within ``tolerance``.

    Returns
    -------
    matplotlib Axes
    """
    _require_fields(modes, ("frequencies", "eigenvalues"), "mode_spectrum",
                    "the NormalModes of sciad.physics.normal_modes(...)")
    frequencies = np.asarray(modes.frequencies, dtype=np.float64)
    eigenvalues = np.asarray(modes.eigenvalues, dtype=np.float64)
    if skip_zero:
        scale = max(np.max(np.abs(eigenvalues)), np.finfo(float).tiny)
        frequencies = frequencies[np.abs(eigenvalues) >= tolerance * scale]
    ax = target_axes(ax)
    real, imaginary = frequencies[frequencies >= 0], frequencies[frequencies < 0]
    ax.vlines(real, 0.0, 1.0, color="#1f4e79", label="modes")
    if imaginary.size:
        ax.vlines(imaginary, 0.0, 1.0, color="#c0392b", label="imaginary (saddle)")
        ax.legend()
    ax.set_ylim(0.0, 1.1)
    ax.set_yticks([])
    ax.set_xlabel(with_unit("frequency", unit))
    ax.set_title(f"{len(frequencies)} normal modes")
    return ax
