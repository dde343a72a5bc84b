"""How an optimum moves with its parameters: the implicit function theorem.

At ``x*(theta) = argmin_x f(x, theta)`` the gradient vanishes, ``g(x*, theta) = 0``.
Differentiating that identity gives ``H dx*/dtheta = -B`` with ``H = d2f/dx2`` and
``B = d2f/dx dtheta``. sciad builds B exactly (the cheaper way round) and solves with H: a dense
factorisation for small problems, and for large ones conjugate gradients on Hessian-vector
products, so that H is never formed.

References
----------
Fiacco, A. V. (1976). Sensitivity analysis for nonlinear programming using penalty methods.
Mathematical Programming 10, 287-311.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, cg

from ..engine.transforms import grad, hessian, hvp, jacobian
from ..errors import SolverError
from ._checks import ProblemError, check_finite, check_scalar_objective
from ._params import ParamSpace, as_parameters
from ._result import to_json_value

__all__ = ["optimum_sensitivity", "OptimumSensitivity", "KRYLOV_THRESHOLD"]

#: above this many optimized parameters the Hessian is never formed (Krylov solve instead)
KRYLOV_THRESHOLD = 500
#: a Newton step longer than this times (1 + |x_opt|) means x_opt is not an optimum: warn
STATIONARY_TOL = 1e-6


@dataclass
class OptimumSensitivity:
    """``d x* / d theta`` with names.

    Attributes
    ----------
    matrix : ndarray, shape (n_x, n_theta)
        ``matrix[i, j] = d x*_i / d theta_j`` (flattened in the order of ``x_names`` and
        ``theta_names``).
    x_names, theta_names : list of str
        One name per row and per column (``k``, ``w[0]`` ...).
    solver : str
        ``"dense"`` (factorised Hessian) or ``"krylov"`` (conjugate gradients on products).
    positive_definite : bool or None
        Whether the Hessian at x* is positive definite (a strict minimum); None when the Krylov
        solver was used and it was not checked.
    gradient_norm : float
        ``|grad_x f(x*, theta)|``: should be near zero, as the theorem assumes an optimum.
    newton_step_norm : float
        ``|H^-1 grad_x f|``: how far x_opt is from the stationary point, in the units of x (a
        warning is issued when it exceeds ``1e-6 (1 + |x_opt|)``).
    """

    matrix: np.ndarray
    x_names: list[str]
    theta_names: list[str]
    solver: str
    positive_definite: bool | None
    gradient_norm: float
    newton_step_norm: float = float("nan")
    x_template: Any = field(default=None, repr=False)

    def column(self, theta_name: str) -> Any:
        """``d x*/d theta_name`` in the structure of ``x_opt``."""
        if theta_name not in self.theta_names:
            raise KeyError(f"no parameter {theta_name!r}; the columns are {self.theta_names}")
        values = self.matrix[:, self.theta_names.index(theta_name)]
        return ParamSpace(self.x_template).unflatten_values(values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: the matrix as nested lists, with its row and column names (NaN and
        infinity as None)."""
        return to_json_value({
            "matrix": self.matrix, "x_names": list(self.x_names),
            "theta_names": list(self.theta_names), "solver": self.solver,
            "positive_definite": self.positive_definite,
            "gradient_norm": float(self.gradient_norm),
            "newton_step_norm": float(self.newton_step_norm)})


