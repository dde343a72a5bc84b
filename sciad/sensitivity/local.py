"""Local sensitivities: the exact Jacobian of named outputs with respect to named parameters.

``S[i, j] = d y_i / d p_j`` at the given parameter values, from one recorded forward pass
(reverse mode, one pull-back per output element). Normalised forms:

- ``"elasticity"``: ``(p_j / y_i) dy_i/dp_j = d ln y_i / d ln p_j``, unit-free: the percent change
  of the output per percent change of the parameter;
- ``"semi"``: ``p_j dy_i/dp_j``, in the output's unit: the change of the output per relative
  change of the parameter.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..engine.pytree import tree_flatten, tree_leaves, tree_paths
from ..engine.transforms import jacobian
from ._batch import ModelOutputError, SampleError
from ._problem import ProblemError
from ._results import dataclass_dict, jsonable

__all__ = ["local", "LocalSensitivity"]

_NORMALIZATIONS = ("none", "elasticity", "semi")


@dataclass
class LocalSensitivity:
    """The sensitivity matrix of named outputs to named parameters.

    Attributes
    ----------
    matrix : ndarray
        Shape ``(len(outputs), len(parameters))``; absolute or normalised (see ``normalize``).
    outputs, parameters : tuple of str
        Element names: ``"k"``, ``"conc[2]"``, ``"w[0,1]"``.
    output_values, parameter_values : ndarray
        The outputs and parameters at which the derivatives were taken.
    output_units, parameter_units : tuple of str
        Units per element ("" where not given). An entry of an absolute matrix has unit
        output unit / parameter unit; an elasticity is unit-free; a semi-elasticity has the
        output's unit.
    normalize : str
        ``"none"``, ``"elasticity"`` or ``"semi"``.
    """

    matrix: np.ndarray
    outputs: tuple[str, ...]
    parameters: tuple[str, ...]
    output_values: np.ndarray
    parameter_values: np.ndarray
    output_units: tuple[str, ...]
    parameter_units: tuple[str, ...]
    normalize: str = "none"

    def row(self, output: str) -> dict[str, float]:
        """``{parameter: sensitivity}`` of one output."""
        i = _position(self.outputs, output, "output")
        return {p: float(v) for p, v in zip(self.parameters, self.matrix[i])}

    def ranking(self, output: str | None = None) -> list[str] | dict[str, list[str]]:
        """Parameters by decreasing ``|sensitivity|``: for one output, or a dict for all."""
        if output is None:
            return {name: self.ranking(name) for name in self.outputs}
        row = np.abs(self.matrix[_position(self.outputs, output, "output")])
        order = np.argsort(-np.nan_to_num(row, nan=-1.0), kind="stable")
        return [self.parameters[j] for j in order]

    def as_nested_dict(self) -> dict[str, dict[str, float]]:
        """``{output: {parameter: sensitivity}}``."""
        return {name: self.row(name) for name in self.outputs}

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready dict: every field plus ``sensitivities`` (nested by name)."""
        out = dataclass_dict(self)
        out["sensitivities"] = jsonable(self.as_nested_dict())
        return out


def _position(names, name, what) -> int:
    try:
        return names.index(name)
    except ValueError:
        raise KeyError(f"no {what} named {name!r}; the {what}s are {list(names)}") from None


def _element_names(tree: Any, leaves: list, default: str) -> tuple[list[str], list[str]]:
    """One name per scalar element (``w[0,1]``), and the top-level name it belongs to."""
    names, roots = [], []
    if isinstance(tree, dict):
        paths = tree_paths(tree)
    elif isinstance(tree, (list, tuple)):  # a top-level sequence of outputs: y[0], y[1][2]
        paths = [default + path for path in tree_paths(tree)]
    else:
        paths = [default]
    for path, leaf in zip(paths, leaves):
        root = path.split(".")[0].split("[")[0]
        shape = np.shape(leaf)
        for index in np.ndindex(*shape):
            suffix = f"[{','.join(map(str, index))}]" if shape else ""
            names.append(path + suffix)
            roots.append(root)
    return names, roots


def _check_numbers(leaves: list, what: str) -> None:
    for leaf in leaves:
        kind = np.asarray(leaf).dtype.kind if not hasattr(leaf, "_value") else "f"
        if kind not in "fiub":
            raise ModelOutputError(f"local sensitivities need numeric {what}, got "
                                   f"{type(leaf).__name__} {str(leaf)[:60]!r}")


