"""Results: scipy's OptimizeResult, plus the solution in the user's structure and names."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.optimize

from ..engine.pytree import tree_map
from ._params import ParamSpace

__all__ = ["OptimizeResult", "to_json_value"]


class OptimizeResult(scipy.optimize.OptimizeResult):
    """scipy's result (``x``, ``fun``, ``success``, ``message``, ``nit`` ...) with two more fields.

    Attributes
    ----------
    params : pytree
        The solution in the structure of ``x0`` (``{"k": 0.3, "w": array([...])}``).
    names : list of str
        One name per entry of ``x`` (``k``, ``w[0]``, ``w[1]`` ...).
    """

    @classmethod
    def from_scipy(cls, result: scipy.optimize.OptimizeResult, space: ParamSpace,
                   **extra) -> "OptimizeResult":
        out = cls(result)
        out.update(extra)
        out["params"] = space.unflatten_values(result.x)
        out["names"] = list(space.names)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON types (arrays become lists, NaN and infinity None; solver
        internals are dropped)."""
        return {key: to_json_value(value) for key, value in self.items()
                if _is_json_like(value)}


def _is_json_like(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic, int, float, str, bool, list, tuple, dict,
                              type(None)))


def to_json_value(value):
    """Arrays and NumPy scalars as lists and Python numbers, through any pytree; NaN and
    infinity become None (JSON has neither), as in sciad.sensitivity's results."""
    def finite_or_none(number):
        if isinstance(number, float) and not math.isfinite(number):
            return None
        if isinstance(number, list):
            return [finite_or_none(v) for v in number]
        return number

    def convert(leaf):
        if isinstance(leaf, (np.ndarray, np.generic)):
            leaf = leaf.tolist()
        return finite_or_none(leaf)
    return tree_map(convert, value)
