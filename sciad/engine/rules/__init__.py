"""Derivative rules, one module per family. Importing this package fills the rule table."""

from . import ufuncs, reductions, shapes, products, indexing, creation  # noqa: F401
