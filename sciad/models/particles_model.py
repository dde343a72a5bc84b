"""``particles`` models: an XYZ structure and a pair potential, through :mod:`sciad.physics`.

The potential's parameters (``epsilon``, ``sigma`` ...) are the model's parameters, so the
forces analysis also reports ``dE/d(parameter)``, and ``sciad check`` verifies it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ModelFileError
from .results import AnalysisResult, per, row
from .schema import Analysis, Model
from .sections import POTENTIALS

__all__ = ["particle_system", "forces", "stress", "normal_modes"]


def particle_system(model: Model) -> tuple[Any, Any, np.ndarray]:
    """``(energy, space, positions)``: ``energy(positions, params=None, strain=None)``."""
    from .. import physics

    system, potential = model.sections["system"], model.sections["potential"]
    factory_name, parameter_names = POTENTIALS[potential["type"]]
    factory = getattr(physics, factory_name)
    options = {"cutoff": potential["cutoff"], "shift": potential["shift"]} \
        if potential["type"] != "soft_sphere" else {}
    pair = factory(**{p: model.parameters[p].value for p in parameter_names}, **options)
    frame = system["frame"]
    try:
        space = frame.space()  # refuses slabs and pbc without a Lattice instead of going free
    except physics.XYZFormatError as exc:
        raise ModelFileError(f"{model.path}: system.file: {exc}") from None
    return physics.pair_energy(pair, space), space, np.asarray(frame.positions, dtype=float)


def _energy_unit(model: Model) -> str:
    first = POTENTIALS[model.sections["potential"]["type"]][1][0]
    return model.parameters[first].unit


def _length_unit(model: Model) -> str:
    """The unit of the potential's length parameter (sigma, r0: the last one), which is the
    unit of the XYZ positions; "length" when the model file gives it none."""
    last = POTENTIALS[model.sections["potential"]["type"]][1][-1]
    return model.parameters[last].unit or "length"


def forces(model: Model, analysis: Analysis, **_: Any) -> AnalysisResult:
    """Energy, forces and the energy's derivative with respect to each potential parameter."""
    from ..physics import energy_and_forces, parameter_gradient

    energy, _space, positions = particle_system(model)
    e, f = energy_and_forces(energy, positions)
    unit = _energy_unit(model)
    free = {p: model.parameters[p].value for p in model.free}
    rows = [row("energy", "", "value", e, unit),
            row("energy", "", "per_atom", e / len(positions), unit),
            row("forces", "", "max_abs", np.max(np.abs(f)),
                per(unit, _length_unit(model)) if unit else "")]
    if free:
        gradient = parameter_gradient(energy, positions, free)
        rows += [row("energy", p, "derivative", gradient[p], per(unit, model.parameters[p].unit))
                 for p in free]
    return AnalysisResult("forces", analysis.where, rows, {"forces": f, "n_atoms": len(positions)})


def stress(model: Model, analysis: Analysis, **_: Any) -> AnalysisResult:
    """The 3x3 stress tensor (periodic systems only)."""
    from ..physics import stress as sciad_stress

    energy, space, positions = particle_system(model)
    frame = model.sections["system"]["frame"]
    if frame.cell is None or not all(frame.pbc):
        raise ModelFileError(f"{model.path}: {analysis.where}: stress needs a periodic cell "
                             "(Lattice=... and pbc=\"T T T\" in the XYZ file)")
    sigma = sciad_stress(energy, positions, space)
    unit = _energy_unit(model)
    unit = per(unit, f"{_length_unit(model)}^3") if unit else ""
    axes = "xyz"
    rows = [row("stress", "", f"s_{axes[i]}{axes[j]}", sigma[i, j], unit)
            for i in range(3) for j in range(i, 3)]
    rows.append(row("pressure", "", "value", -np.trace(sigma) / 3, unit))
    return AnalysisResult("stress", analysis.where, rows, {"stress": sigma})


def normal_modes(model: Model, analysis: Analysis, **_: Any) -> AnalysisResult:
    """Harmonic frequencies from the exact Hessian (the lowest ``count`` reported as rows)."""
    from ..physics import normal_modes as sciad_normal_modes
    from ..plot import mode_spectrum

    energy, _space, positions = particle_system(model)
    modes = sciad_normal_modes(energy, positions, model.sections["system"]["masses"])
    frequencies = modes.frequencies
    count = min(analysis.options["count"], len(frequencies))
    rows = [row("frequency", "", f"mode_{k}", frequencies[k]) for k in range(count)]
    return AnalysisResult("normal_modes", analysis.where, rows,
                          {"frequencies": frequencies, "n_modes": len(frequencies)},
                          plot=lambda ax: mode_spectrum(modes, ax=ax))
