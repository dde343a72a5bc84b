"""Input checks and the finance errors: say what was wrong, where, and what to do."""

from __future__ import annotations

import numpy as np

from ..engine.control import stop_gradient
from ..errors import SciadError

__all__ = ["OptionInputError", "ArbitrageBoundsError", "option_sign", "check_positive",
           "check_nonnegative", "check_finite", "check_scalar_fields"]

KINDS = {"call": 1.0, "put": -1.0}


class OptionInputError(SciadError, ValueError):
    """An option's inputs are invalid: negative volatility or maturity, an unknown kind ..."""


class ArbitrageBoundsError(SciadError, ValueError):
    """An option price lies outside its no-arbitrage bounds, so no volatility reproduces it."""


def option_sign(kind: str) -> float:
    """+1 for a call, -1 for a put; anything else raises :class:`OptionInputError`."""
    try:
        return KINDS[kind]
    except (KeyError, TypeError):
        raise OptionInputError(f"unknown option kind {kind!r}; use 'call' or 'put'") from None


def _values(x):
    return np.asarray(stop_gradient(x), dtype=np.float64)


def check_positive(name: str, x, where: str) -> None:
    """Raise if any element of ``x`` is not > 0 (checks values only; keeps derivatives)."""
    values = _values(x)
    bad = ~(values > 0)
    if np.any(bad):
        raise OptionInputError(
            f"{where}: {name} must be > 0, got {float(values[bad].ravel()[0]):.10g}"
            f"{' (first of %d bad elements)' % bad.sum() if bad.sum() > 1 else ''}")


def check_finite(name: str, x, where: str) -> None:
    """Raise if any element of ``x`` is NaN or infinite (a rate, a yield, a forward)."""
    values = _values(x)
    bad = ~np.isfinite(values)
    if np.any(bad):
        raise OptionInputError(
            f"{where}: {name} must be finite, got {float(values[bad].ravel()[0])!r}"
            f"{' (first of %d bad elements)' % bad.sum() if bad.sum() > 1 else ''}")


def check_scalar_fields(instance, where: str) -> None:
    """Raise unless every field of a model or payoff dataclass is a finite real number (or None):
    one model prices one option; books of options go through :func:`sciad.finance.greeks`."""
    for name, value in vars(instance).items():
        if value is None or isinstance(value, str):
            continue
        if np.ndim(value) != 0 or not np.isrealobj(value):
            raise OptionInputError(f"{where}: {name} must be a real number, got "
                                   f"{type(value).__name__} of shape {np.shape(value)}")
        if not np.isfinite(value):
            raise OptionInputError(f"{where}: {name} must be finite, got {value!r}")


def check_nonnegative(name: str, x, where: str) -> None:
    """Raise if any element of ``x`` is negative or NaN."""
    values = _values(x)
    bad = ~(values >= 0)
    if np.any(bad):
        raise OptionInputError(
            f"{where}: {name} must be >= 0, got {float(values[bad].ravel()[0]):.10g}"
            f"{' (first of %d bad elements)' % bad.sum() if bad.sum() > 1 else ''}")
