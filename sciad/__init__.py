"""sciad: scientific sensitivity analysis with exact derivatives of plain NumPy code.

>>> import numpy as np, sciad
>>> sciad.grad(lambda x: np.sum(np.sin(x) ** 2))(np.array([0.5, 1.0]))
array([0.84147098, 0.90929743])
"""

from .engine import Tensor, tensor
from .engine.check import GradientCheckError, check_grads, numerical_jacobian
from .engine.control import checkpoint, custom_vjp, no_grad, stop_gradient
from .engine.rules.cumulative import logsumexp
from .engine.pytree import tree_flatten, tree_leaves, tree_map, tree_unflatten
from .engine.transforms import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from .errors import ModelFileError, NotDifferentiableError, ProblemError, SciadError, SolverError

__version__ = "0.1.0"

# The adapters load on first use (``sciad.optimize.minimize``), so ``import sciad`` stays light:
# matplotlib and the adapters' scipy modules are imported only by those who need them.
_SUBPACKAGES = ("optimize", "ode", "physics", "finance", "sensitivity", "plot", "models")


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'sciad' has no attribute {name!r}")

__all__ = [
    "Tensor", "tensor", "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp",
    "logsumexp", "stop_gradient", "no_grad", "custom_vjp", "checkpoint", "check_grads",
    "numerical_jacobian",
    "GradientCheckError", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
    "SciadError", "NotDifferentiableError", "ModelFileError", "ProblemError", "SolverError",
    "__version__",
]