def _check_finite(values: np.ndarray, names: list[str], what: str) -> None:
    """Raise when outputs or parameters are NaN or infinite: their derivatives would be
    reported as if they meant something."""
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        shown = ", ".join(f"{names[i]}={values[i]}" for i in bad[:6])
        verb = "is" if bad.size == 1 else "are"
        raise SampleError(f"{bad.size} of the {what} {verb} NaN or infinite ({shown}"
                          f"{' ...' if bad.size > 6 else ''}); sensitivities there mean nothing: "
                          "evaluate at parameters where the model is defined")


def local(fun: Callable, params: Mapping[str, Any], *, normalize: str = "none",
          args: tuple = (), units: Mapping[str, str] | None = None,
          output_name: str = "y") -> LocalSensitivity:
    """The sensitivity matrix of every output of ``fun(params, *args)`` to every parameter.

    Parameters
    ----------
    fun : callable
        Plain NumPy code; returns a scalar, an array, or a dict of named outputs.
    params : dict
        Named parameters (scalars or arrays); array entries become one column per element.
    normalize : {"none", "elasticity", "semi"}
        Absolute ``dy/dp``, elasticity ``d ln y / d ln p``, or semi-elasticity ``p dy/dp``.
    args : tuple
        Further arguments passed to ``fun``, not differentiated.
    units : dict, optional
        ``{name: unit}`` for parameters and outputs (top-level names).
    output_name : str
        The name of an output that is not a dict.

    Returns
    -------
    LocalSensitivity

    Raises
    ------
    ProblemError
        ``params`` is not a dict, or ``normalize`` is unknown.
    ModelOutputError
        A parameter or an output is not a number.
    SampleError
        A parameter or an output is NaN or infinite.

    Examples
    --------
    >>> s = sciad.sensitivity.local(lambda p: {"y": p["a"] * p["b"] ** 2},
    ...                             {"a": 2.0, "b": 3.0}, normalize="elasticity")
    >>> s.row("y")
    {'a': 1.0, 'b': 2.0}
    """
    if normalize not in _NORMALIZATIONS:
        raise ProblemError(f"normalize must be one of {_NORMALIZATIONS}, got {normalize!r}")
    if not isinstance(params, Mapping):
        raise ProblemError(f"params must be a dict of named parameters, got "
                           f"{type(params).__name__}; e.g. {{'k': 0.3, 'y0': 1.0}}")
    param_leaves = tree_leaves(params)
    _check_numbers(param_leaves, "parameters")
    values = fun(params, *args)
    out_leaves, _ = tree_flatten(values)
    _check_numbers(out_leaves, "outputs")
    blocks = tree_leaves(jacobian(fun)(params, *args))
    n_params = len(param_leaves)
    rows = []
    for k, leaf in enumerate(out_leaves):
        size = int(np.size(leaf))
        rows.append(np.hstack([np.reshape(np.asarray(b, dtype=np.float64), (size, -1))
                               for b in blocks[k * n_params:(k + 1) * n_params]]))
    matrix = np.vstack(rows)
    y = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in out_leaves])
    p = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in param_leaves])
    outputs, out_roots = _element_names(values, out_leaves, output_name)
    parameters, param_roots = _element_names(params, param_leaves, "p")
    _check_finite(p, parameters, "parameters")
    _check_finite(y, outputs, "outputs")
    units = dict(units or {})
    output_units = [units.get(r, "") for r in out_roots]
    parameter_units = [units.get(r, "") for r in param_roots]
    if normalize == "semi":
        matrix = matrix * p[None, :]
        parameter_units = [""] * len(parameters)
    elif normalize == "elasticity":
        zero = np.flatnonzero(y == 0)
        if zero.size:
            warnings.warn(f"elasticities of outputs {[outputs[i] for i in zero]} are undefined "
                          "(the output is 0 there) and are NaN", RuntimeWarning, stacklevel=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            matrix = matrix * p[None, :] / np.where(y == 0, np.nan, y)[:, None]
        output_units, parameter_units = [""] * len(outputs), [""] * len(parameters)
    return LocalSensitivity(matrix, tuple(outputs), tuple(parameters), y, p, tuple(output_units),
                            tuple(parameter_units), normalize)
