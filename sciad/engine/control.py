"""Control over differentiation: stop_gradient, no_grad, custom_vjp, checkpoint."""

from __future__ import annotations

import contextlib
import functools
from typing import Callable

import numpy as np

from .graph import Primitive, apply_multi, set_grad_enabled
from .pytree import tree_map
from .tensor import Tensor

__all__ = ["stop_gradient", "no_grad", "custom_vjp", "checkpoint"]


def _raw(x):
    while type(x) is Tensor:
        x = x._value
    return x


def stop_gradient(x):
    """``x`` as a constant: its value, with no derivative flowing through it (any pytree)."""
    return tree_map(_raw, x)


@contextlib.contextmanager
def no_grad():
    """Inside this block, operations record nothing (like ``torch.no_grad``)."""
    previous = set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)


class custom_vjp:  # noqa: N801  (a decorator, named as in JAX)
    """A function with a hand-written derivative rule.

    Examples
    --------
    >>> @sciad.custom_vjp
    ... def safe_log(x):
    ...     return np.log(x)
    >>> def safe_log_fwd(x):
    ...     return np.log(x), x              # (output, residuals)
    >>> def safe_log_bwd(x, g):
    ...     return (g / np.maximum(x, 1e-12),)  # one cotangent per argument
    >>> safe_log.defvjp(safe_log_fwd, safe_log_bwd)
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = None
        self.bwd = None
        self._last = (None, None)
        self._prim = Primitive(f"custom_vjp({getattr(fun, '__name__', 'function')})",
                               self._forward, self._vjp)

    def defvjp(self, fwd: Callable, bwd: Callable) -> "custom_vjp":
        """``fwd(*args) -> (out, residuals)``; ``bwd(residuals, g) -> tuple of cotangents``."""
        self.fwd, self.bwd = fwd, bwd
        return self

    def _forward(self, *args):
        out, residuals = self.fwd(*args)
        return out, residuals

    def _vjp(self, argnum, g, ans, args, kwargs):
        # the backward pass asks once per argument with the same g: compute bwd only once
        key, cotangents = self._last
        if key is not g:
            cotangents = self.bwd(ans[1], g[0])
            if not isinstance(cotangents, tuple):
                raise TypeError(f"{self._prim.name}: bwd must return a tuple with one cotangent "
                                f"per argument, got {type(cotangents).__name__}")
            self._last = (g, cotangents)
        if argnum >= len(cotangents):
            raise TypeError(f"{self._prim.name}: bwd returned {len(cotangents)} cotangents for "
                            f"{len(args)} arguments")
        cot = cotangents[argnum]
        if cot is None:
            return None
        # the backward pass relies on every cotangent having its argument's shape
        want, got = np.shape(_raw(args[argnum])), np.shape(_raw(cot))
        if got != want:
            try:
                cot = np.broadcast_to(cot, want)  # a scalar or a broadcastable cotangent
            except ValueError:
                raise ValueError(f"{self._prim.name}: bwd returned a cotangent of shape {got} "
                                 f"for argument {argnum}, which has shape {want}") from None
        return cot

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"{self._prim.name}: call .defvjp(fwd, bwd) before using it")
        if not any(type(a) is Tensor for a in args):
            return self.fun(*args)
        return apply_multi(self._prim, args, {})[0]


def checkpoint(fun: Callable) -> Callable:
    """``fun`` that stores only its inputs and recomputes its internals in the backward pass.

    Trades compute for memory in long computations (gradient checkpointing); the derivative is
    identical.
    """
    from .transforms import vjp

    wrapped = custom_vjp(fun)

    def fwd(*args):
        return fun(*args), args

    def bwd(args, g):
        return vjp(fun, *args)[1](g)

    wrapped.defvjp(fwd, bwd)
    return functools.wraps(fun)(lambda *args: wrapped(*args))
