"""The tables each kind of model file adds to the common schema.

- ``function``: ``[outputs]`` formulas of the parameters.
- ``ode``: ``[states]`` (initial value and right-hand side per state), ``[time]``, ``[solver]``.
- ``fit``: ``[data]`` (a CSV file beside the model, its x, y and sigma columns) and one output.
- ``particles``: ``[system]`` (an extended XYZ file) and ``[potential]``.
- ``option``: ``[contract]`` and ``[market]``, whose numbers become the parameters.

Data files are read here, during validation, so a missing or malformed file is reported with
the rest of the file's problems before anything runs.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from .schema import Model, Parameter, Problems, check_formula, check_outputs, check_parameter

__all__ = ["check_sections", "POTENTIALS", "ODE_METHODS"]

#: Potential type -> (factory name in sciad.physics, the parameters the model must define).
POTENTIALS = {"lj": ("lennard_jones", ("epsilon", "sigma")),
              "morse": ("morse", ("D", "a", "r0")),
              "soft_sphere": ("soft_sphere", ("epsilon", "sigma"))}
ODE_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")
_OPTION_FIELDS = {"contract": {"strike": True, "maturity": True},
                  "market": {"spot": True, "rate": True, "vol": True, "dividend": False}}


def check_sections(problems: Problems, raw: Mapping, model: Model, allow_callables: bool) -> None:
    """Check the kind's own tables into ``model.sections`` (and outputs, parameters)."""
    names = list(model.parameters)
    if model.kind == "function":
        model.outputs = check_outputs(problems, raw, names, allow_callables)
    elif model.kind == "ode":
        states = _check_states(problems, raw, names, allow_callables)
        model.sections["states"] = states
        model.sections["time"] = _check_time(problems, raw)
        model.sections["solver"] = _check_solver(problems, raw)
        model.outputs = check_outputs(problems, raw, names + list(states) + ["t"],
                                      allow_callables)
    elif model.kind == "fit":
        data = _check_data(problems, raw)
        model.sections["data"] = data
        model.outputs = check_outputs(problems, raw, names + [data.get("x_name", "x")],
                                      allow_callables)
        if len(model.outputs) > 1:
            problems.add("outputs", "a fit model has exactly one output: the model of the "
                         "data's y column")
    elif model.kind == "particles":
        model.sections["system"] = _check_system(problems, raw)
        model.sections["potential"] = _check_potential(problems, raw, model)
    else:
        model.sections.update(_check_option(problems, raw, model))


def _check_states(problems: Problems, raw: Mapping, names: list[str],
                  allow_callables: bool) -> dict[str, dict]:
    table = problems.table(raw, "states", "")
    state_names = [n for n in table if n.isidentifier() and not n.startswith("_")]
    states = {}
    for sname, entry in table.items():
        where = f"states.{sname}"
        if sname not in state_names:
            problems.add(where, "a state name must be an identifier not starting with '_'")
            continue
        if sname in names:
            problems.add(where, "a state cannot reuse the name of a parameter")
            continue
        if not isinstance(entry, Mapping):
            problems.add(where, "must be a table {initial = ..., rhs = \"...\"}")
            continue
        problems.unknown_keys(entry, {"initial", "rhs", "unit"}, where)
        initial = entry.get("initial")
        if isinstance(initial, (int, float)) and not isinstance(initial, bool):
            initial_value = problems.number(initial, f"{where}.initial")
            initial = (lambda env, v=initial_value: v) if initial_value is not None else None
        else:   # a formula of the parameters, so that d/d(initial) is a parameter sensitivity
            initial = check_formula(problems, initial, names, f"{where}.initial",
                                    allow_callables)
        rhs = check_formula(problems, entry.get("rhs"), names + state_names + ["t"],
                            f"{where}.rhs", allow_callables)
        states[sname] = {"initial": initial, "rhs": rhs, "unit": str(entry.get("unit", ""))}
    if not table and "states" in raw:
        problems.add("states", "an ODE model needs at least one state")
    return states


def _check_time(problems: Problems, raw: Mapping) -> dict[str, Any]:
    table = problems.table(raw, "time", "")
    problems.unknown_keys(table, {"span", "points", "unit"}, "time")
    span, points = table.get("span"), table.get("points", 101)
    result = {"span": (0.0, 1.0), "points": 101, "unit": str(table.get("unit", ""))}
    if table and (not isinstance(span, list) or len(span) != 2):
        problems.add("time.span", "must be a list of two numbers [start, end]")
    elif table:
        start, end = (problems.number(v, "time.span") for v in span)
        if start is not None and end is not None:
            if end <= start:
                problems.add("time.span", f"end {end} must be after start {start}")
            result["span"] = (start, end)
    if type(points) is not int or points < 2:
        problems.add("time.points", f"must be an integer of at least 2, not {points!r}")
    else:
        result["points"] = points
    return result


def _check_solver(problems: Problems, raw: Mapping) -> dict[str, Any]:
    table = problems.table(raw, "solver", "", required=False)
    problems.unknown_keys(table, {"method", "rtol", "atol"}, "solver")
    method = table.get("method", "RK45")
    if method not in ODE_METHODS:
        problems.add("solver.method", f"must be one of {', '.join(ODE_METHODS)}, not {method!r}")
    tolerances = {}
    for key, default in (("rtol", 1e-8), ("atol", 1e-10)):
        tolerances[key] = problems.number(table.get(key, default), f"solver.{key}",
                                          positive=True) or default
    return {"method": method, **tolerances}


