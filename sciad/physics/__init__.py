"""sciad.physics: forces, stress, exact Hessians and normal modes from one energy function.

The chain follows JAX-MD: a *space* measures displacements, a *potential* and the space make an
*energy* function, and *quantities* (forces, stress, Hessian, normal modes) are its derivatives.

>>> import numpy as np, sciad.physics as phys
>>> energy = phys.pair_energy(phys.lennard_jones(), phys.free())
>>> float(phys.forces(energy, np.array([[0.0, 0, 0], [1.0, 0, 0]]))[0, 0])
-24.0
"""

from .dynamics import Trajectory, simulate_langevin, simulate_nve
from .energy import pair_energy, sum_energies
from .lattice import cubic_lattice, fcc_lattice
from .neighbors import NeighborList, all_pairs
from .potentials import (POTENTIAL_NAMES, PairPotential, coulomb, harmonic_bond, lennard_jones,
                         morse, potential_by_name, smooth_switch, soft_sphere)
from .quantities import (INV_CM_PER_UNIT_FREQUENCY, NormalModes, energy_and_forces, forces,
                         forces_parameter_jacobian, hessian, normal_modes, parameter_gradient,
                         stress)
from .space import PhysicsError, Space, free, periodic
from .xyz import XYZFormatError, XYZFrame, read_xyz, write_xyz

__all__ = [
    "Space", "free", "periodic", "PhysicsError",
    "PairPotential", "lennard_jones", "morse", "soft_sphere", "harmonic_bond", "coulomb",
    "smooth_switch", "potential_by_name", "POTENTIAL_NAMES",
    "NeighborList", "all_pairs", "pair_energy", "sum_energies",
    "forces", "energy_and_forces", "stress", "hessian", "normal_modes", "NormalModes",
    "parameter_gradient", "forces_parameter_jacobian", "INV_CM_PER_UNIT_FREQUENCY",
    "fcc_lattice", "cubic_lattice", "simulate_nve", "simulate_langevin", "Trajectory",
    "read_xyz", "write_xyz", "XYZFrame", "XYZFormatError",
]
