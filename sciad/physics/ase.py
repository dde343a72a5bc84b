"""Optional bridge to ASE: a sciad energy function as an ASE calculator.

ASE is imported only when :func:`Calculator` is called, so it is never a dependency of sciad.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .quantities import energy_and_forces, stress as stress_of
from .space import PhysicsError, Space, free, periodic

__all__ = ["Calculator"]


def Calculator(energy: Callable, space: Space | None = None):  # noqa: N802 (reads as a class)
    """An ASE calculator computing energy, forces and stress with sciad.

    Parameters
    ----------
    energy : callable
        ``energy(positions, strain=None)``, for example from :func:`sciad.physics.pair_energy`.
    space : Space, optional
        The space ``energy`` was built for; stress needs it. Without it, the space the energy
        carries (energies from :func:`~sciad.physics.pair_energy` and
        :func:`~sciad.physics.sum_energies` do) is used, else one made from the atoms' cell
        (periodic in all three directions) or free space.

    Returns
    -------
    ase.calculators.calculator.Calculator
        Attach with ``atoms.calc = Calculator(energy, space)``; ASE's optimisers, molecular
        dynamics and vibration analysis then use sciad's exact forces.

    Raises
    ------
    PhysicsError
        When the atoms' cell or periodicity differs from the space the energy was built for
        (say after ``atoms.set_cell``, or under a cell filter): the energy would use the old
        cell, so the calculator refuses rather than answer for the wrong system.
    """
    try:
        from ase.calculators.calculator import Calculator as AseCalculator, all_changes
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("sciad.physics.ase.Calculator needs ASE: pip install ase") from exc

    space = space if space is not None else getattr(energy, "space", None)

    class SciadCalculator(AseCalculator):
        implemented_properties = ["energy", "free_energy", "forces", "stress"]

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            super().calculate(atoms, properties, system_changes)
            the_space = _space_of(self.atoms) if space is None else space
            _check_matches(the_space, self.atoms)
            positions = self.atoms.get_positions()
            value, forces = energy_and_forces(energy, positions)
            self.results["energy"] = self.results["free_energy"] = float(value)
            self.results["forces"] = np.asarray(forces)
            if "stress" in properties:
                full = stress_of(energy, positions, the_space)
                self.results["stress"] = full[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]

    return SciadCalculator()


def _check_matches(space: Space, atoms) -> None:
    periodic = bool(all(atoms.pbc))
    if space.periodic != periodic:
        raise PhysicsError(f"the atoms have pbc={tuple(bool(p) for p in atoms.pbc)} but the "
                           f"energy was built for {'a periodic' if space.periodic else 'free'} "
                           "space; build the energy with the matching sciad.physics space")
    if periodic and not np.allclose(space.cell, atoms.cell[:], rtol=1e-10, atol=1e-10):
        raise PhysicsError("the atoms' cell differs from the cell of the space the energy was "
                           "built for (did the cell change, e.g. under a cell filter?); rebuild "
                           "the energy with sciad.physics.periodic(atoms.cell[:])")


def _space_of(atoms) -> Space:
    if all(atoms.pbc):
        return periodic(atoms.cell[:])
    if any(atoms.pbc):
        raise PhysicsError("sciad supports fully periodic or free systems, not mixed pbc "
                           f"{tuple(atoms.pbc)}")
    return free()
