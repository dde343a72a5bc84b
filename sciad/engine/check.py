"""Gradient checks against central finite differences."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..errors import SciadError
from .pytree import tree_flatten, tree_unflatten
from .transforms import jacobian

__all__ = ["check_grads", "numerical_jacobian", "GradientCheckError"]


class GradientCheckError(SciadError, AssertionError):
    """sciad's derivative and finite differences disagree."""


def numerical_jacobian(fun: Callable, x, eps: float = 1e-6) -> np.ndarray:
    """Central differences, ``out.shape + x.shape``, for a function of one array."""
    x = np.array(x, dtype=np.float64)
    f0 = np.asarray(fun(x), dtype=np.float64)
    jac = np.zeros(f0.shape + x.shape)
    for index in np.ndindex(*x.shape):
        step = eps * max(1.0, abs(x[index]))
        xp, xm = x.copy(), x.copy()
        xp[index] += step
        xm[index] -= step
        jac[(Ellipsis,) + index] = (np.asarray(fun(xp)) - np.asarray(fun(xm))) / (2 * step)
    return jac


def check_grads(fun: Callable, args: Sequence, order: int = 1, eps: float = 1e-6,
                rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Compare sciad's derivatives of ``fun(*args)`` with central finite differences.

    Checks the Jacobian with respect to every argument (array, number or pytree) for
    ``order=1``, and also the Jacobian of that Jacobian for ``order=2``. Raises
    :class:`GradientCheckError` naming the worst element.

    Examples
    --------
    >>> sciad.check_grads(lambda x: np.sum(np.tanh(x) ** 2), (np.array([0.3, -1.2]),), order=2)
    """
    args = tuple(args)
    leaves, treedef = tree_flatten(args)
    sizes = [np.size(leaf) for leaf in leaves]
    shapes = [np.shape(leaf) for leaf in leaves]
    x0 = np.concatenate([np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in leaves])

    def unpack(flat):
        parts, start = [], 0
        for size, shape in zip(sizes, shapes):
            parts.append(np.reshape(flat[start:start + size], shape))
            start += size
        return tree_unflatten(treedef, parts)

    def flat_fun(flat):
        return fun(*unpack(flat))

    def check(f, name):
        analytic = np.asarray(jacobian(f)(x0), dtype=np.float64)
        numeric = numerical_jacobian(f, x0, eps)
        _compare(analytic, numeric, rtol, atol, name)

    check(flat_fun, "first derivative")
    if order >= 2:
        check(jacobian(flat_fun), "second derivative")
    if order >= 3:
        check(jacobian(jacobian(flat_fun)), "third derivative")


def _position(flat_index, shape) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _compare(analytic, numeric, rtol, atol, name):
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    if not np.all(np.isfinite(numeric)):
        index = _position(np.argmin(np.isfinite(numeric)), numeric.shape)
        raise GradientCheckError(
            f"{name}: finite differences are {numeric[index]} at element {index}, so nothing can "
            "be checked there; choose a point where the function is finite and smooth")
    if not np.all(np.isfinite(analytic)):
        index = _position(np.argmin(np.isfinite(analytic)), analytic.shape)
        raise GradientCheckError(f"{name}: sciad gives {analytic[index]} at element {index} "
                                 f"where finite differences give {numeric[index]}")
    excess = np.where(np.isfinite(error), error - allowed, 0.0)
    if excess.size and np.max(excess) > 0:
        index = _position(np.argmax(excess), excess.shape)
        raise GradientCheckError(
            f"{name}: worst element {index} (output index, then flattened input index): sciad "
            f"{analytic[index]:.10g}, finite differences {numeric[index]:.10g}, "
            f"error {error[index]:.3g} > allowed {allowed[index]:.3g}")


