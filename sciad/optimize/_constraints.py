"""Constraints written as plain functions, given exact Jacobians and Lagrangian Hessians.

SLSQP and COBYLA take dicts ``{"type": "eq" | "ineq", "fun": c, "args": ()}``; sciad adds
``"jac"``. trust-constr takes :class:`scipy.optimize.NonlinearConstraint`; sciad adds ``jac`` and
the Hessian of the Lagrangian term, ``hess(x, v) = sum_i v_i * Hessian(c_i)(x)``, with scipy's
signature. Dicts given to trust-constr become NonlinearConstraints (``eq``: c = 0,
``ineq``: c >= 0) so that they get the exact Hessian too.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.optimize import LinearConstraint, NonlinearConstraint
from scipy.sparse.linalg import LinearOperator

from ..engine.transforms import hessian, hvp
from ._checks import ProblemError, check_vector_output
from ._dense_jacobian import dense_jacobian
from ._params import ParamSpace

__all__ = ["prepare_constraints", "DENSE_HESSIAN_LIMIT"]

#: above this many parameters the Lagrangian Hessian is handed over as a LinearOperator
DENSE_HESSIAN_LIMIT = 500


class _FlatConstraint:
    """A user constraint ``c(params, *args)`` seen as a function of scipy's flat vector."""

    def __init__(self, fun: Callable, args: tuple, space: ParamSpace, label: str, x0: np.ndarray):
        self.user_fun, self.args, self.space, self.label = fun, tuple(args), space, label
        at_start = self.user_fun(space.unflatten(np.asarray(x0, dtype=np.float64)), *self.args)
        self.size = check_vector_output(at_start, f"constraint {label}", "at x0").size

    def on_vector(self, x):
        return np.reshape(self.user_fun(self.space.unflatten(x), *self.args), (-1,))

    def __call__(self, x):
        return np.asarray(self.on_vector(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def jac(self, x):
        return dense_jacobian(self.on_vector, x, n_out=self.size)

    def hess(self, x, v):
        """Hessian of ``v . c(x)``: scipy's ``NonlinearConstraint.hess(x, v)``."""
        x = np.asarray(x, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)

        def weighted(y):
            return np.sum(v * self.on_vector(y))

        if x.size <= DENSE_HESSIAN_LIMIT:
            return np.asarray(hessian(weighted)(x), dtype=np.float64)
        product = hvp(weighted)
        return LinearOperator((x.size, x.size), dtype=np.float64,
                              matvec=lambda p: np.asarray(product(x, np.ravel(p))))


def prepare_constraints(constraints: Any, space: ParamSpace, x0: np.ndarray,
                        method: str) -> list:
    """The constraints with sciad's derivatives filled in, in the form ``method`` takes."""
    if constraints is None:
        return []
    if isinstance(constraints, (dict, NonlinearConstraint, LinearConstraint)):
        constraints = [constraints]
    prepared = []
    for k, con in enumerate(constraints):
        if isinstance(con, LinearConstraint):
            prepared.append(con)
        elif isinstance(con, NonlinearConstraint):
            prepared.append(_nonlinear(con, space, x0, k))
        elif isinstance(con, dict):
            prepared.append(_from_dict(con, space, x0, k, method))
        else:
            raise ProblemError(f"constraint {k} is a {type(con).__name__}; give a dict "
                               "{'type': 'eq' or 'ineq', 'fun': c} or a NonlinearConstraint")
    return prepared


def _from_dict(con: dict, space, x0, k, method):
    kind = con.get("type")
    if kind not in ("eq", "ineq"):
        raise ProblemError(f"constraint {k} has type {kind!r}; it must be 'eq' or 'ineq'")
    if not callable(con.get("fun")):
        raise ProblemError(f"constraint {k} ({kind}) has no callable 'fun'")
    flat = _FlatConstraint(con["fun"], con.get("args", ()), space, f"{k} ({kind})", x0)
    if method == "trust-constr":
        upper = 0.0 if kind == "eq" else np.inf
        return NonlinearConstraint(flat, 0.0, upper, jac=flat.jac, hess=flat.hess)
    return {"type": kind, "fun": flat, "jac": con.get("jac") or flat.jac}


def _nonlinear(con: NonlinearConstraint, space, x0, k):
    flat = _FlatConstraint(con.fun, (), space, f"{k} (NonlinearConstraint)", x0)
    for side, bound in (("lb", con.lb), ("ub", con.ub)):
        if np.size(bound) not in (1, flat.size):
            raise ProblemError(f"constraint {k} returns {flat.size} values but its {side} has "
                               f"{np.size(bound)}; give one bound or one per value")
    user_jac = con.jac if callable(con.jac) else None
    user_hess = con.hess if callable(con.hess) else None
    return NonlinearConstraint(flat, con.lb, con.ub, jac=user_jac or flat.jac,
                               hess=user_hess or flat.hess, keep_feasible=con.keep_feasible)
