"""NVE energy conservation, Langevin temperature control, and trajectory bookkeeping."""

import numpy as np
import pytest

import sciad.physics as phys
from sciad.physics.space import PhysicsError

from physics_reference import lj_liquid


def test_nve_lj_liquid_conserves_energy():
    positions, box, velocities = lj_liquid(n_side=3, temperature=0.72, jitter=0.0)  # 108 atoms
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=2.5, r_onset=2.0), space,
                              phys.NeighborList(space, 2.5, skin=0.3))
    trajectory = phys.simulate_nve(energy, positions, velocities, dt=0.003, steps=1000,
                                   space=space, record_every=50)
    assert trajectory.positions.shape == (21, 108, 3)
    assert trajectory.times[-1] == pytest.approx(3.0)
    assert trajectory.energy_drift < 1e-4
    # it really moved: the crystal melted and kinetic energy was exchanged
    assert np.ptp(trajectory.kinetic_energy) > 0.05 * trajectory.kinetic_energy[0]
    momentum = trajectory.velocities.sum(axis=1)
    np.testing.assert_allclose(momentum, 0.0, atol=1e-10)
    assert np.all((trajectory.positions >= 0) & (trajectory.positions < box))


def test_nve_harmonic_dimer_follows_closed_form():
    k, r0, stretch = 4.0, 1.0, 0.1
    energy = phys.pair_energy(phys.harmonic_bond(np.array([[0, 1]]), k=k, r0=r0), phys.free())
    start = np.array([[0.0, 0, 0], [r0 + stretch, 0, 0]])
    trajectory = phys.simulate_nve(energy, start, masses=1.0, dt=0.002, steps=1000,
                                   record_every=50)
    omega = np.sqrt(k / 0.5)  # reduced mass 1/2
    separation = trajectory.positions[:, 1, 0] - trajectory.positions[:, 0, 0]
    np.testing.assert_allclose(separation, r0 + stretch * np.cos(omega * trajectory.times),
                               atol=1e-5)


def test_langevin_reaches_target_temperature():
    rng = np.random.default_rng(0)
    positions = rng.uniform(0, 10, size=(200, 3))

    def no_interaction(x):
        return 0.0 * np.sum(x)

    trajectory = phys.simulate_langevin(no_interaction, positions, temperature=1.5, friction=5.0,
                                        dt=0.01, steps=600, record_every=10, seed=1,
                                        space=phys.periodic([10.0, 10.0, 10.0]))
    temperature = trajectory.temperature(constraints=0)[20:].mean()  # after 2 time units
    assert temperature == pytest.approx(1.5, rel=0.05)


def test_dynamics_reports_blow_up_and_bad_arguments():
    energy = phys.pair_energy(phys.lennard_jones(), phys.free())
    close = np.array([[0.0, 0, 0], [0.0, 0, 0]])  # on top of each other
    with pytest.raises(PhysicsError, match="non-finite"), np.errstate(all="ignore"):
        phys.simulate_nve(energy, close, dt=0.5, steps=20)
    with pytest.raises(PhysicsError, match="dt > 0"):
        phys.simulate_nve(energy, close, dt=-1.0)
    with pytest.raises(PhysicsError, match="velocities"):
        phys.simulate_nve(energy, close, velocities=np.zeros((3, 3)))


def test_masses_and_step_counts_are_checked():
    energy = phys.pair_energy(phys.lennard_jones(), phys.free())
    dimer = np.array([[0.0, 0, 0], [1.1, 0, 0]])
    with pytest.raises(PhysicsError, match=r"one per atom, shape \(2,\)"):
        phys.simulate_nve(energy, dimer, masses=[1.0, 2.0, 3.0], steps=2)
    with pytest.raises(PhysicsError, match=r"one per atom"):
        phys.normal_modes(energy, dimer, [1.0, 2.0, 3.0])
    with pytest.raises(PhysicsError, match="integers"):
        phys.simulate_langevin(energy, dimer, steps=10.5)
