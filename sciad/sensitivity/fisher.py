"""Fisher information of a least-squares model: what the data can and cannot pin down.

With residuals ``r(p)`` (model minus data) whose noise has covariance ``Sigma``, the Fisher
information is ``F = S^T Sigma^-1 S`` with ``S = dr/dp`` (exact, from
:func:`~sciad.sensitivity.local`). Its eigenvectors with (near-)zero eigenvalues are parameter
combinations the data cannot identify; ``F^-1`` bounds the covariance of any unbiased estimator
(Cramer-Rao), which gives the smallest achievable standard error per parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from scipy import linalg

from ._problem import ProblemError
from ._results import dataclass_dict
from .local import local

__all__ = ["fisher_information", "FisherInformation"]


@dataclass
class FisherInformation:
    """Fisher information, its eigen-decomposition and Cramer-Rao standard errors.

    Attributes
    ----------
    matrix : ndarray
        ``F``, shape ``(P, P)`` over the scalar parameter elements ``parameters``.
    eigenvalues, eigenvectors : ndarray
        In decreasing order; eigenvector ``k`` is column ``eigenvectors[:, k]``.
    nonidentifiable : list of str
        The near-null directions written in the parameters, e.g. ``"0.707*a - 0.707*b"``.
    null_directions : ndarray
        Those directions as columns, shape ``(P, K)``.
    standard_errors : ndarray
        Cramer-Rao lower bounds on the standard error per parameter; ``inf`` for a parameter
        that enters a non-identifiable direction.
    covariance : ndarray
        ``F^-1`` (the pseudo-inverse when ``F`` is singular).
    condition_number : float
        Largest over smallest eigenvalue (``inf`` when singular).
    """

    matrix: np.ndarray
    parameters: tuple[str, ...]
    parameter_values: np.ndarray
    parameter_units: tuple[str, ...]
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    nonidentifiable: list[str]
    null_directions: np.ndarray
    standard_errors: np.ndarray
    covariance: np.ndarray
    condition_number: float

    @property
    def identifiable(self) -> bool:
        """True when no direction of parameter space is invisible to the data."""
        return not self.nonidentifiable

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready dict of every field."""
        return dataclass_dict(self)


def _whitened(sensitivity: np.ndarray, sigma) -> np.ndarray:
    """``L^-1 S`` with ``Sigma = L L^T``, so that ``F = (L^-1 S)^T (L^-1 S)``."""
    m = len(sensitivity)
    sigma = np.asarray(sigma, dtype=np.float64)
    if sigma.ndim <= 1:
        if sigma.ndim == 1 and sigma.shape != (m,):
            raise ProblemError(f"sigma has {sigma.size} entries but the residuals have {m}; give "
                             "a scalar, one standard deviation per residual, or an (m, m) "
                             "covariance")
        if np.any(sigma <= 0) or not np.all(np.isfinite(sigma)):
            raise ProblemError("sigma (noise standard deviations) must be positive and finite")
        return sensitivity / np.broadcast_to(sigma, (m,))[:, None]
    if sigma.shape != (m, m):
        raise ProblemError(f"a covariance sigma must have shape ({m}, {m}), got {sigma.shape}")
    try:
        factor = linalg.cholesky(sigma, lower=True)
    except linalg.LinAlgError:
        raise ProblemError("the noise covariance sigma is not positive definite") from None
    return linalg.solve_triangular(factor, sensitivity, lower=True)


def _describe(direction: np.ndarray, names: tuple[str, ...]) -> str:
    """``0.707*a - 0.707*b``: the components that matter, largest first, sign fixed."""
    direction = direction * np.sign(direction[np.argmax(np.abs(direction))])
    terms = []
    for j in np.argsort(-np.abs(direction), kind="stable"):
        if abs(direction[j]) < 1e-3:
            break
        sign = "-" if direction[j] < 0 else "+"
        terms.append(f"{sign} {abs(direction[j]):.3g}*{names[j]}")
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else text


def fisher_information(residual_fun: Callable, params: Mapping[str, Any], sigma=1.0, *,
                       args: tuple = (), null_tol: float = 1e-8,
                       units: Mapping[str, str] | None = None) -> FisherInformation:
    """Fisher information matrix, non-identifiable directions and Cramer-Rao standard errors.

    Parameters
    ----------
    residual_fun : callable
        ``residual_fun(params, *args)`` returns the residuals (an array or a dict of arrays).
    params : dict
        Named parameters at which to evaluate (usually the fitted values).
    sigma : float, array of shape (m,), or array of shape (m, m)
        Noise standard deviation(s) of the residuals, or their covariance matrix.
    args : tuple
        Further, non-differentiated arguments of ``residual_fun``.
    null_tol : float
        Eigenvalues below ``null_tol`` times the largest count as zero (non-identifiable).
    units : dict, optional
        ``{parameter: unit}``, carried into the result.

    Returns
    -------
    FisherInformation

    Raises
    ------
    ProblemError
        ``sigma`` does not fit the residuals, is not positive, or is not positive definite.

    Examples
    --------
    >>> x = np.linspace(0, 1, 5)
    >>> fim = sciad.sensitivity.fisher_information(lambda p: p["a"] * p["b"] * x,
    ...                                            {"a": 1.0, "b": 2.0}, sigma=0.1)
    >>> fim.nonidentifiable
    ['0.894*b - 0.447*a']
    """
    sens = local(residual_fun, params, args=args, units=units)
    whitened = _whitened(sens.matrix, sigma)
    fim = whitened.T @ whitened
    eigenvalues, eigenvectors = np.linalg.eigh(fim)
    eigenvalues, eigenvectors = eigenvalues[::-1], eigenvectors[:, ::-1]
    largest = max(eigenvalues[0], 0.0)
    null = eigenvalues <= null_tol * largest if largest > 0 else np.ones_like(eigenvalues, bool)
    null_directions = eigenvectors[:, null]
    covariance = np.linalg.pinv(fim, rcond=null_tol, hermitian=True)
    errors = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    # a parameter that has a component along a null direction cannot be estimated at all
    involved = np.any(np.abs(null_directions) > 1e-6, axis=1)
    errors[involved] = np.inf
    condition = float(eigenvalues[0] / eigenvalues[-1]) if not null.any() else float("inf")
    return FisherInformation(fim, sens.parameters, sens.parameter_values, sens.parameter_units,
                             eigenvalues, eigenvectors,
                             [_describe(v, sens.parameters) for v in null_directions.T],
                             null_directions, errors, covariance, condition)
