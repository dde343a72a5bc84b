"""The model-file schema: check a raw dict (from TOML or a Python ``MODEL``) into a :class:`Model`.

Validation never stops at the first problem: every problem is collected with its location
(``file: table.key``) and :class:`ModelValidationError` lists them all, so ``sciad validate``
can report a whole file at once. The per-kind sections (states, data, system, contract ...)
are checked in :mod:`sciad.models.sections`; the schema is documented in docs/model-files.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelFileError
from ..optimize._checks import MINIMIZE_METHODS
from .expressions import ExpressionError, compile_expression

__all__ = ["KINDS", "ANALYSES", "DISTRIBUTIONS", "Parameter", "Output", "Analysis", "Model",
           "ModelValidationError", "Problems", "build_model"]

KINDS = ("function", "ode", "fit", "particles", "option")
DISTRIBUTIONS = ("unif", "norm", "lognorm", "triang")

_POSITIVE_INT = "positive integer"
# Per kind, the analyses it offers, and per analysis its options: (accepted type, default).
_OUTPUT_ANALYSES = {
    "sensitivity": {"outputs": (list, None), "normalize": (str, "none")},
    "dgsm": {"output": (str, None), "n": (_POSITIVE_INT, 256), "bootstrap": (int, 200)},
    "sobol": {"output": (str, None), "n": (_POSITIVE_INT, 256), "bootstrap": (int, 200)},
}
ANALYSES: dict[str, dict[str, dict[str, tuple]]] = {
    "function": {**_OUTPUT_ANALYSES,
                 "minimize": {"output": (str, None), "method": (str, None),
                              "maxiter": (_POSITIVE_INT, 1000)}},
    "ode": {**_OUTPUT_ANALYSES, "trajectory_sensitivity": {"state": (str, None)}},
    "fit": {"fit": {"method": (str, "lm"), "influence": (bool, True)}},
    "particles": {"forces": {}, "stress": {}, "normal_modes": {"count": (_POSITIVE_INT, 12)}},
    "option": {"greeks": {"method": (str, "analytic"), "n_paths": (_POSITIVE_INT, 100_000),
                          "n_steps": (_POSITIVE_INT, 52), "steps": (_POSITIVE_INT, 500),
                          "american": (bool, False)}},
}
# String options with a fixed set of values, checked by 'sciad validate' so that a typo fails
# before anything runs (not after the analyses above it, as a solver's own complaint).
_CHOICES = {("sensitivity", "normalize"): ("none", "elasticity", "semi"),
            ("minimize", "method"): tuple(sorted(MINIMIZE_METHODS)),  # the list minimize checks
            ("fit", "method"): ("lm", "trf", "dogbox"),
            ("greeks", "method"): ("analytic", "tree", "mc")}
_TOP_KEYS = {"name", "kind", "description", "seed", "parameters", "outputs", "analysis"}
_KIND_SECTIONS = {"function": set(), "ode": {"states", "time", "solver"}, "fit": {"data"},
                  "particles": {"system", "potential"}, "option": {"contract", "market"}}
_PARAMETER_KEYS = {"value", "bounds", "unit", "distribution", "fixed", "description"}
_OUTPUT_KEYS = {"formula", "unit", "description"}
_NUMBER = (int, float)


class ModelValidationError(ModelFileError):
    """A model file has problems; ``problems`` lists every one as ``"file: where: what"``."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''}; run 'sciad validate')" \
            if more > 0 else ""
        super().__init__(problems[0] + suffix)


