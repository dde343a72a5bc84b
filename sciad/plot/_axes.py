"""Conventions shared by every plot: an Axes to draw on, labels that carry units."""

from __future__ import annotations

from typing import Any

__all__ = ["target_axes", "with_unit"]


def target_axes(ax: Any = None) -> Any:
    """``ax``, or the current Axes of pyplot (matplotlib's convention for ``ax=None``)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when the caller did not pass an Axes

    return plt.gca()


def with_unit(label: str, unit: str | None) -> str:
    """``"label [unit]"``, or the bare label when there is no unit."""
    return f"{label} [{unit}]" if unit else label
