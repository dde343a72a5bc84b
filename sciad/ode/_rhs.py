"""The user's right-hand side ``fun(t, y, params)``, wrapped once for every algorithm.

The solvers and the sensitivity algorithms never see the user's pytree of parameters: they work
with one flat vector ``theta`` (all parameter leaves raveled and concatenated, in
``tree_flatten`` order). :class:`Rhs` maps between the two and provides what each algorithm
needs at one ``(t, y)``:

* ``numpy_fun(theta)``: a plain ``f(t, y)`` for scipy, with shape and NaN checks;
* ``linearize(t, y, theta)``: ``f``, ``df/dy`` and ``df/dtheta`` from one recorded forward pass
  (one reverse pass per state), for forward sensitivities;
* ``pullback(t, y, theta, lam)``: ``f``, ``lam^T df/dy`` and ``lam^T df/dtheta`` from one
  forward and one reverse pass, for the adjoint;
* ``jac_fun(theta, sparsity)``: ``df/dy`` for the implicit solvers, compressed by row colouring
  when a sparsity pattern is given.

Every method is written with NumPy calls on possibly traced values, so the same code serves an
outer ``sciad.grad`` (second derivatives through ``odeint``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.sparse

from ..engine.pytree import tree_flatten, tree_paths, tree_unflatten
from ..engine.registry import shape_of
from ..engine.tensor import Tensor
from ..engine.transforms import vjp
from ..errors import SciadError, SolverError

__all__ = ["Rhs", "RhsShapeError", "raw", "is_traced", "shape_of", "stack_components",
           "check_finite"]


class RhsShapeError(SciadError, ValueError):
    """The right-hand side returned something other than one number per state."""


def raw(x):
    """The NumPy value under any number of Tensor boxes."""
    while type(x) is Tensor:
        x = x._value
    return x


def is_traced(*values) -> bool:
    return any(type(v) is Tensor for v in values)


def check_finite(values: np.ndarray, t: float, y, what: str) -> np.ndarray:
    """``values``, or :class:`SolverError` if any is NaN or infinite.

    ``y`` is the state for the message, or a function returning it (computed only on failure).

    Every raw right-hand side handed to scipy goes through this: scipy's explicit Runge-Kutta
    steppers loop forever on a NaN (the step-size update turns into NaN and never falls below
    the minimum step), so a NaN must stop the solve here, with a message that says where.
    """
    total = values.sum()  # one reduction: NaN and inf propagate into the sum, and
    #                       total - total is 0 for a finite number, NaN otherwise (cheaper
    #                       than np.isfinite on every evaluation); recheck in case it overflowed
    if not total - total == 0 and not np.all(np.isfinite(values)):
        y = y() if callable(y) else y
        raise SolverError(
            f"{what} returned a non-finite value at t={t:g} "
            f"(state {np.array2string(np.asarray(y), precision=4, threshold=8)}); check the "
            "model and its parameters, or tighten the tolerances if the state blew up")
    return values


def stack_components(values):
    """A list of components as one array, keeping derivatives if any component is traced."""
    if isinstance(values, (list, tuple)):
        if any(type(v) is Tensor for v in values):
            return np.stack([v if type(v) is Tensor else np.asarray(v, float) for v in values])
        return np.asarray(values, dtype=float)
    return values


class Rhs:
    """``fun(t, y, params)`` (or ``fun(t, y)`` when ``params`` is None) as seen by the solvers.

    Parameters
    ----------
    fun : callable
        The user's right-hand side in plain NumPy; it may return a list of components.
    n_states : int
        Length of the state vector.
    params : pytree or None
        A template of the parameters: its structure and leaf shapes fix the layout of ``theta``.
    """

    def __init__(self, fun: Callable, n_states: int, params: Any = None):
        self.fun = fun
        self.n = n_states
        self.takes_params = params is not None
        leaves, self.treedef = tree_flatten(params)
        self.leaf_shapes = [np.shape(raw(leaf)) for leaf in leaves]
        self.leaf_sizes = [int(np.prod(s)) for s in self.leaf_shapes]
        self.n_params = sum(self.leaf_sizes)
        self.names = _element_names(params, self.leaf_shapes) if self.takes_params else []
        self._params_cache = None

    # --- parameters: pytree <-> flat vector ------------------------------------------------
    def flatten_params(self, params) -> Any:
        """``theta``: the leaves raveled and concatenated (traced if any leaf is)."""
        leaves = tree_flatten(params)[0]
        if not leaves:
            return np.zeros(0)
        if is_traced(*leaves):
            return np.concatenate([np.reshape(leaf, (-1,)) if type(leaf) is Tensor
                                   else np.ravel(np.asarray(leaf, float)) for leaf in leaves])
        return np.concatenate([np.ravel(np.asarray(leaf, float)) for leaf in leaves])

    def split(self, theta) -> list:
        """The inverse of :meth:`flatten_params`, as a list of leaves (traced if theta is)."""
        parts, start = [], 0
        for shape, size in zip(self.leaf_shapes, self.leaf_sizes):
            parts.append(np.reshape(theta[start:start + size], shape) if shape else theta[start])
            start += size
        return parts

    def check_params(self, theta) -> None:
        """Refuse NaN or infinite parameter values up front, naming them."""
        values = np.asarray(raw(theta), float)
        bad = [name for name, v in zip(self.names, values) if not np.isfinite(v)]
        if bad:
            raise ValueError(f"params has NaN or infinite values ({', '.join(bad)}); the ODE "
                             "needs finite parameter values")

    def params_of(self, theta):
        if not self.takes_params:
            return None
        cached = self._params_cache
        if cached is not None and cached[0] is theta:  # one theta serves a whole solve
            return cached[1]
        params = tree_unflatten(self.treedef, self.split(theta))
        if not is_traced(theta):
            self._params_cache = (theta, params)
        return params

    # --- evaluation ----------------------------------------------------------------------------
    def __call__(self, t, y, theta):
        """``f(t, y)`` with the parameters ``theta`` (traced or not), checked for shape."""
        return self.call_with_params(t, y, self.params_of(theta))

    def call_with_params(self, t, y, params):
        """``f(t, y)`` with the parameters as the user's pytree, checked for shape."""
        out = self.fun(t, y, params) if self.takes_params else self.fun(t, y)
        out = stack_components(out)
        if shape_of(out) != (self.n,):
            raise RhsShapeError(
                f"the right-hand side returned shape {shape_of(out)} at t={float(raw(t)):g}, "
                f"but the state has {self.n} components: return one derivative per state "
                "(a 1-D array or a list of length len(y0))")
        return out

    def numpy_fun(self, theta) -> Callable:
        """A plain ``f(t, y)`` for scipy (no tracing), raising on NaN or a wrong shape."""
        params = self.params_of(np.asarray(raw(theta), float))
        fun, n, takes_params = self.fun, self.n, self.takes_params

        def f(t, y):
            out = fun(t, y, params) if takes_params else fun(t, y)
            out = np.asarray(out, dtype=float) if not isinstance(out, np.ndarray) else out
            if out.shape != (n,):
                self(t, y, np.zeros(self.n_params))  # raises the shape error with its message
            return check_finite(out, t, y, "the right-hand side")

        return f

    def record(self, t, y, theta):
        """``(f, pull)`` with ``pull(lam) = (lam^T df/dy, lam^T df/dtheta)``: one recorded pass.

        With raw parameters the user's pytree is traced directly (slicing theta inside the
        trace would add one recorded operation per leaf to every evaluation); its cotangent is
        flattened afterwards. Traced parameters (second derivatives) go through theta.
        """
        if is_traced(theta) or not self.takes_params:
            return vjp(lambda y_, th_: self(t, y_, th_), y, theta)
        out, pull_tree = vjp(lambda y_, p_: self.call_with_params(t, y_, p_), y,
                             self.params_of(theta))

        def pull(lam):
            lam_fy, lam_fp = pull_tree(lam)
            return lam_fy, self.flatten_params(lam_fp)

        return out, pull

    def linearize(self, t, y, theta):
        """``(f, df/dy, df/dtheta)`` at one point: one forward pass, ``n`` reverse passes."""
        out, pull = self.record(t, y, theta)
        rows_y, rows_p = [], []
        for i in range(self.n):
            unit = np.zeros(self.n)
            unit[i] = 1.0
            dy, dp = pull(unit)
            rows_y.append(dy)
            rows_p.append(dp)
        return out, _stack_rows(rows_y, self.n), _stack_rows(rows_p, self.n_params)

    def pullback(self, t, y, theta, lam):
        """``(f, lam^T df/dy, lam^T df/dtheta)``: one forward and one reverse pass."""
        out, pull = self.record(t, y, theta)
        lam_fy, lam_fp = pull(lam)
        return out, lam_fy, lam_fp

    def recorded_pullback(self, t, y, theta) -> Callable:
        """``lam -> (lam^T df/dy, lam^T df/dtheta)`` at a fixed point, recorded once."""
        return self.record(t, y, theta)[1]

    def jac_fun(self, theta, sparsity=None) -> Callable:
        """``df/dy`` for Radau/BDF/LSODA: dense, or sparse with one reverse pass per colour."""
        theta = np.asarray(raw(theta), float)
        params = self.params_of(theta)
        if sparsity is None:
            def dense_jac(t, y):
                _, pull = vjp(lambda y_: self.call_with_params(t, y_, params), y)
                return _stack_rows([pull(row)[0] for row in np.eye(self.n)], self.n)

            return dense_jac
        pattern = scipy.sparse.csr_matrix(sparsity, dtype=bool)
        if pattern.shape != (self.n, self.n):
            raise ValueError(f"jac_sparsity has shape {pattern.shape}; it must be "
                             f"({self.n}, {self.n}) for a state of {self.n} components")
        colours = _row_colouring(pattern)
        rows, cols = pattern.nonzero()

        def jac(t, y):
            _, pull = vjp(lambda y_: self.call_with_params(t, y_, params), y)
            values = np.empty(len(rows))
            for colour in range(colours.max() + 1):
                seed = (colours == colour).astype(float)
                # rows of one colour share no column, so one pull-back separates them
                pulled = pull(seed)[0]
                mine = colours[rows] == colour
                values[mine] = pulled[cols[mine]]
            return scipy.sparse.csc_matrix((values, (rows, cols)), shape=(self.n, self.n))

        return jac


def _stack_rows(rows, width):
    if not rows or width == 0:
        return np.zeros((len(rows), width))
    return np.stack(rows)


def _row_colouring(pattern) -> np.ndarray:
    """Greedy colouring of rows so that rows of one colour have no column in common."""
    n = pattern.shape[0]
    by_column = pattern.tocsc()
    colours = np.full(n, -1)
    for i in range(n):
        columns = pattern.indices[pattern.indptr[i]:pattern.indptr[i + 1]]
        taken = set()
        for c in columns:
            neighbours = by_column.indices[by_column.indptr[c]:by_column.indptr[c + 1]]
            taken.update(colours[neighbours][colours[neighbours] >= 0].tolist())
        colour = 0
        while colour in taken:
            colour += 1
        colours[i] = colour
    return colours


def _element_names(params, shapes) -> list[str]:
    """One name per element of theta: ``k``, ``w[0]``, ``w[1]`` ..."""
    names = []
    for path, shape in zip(tree_paths(params), shapes):
        if shape:
            names.extend(f"{path}[{','.join(map(str, i))}]" for i in np.ndindex(*shape))
        else:
            names.append(path)
    return names
