"""Exact derivatives of a scalar objective in the form scipy.optimize calls them.

scipy asks for the value and the gradient at the same point in two separate calls. An
:class:`Objective` runs one forward-and-backward pass per new point and answers both from it, so
``minimize(obj.fun, x0, jac=obj.jac)`` costs one pass per distinct x.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ..engine.transforms import hessian as _hessian
from ..engine.transforms import value_and_grad as _value_and_grad
from ..engine.transforms import vjp as _vjp
from ._checks import check_scalar_objective, raw_value
from ._params import ParamSpace

__all__ = ["Objective", "jac", "hess", "hessp"]


class Objective:
    """A scalar objective with memoised value and gradient, plus Hessians, for scipy.

    Parameters
    ----------
    fun : callable
        ``fun(params, *args) -> float`` written in plain NumPy.
    params : pytree, optional
        A template of the parameters (e.g. x0). When given, scipy's flat vector is turned back
        into this structure before ``fun`` sees it; by default ``fun`` receives scipy's vector.
    record_for_products : bool
        Record the gradient computation at every new x, so that the value, the gradient and
        all Hessian-vector products there come from one recording. Worth it for Newton-CG and
        the trust-region methods, which ask for products at nearly every point they evaluate.

    Attributes
    ----------
    n_passes : int
        Forward-and-backward passes run so far (one per distinct x asked for value, gradient
        or products; the last two points are kept).
    n_values : int
        Plain (untraced) evaluations, run by :meth:`value` for derivative-free methods.
    n_gradient_recordings : int
        Recordings of the gradient computation, one per distinct x asked for Hessian-vector
        products; each product at that x then costs a single backward pass.

    Notes
    -----
    Results are kept for the last two points and reused when x and the extra arguments are the
    same; array arguments are compared by value too, so data overwritten in place between calls
    is never answered from the memo.

    Examples
    --------
    >>> obj = sciad.optimize.Objective(lambda x: np.sum((x - 1.0) ** 2))
    >>> res = scipy.optimize.minimize(obj.fun, np.zeros(3), jac=obj.jac, method="BFGS")
    >>> res.x.round(6).tolist(), res.nfev == obj.n_passes
    ([1.0, 1.0, 1.0], True)
    """

    def __init__(self, fun: Callable, params: Any = None, record_for_products: bool = False):
        self.user_fun = fun
        self.record_for_products = record_for_products
        self.space = ParamSpace(params) if params is not None else None
        self._value_and_grad = _value_and_grad(self._on_vector)
        self._hessian = _hessian(self._on_vector)
        self._points: OrderedDict[bytes, _Point] = OrderedDict()
        self.n_passes = 0
        self.n_values = 0
        self.n_gradient_recordings = 0

    def _on_vector(self, x, *args):
        params = self.space.unflatten(x) if self.space is not None else x
        out = self.user_fun(params, *args)
        check_scalar_objective(out, "during the optimization")
        return np.reshape(out, ()) if np.ndim(raw_value(out)) else out

    def _point(self, x, args, need_products: bool = False) -> "_Point":
        """The memoised value and gradient at x (and the recording for products, if needed)."""
        x = np.asarray(x, dtype=np.float64)
        key = x.tobytes()
        point = self._points.get(key)
        if point is None or not _same(args, point) or (need_products and point.pull is None):
            if need_products or self.record_for_products:
                point = self._record(x, args)
            else:
                value, gradient = self._value_and_grad(x, *args)
                point = _Point(args, value, gradient, None)
            self.n_passes += 1
            self._points[key] = point
            if len(self._points) > _POINTS_KEPT:
                self._points.popitem(last=False)
        self._points.move_to_end(key)
        return point

    def _record(self, x, args) -> "_Point":
        """Record the gradient computation at x: its value and gradient, and a pull-back that
        turns p into H p with one backward pass."""
        def gradient_then_value(y):
            value, gradient = self._value_and_grad(y, *args)
            return gradient, value

        gradient, pull, value = _vjp(gradient_then_value, x, has_aux=True)
        self.n_gradient_recordings += 1
        return _Point(args, value, gradient, pull)

    def fun(self, x: np.ndarray, *args) -> float:
        """The objective's value; the gradient at the same x is computed alongside and kept."""
        return self._point(x, args).value

    def jac(self, x: np.ndarray, *args) -> np.ndarray:
        """The gradient (memoised: free right after :meth:`fun` at the same x)."""
        return self._point(x, args).gradient.copy()

    def value_and_grad(self, x: np.ndarray, *args) -> tuple[float, np.ndarray]:
        """``(value, gradient)`` for scipy's ``jac=True``."""
        point = self._point(x, args)
        return point.value, point.gradient.copy()

    def cached_gradient(self, x: np.ndarray, args: tuple = ()) -> np.ndarray | None:
        """The gradient at x if a pass there is still kept, else None (nothing is computed)."""
        point = self._points.get(np.asarray(x, dtype=np.float64).tobytes())
        if point is None or not _same(tuple(args), point):
            return None
        return point.gradient.copy()

    def value(self, x: np.ndarray, *args) -> float:
        """The value alone, with no derivative recorded (for derivative-free methods)."""
        self.n_values += 1
        out = self._on_vector(np.asarray(x, dtype=np.float64), *args)
        return float(raw_value(out))

    def hess(self, x: np.ndarray, *args) -> np.ndarray:
        """The dense Hessian, ``(n, n)``: one forward pass and n reverse passes."""
        h = self._hessian(np.asarray(x, dtype=np.float64), *args)
        return np.asarray(h, dtype=np.float64)

    def hessp(self, x: np.ndarray, p: np.ndarray, *args) -> np.ndarray:
        """The Hessian times a vector, ``H(x) @ p``, without forming H (reverse over reverse).

        The gradient computation at x is recorded once; every product at the same x is then
        one backward pass through that recording (H is symmetric, so ``H^T p = H p``).
        Newton-CG and the trust-region methods ask for several products per point.
        """
        x = np.asarray(x, dtype=np.float64)
        pull = self._point(x, args, need_products=True).pull
        product = pull(np.asarray(p, dtype=np.float64).reshape(x.shape))[0]
        return np.array(product, dtype=np.float64)

    def hess_operator(self, x: np.ndarray, *args) -> LinearOperator:
        """The Hessian at x as a :class:`scipy.sparse.linalg.LinearOperator` of products."""
        x = np.asarray(x, dtype=np.float64)
        n = x.size
        return LinearOperator((n, n), matvec=lambda p: self.hessp(x, np.ravel(p), *args),
                              dtype=np.float64)


