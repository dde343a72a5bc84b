"""Stress, Hessian, normal modes and parameter derivatives against finite differences and
closed forms."""

import numpy as np
import pytest

import sciad
import sciad.physics as phys
from sciad.physics.space import PhysicsError

from physics_reference import lj_liquid, lj_reference


def _strained_energy_fd(positions, cell, cutoff, h=1e-6):
    """dE/d(strain) by central differences of explicitly deformed cells (positions and cell
    both multiplied by I + eps), using the explicit image loop."""
    derivative = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            values = []
            for sign in (1, -1):
                eps = np.zeros((3, 3))
                eps[a, b] += 0.5 * sign * h
                eps[b, a] += 0.5 * sign * h
                deform = np.eye(3) + eps
                values.append(lj_reference(positions @ deform.T, cell=cell @ deform.T,
                                           cutoff=cutoff)[0])
            derivative[a, b] = (values[0] - values[1]) / (2 * h)
    return derivative


@pytest.mark.parametrize("cell", [
    np.diag([3.9, 4.1, 4.0]),
    np.array([[4.0, 0.0, 0.0], [0.8, 3.9, 0.0], [-0.5, 0.6, 4.2]]),
], ids=["orthorhombic", "triclinic"])
def test_stress_matches_finite_differences_of_strained_cells(cell):
    rng = np.random.default_rng(7)
    fractional = (np.array([[i, j, k] for i in range(3) for j in range(3) for k in range(3)])
                  + 0.5 + rng.normal(scale=0.05, size=(27, 3))) / 3
    positions = fractional @ cell
    space = phys.periodic(cell)
    cutoff = 1.8
    energy = phys.pair_energy(phys.lennard_jones(cutoff=cutoff), space,
                              phys.NeighborList(space, cutoff, skin=0.1))
    expected = _strained_energy_fd(positions, cell, cutoff) / abs(np.linalg.det(cell))
    result = phys.stress(energy, positions, space)
    np.testing.assert_allclose(result, result.T, atol=1e-14)
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-8)


def test_stress_of_dimer_crystal_closed_form():
    # A simple cubic crystal with one atom per cell and nearest-neighbour LJ only: the stress is
    # isotropic, sigma = (1/V) r dV/dr (one bond per axis per atom)
    a = 1.2
    positions, box = phys.cubic_lattice(a, 4)
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=1.3), space)
    dv_dr = -24 * (2 * a ** -13 - a ** -7)
    expected = len(positions) * a * dv_dr / np.prod(box)
    np.testing.assert_allclose(phys.stress(energy, positions, space), expected * np.eye(3),
                               rtol=1e-12, atol=1e-14)


def test_stress_needs_a_strain_aware_energy():
    space = phys.periodic([5.0, 5.0, 5.0])
    with pytest.raises(PhysicsError, match="strain"):
        phys.stress(lambda x: np.sum(x ** 2), np.ones((2, 3)), space)


def test_hessian_symmetric_and_equal_to_finite_differences_of_forces():
    rng = np.random.default_rng(2)
    positions = phys.fcc_lattice(1.6, 1)[0] + rng.normal(scale=0.08, size=(4, 3))
    positions = np.concatenate([positions, positions[:3] + [1.7, 0.1, 0.0]])  # 7 atoms
    energy = phys.pair_energy(phys.morse(D=1.0, a=1.5, r0=1.1), phys.free())
    hess = phys.hessian(energy, positions)
    assert hess.shape == (21, 21)
    np.testing.assert_allclose(hess, hess.T, atol=1e-12)

    def minus_forces(flat):
        return -phys.forces(energy, flat.reshape(-1, 3)).ravel()

    numeric = sciad.numerical_jacobian(minus_forces, positions.ravel())
    np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-6)


def test_diatomic_frequency_matches_closed_form():
    epsilon, sigma, masses = 0.8, 1.1, np.array([2.0, 5.0])
    r0 = 2 ** (1 / 6) * sigma
    energy = phys.pair_energy(phys.lennard_jones(epsilon, sigma), phys.free())
    modes = phys.normal_modes(energy, np.array([[0.0, 0, 0], [0, r0, 0]]), masses)
    k = 4 * epsilon * (156 * sigma ** 12 / r0 ** 14 - 42 * sigma ** 6 / r0 ** 8)
    reduced_mass = masses[0] * masses[1] / masses.sum()
    assert modes.frequencies[-1] == pytest.approx(np.sqrt(k / reduced_mass), rel=1e-12)
    np.testing.assert_allclose(modes.frequencies[:-1], 0.0, atol=1e-6)
    assert modes.zero_modes() == 5  # linear molecule: 3 translations, 2 rotations
    stretch = modes.modes[-1] / np.sqrt(masses)[:, None]  # back to Cartesian displacements
    np.testing.assert_allclose(stretch[:, [0, 2]], 0.0, atol=1e-12)
    assert stretch[0, 1] * stretch[1, 1] < 0  # the atoms move against each other


