"""Loading model files: declarative TOML, or trusted Python files that define ``MODEL``.

A TOML model can never run code: its formulas go through the whitelisted expression language.
A ``.py`` model is imported, which runs it: treat it as you treat a ``conftest.py`` or a
``setup.py``, as code you trust. Its ``MODEL`` dict follows the same schema, and formulas may
be Python callables taking the dict of names to values.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
import tomllib
from collections.abc import Mapping
from typing import Any

from ..errors import ModelFileError
from .schema import Model, ModelValidationError, build_model

__all__ = ["load_model", "read_raw_model", "apply_overrides", "parse_assignment"]


def load_model(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> Model:
    """Read, check and return the model in ``path`` (``.toml`` or ``.py``).

    Parameters
    ----------
    path : str or path-like
        The model file. Data files it names are found relative to it.
    overrides : dict, optional
        ``{parameter: value}`` replacing the file's values (``sciad run --set``).

    Returns
    -------
    Model

    Raises
    ------
    ModelFileError
        The file is missing, does not parse, or breaks the schema (``ModelValidationError``
        lists every problem with its table and key), or an override names no parameter.

    Examples
    --------
    >>> model = load_model("examples/rosenbrock.toml")
    >>> model.kind, sorted(model.parameters)
    ('function', ['a', 'b', 'x', 'y'])
    """
    file = os.fspath(path)
    raw, digest = read_raw_model(file)
    model = build_model(raw, file, allow_callables=file.endswith(".py"))
    model.sha256 = digest
    if overrides:
        apply_overrides(model, overrides)
    return model


def read_raw_model(file: str) -> tuple[Any, str]:
    """The file's top-level table and the SHA-256 of its bytes."""
    try:
        with open(file, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise ModelFileError(f"{file}: no such model file") from None
    except OSError as exc:
        raise ModelFileError(f"{file}: cannot read the model file: {exc.strerror or exc}") from None
    digest = hashlib.sha256(content).hexdigest()
    if file.endswith(".py"):
        return _import_python_model(file), digest
    if not file.endswith(".toml"):
        raise ModelFileError(f"{file}: a model file ends in .toml (declarative) or .py (trusted "
                             "Python defining MODEL)")
    try:
        return tomllib.loads(content.decode("utf-8")), digest
    except UnicodeDecodeError:
        raise ModelFileError(f"{file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelValidationError([f"{file}: TOML syntax error: {exc}"]) from None


def _import_python_model(file: str) -> Any:
    """Run the trusted Python file and return its ``MODEL``."""
    module_name = "_sciad_model_" + hashlib.sha1(os.path.abspath(file).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module   # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:   # the user's code: report it as a model error, not a crash
        sys.modules.pop(module_name, None)
        raise ModelFileError(f"{file}: importing the Python model failed: "
                             f"{type(exc).__name__}: {exc}") from exc
    if not hasattr(module, "MODEL"):
        raise ModelFileError(f"{file}: a Python model file must define a dict named MODEL")
    return module.MODEL


def parse_assignment(text: str) -> tuple[str, float]:
    """``"name=value"`` (from ``--set``) as ``(name, float(value))``.

    Raises
    ------
    ModelFileError
        No ``=``, an empty name, or a value that is not a finite number.
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ModelFileError(f"--set {text!r}: expected name=value")
    try:
        number = float(value)
    except ValueError:
        raise ModelFileError(f"--set {text!r}: {value.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise ModelFileError(f"--set {text!r}: the value must be finite")
    return name, number


def apply_overrides(model: Model, overrides: Mapping[str, Any]) -> None:
    """Replace parameter values in place; an unknown name is an error naming the choices."""
    for name, value in overrides.items():
        if name not in model.parameters:
            raise ModelFileError(f"{model.path}: --set {name}: no such parameter (parameters: "
                                 f"{', '.join(model.parameters)})")
        model.parameters[name].value = float(value)
