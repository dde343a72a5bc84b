"""Variance-based Sobol indices by sampling (Saltelli 2010 first order, Jansen 1999 total).

Two independent sample matrices ``A`` and ``B`` (halves of one Sobol' sequence of dimension
``2D``) and ``D`` mixed matrices ``AB_i`` (``A`` with column ``i`` from ``B``): ``N (D + 2)``
model runs, no derivatives. Here to compare with :func:`~sciad.sensitivity.dgsm` on the same
problem; no SALib needed.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from ._batch import check_rows_independent, finite_rows, model_values, run_rows
from ._problem import parse_problem
from ._results import GlobalResult
from ._sampling import bootstrap_interval, check_sample_count, sobol_points

__all__ = ["sobol", "SobolResult"]


@dataclass(kw_only=True)
class SobolResult(GlobalResult):
    """First-order and total Sobol indices of one scalar output (the fields of
    :class:`GlobalResult`, and these).

    Attributes
    ----------
    first, total : ndarray
        ``S_i`` (share of the variance explained by input ``i`` alone) and ``S_Ti`` (share that
        involves input ``i`` at all, interactions included); ``ranking()`` sorts by ``total``.
    ci : dict
        ``{"first": ..., "total": ...}``, each ``(D, 2)``.
    n_samples, n_omitted : int
        Base samples (rows of A) used and dropped.
    """

    ranked_by: ClassVar[str] = "total"

    first: np.ndarray
    total: np.ndarray
    method: str = "sobol"


def _indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> np.ndarray:
    """``[first, total]``, shape ``(2, D)``; ``f_ab`` has shape ``(D, N)``."""
    variance = np.var(np.concatenate([f_a, f_b]))
    if variance == 0:
        return np.zeros((2, len(f_ab)))
    first = np.mean(f_b * (f_ab - f_a), axis=1) / variance  # Saltelli et al. 2010, eq. (b)
    total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=1) / variance  # Jansen 1999
    return np.stack([first, total])


def sobol(fun: Callable, problem: Mapping[str, Any], n: int = 1024, seed: int | None = 0,
          executor: Executor | None = None, *, vectorized: bool = False,
          chunk_size: int | None = None, bootstrap: int = 500, confidence: float = 0.95,
          nan_policy: str = "raise", progress: Any = "auto", output_name: str = "f",
          output_unit: str = "") -> SobolResult:
    """First-order and total Sobol indices by Saltelli/Jansen sampling.

    Parameters
    ----------
    fun, problem, seed, executor, vectorized, chunk_size, bootstrap, confidence, nan_policy,
    progress, output_name, output_unit
        As for :func:`~sciad.sensitivity.dgsm` (``fun`` needs no derivatives here).
    n : int
        Base samples (a power of two); the model runs ``n * (D + 2)`` times.

    Returns
    -------
    SobolResult

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
    estimator for the total sensitivity index. Comput. Phys. Commun. 181, 259-270.
    Jansen, M. J. W. (1999). Analysis of variance designs for model output. Comput. Phys.
    Commun. 117, 35-43.

    Examples
    --------
    >>> problem = {"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    >>> r = sciad.sensitivity.sobol(lambda x: 3 * x[0] + x[1], problem, n=1024, progress=False)
    >>> r.first.round(2).tolist()
    [0.9, 0.1]
    """
    spec = parse_problem(problem)
    n = check_sample_count(n)
    d = spec.dimension
    points = sobol_points(n, 2 * d, seed)
    a, b = spec.inputs(points[:, :d]), spec.inputs(points[:, d:])
    mixed = np.repeat(a[None], d, axis=0)  # (D, N, D): AB_i = A with column i from B
    for i in range(d):
        mixed[i, :, i] = b[:, i]
    rows = np.concatenate([a, b, mixed.reshape(d * n, d)])
    (values,) = run_rows(model_values, fun, vectorized, rows, executor=executor,
                         chunk_size=chunk_size, progress=progress, label="sobol")
    if vectorized:
        check_rows_independent(fun, rows, values)
    blocks = values.reshape(d + 2, n)
    keep = finite_rows(blocks.T, spec.names, a, nan_policy, "value (at A, B or an AB_i row)")
    f_a, f_b, f_ab = blocks[0, keep], blocks[1, keep], blocks[2:, keep]
    first, total = _indices(f_a, f_b, f_ab)
    ci: dict[str, np.ndarray] = {}
    if bootstrap > 0:
        intervals = bootstrap_interval(lambda r: _indices(f_a[r], f_b[r], f_ab[:, r]),
                                       len(f_a), bootstrap, confidence, seed)
        ci = {"first": intervals[0], "total": intervals[1]}
    return SobolResult(names=spec.names, units=spec.units, first=first, total=total, ci=ci,
                       mean=float(np.mean(f_a)), variance=float(np.var(np.concatenate([f_a, f_b]))),
                       n_samples=len(f_a), n_omitted=int(n - len(f_a)),
                       model_evaluations=len(rows), confidence=confidence,
                       output_name=output_name, output_unit=output_unit)
