"""Derivative rules, one module per family. Importing this package fills the rule table."""

from . import ufuncs, special, reductions, shapes, products, indexing, creation  # noqa: F401
from . import linalg, linalg_factor, linalg_norm, fft  # noqa: F401
from . import statistics, signal, multi_output  # noqa: F401
from . import extras  # noqa: F401
