"""Validation of what users hand the optimizers; errors say what, where and what to do."""

from __future__ import annotations

import numpy as np

from ..engine.tensor import Tensor
from ..errors import ProblemError  # noqa: F401  (re-exported: one class for every adapter)

__all__ = ["ProblemError", "raw_value", "check_scalar_objective", "check_finite",
           "check_vector_output", "canonical_method"]


#: minimize methods by what derivatives they take (scipy's names, lower case)
DERIVATIVE_FREE = frozenset({"nelder-mead", "powell", "cobyla", "cobyqa"})
GRADIENT_ONLY = frozenset({"cg", "bfgs", "l-bfgs-b", "tnc", "slsqp"})
HESSIAN_PRODUCT = frozenset({"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"})
DENSE_HESSIAN = frozenset({"dogleg", "trust-exact"})
MINIMIZE_METHODS = DERIVATIVE_FREE | GRADIENT_ONLY | HESSIAN_PRODUCT | DENSE_HESSIAN


def raw_value(x):
    """The NumPy value under any number of Tensor boxes."""
    while type(x) is Tensor:
        x = x._value
    return x


def check_scalar_objective(value, where: str) -> None:
    """Raise unless ``value`` is one real number (any Tensor boxes are looked through)."""
    raw = raw_value(value)
    if type(raw) in (float, np.float64):  # the common case, checked on every pass
        return
    kind = np.asarray(raw).dtype.kind if raw is not None else "O"
    if kind not in "fiubc":
        raise ProblemError(f"the objective returned {type(raw).__name__} {str(raw)[:60]!r} "
                           f"{where}; it must return one real number")
    shape = np.shape(raw)
    if int(np.prod(shape)) != 1:
        raise ProblemError(
            f"the objective returned an array of shape {shape} {where}; minimize needs one "
            "number. Return np.sum(residuals ** 2) for a fit, or use "
            "sciad.optimize.least_squares for a vector of residuals")
    if np.iscomplexobj(raw):
        raise ProblemError(f"the objective returned a complex value {where}; take np.real or "
                           "np.abs so that it is a real number")


def check_finite(value, what: str, where: str) -> None:
    raw = np.asarray(raw_value(value), dtype=np.float64)
    if not np.all(np.isfinite(raw)):
        bad = np.flatnonzero(~np.isfinite(raw.ravel()))
        raise ProblemError(
            f"{what} is not finite {where} (entries {bad[:10].tolist()} are "
            f"{raw.ravel()[bad[:3]].tolist()}); start from a point where it is defined, or add "
            "bounds that keep the parameters in its domain")


def check_vector_output(value, what: str, where: str, size: int | None = None) -> np.ndarray:
    """``value`` as a finite 1-D float array; raise if it has more dimensions or the wrong size."""
    raw = np.asarray(raw_value(value), dtype=np.float64)
    if raw.ndim > 1:
        raise ProblemError(f"{what} returned an array of shape {raw.shape} {where}; it must "
                           "return a 1-D array (ravel it with np.ravel)")
    raw = np.atleast_1d(raw)
    if size is not None and raw.size != size:
        raise ProblemError(f"{what} returned {raw.size} values {where}, expected {size}")
    check_finite(raw, what, where)
    return raw


def canonical_method(method: str | None, has_bounds: bool, has_constraints: bool) -> str:
    """scipy's method name in lower case, with scipy's default when None."""
    if method is None:
        return "slsqp" if has_constraints else "l-bfgs-b" if has_bounds else "bfgs"
    if not isinstance(method, str) or method.lower() not in MINIMIZE_METHODS:
        raise ProblemError(f"unknown minimize method {method!r}; choose one of "
                           f"{', '.join(sorted(MINIMIZE_METHODS))}")
    return method.lower()