#: points whose results are kept: the trust-region methods evaluate a trial point, then come
#: back for products at the current one
_POINTS_KEPT = 2


class _Point:
    """What one pass at x produced."""

    __slots__ = ("args", "arg_values", "value", "gradient", "pull")

    def __init__(self, args, value, gradient, pull):
        self.args = args
        # copies of array arguments: data changed in place between calls must not be answered
        # from the memo (comparing them is a memcmp, far cheaper than a pass)
        self.arg_values = [np.array(a) if isinstance(a, np.ndarray) else None for a in args]
        self.value = float(raw_value(value))
        self.gradient = np.array(gradient, dtype=np.float64)
        self.pull = pull


def _same(args: tuple, point: "_Point") -> bool:
    """The same extra arguments as at ``point``: the same objects (scipy passes the same tuple
    every call), and array arguments still holding the same values."""
    previous = point.args
    return len(args) == len(previous) and all(a is b for a, b in zip(args, previous)) and all(
        copy is None or np.array_equal(a, copy, equal_nan=True)
        for a, copy in zip(args, point.arg_values))


def jac(fun: Callable) -> Callable:
    """``jac(fun)(x, *args)``: the exact gradient, for scipy's ``jac=`` argument.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float`` in plain NumPy.

    Returns
    -------
    callable
        ``(x, *args) -> ndarray``, the gradient at x (memoised with the value: see
        :class:`Objective` to share one pass between scipy's ``fun`` and ``jac`` calls).

    Examples
    --------
    >>> sciad.optimize.jac(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0])).tolist()
    [3.0, 12.0]
    """
    return Objective(fun).jac


def hess(fun: Callable) -> Callable:
    """``hess(fun)(x, *args)``: the exact dense Hessian, for scipy's ``hess=`` argument.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float`` in plain NumPy.

    Returns
    -------
    callable
        ``(x, *args) -> ndarray`` of shape ``(n, n)``.

    Examples
    --------
    >>> sciad.optimize.hess(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0])).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    return Objective(fun).hess


def hessp(fun: Callable) -> Callable:
    """``hessp(fun)(x, p, *args)``: the exact Hessian-vector product, for scipy's ``hessp=``.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float`` in plain NumPy.

    Returns
    -------
    callable
        ``(x, p, *args) -> ndarray``, ``H(x) @ p`` without forming H.

    Examples
    --------
    >>> sciad.optimize.hessp(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]),
    ...                                                   np.array([1.0, 0.0])).tolist()
    [4.0, 2.0]
    """
    return Objective(fun).hessp
