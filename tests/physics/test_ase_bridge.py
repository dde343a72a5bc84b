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


def test_changed_cell_or_periodicity_is_refused_not_answered_for_the_old_cell():
    from ase import Atoms

    from sciad.physics.ase import Calculator
    from sciad.physics.space import PhysicsError

    positions, box = phys.fcc_lattice(1.6, 3)
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=2.3), space,
                              phys.NeighborList(space, 2.3))
    atoms = Atoms("Ar108", positions=positions, cell=np.diag(box), pbc=True)
    atoms.calc = Calculator(energy)  # the space comes with the energy
    assert atoms.get_potential_energy() == pytest.approx(float(energy(positions)), rel=1e-12)
    atoms.set_cell(np.diag(box) * 1.05, scale_atoms=True)
    with pytest.raises(PhysicsError, match="cell differs"):
        atoms.get_potential_energy()
    dimer = Atoms("Ar2", positions=[[0, 0, 0], [1.1, 0, 0]], cell=[5, 5, 5], pbc=True)
    dimer.calc = Calculator(phys.pair_energy(phys.lennard_jones(), phys.free()))
    with pytest.raises(PhysicsError, match="pbc"):
        dimer.get_potential_energy()
