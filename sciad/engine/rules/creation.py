"""Array creation from a template: ``np.zeros_like(x)`` of a Tensor is a constant Tensor, so that
``out = np.zeros_like(x); out[i] = expr`` records the assignment instead of failing."""

import numpy as np

from ..registry import FUNCTION_RULES
from ..tensor import Tensor


def _constant_like(func):
    def handler(args, kwargs):
        fill = args[1] if len(args) > 1 else kwargs.get("fill_value")
        if func is np.full_like and type(fill) is Tensor and fill._node is not None:
            return np.zeros_like(args[0]) + fill  # a traced fill value keeps its derivative
        template = args[0]
        while type(template) is Tensor:
            template = template._value
        value = func(template, *args[1:], **kwargs)
        return Tensor(value) if value.dtype.kind in "fc" else value
    return handler


for _func in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    FUNCTION_RULES[_func] = _constant_like(_func)