def _check_data(problems: Problems, raw: Mapping) -> dict[str, Any]:
    table = problems.table(raw, "data", "")
    problems.unknown_keys(table, {"file", "x", "y", "sigma"}, "data")
    for key in ("file", "x", "y"):
        if not isinstance(table.get(key), str):
            problems.add(f"data.{key}", "missing or not a string")
    if not all(isinstance(table.get(k), str) for k in ("file", "x", "y")):
        return {}
    path = _beside(problems.file, table["file"])
    try:
        columns = _read_csv(path)
    except OSError as exc:
        problems.add("data.file", f"cannot read {path}: {exc.strerror or exc}")
        return {}
    except ValueError as exc:
        problems.add("data.file", f"{path}: {exc}")
        return {}
    data = {"file": path, "x_name": table["x"], "y_name": table["y"]}
    for key in ("x", "y", "sigma"):
        column = table.get(key)
        if column is None:
            continue
        if column not in columns:
            problems.add(f"data.{key}", f"no column {column!r} in {path} (columns: "
                         f"{', '.join(columns)})")
        else:
            data[key] = columns[column]
    if "sigma" in data and np.any(data["sigma"] <= 0):
        problems.add("data.sigma", f"column {table['sigma']!r} must be positive everywhere")
    if "x" in data and len(data["x"]) < 2:
        problems.add("data.file", f"{path} has fewer than two rows")
    return data


def _read_csv(path: str) -> dict[str, np.ndarray]:
    """A CSV file with a header row and numbers below it, as named float columns."""
    with open(path, newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and not row[0].startswith("#")]
    if not rows:
        raise ValueError("empty file (expected a header row and numbers)")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    values = np.full((len(body), len(header)), np.nan)
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"line {line} has {len(row)} fields, the header has {len(header)}")
        try:
            values[line - 2] = [float(v) for v in row]
        except ValueError:
            raise ValueError(f"line {line} has a field that is not a number") from None
    if not np.all(np.isfinite(values)):
        raise ValueError("the data contain NaN or infinite values")
    return {name: values[:, i] for i, name in enumerate(header)}


def _check_system(problems: Problems, raw: Mapping) -> dict[str, Any]:
    from ..physics import PhysicsError, read_xyz   # physics is only needed by this kind

    table = problems.table(raw, "system", "")
    problems.unknown_keys(table, {"file", "masses", "frame"}, "system")
    masses = problems.number(table.get("masses", 1.0), "system.masses", positive=True)
    if not isinstance(table.get("file"), str):
        problems.add("system.file", "missing or not a string")
        return {}
    path = _beside(problems.file, table["file"])
    frame_index = table.get("frame", 0)
    if type(frame_index) is not int:
        problems.add("system.frame", "must be an integer")
        return {}
    try:
        frame = read_xyz(path, index=frame_index)
    except OSError as exc:
        problems.add("system.file", f"cannot read {path}: {exc.strerror or exc}")
        return {}
    except (PhysicsError, IndexError, ValueError) as exc:
        message = str(exc)  # read_xyz's messages name the file already, most of them
        problems.add("system.file", message if message.startswith(path) else f"{path}: {message}")
        return {}
    return {"file": path, "frame": frame, "masses": masses or 1.0}


def _check_potential(problems: Problems, raw: Mapping, model: Model) -> dict[str, Any]:
    table = problems.table(raw, "potential", "")
    problems.unknown_keys(table, {"type", "cutoff", "shift"}, "potential")
    kind = table.get("type")
    if kind not in POTENTIALS:
        problems.add("potential.type", f"must be one of {', '.join(POTENTIALS)}, not {kind!r}")
        return {}
    for pname in POTENTIALS[kind][1]:
        if pname not in model.parameters:
            problems.add("parameters", f"the {kind} potential needs the parameter {pname!r}")
    extra = set(model.parameters) - set(POTENTIALS[kind][1])
    if extra:
        problems.add("parameters", f"the {kind} potential has no parameter(s) "
                     f"{', '.join(sorted(extra))}")
    cutoff = table.get("cutoff")
    if cutoff is not None:
        cutoff = problems.number(cutoff, "potential.cutoff", positive=True)
    shift = table.get("shift", True)
    if not isinstance(shift, bool):
        problems.add("potential.shift", "must be true or false")
    return {"type": kind, "cutoff": cutoff, "shift": shift}


def _check_option(problems: Problems, raw: Mapping, model: Model) -> dict[str, Any]:
    contract = problems.table(raw, "contract", "")
    style, kind = contract.pop("style", "european"), contract.pop("kind", "call")
    if style not in ("european", "asian"):
        problems.add("contract.style", f"must be 'european' or 'asian', not {style!r}")
    if kind not in ("call", "put"):
        problems.add("contract.kind", f"must be 'call' or 'put', not {kind!r}")
    tables = {"contract": contract, "market": problems.table(raw, "market", "")}
    for section, fields in _OPTION_FIELDS.items():
        problems.unknown_keys(tables[section], set(fields) | ({"style", "kind"} if section ==
                              "contract" else set()), section)
        for key, required in fields.items():
            if key not in tables[section]:
                if required:
                    problems.add(f"{section}.{key}", "missing")
                else:
                    model.parameters[key] = Parameter(key, 0.0, fixed=True)
                continue
            parameter = check_parameter(problems, key, tables[section][key], f"{section}.{key}")
            if parameter is not None:
                model.parameters[key] = parameter
    for key in ("strike", "maturity", "spot", "vol"):
        if key in model.parameters and model.parameters[key].value <= 0:
            problems.add(f"{'contract' if key in ('strike', 'maturity') else 'market'}.{key}",
                         f"must be positive, not {model.parameters[key].value}")
    return {"style": style, "kind": kind}


def _beside(model_file: str, relative: str) -> str:
    """Data files are named relative to the model file, not to the working directory."""
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(model_file)), relative))