def test_relaxed_cluster_has_six_zero_modes():
    from scipy.optimize import minimize

    energy = phys.pair_energy(phys.lennard_jones(), phys.free())
    start = phys.fcc_lattice(1.55, 1)[0]
    start = np.concatenate([start, [[0.78, 0.78, 0.78], [-0.78, 0.0, 0.78]]])  # 6 atoms
    result = minimize(lambda x: energy(x.reshape(-1, 3)), start.ravel(),
                      jac=lambda x: -phys.forces(energy, x.reshape(-1, 3)).ravel(), method="BFGS")
    x = result.x
    for _ in range(3):  # Newton polish with the exact Hessian (pinv skips the zero modes)
        gradient = -phys.forces(energy, x.reshape(-1, 3)).ravel()
        x = x - np.linalg.pinv(phys.hessian(energy, x.reshape(-1, 3)), rcond=1e-8) @ gradient
    assert np.max(np.abs(phys.forces(energy, x.reshape(-1, 3)))) < 1e-12
    modes = phys.normal_modes(energy, x.reshape(-1, 3), 1.0)
    assert modes.zero_modes(1e-6) == 6
    assert np.all(modes.frequencies[6:] > 1.0)  # a minimum: all vibrations real


def test_periodic_crystal_has_three_zero_modes():
    positions, box = phys.fcc_lattice(1.5496, 3)  # 108 atoms
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=2.2, r_onset=1.9), space,
                              phys.NeighborList(space, 2.2))
    modes = phys.normal_modes(energy, positions, 1.0)
    assert modes.zero_modes(1e-8) == 3


def test_parameter_gradients_closed_form_and_finite_differences():
    positions, box, _ = lj_liquid(n_side=2, density=0.5)
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=1.9), space)
    params = {"epsilon": 1.3, "sigma": 0.95}
    gradient = phys.parameter_gradient(energy, positions, params)
    # the energy is linear in epsilon, so dE/d(epsilon) = E / epsilon
    assert gradient["epsilon"] == pytest.approx(energy(positions, params) / 1.3, rel=1e-12)
    h = 1e-6
    numeric_sigma = (energy(positions, {"sigma": 0.95 + h, "epsilon": 1.3})
                     - energy(positions, {"sigma": 0.95 - h, "epsilon": 1.3})) / (2 * h)
    assert gradient["sigma"] == pytest.approx(numeric_sigma, rel=1e-6)

    jac = phys.forces_parameter_jacobian(energy, positions, params)
    assert jac["sigma"].shape == (len(positions), 3)
    numeric = (phys.forces(energy, positions, {"sigma": 0.95 + h, "epsilon": 1.3})
               - phys.forces(energy, positions, {"sigma": 0.95 - h, "epsilon": 1.3})) / (2 * h)
    np.testing.assert_allclose(jac["sigma"], numeric, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jac["epsilon"], phys.forces(energy, positions, params) / 1.3,
                               rtol=1e-12, atol=1e-12)


def test_per_species_parameter_gradient_matches_finite_differences():
    rng = np.random.default_rng(8)
    positions = phys.fcc_lattice(1.6, 1)[0] + rng.normal(scale=0.05, size=(4, 3))
    species = np.array([0, 1, 1, 0])
    energy = phys.pair_energy(phys.lennard_jones(), phys.free(), species=species)
    sigma = np.array([[1.0, 1.05], [1.05, 1.2]])
    analytic = phys.parameter_gradient(energy, positions, {"sigma": sigma})["sigma"]
    numeric = sciad.numerical_jacobian(lambda s: energy(positions, {"sigma": s}), sigma)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_force_matching_loss_gradient():
    positions, box, _ = lj_liquid(n_side=2, density=0.5, seed=3)
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.morse(cutoff=1.9), space)
    reference = phys.forces(energy, positions, {"a": 1.4})

    def loss(a):
        return np.sum((phys.forces(energy, positions, {"a": a}) - reference) ** 2)

    analytic = sciad.grad(loss)(1.1)
    numeric = (loss(1.1 + 1e-6) - loss(1.1 - 1e-6)) / 2e-6
    assert analytic == pytest.approx(numeric, rel=1e-5)


def test_pair_hessian_equals_engine_hessian_in_a_periodic_cell():
    positions, box, _ = lj_liquid(n_side=2, density=0.55, seed=9)
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=1.8, r_onset=1.5), space,
                              phys.NeighborList(space, 1.8, skin=0.1))
    params = {"sigma": 0.97}
    fast = phys.hessian(energy, positions, params)
    generic = sciad.hessian(energy)(positions, params).reshape(fast.shape)
    np.testing.assert_allclose(fast, generic, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fast.sum(axis=0), 0.0, atol=1e-9)  # translation invariance


