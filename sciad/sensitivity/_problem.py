"""The input space of a global analysis, in SALib's ``problem`` dictionary format.

``{"names": [...], "bounds": [[...], ...], "dists": [...]}`` with SALib's meaning of the bounds
per distribution, so that a SALib user switches without rewriting:

=============  ==========================================================================
``unif``       ``[lower, upper]``
``norm``       ``[mean, standard deviation]``
``lognorm``    ``[mean, standard deviation]`` of ``ln x``
``triang``     ``[lower, upper, peak]``, the peak as a fraction of the interval in [0, 1]
=============  ==========================================================================

Each input is also given its *Poincare constant* ``C``: the smallest constant with
``Var g(X) <= C E[g'(X)^2]`` for every smooth ``g``. It turns a derivative measure into an upper
bound on the total Sobol index (Sobol and Kucherenko 2009; Lamboni et al. 2013).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from scipy import special, stats

from ..errors import ProblemError  # noqa: F401  (re-exported: one class for every adapter)

__all__ = ["Problem", "ProblemError", "parse_problem"]

# SALib's short names, and the long names the issue and most papers use
_ALIASES = {"unif": "unif", "uniform": "unif", "norm": "norm", "normal": "norm",
            "lognorm": "lognorm", "lognormal": "lognorm", "triang": "triang",
            "triangular": "triang"}
_BOUND_MEANING = {"unif": "[lower, upper]", "norm": "[mean, sd]", "lognorm": "[mean, sd] of ln x",
                  "triang": "[lower, upper, peak fraction]"}


@dataclass(frozen=True)
class Problem:
    """A validated input space: names, bounds, distributions and units per input."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, ...], ...]
    dists: tuple[str, ...]
    units: tuple[str, ...]

    @property
    def dimension(self) -> int:
        return len(self.names)

    def inputs(self, unit_cube: np.ndarray) -> np.ndarray:
        """Map points of the unit cube, shape ``(n, D)``, to the inputs (inverse CDFs)."""
        # keep the quantile strictly inside (0, 1) so that normal inputs stay finite
        u = np.clip(unit_cube, 1e-12, 1.0 - 1e-12)
        x = np.empty_like(u)
        for i, (dist, b) in enumerate(zip(self.dists, self.bounds)):
            x[:, i] = _quantile(dist, b, u[:, i])
        return x

    def chain_factors(self, x: np.ndarray) -> np.ndarray:
        """``dx/dz`` per sample and input, where ``z`` is the variable the Poincare constant
        refers to: ``x`` itself, except ``z = ln x`` for lognormal inputs (the lognormal law has
        no Poincare constant, its underlying normal has)."""
        factors = np.ones_like(x)
        for i, dist in enumerate(self.dists):
            if dist == "lognorm":
                factors[:, i] = x[:, i]
        return factors

    def poincare_constants(self) -> np.ndarray:
        """``C_i`` per input (in the variable ``z`` of :meth:`chain_factors`)."""
        return np.array([_poincare_constant(d, b) for d, b in zip(self.dists, self.bounds)])


def _distribution(dist: str, b) -> Any:
    if dist == "unif":
        return stats.uniform(loc=b[0], scale=b[1] - b[0])
    if dist == "norm":
        return stats.norm(loc=b[0], scale=b[1])
    if dist == "lognorm":
        return stats.lognorm(s=b[1], scale=np.exp(b[0]))
    return stats.triang(c=b[2], loc=b[0], scale=b[1] - b[0])


def _quantile(dist: str, b, u: np.ndarray) -> np.ndarray:
    """Inverse CDFs in closed form (scipy's frozen laws cost ~5 ms per column in overhead)."""
    if dist == "unif":
        return b[0] + (b[1] - b[0]) * u
    if dist == "norm":
        return b[0] + b[1] * special.ndtri(u)
    if dist == "lognorm":
        return np.exp(b[0] + b[1] * special.ndtri(u))
    lower, width, peak = b[0], b[1] - b[0], b[2]
    left = lower + width * np.sqrt(u * peak)
    right = lower + width * (1.0 - np.sqrt((1.0 - u) * (1.0 - peak)))
    return np.where(u < peak, left, right)


def _poincare_constant(dist: str, b) -> float:
    if dist == "unif":
        return (b[1] - b[0]) ** 2 / np.pi ** 2  # optimal (Sobol and Kucherenko 2009)
    if dist in ("norm", "lognorm"):
        return b[1] ** 2  # optimal for a normal law (of ln x for lognorm)
    # No closed form for the triangular law: use the Cheeger-type bound
    # C <= 4 sup_x [min(F, 1 - F) / p]^2 (Lamboni et al. 2013), valid though not optimal.
    law = _distribution(dist, b)
    x = np.linspace(b[0], b[1], 20001)[1:-1]
    cdf = law.cdf(x)
    ratio = np.minimum(cdf, 1.0 - cdf) / np.maximum(law.pdf(x), 1e-300)
    return float(4.0 * np.max(ratio) ** 2)


