"""Turning result dataclasses into plain, JSON-ready structures."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["jsonable", "dataclass_dict"]


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
