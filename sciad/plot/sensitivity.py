"""Figures of sensitivity results: tornado, heatmap, DGSM and Sobol bars."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._axes import target_axes, with_unit

__all__ = ["tornado", "heatmap", "dgsm_bars", "sobol_bars"]

_POSITIVE, _NEGATIVE = "#c0392b", "#2e86c1"  # red up, blue down: the reading most fields share


def _local_label(result: Any, output: str) -> str:
    """What one entry of a local sensitivity row means, with its unit."""
    i = result.outputs.index(output)
    out_unit = result.output_units[i]
    if result.normalize == "elasticity":
        return f"elasticity d ln {output} / d ln p"
    if result.normalize == "semi":
        return with_unit(f"p d{output}/dp", out_unit)
    units = {u for u in result.parameter_units if u}
    if out_unit and len(units) == 1:
        return f"d{output}/dp [{out_unit} / {units.pop()}]"
    return with_unit(f"d{output}/dp", f"{out_unit} per parameter unit" if out_unit else "")


def _bar_values(result: Any, output: str | None) -> tuple[list[str], np.ndarray, str]:
    """Names, signed values and an axis label for any sensitivity result."""
    method = getattr(result, "method", None)
    if method == "dgsm":
        return list(result.names), np.asarray(result.upper_bound), "DGSM bound on total Sobol index"
    if method == "sobol":
        return list(result.names), np.asarray(result.total), "total Sobol index"
    if hasattr(result, "matrix") and hasattr(result, "outputs"):
        if output is None:
            output = result.outputs[0]
        if output not in result.outputs:
            raise KeyError(f"no output named {output!r}; the outputs are {list(result.outputs)}")
        row = result.matrix[result.outputs.index(output)]
        return list(result.parameters), np.asarray(row), _local_label(result, output)
    raise TypeError(f"tornado needs a LocalSensitivity, DGSMResult or SobolResult from "
                    f"sciad.sensitivity, got {type(result).__name__}")


def tornado(result: Any, ax: Any = None, *, output: str | None = None,
            top: int | None = None) -> Any:
    """Horizontal bars ranked by magnitude, the largest on top (a tornado chart).

    Parameters
    ----------
    result : LocalSensitivity, DGSMResult or SobolResult
        Local results show one output's row, signed (red: output rises with the parameter);
        DGSM shows the upper bounds, Sobol the total indices.
    ax : matplotlib Axes, optional
        Drawn on the current Axes when omitted.
    output : str, optional
        Which output of a local result (default: the first).
    top : int, optional
        Show only the ``top`` largest bars.

    Returns
    -------
    matplotlib Axes
    """
    ax = target_axes(ax)
    names, values, label = _bar_values(result, output)
    order = np.argsort(-np.abs(np.nan_to_num(values)), kind="stable")[:top]
    order = order[::-1]  # barh draws bottom-up; the largest goes on top
    shown = values[order]
    ax.barh(np.arange(len(order)), shown, color=np.where(shown >= 0, _POSITIVE, _NEGATIVE))
    ax.set_yticks(np.arange(len(order)), [names[i] for i in order])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(label)
    ax.set_ylabel("parameter" if hasattr(result, "parameters") else "input")
    if output is not None or hasattr(result, "outputs"):
        ax.set_title(output or result.outputs[0])
    return ax


def heatmap(result: Any, ax: Any = None, *, cmap: str = "RdBu_r", annotate: bool | None = None,
            colorbar: bool = True) -> Any:
    """The sensitivity matrix as colored cells: outputs down, parameters across.

    The color scale is symmetric about zero so that sign reads at a glance. Cells are annotated
    with their values when the matrix is small (at most 12 x 12) unless ``annotate`` says
    otherwise. Rows with very different scales are easier to compare as elasticities
    (``local(..., normalize="elasticity")``).

    Parameters
    ----------
    result : LocalSensitivity
        From :func:`sciad.sensitivity.local`.
    ax : matplotlib Axes, optional
        Drawn on the current Axes when omitted.
    cmap : str
        A diverging matplotlib colormap.
    annotate : bool, optional
        Write each value in its cell (default: when the matrix is at most 12 x 12).
    colorbar : bool
        Add a colorbar labelled with the kind of sensitivity.

    Returns
    -------
    matplotlib Axes
    """
    if not (hasattr(result, "matrix") and hasattr(result, "outputs")):
        raise TypeError(f"heatmap needs a LocalSensitivity, got {type(result).__name__}")
    ax = target_axes(ax)
    matrix = np.asarray(result.matrix, dtype=np.float64)
    finite = np.abs(matrix[np.isfinite(matrix)])
    limit = float(np.max(finite)) if finite.size and np.max(finite) > 0 else 1.0
    image = ax.imshow(matrix, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
    # units differ from cell to cell, so each name carries its own: "k [1/h]"
    ax.set_xticks(np.arange(len(result.parameters)),
                  [with_unit(n, u) for n, u in zip(result.parameters, result.parameter_units)],
                  rotation=45, ha="right")
    ax.set_yticks(np.arange(len(result.outputs)),
                  [with_unit(n, u) for n, u in zip(result.outputs, result.output_units)])
    ax.set_xlabel("parameter")
    ax.set_ylabel("output")
    if annotate is None:
        annotate = max(matrix.shape) <= 12
    if annotate:
        for (i, j), value in np.ndenumerate(matrix):
            dark = abs(value) > 0.6 * limit  # white text on the saturated cells
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    if colorbar:
        title = {"elasticity": "elasticity d ln y / d ln p (unit-free)",
                 "semi": "p dy/dp [output unit]"}
        ax.figure.colorbar(image, ax=ax, label=title.get(
            result.normalize, "dy/dp [output unit / parameter unit]"))
    return ax


def _grouped_bars(ax, names, groups, ylabel):
    """Side-by-side bars with interval whiskers: ``groups`` is [(label, values, ci or None)]."""
    width = 0.8 / len(groups)
    x = np.arange(len(names))
    for k, (label, values, ci) in enumerate(groups):
        errors = None
        if ci is not None and len(ci):
            ci = np.asarray(ci)
            errors = np.abs(np.stack([values - ci[:, 0], ci[:, 1] - values]))
        ax.bar(x + (k - (len(groups) - 1) / 2) * width, values, width, yerr=errors, capsize=3,
               label=label)
    ax.set_xticks(x, names)
    ax.set_xlabel("input")
    ax.set_ylabel(ylabel)
    if len(groups) > 1:
        ax.legend()
    return ax


_DGSM_LABELS = {"upper_bound": "bound on total Sobol index (C nu / Var f)",
                "index": "normalised DGSM (C nu / sum C nu)", "nu": "nu = E[(df/dx)^2]"}


def dgsm_bars(result: Any, ax: Any = None, *, measure: str = "upper_bound",
              sobol: Any = None) -> Any:
    """DGSM per input as bars with their bootstrap confidence intervals.

    Parameters
    ----------
    result : DGSMResult
        From :func:`sciad.sensitivity.dgsm`.
    ax : matplotlib Axes, optional
        Drawn on the current Axes when omitted.
    measure : {"upper_bound", "index", "nu"}
        Which field to draw.
    sobol : SobolResult, optional
        Draws its total indices (with intervals) beside the bounds, to see that each bound
        sits above its index.

    Returns
    -------
    matplotlib Axes
    """
    if getattr(result, "method", None) != "dgsm":
        raise TypeError(f"dgsm_bars needs a DGSMResult, got {type(result).__name__}")
    if measure not in _DGSM_LABELS:
        raise ValueError(f"measure must be one of {list(_DGSM_LABELS)}, got {measure!r}")
    ax = target_axes(ax)
    label = {"upper_bound": "DGSM bound", "index": "DGSM index", "nu": "DGSM nu"}[measure]
    groups = [(label, np.asarray(getattr(result, measure)), result.ci.get(measure))]
    if sobol is not None:
        groups.append(("Sobol total index", np.asarray(sobol.total), sobol.ci.get("total")))
    _grouped_bars(ax, list(result.names), groups, _DGSM_LABELS[measure])
    ax.set_title(f"DGSM of {result.output_name} ({result.n_samples} samples)")
    return ax


def sobol_bars(result: Any, ax: Any = None) -> Any:
    """First-order and total Sobol indices side by side, with confidence intervals.

    A total index well above the first-order one means the input acts through interactions.

    Parameters
    ----------
    result : SobolResult
        From :func:`sciad.sensitivity.sobol`.
    ax : matplotlib Axes, optional
        Drawn on the current Axes when omitted.

    Returns
    -------
    matplotlib Axes
    """
    if getattr(result, "method", None) != "sobol":
        raise TypeError(f"sobol_bars needs a SobolResult, got {type(result).__name__}")
    ax = target_axes(ax)
    _grouped_bars(ax, list(result.names),
                  [("first order", np.asarray(result.first), result.ci.get("first")),
                   ("total", np.asarray(result.total), result.ci.get("total"))],
                  "Sobol index (share of variance)")
    ax.set_title(f"Sobol indices of {result.output_name}")
    return ax
