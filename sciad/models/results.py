"""What running a model file gives: one :class:`AnalysisResult` per analysis, in a :class:`RunResult`.

Every analysis reports *rows*, one per (output, parameter, quantity), so that a table, a CSV
file and JSON all come from the same list, plus free-form JSON-ready ``details`` (arrays such
as forces or trajectories) and, when it has a figure, a function that draws it on an Axes.
The JSON layout (``RunResult.to_dict``) is versioned by ``SCHEMA`` and documented in
docs/cli.md.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..sensitivity._results import jsonable

from ..errors import SciadError

__all__ = ["SCHEMA", "ROW_FIELDS", "AnalysisResult", "RunResult", "AnalysisError", "row", "per"]

#: Identifier of the JSON layout; bumped when a field changes meaning or goes away.
SCHEMA = "sciad.run/1"
#: The columns of every row (and of the CSV output, after ``analysis``).
ROW_FIELDS = ("output", "parameter", "quantity", "value", "unit")


class AnalysisError(SciadError, RuntimeError):
    """An analysis produced NaN or infinite numbers (a formula outside its domain, say)."""


def per(numerator: str, denominator: str) -> str:
    """The unit ``numerator / denominator`` ("" when both are unit-free or they cancel)."""
    if not denominator:
        return numerator
    if numerator == denominator:
        return ""  # d energy / d epsilon of eV/eV is a pure number
    wrapped = f"({denominator})" if "/" in denominator or " " in denominator else denominator
    return f"{numerator or '1'}/{wrapped}"


def row(output: str, parameter: str, quantity: str, value: Any, unit: str = "") -> dict:
    """One result row; ``value`` becomes a plain float."""
    return {"output": output, "parameter": parameter, "quantity": quantity,
            "value": float(np.asarray(value)), "unit": unit}


@dataclass
class AnalysisResult:
    """The result of one ``[[analysis]]`` table.

    Attributes
    ----------
    type : str
        The analysis type (``sensitivity``, ``minimize``, ``greeks`` ...).
    where : str
        Its table in the model file (``analysis[0]``).
    rows : list of dict
        ``{output, parameter, quantity, value, unit}`` per number.
    details : dict
        Further JSON-ready results (arrays, solver messages, settings).
    plot : callable or None
        ``plot(ax)`` draws the analysis' figure on a matplotlib Axes.
    """

    type: str
    where: str
    rows: list[dict]
    details: dict = field(default_factory=dict)
    plot: Callable[[Any], Any] | None = None

    def raise_if_not_finite(self, file: str) -> None:
        """A NaN or infinite row is an error, never a number silently printed as ``nan``."""
        for r in self.rows:
            if not np.isfinite(r["value"]):
                where = f"{r['output']}" + (f" / {r['parameter']}" if r["parameter"] else "")
                raise AnalysisError(f"{file}: {self.where} ({self.type}): {r['quantity']} of "
                                    f"{where} is {r['value']}; check the parameter values "
                                    "(a formula outside its domain, such as log of a negative "
                                    "number, or an overflow)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: type, table, rows and details."""
        return {"type": self.type, "table": self.where, "rows": jsonable(self.rows),
                "details": jsonable(self.details)}


@dataclass
class RunResult:
    """Every analysis of one model file, with the parameters used and the provenance."""

    model: str
    kind: str
    file: str
    parameters: dict[str, dict]
    analyses: list[AnalysisResult]
    seed: int
    sha256: str

    def provenance(self) -> dict[str, Any]:
        """Versions, seed and the model file's hash: enough to reproduce the numbers."""
        import scipy

        from .. import __version__
        return {"sciad_version": __version__, "numpy_version": np.__version__,
                "scipy_version": scipy.__version__, "python_version": platform.python_version(),
                "seed": self.seed, "model_sha256": self.sha256}

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON layout (``schema`` = :data:`SCHEMA`)."""
        return {"schema": SCHEMA, "model": self.model, "kind": self.kind, "file": self.file,
                "parameters": jsonable(self.parameters),
                "analyses": [a.to_dict() for a in self.analyses],
                "provenance": self.provenance()}