def parse_problem(problem: Mapping[str, Any]) -> Problem:
    """Check a SALib-style ``problem`` dictionary and return a :class:`Problem`.

    Parameters
    ----------
    problem : dict or Problem
        ``{"names": [...], "bounds": [[...], ...]}`` with optional ``dists`` (``unif``,
        ``norm``, ``lognorm``, ``triang`` or their long names), ``units`` and ``num_vars``.

    Returns
    -------
    Problem
        Names, bounds, canonical distribution names and units, one per input.

    Examples
    --------
    >>> spec = sciad.sensitivity.parse_problem({"names": ["k", "c"], "bounds": [[0, 1], [2, 0.5]],
    ...                                         "dists": ["uniform", "normal"]})
    >>> spec.dists, spec.dimension
    (('unif', 'norm'), 2)

    Raises
    ------
    ProblemError
        Missing keys, names and bounds of different lengths, repeated names, an unknown
        distribution, reversed or infinite bounds, a non-positive standard deviation.
    """
    if isinstance(problem, Problem):
        return problem
    if not isinstance(problem, Mapping):
        raise ProblemError(f"problem must be a dict with 'names' and 'bounds' (SALib's format), "
                           f"got {type(problem).__name__}")
    for key in ("names", "bounds"):
        if key not in problem:
            raise ProblemError(f"problem has no '{key}' entry; give "
                               "{'names': [...], 'bounds': [[lo, hi], ...]}")
    names = tuple(str(n) for n in problem["names"])
    bounds_in = list(problem["bounds"])
    if "num_vars" in problem and int(problem["num_vars"]) != len(names):
        raise ProblemError(f"problem['num_vars'] is {problem['num_vars']} but {len(names)} "
                           "names are given")
    if len(names) == 0:
        raise ProblemError("problem['names'] is empty; name at least one input")
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise ProblemError(f"problem['names'] repeats {repeated}; each input needs its own name")
    dists_in = problem.get("dists") or ["unif"] * len(names)
    units_in = problem.get("units") or [""] * len(names)
    for key, values in (("bounds", bounds_in), ("dists", dists_in), ("units", units_in)):
        if len(values) != len(names):
            raise ProblemError(f"problem has {len(names)} names but {len(values)} {key}; give "
                               f"one entry of '{key}' per name")
    dists, bounds = [], []
    for name, dist, bound in zip(names, dists_in, bounds_in):
        key = _ALIASES.get(str(dist).lower())
        if key is None:
            raise ProblemError(f"input '{name}': unknown distribution {dist!r}; use one of "
                               "'unif', 'norm', 'lognorm', 'triang'")
        dists.append(key)
        bounds.append(_check_bounds(name, key, bound))
    return Problem(names, tuple(bounds), tuple(dists), tuple(str(u) for u in units_in))


def _check_bounds(name: str, dist: str, bound) -> tuple[float, ...]:
    size = 3 if dist == "triang" else 2
    try:
        values = tuple(float(v) for v in bound)
    except (TypeError, ValueError):
        raise ProblemError(f"input '{name}': bounds {bound!r} are not numbers; give "
                           f"{_BOUND_MEANING[dist]} for a '{dist}' input") from None
    if len(values) != size:
        raise ProblemError(f"input '{name}': a '{dist}' input needs {size} bounds "
                           f"{_BOUND_MEANING[dist]}, got {list(values)}")
    if not all(np.isfinite(values)):
        raise ProblemError(f"input '{name}': bounds {list(values)} are not finite; a '{dist}' "
                           f"input needs finite {_BOUND_MEANING[dist]} (use 'norm' for an "
                           "unbounded input)")
    if dist in ("unif", "triang") and not values[0] < values[1]:
        raise ProblemError(f"input '{name}': lower bound {values[0]} is not below upper bound "
                           f"{values[1]}; give [lower, upper]")
    if dist == "triang" and not 0.0 <= values[2] <= 1.0:
        raise ProblemError(f"input '{name}': the triangular peak {values[2]} must be a fraction "
                           "of the interval, in [0, 1] (SALib's convention)")
    if dist in ("norm", "lognorm") and not values[1] > 0:
        raise ProblemError(f"input '{name}': standard deviation {values[1]} must be positive")
    return values
