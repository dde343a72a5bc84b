"""scipy.optimize with exact derivatives, and the sensitivity of an optimum.

Write the objective in plain NumPy; sciad hands every scipy solver the derivatives it takes
(gradients, Hessian-vector products, dense Hessians, constraint Jacobians and Lagrangian
Hessians, least-squares Jacobians), and then answers what scipy cannot: how the optimum moves
when the data or parameters move (:func:`optimum_sensitivity`, :func:`fit_sensitivity`).
Parameters may be pytrees of named arrays; results carry them by name.
"""

from ._checks import ProblemError
from ._curve_fit import curve_fit, fit_sensitivity, model_jacobian
from ._minimize import minimize
from ._objective import Objective, hess, hessp, jac
from ._residuals import least_squares, root
from ._result import OptimizeResult
from ._sensitivity import OptimumSensitivity, optimum_sensitivity

__all__ = ["Objective", "jac", "hess", "hessp", "minimize", "least_squares", "root",
           "curve_fit", "model_jacobian", "fit_sensitivity", "optimum_sensitivity",
           "OptimumSensitivity", "OptimizeResult", "ProblemError"]
