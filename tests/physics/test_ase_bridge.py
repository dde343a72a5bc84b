"""The optional ASE bridge against ASE's own Lennard-Jones calculator."""

import numpy as np
import pytest

import sciad.physics as phys

ase = pytest.importorskip("ase")


def test_sciad_calculator_agrees_with_ase_lennard_jones():
    from ase import Atoms
    from ase.calculators.lj import LennardJones

    from sciad.physics.ase import Calculator

    positions, box = phys.fcc_lattice(1.6, 3)
    positions = positions + np.random.default_rng(0).normal(scale=0.05, size=positions.shape)
    atoms = Atoms("Ar108", positions=positions, cell=np.diag(box), pbc=True)
    atoms.calc = LennardJones(sigma=1.0, epsilon=1.0, rc=2.3)
    e_ase, f_ase, s_ase = (atoms.get_potential_energy(), atoms.get_forces(),
                           atoms.get_stress())
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=2.3), space,
                              phys.NeighborList(space, 2.3))
    atoms.calc = Calculator(energy, space)
    assert atoms.get_potential_energy() == pytest.approx(e_ase, rel=1e-10)
    np.testing.assert_allclose(atoms.get_forces(), f_ase, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(atoms.get_stress(), s_ase, rtol=1e-8, atol=1e-10)
