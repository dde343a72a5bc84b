"""Derivative-based global sensitivity measures (DGSM) with exact gradients.

``nu_i = E[(df/dx_i)^2]`` over the input distribution. Finite differences (as SALib does) need
``N (D + 1)`` model runs and carry truncation error; one reverse pass gives all ``D`` partial
derivatives of a sample exactly, so sciad needs ``N`` gradient evaluations, and a vectorized
model needs a single reverse pass over all ``N`` samples.

With the Poincare constant ``C_i`` of input ``i`` (see :mod:`._problem`), ``C_i nu_i / Var f`` is
an upper bound on the total Sobol index ``S_Ti`` (Sobol and Kucherenko 2009; Lamboni et al.
2013): inputs with a small bound can be fixed without changing the output's variance.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from ._batch import check_rows_independent, finite_rows, model_gradients, run_rows
from ._problem import parse_problem
from ._results import GlobalResult
from ._sampling import bootstrap_interval, check_sample_count, sobol_points

__all__ = ["dgsm", "DGSMResult"]


@dataclass(kw_only=True)
class DGSMResult(GlobalResult):
    """DGSM of one scalar output (the fields of :class:`GlobalResult`, and these).

    Attributes
    ----------
    nu : ndarray
        ``E[(df/dx_i)^2]``, in (output unit / input unit) squared.
    index : ndarray
        ``C_i nu_i / sum_j C_j nu_j``: unit-free shares of the derivative energy (sum to 1), for
        ranking inputs measured in different units.
    upper_bound : ndarray
        ``C_i nu_i / Var f``, an upper bound on each total Sobol index; ``ranking()`` sorts by it.
    ci : dict
        ``{"nu": ..., "index": ..., "upper_bound": ...}``, each of shape ``(D, 2)``.
    poincare : ndarray
        The constants ``C_i`` used (of ``ln x`` for lognormal inputs, where ``nu`` in the
        bound is ``E[(x df/dx)^2]``).
    """

    ranked_by: ClassVar[str] = "upper_bound"

    nu: np.ndarray
    index: np.ndarray
    upper_bound: np.ndarray
    poincare: np.ndarray
    method: str = "dgsm"


def _measures(grads2: np.ndarray, values: np.ndarray, poincare: np.ndarray):
    """(nu in the Poincare variable, index, upper bound) from squared gradients."""
    weighted = poincare * np.mean(grads2, axis=0)
    total = np.sum(weighted)
    index = weighted / total if total > 0 else np.zeros_like(weighted)
    variance = np.var(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(weighted == 0, 0.0, weighted / variance)
    return index, bound


def dgsm(fun: Callable, problem: Mapping[str, Any], n: int = 1024, seed: int | None = 0,
         executor: Executor | None = None, *, vectorized: bool = False,
         chunk_size: int | None = None, bootstrap: int = 500, confidence: float = 0.95,
         nan_policy: str = "raise", progress: Any = "auto", output_name: str = "f",
         output_unit: str = "") -> DGSMResult:
    """Derivative-based global sensitivity measures with exact gradients.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float`` with ``x`` a vector of the inputs in the problem's order, written in
        plain NumPy. With ``vectorized=True``, ``fun(X) -> (n,)`` for ``X`` of shape ``(n, D)``,
        whose rows must not interact (one reverse pass then differentiates all of them; a model
        that mixes rows is detected on the first rows and refused with ModelOutputError).
    problem : dict
        SALib's format: ``names``, ``bounds``, optional ``dists`` (``unif``, ``norm``,
        ``lognorm``, ``triang``) and, sciad's addition, ``units``.
    n : int
        Sobol' samples (a power of two); the cost is ``n`` gradient evaluations.
    seed : int or None
        Scrambling seed of the Sobol' sequence and seed of the bootstrap.
    executor : concurrent.futures.Executor, optional
        Spreads chunks of samples over workers; a Dask client's ``get_executor()`` works.
    vectorized : bool
        See ``fun``.
    chunk_size : int, optional
        Samples per task (default: all at once serially, 32 chunks with an executor).
    bootstrap : int
        Bootstrap resamples for the confidence intervals (0 to skip them).
    confidence : float
        Level of the intervals.
    nan_policy : {"raise", "omit"}
        What to do when the output or a derivative is NaN or infinite at some samples.
    progress : bool, "auto" or callable
        A progress line on stderr (``"auto"``: when stderr is a terminal), or
        ``progress(done, total)``.
    output_name, output_unit : str
        Carried into the result and plots.

    Returns
    -------
    DGSMResult

    References
    ----------
    Sobol, I. M. and Kucherenko, S. (2009). Derivative based global sensitivity measures and
    their link with global sensitivity indices. Math. Comput. Simul. 79, 3009-3017.
    Lamboni, M. et al. (2013). Derivative-based global sensitivity measures: general links with
    Sobol' indices and numerical tests. Math. Comput. Simul. 87, 45-54.

    Examples
    --------
    >>> problem = {"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    >>> r = sciad.sensitivity.dgsm(lambda x: 3 * x[0] + x[1], problem, n=64, progress=False)
    >>> r.nu.round(6).tolist()
    [9.0, 1.0]
    """
    spec = parse_problem(problem)
    n = check_sample_count(n)
    inputs = spec.inputs(sobol_points(n, spec.dimension, seed))
    values, grads = run_rows(model_gradients, fun, vectorized, inputs, executor=executor,
                             chunk_size=chunk_size, progress=progress, label="dgsm")
    if vectorized:
        check_rows_independent(fun, inputs, values)
    keep = finite_rows(np.column_stack([values, grads]), spec.names, inputs, nan_policy,
                       "value or gradient")
    values, grads, inputs = values[keep], grads[keep], inputs[keep]
    poincare = spec.poincare_constants()
    grads2 = grads ** 2
    # the bound is stated in z = ln x for lognormal inputs: dz-derivative = x df/dx
    grads2_z = (grads * spec.chain_factors(inputs)) ** 2
    index, bound = _measures(grads2_z, values, poincare)

    def statistic(rows):
        return np.stack([np.mean(grads2[rows], axis=0),
                         *_measures(grads2_z[rows], values[rows], poincare)])

    ci: dict[str, np.ndarray] = {}
    if bootstrap > 0:
        intervals = bootstrap_interval(statistic, len(values), bootstrap, confidence, seed)
        ci = {"nu": intervals[0], "index": intervals[1], "upper_bound": intervals[2]}
    return DGSMResult(names=spec.names, units=spec.units, nu=np.mean(grads2, axis=0),
                      index=index, upper_bound=bound, ci=ci, poincare=poincare,
                      mean=float(np.mean(values)), variance=float(np.var(values)),
                      n_samples=len(values), n_omitted=int(n - len(values)),
                      model_evaluations=n, confidence=confidence, output_name=output_name,
                      output_unit=output_unit)
