"""The automatic-differentiation engine: Tensor, graph, rules, transforms."""

from . import graph  # noqa: F401  (first: tensor and registry build on it)
from . import rules  # noqa: F401  (fills the rule table)
from .tensor import Tensor, bind_operators, tensor

bind_operators()

__all__ = ["Tensor", "tensor"]