def optimum_sensitivity(fun: Callable, x_opt: Any, theta: Any, args: tuple = (),
                        solver: str = "auto", krylov_threshold: int = KRYLOV_THRESHOLD,
                        rtol: float = 1e-10) -> OptimumSensitivity:
    """The derivative of the minimiser ``x*(theta) = argmin_x fun(x, theta, *args)``.

    Parameters
    ----------
    fun : callable
        ``fun(x, theta, *args) -> float`` in plain NumPy, twice differentiable near x*.
    x_opt : array or pytree
        The optimum (e.g. ``res.params`` of :func:`minimize`), solved tightly: the result is
        exact only at a stationary point (a ``RuntimeWarning`` says when x_opt is not one).
    theta : array or pytree
        The parameters (data, constants) the optimum depends on.
    args : tuple
        Further arguments of ``fun``, held fixed.
    solver : {"auto", "dense", "krylov"}
        ``"auto"`` factorises the dense Hessian up to ``krylov_threshold`` entries of x and
        uses conjugate gradients on Hessian-vector products beyond.
    rtol : float
        Relative tolerance of the Krylov solves.

    Returns
    -------
    OptimumSensitivity
        ``.matrix[i, j] = d x*_i / d theta_j`` with names, ``.column(name)`` in the structure of
        ``x_opt``, ``.to_dict()``.

    Raises
    ------
    ProblemError
        ``fun`` is not one finite number at x_opt.
    SolverError
        The Hessian is singular at x_opt (the optimum does not move smoothly), or the Krylov
        solver did not converge.

    Examples
    --------
    >>> # x* = argmin (x - theta)^2 + x^2 = theta / 2
    >>> s = sciad.optimize.optimum_sensitivity(lambda x, t: (x - t) ** 2 + x ** 2, 0.5, 1.0)
    >>> s.matrix.round(6).tolist()
    [[0.5]]
    """
    if solver not in ("auto", "dense", "krylov"):
        raise ProblemError(f"solver must be 'auto', 'dense' or 'krylov', got {solver!r}")
    x_opt, theta = as_parameters(x_opt), as_parameters(theta)
    x_space, theta_space = ParamSpace(x_opt, "x"), ParamSpace(theta, "theta")
    x_flat, theta_flat = x_space.flatten(x_opt), theta_space.flatten(theta)

    def flat_fun(x, t):
        return fun(x_space.unflatten(x), theta_space.unflatten(t), *args)

    value = flat_fun(x_flat, theta_flat)
    check_scalar_objective(value, "at x_opt")
    check_finite(value, "the objective", "at x_opt")
    gradient = np.asarray(grad(flat_fun)(x_flat, theta_flat), dtype=np.float64)
    mixed = _mixed_hessian(flat_fun, x_flat, theta_flat)  # (n_x, n_theta)
    # the gradient rides along as one more right-hand side: H^-1 g is the Newton step to the
    # stationary point, which tells whether x_opt is an optimum at all
    rhs = np.column_stack([-mixed, gradient])
    use_krylov = solver == "krylov" or (solver == "auto" and x_flat.size > krylov_threshold)
    if use_krylov:
        labels = [f"theta entry {name}" for name in theta_space.names] + ["the Newton step"]
        solution = _solve_krylov(flat_fun, x_flat, theta_flat, rhs, rtol, labels)
        positive_definite = None
    else:
        h = np.asarray(hessian(flat_fun)(x_flat, theta_flat), dtype=np.float64)
        h = h.reshape(x_flat.size, x_flat.size)
        solution, positive_definite = _solve_dense(h, rhs)
    matrix, step = solution[:, :-1], float(np.linalg.norm(solution[:, -1]))
    if step > STATIONARY_TOL * (1.0 + np.linalg.norm(x_flat)):
        warnings.warn(f"x_opt is not a stationary point of fun: a Newton step of length "
                      f"{step:.3g} (gradient norm {np.linalg.norm(gradient):.3g}) separates it "
                      "from one, so d x*/d theta is taken at the wrong point; solve the "
                      "optimisation more tightly first", RuntimeWarning, stacklevel=2)
    return OptimumSensitivity(matrix, list(x_space.names), list(theta_space.names),
                              "krylov" if use_krylov else "dense", positive_definite,
                              float(np.linalg.norm(gradient)), step, x_opt)


def _mixed_hessian(flat_fun, x, t) -> np.ndarray:
    """``d2f/dx dtheta`` as (n_x, n_theta), with min(n_x, n_theta) reverse passes."""
    if x.size <= t.size:
        rows = jacobian(lambda t_: grad(flat_fun, 0)(x, t_))(t)
        return np.asarray(rows, dtype=np.float64).reshape(x.size, t.size)
    columns = jacobian(lambda x_: grad(flat_fun, 1)(x_, t))(x)
    return np.asarray(columns, dtype=np.float64).reshape(t.size, x.size).T


def _solve_dense(h, rhs):
    try:
        factor = scipy.linalg.cho_factor(h)
        return scipy.linalg.cho_solve(factor, rhs), True
    except np.linalg.LinAlgError:
        pass  # not a strict minimum; the theorem still holds at a nondegenerate stationary point
    try:
        solution = scipy.linalg.solve(h, rhs, assume_a="sym")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning) as exc:
        raise SolverError(f"the Hessian at x_opt is singular ({exc}); the optimum does not "
                          "depend smoothly on theta (a flat direction or a degenerate optimum)"
                          ) from None
    if np.linalg.cond(h) > 1e14:
        raise SolverError(f"the Hessian at x_opt is singular (condition number "
                          f"{np.linalg.cond(h):.2g}); the optimum does not depend smoothly on "
                          "theta (a flat direction or a degenerate optimum)")
    return solution, False


def _solve_krylov(flat_fun, x, t, rhs, rtol, labels):
    product = hvp(flat_fun)
    operator = LinearOperator((x.size, x.size), dtype=np.float64,
                              matvec=lambda v: np.asarray(product(x, np.ravel(v), t)))
    solution = np.zeros_like(rhs)
    for j in range(rhs.shape[1]):
        if not np.any(rhs[:, j]):
            continue  # theta_j does not enter the gradient: x* does not move
        column, info = cg(operator, rhs[:, j], rtol=rtol, atol=0.0, maxiter=10 * x.size)
        if info != 0:
            raise SolverError(f"conjugate gradients did not converge for {labels[j]} "
                              f"(info={info}); the Hessian at x_opt may be indefinite or "
                              "singular; try solver='dense' to check")
        solution[:, j] = column
    return solution
