"""ODE sensitivities on scipy's solvers.

* :func:`solve_ivp`: scipy's ``solve_ivp`` with parameters, an automatic Jacobian for the
  implicit methods, and forward sensitivities ``dy/dy0``, ``dy/dp`` on request.
* :func:`odeint`: the states at given times as a differentiable operation, so that
  ``sciad.grad(lambda p: loss(odeint(f, y0, t, p)))`` works, by a checkpointed adjoint (default),
  an interpolating adjoint, forward sensitivities or a backsolve adjoint.
"""

from ._odeint import odeint
from ._rhs import RhsShapeError
from ._solve import OdeResult, solve_ivp

__all__ = ["solve_ivp", "odeint", "OdeResult", "RhsShapeError"]
