"""Turning result dataclasses into plain, JSON-ready structures."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = ["jsonable", "dataclass_dict", "GlobalResult"]


def jsonable(value: Any) -> Any:
    """Arrays to nested lists, tuples to lists, NaN and infinity to None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dataclass_dict(result: Any) -> dict[str, Any]:
    """Every field of a result dataclass, JSON-ready."""
    return {f.name: jsonable(getattr(result, f.name)) for f in dataclasses.fields(result)}


@dataclass(kw_only=True)
class GlobalResult:
    """What every sampling-based global measure reports besides its indices.

    Attributes
    ----------
    names, units : tuple of str
        The inputs, in the problem's order, and their units.
    ci : dict
        Bootstrap percentile intervals at level ``confidence``, one ``(D, 2)`` array per measure.
    mean, variance : float
        Of the output over the samples.
    n_samples, n_omitted, model_evaluations : int
        Samples used, samples dropped with ``nan_policy="omit"``, and model (or gradient) runs.
    output_name, output_unit : str
        Carried into plots.
    """

    ranked_by: ClassVar[str]  # the field that ranking() sorts by

    names: tuple[str, ...]
    units: tuple[str, ...]
    ci: dict[str, np.ndarray]
    mean: float
    variance: float
    n_samples: int
    n_omitted: int
    model_evaluations: int
    confidence: float
    output_name: str = "f"
    output_unit: str = ""

    def ranking(self) -> list[str]:
        """Input names from the most to the least influential."""
        values = np.asarray(getattr(self, self.ranked_by))
        return [self.names[i] for i in np.argsort(-values, kind="stable")]

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready dict of every field."""
        return dataclass_dict(self)
