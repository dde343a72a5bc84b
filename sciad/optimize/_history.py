"""The path of a ``minimize`` run: objective value and gradient norm per iteration.

scipy's results hold only the end point. sciad records the path through scipy's callback, at no
extra cost: the value and gradient at each accepted point are still in the
:class:`~sciad.optimize.Objective`'s memo. The user's own callback is still called, in the form
scipy would have called it.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from ._objective import Objective

__all__ = ["History"]


class History:
    """scipy's callback for :func:`scipy.optimize.minimize` that records the path.

    Parameters
    ----------
    objective : Objective
        The objective scipy is minimising (its memo gives the value and gradient at each point).
    args : tuple
        The extra arguments of the objective.
    method : str
        scipy's method name in lower case (decides how the user's callback is called).
    user_callback : callable, optional
        Called after the recording, as scipy would call it: ``callback(intermediate_result)``
        when that is its only parameter, ``callback(xk, state)`` for trust-constr, else
        ``callback(xk)``. Its return value (and any ``StopIteration``) goes back to scipy.
    """

    def __init__(self, objective: Objective, args: tuple, method: str,
                 user_callback: Callable | None = None):
        self.objective, self.args, self.method = objective, tuple(args), method
        self.user_callback = user_callback
        self.wants_result = user_callback is not None and _takes_intermediate_result(
            user_callback)
        self.fun: list[float] = []
        self.grad_norm: list[float | None] = []

    def start(self, x0: np.ndarray, value: float, gradient: np.ndarray | None) -> None:
        """Record the starting point (iteration 0)."""
        self.fun.append(float(value))
        self.grad_norm.append(None if gradient is None else float(np.linalg.norm(gradient)))

    def __call__(self, intermediate_result: Any) -> Any:
        # TNC calls callback(xk) whatever the signature; the others pass an OptimizeResult
        x = np.asarray(getattr(intermediate_result, "x", intermediate_result), dtype=np.float64)
        value = getattr(intermediate_result, "fun", None)
        gradient = self.objective.cached_gradient(x, self.args)
        if value is None:
            value = self.objective.fun(x, *self.args) if gradient is not None else \
                self.objective.value(x, *self.args)
        self.fun.append(float(value))
        self.grad_norm.append(None if gradient is None else float(np.linalg.norm(gradient)))
        return self._call_user(intermediate_result, x)

    def _call_user(self, intermediate_result: Any, x: np.ndarray) -> Any:
        if self.user_callback is None:
            return None
        if self.wants_result and hasattr(intermediate_result, "x"):
            return self.user_callback(intermediate_result=intermediate_result)
        if self.method == "trust-constr" and hasattr(intermediate_result, "x"):
            return self.user_callback(np.copy(x), intermediate_result)
        return self.user_callback(np.copy(x))

    def as_dict(self) -> dict[str, list[float] | None]:
        """``{"fun": [...], "grad_norm": [...] or None}``, iteration 0 being x0. Gradient norms
        are given only when every point has one (gradient-based methods)."""
        norms = None if any(n is None for n in self.grad_norm) else list(self.grad_norm)
        return {"fun": list(self.fun), "grad_norm": norms}


def _takes_intermediate_result(callback: Callable) -> bool:
    """scipy's own test: the only parameter is named ``intermediate_result``."""
    try:
        return set(inspect.signature(callback).parameters) == {"intermediate_result"}
    except (TypeError, ValueError):
        return False
