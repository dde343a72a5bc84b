"""Sobol' low-discrepancy points (``scipy.stats.qmc``) and bootstrap confidence intervals."""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.stats import qmc

from ._problem import ProblemError

__all__ = ["sobol_points", "check_sample_count", "bootstrap_interval"]


def check_sample_count(n: int) -> int:
    """``n`` as a positive int; a clear error otherwise."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ProblemError(f"n must be an integer >= 2 (a power of two keeps Sobol' points "
                         f"balanced), got {n!r}")
    return int(n)


def sobol_points(n: int, dimension: int, seed: int | None) -> np.ndarray:
    """``n`` scrambled Sobol' points in the unit cube, shape ``(n, dimension)``.

    A power of two keeps the sequence's balance properties; other counts work but scipy warns.
    """
    engine = qmc.Sobol(d=dimension, scramble=True, seed=seed)
    m = int(np.log2(n))
    if 2 ** m == n:
        return engine.random_base2(m)
    return engine.random(n)


def bootstrap_interval(statistic: Callable[[np.ndarray], np.ndarray], n_samples: int,
                       resamples: int, confidence: float, seed: int | None) -> np.ndarray:
    """Percentile bootstrap interval of ``statistic(rows)``, shape ``statistic.shape + (2,)``.

    ``statistic`` receives an index array of resampled rows (drawn with replacement) and returns
    an array; the interval holds the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
    quantiles over ``resamples`` draws. Sobol' points are more even than random ones, so the
    interval is conservative for them.
    """
    if not 0.0 < confidence < 1.0:
        raise ProblemError(f"confidence must lie in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    draws = np.stack([statistic(rng.integers(0, n_samples, n_samples))
                      for _ in range(resamples)])
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    return np.stack([low, high], axis=-1)