class Problems:
    """Collects problems, each prefixed with the file name."""

    def __init__(self, file: str):
        self.file, self.messages = file, []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{self.file}: {where}: {message}" if where else
                             f"{self.file}: {message}")

    def raise_if_any(self) -> None:
        if self.messages:
            raise ModelValidationError(self.messages)

    def table(self, raw: Mapping, key: str, where: str, required: bool = True) -> dict:
        """``raw[key]`` as a table ({} and a problem when missing or not a table)."""
        value = raw.get(key)
        if value is None:
            if required:
                self.add(where, f"missing table [{key}]")
            return {}
        if not isinstance(value, Mapping):
            self.add(where, f"[{key}] must be a table, not {_type_name(value)}")
            return {}
        return dict(value)

    def unknown_keys(self, table: Mapping, allowed: set, where: str) -> None:
        for key in table:
            if key not in allowed:
                self.add(f"{where}.{key}" if where else key,
                         f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def number(self, value: Any, where: str, positive: bool = False) -> float | None:
        """A finite float, or None after recording why it is not one."""
        if isinstance(value, bool) or not isinstance(value, _NUMBER):
            self.add(where, f"must be a number, not {_type_name(value)}")
            return None
        if not math.isfinite(value):
            self.add(where, f"must be finite, not {value}")
            return None
        if positive and value <= 0:
            self.add(where, f"must be positive, not {value}")
            return None
        return float(value)


@dataclass
class Parameter:
    """One named scalar parameter of a model."""

    name: str
    value: float
    unit: str = ""
    bounds: tuple[float, float] | None = None
    distribution: str = "unif"
    fixed: bool = False
    description: str = ""


@dataclass
class Output:
    """A named output: a compiled formula (or a trusted Python callable) of ``env``."""

    name: str
    formula: Callable[[Mapping[str, Any]], Any]
    unit: str = ""
    description: str = ""


@dataclass
class Analysis:
    """One ``[[analysis]]`` table: its type, options (defaults filled in) and location."""

    type: str
    options: dict
    where: str


@dataclass
class Model:
    """A checked model file. ``sections`` holds the kind's own checked tables."""

    name: str
    kind: str
    path: str
    parameters: dict[str, Parameter]
    outputs: dict[str, Output]
    analyses: list[Analysis]
    sections: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    seed: int = 0
    sha256: str = ""

    @property
    def free(self) -> list[str]:
        """Names of the parameters that are not fixed (the ones differentiated)."""
        return [name for name, p in self.parameters.items() if not p.fixed]

    def values(self) -> dict[str, float]:
        """Every parameter's value by name."""
        return {name: p.value for name, p in self.parameters.items()}


def build_model(raw: Mapping, file: str, allow_callables: bool = False) -> Model:
    """Check ``raw`` (a parsed model file) and build the :class:`Model`.

    Parameters
    ----------
    raw : mapping
        The file's top-level table.
    file : str
        The file's name, used in every message.
    allow_callables : bool
        Accept Python callables where formulas go (trusted ``.py`` model files).

    Raises
    ------
    ModelValidationError
        Listing every problem found.
    """
    from .sections import check_sections   # the per-kind tables, kept in their own module

    problems = Problems(file)
    if not isinstance(raw, Mapping):
        problems.add("", f"the model must be a table (dict), not {_type_name(raw)}")
        problems.raise_if_any()
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.add("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}"
                     if kind is not None else f"missing (one of {', '.join(KINDS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("name", "missing or not a non-empty string")
        name = "model"
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add("description", "must be a string")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.add("seed", f"must be a non-negative integer, not {seed!r}")
        seed = 0
    if kind not in KINDS:
        problems.raise_if_any()
    problems.unknown_keys(raw, _TOP_KEYS | _KIND_SECTIONS[kind], "")
    model = Model(name=name, kind=kind, path=file, parameters={}, outputs={}, analyses=[],
                  description=description if isinstance(description, str) else "", seed=seed)
    if kind != "option":   # option models take their parameters from [contract] and [market]
        for pname, entry in problems.table(raw, "parameters", "").items():
            parameter = check_parameter(problems, pname, entry, f"parameters.{pname}")
            if parameter is not None:
                model.parameters[pname] = parameter
    check_sections(problems, raw, model, allow_callables)
    model.analyses = _check_analyses(problems, raw.get("analysis"), model)
    problems.raise_if_any()
    return model


def check_parameter(problems: Problems, name: str, entry: Any, where: str) -> Parameter | None:
    """A parameter given as a number or as a table ``{value, bounds, unit, ...}``."""
    if not name.isidentifier() or name.startswith("_"):
        problems.add(where, "a parameter name must be an identifier not starting with '_'")
        return None
    if not isinstance(entry, Mapping):
        value = problems.number(entry, where)
        return None if value is None else Parameter(name, value)
    problems.unknown_keys(entry, _PARAMETER_KEYS, where)
    if "value" not in entry:
        problems.add(f"{where}.value", "missing")
        return None
    value = problems.number(entry["value"], f"{where}.value")
    parameter = Parameter(name, value if value is not None else math.nan)
    for key in ("unit", "description"):
        if not isinstance(entry.get(key, ""), str):
            problems.add(f"{where}.{key}", "must be a string")
        else:
            setattr(parameter, key, entry.get(key, ""))
    parameter.fixed = entry.get("fixed", False)
    if not isinstance(parameter.fixed, bool):
        problems.add(f"{where}.fixed", "must be true or false")
    parameter.distribution = entry.get("distribution", "unif")
    if parameter.distribution not in DISTRIBUTIONS:
        problems.add(f"{where}.distribution",
                     f"must be one of {', '.join(DISTRIBUTIONS)}, not {parameter.distribution!r}")
    if "bounds" in entry:
        bounds = entry["bounds"]
        if not isinstance(bounds, list) or len(bounds) != 2:
            problems.add(f"{where}.bounds", "must be a list of two numbers [low, high]")
        else:
            low, high = (problems.number(b, f"{where}.bounds") for b in bounds)
            if low is not None and high is not None:
                if parameter.distribution in ("unif", "triang") and not low < high:
                    problems.add(f"{where}.bounds", f"low {low} must be below high {high}")
                parameter.bounds = (low, high)
    return parameter if value is not None else None


def check_outputs(problems: Problems, raw: Mapping, names: list[str], allow_callables: bool,
                  required: bool = True) -> dict[str, Output]:
    """The ``[outputs]`` table; each formula may read ``names`` and the outputs before it."""
    outputs: dict[str, Output] = {}
    known = list(names)
    for oname, entry in problems.table(raw, "outputs", "", required=required).items():
        where = f"outputs.{oname}"
        if not oname.isidentifier() or oname.startswith("_"):
            problems.add(where, "an output name must be an identifier not starting with '_'")
            continue
        if oname in names:
            problems.add(where, "an output cannot reuse the name of a parameter or state")
            continue
        if isinstance(entry, Mapping):
            problems.unknown_keys(entry, _OUTPUT_KEYS, where)
            unit, description = entry.get("unit", ""), entry.get("description", "")
            if not isinstance(unit, str):
                problems.add(f"{where}.unit", "must be a string")
                unit = ""
            source, where = entry.get("formula"), f"{where}.formula"
        else:
            source, unit, description = entry, "", ""
        formula = check_formula(problems, source, known, where, allow_callables)
        if formula is not None:
            outputs[oname] = Output(oname, formula, unit, str(description))
        known.append(oname)
    if required and not outputs and not problems.messages:
        problems.add("outputs", "a model of this kind needs at least one output")
    return outputs


def check_formula(problems: Problems, source: Any, names: list[str], where: str,
                  allow_callables: bool) -> Callable | None:
    """Compile a formula string, or wrap a trusted Python callable; None after a problem."""
    if callable(source) and allow_callables:
        return _PythonFormula(source, f"{problems.file}: {where}")
    if source is None:
        problems.add(where, "missing formula")
        return None
    if not isinstance(source, str):
        problems.add(where, f"a formula must be a string, not {_type_name(source)}"
                     + ("" if allow_callables else " (callables only in .py model files)"))
        return None
    try:
        return compile_expression(source, names, where=f"{problems.file}: {where}")
    except ExpressionError as exc:
        problems.messages.append(str(exc))
        return None


class _PythonFormula:
    """A callable from a trusted Python model file, called as ``fn(env)`` like a formula."""

    def __init__(self, function: Callable, where: str):
        self.function, self.where = function, where

    def __call__(self, env: Mapping[str, Any]) -> Any:
        return self.function(env)


def _check_analyses(problems: Problems, entries: Any, model: Model) -> list[Analysis]:
    offered = ANALYSES[model.kind]
    if entries is None:
        problems.add("analysis", "no [[analysis]] tables: nothing to run "
                     f"(a {model.kind} model offers: {', '.join(offered)})")
        return []
    if not isinstance(entries, list):
        problems.add("analysis", "must be an array of tables ([[analysis]])")
        return []
    analyses = []
    for index, entry in enumerate(entries):
        where = f"analysis[{index}]"
        if not isinstance(entry, Mapping):
            problems.add(where, "must be a table")
            continue
        kind = entry.get("type")
        if kind not in offered:
            problems.add(f"{where}.type", f"a {model.kind} model offers {', '.join(offered)}; "
                         f"got {kind!r}")
            continue
        spec = offered[kind]
        problems.unknown_keys(entry, set(spec) | {"type"}, where)
        options = {}
        for key, (expected, default) in spec.items():
            value = entry.get(key, default)
            choices = _CHOICES.get((kind, key))
            if value is not None and not _option_ok(value, expected):
                problems.add(f"{where}.{key}", f"must be a {_expected_name(expected)}, "
                             f"not {value!r}")
            elif isinstance(value, str) and choices and \
                    (value.lower() if kind == "minimize" else value) not in choices:  # as scipy
                problems.add(f"{where}.{key}", f"must be one of {', '.join(choices)}; "
                             f"got {value!r}")
            options[key] = value
        analyses.append(Analysis(kind, options, where))
    return analyses


def _option_ok(value: Any, expected: Any) -> bool:
    if expected == _POSITIVE_INT:
        return type(value) is int and value > 0
    if expected is int:
        return type(value) is int and value >= 0
    return isinstance(value, expected)


def _expected_name(expected: Any) -> str:
    names = {str: "string", bool: "boolean (true/false)", list: "list",
             int: "non-negative integer"}
    return expected if isinstance(expected, str) else names[expected]


def _type_name(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)