def test_sum_of_bonded_and_pair_terms_hessian_and_stress():
    positions, box, _ = lj_liquid(n_side=2, density=0.5, seed=11)
    space = phys.periodic(box)
    bonds = np.array([[0, 1], [1, 2], [5, 9]])
    total = phys.sum_energies(
        phys.pair_energy(phys.harmonic_bond(bonds, k=20.0, r0=1.0), space),
        phys.pair_energy(phys.lennard_jones(cutoff=1.9), space))
    generic = sciad.hessian(lambda x: total(x))(positions).reshape(96, 96)
    np.testing.assert_allclose(phys.hessian(total, positions), generic, rtol=1e-10, atol=1e-10)
    h = 1e-6
    numeric = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            eps = np.zeros((3, 3))
            eps[a, b] += 0.5 * h
            eps[b, a] += 0.5 * h
            numeric[a, b] = (total(positions, strain=eps) - total(positions, strain=-eps)) / (2 * h)
    np.testing.assert_allclose(phys.stress(total, positions, space),
                               numeric / np.prod(box), rtol=1e-6, atol=1e-9)


def test_user_written_energy_gets_the_same_forces_stress_and_hessian():
    positions, box, _ = lj_liquid(n_side=2, density=0.6, seed=12)
    space = phys.periodic(box)
    n = len(positions)
    off_diagonal = ~np.eye(n, dtype=bool)

    def dense_lj(x, strain=None):  # all pairs as an (N, N) matrix, written by a user
        d = space.displacement(x[:, None, :], x[None, :, :], strain)
        r2 = np.sum(d * d, axis=-1) + np.eye(n)
        inside = (r2 < 1.8 ** 2) & off_diagonal
        inv6 = 1.0 / (r2 * r2 * r2)
        shift = 4.0 * (1.8 ** -12 - 1.8 ** -6)
        return 0.5 * np.sum(np.where(inside, 4.0 * (inv6 * inv6 - inv6) - shift, 0.0))

    library = phys.pair_energy(phys.lennard_jones(cutoff=1.8), space)
    assert dense_lj(positions) == pytest.approx(library(positions), rel=1e-12)
    np.testing.assert_allclose(phys.forces(dense_lj, positions), phys.forces(library, positions),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(phys.stress(dense_lj, positions, space),
                               phys.stress(library, positions, space), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(phys.hessian(dense_lj, positions),
                               phys.hessian(library, positions), rtol=1e-9, atol=1e-9)


def test_normal_mode_frequencies_name_their_unit():
    # H2-like Morse dimer in eV, Angstrom, amu: omega = a sqrt(2 D / mu), in cm^-1
    d, a, r0, mass = 4.7, 1.94, 0.741, 1.008
    energy = phys.pair_energy(phys.morse(D=d, a=a, r0=r0), phys.free())
    dimer = np.array([[0.0, 0, 0], [r0, 0, 0]])
    wavenumbers = phys.normal_modes(energy, dimer, mass, unit=phys.INV_CM_PER_UNIT_FREQUENCY)
    joule, per_metre, kilogram = d * 1.602176634e-19, a * 1e10, 0.5 * mass * 1.66053906660e-27
    omega = per_metre * np.sqrt(2 * joule / kilogram)  # rad/s, in SI units
    assert wavenumbers.frequencies[-1] == pytest.approx(omega / (2 * np.pi * 2.99792458e10),
                                                        rel=1e-9)
    assert 4000 < wavenumbers.frequencies[-1] < 4600  # the H2 stretch is near 4400 cm^-1
    assert wavenumbers.frequency_unit == "cm^-1"
    assert wavenumbers.to_dict()["frequency_unit"] == "cm^-1"
    native = phys.normal_modes(energy, dimer, mass)
    assert native.frequency_unit.startswith("sqrt(energy")
    assert phys.normal_modes(energy, dimer, mass, unit=2.0, unit_name="x2").frequency_unit == "x2"


def test_hessian_differentiates_with_respect_to_parameters():
    # an outer transform over the parameters takes the engine's Hessian instead of the pair-block
    # assembly (which works on values); checked against central differences of the Hessian
    energy = phys.pair_energy(phys.lennard_jones(), phys.free())
    x = np.array([[0.0, 0, 0], [1.1, 0, 0], [0.3, 1.0, 0.2]])

    def trace(sigma):
        return np.trace(phys.hessian(energy, x, {"sigma": sigma}))

    h = 1e-6
    assert sciad.grad(trace)(1.0) == pytest.approx((trace(1.0 + h) - trace(1.0 - h)) / (2 * h),
                                                   rel=1e-7)
