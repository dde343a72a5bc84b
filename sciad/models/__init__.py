"""Model files: declare a model and its analyses in TOML (or trusted Python) and run them.

- :func:`load_model`: read and check a ``.toml`` or ``.py`` model file (every problem reported
  with its file, table and key).
- :func:`run_model`: run the analyses it declares; :func:`check_model`: compare its exact
  derivatives with finite differences.
- :func:`compile_expression`: the safe formula language (whitelisted Python expressions).

The schema is documented in docs/model-files.md; the ``sciad`` command line is built on these.
"""

from .expressions import Expression, ExpressionError, compile_expression
from .loader import apply_overrides, load_model, parse_assignment
from .results import SCHEMA, AnalysisResult, RunResult
from .run import check_model, run_model
from .schema import ANALYSES, KINDS, Model, ModelValidationError

__all__ = ["load_model", "run_model", "check_model", "compile_expression", "Expression",
           "ExpressionError", "Model", "ModelValidationError", "RunResult", "AnalysisResult",
           "SCHEMA", "KINDS", "ANALYSES", "apply_overrides", "parse_assignment"]
