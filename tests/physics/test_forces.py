"""Forces and energies of the pair potentials against explicit loops, closed forms and finite
differences; neighbor lists against all pairs; periodic images."""

import numpy as np
import pytest

import sciad
import sciad.physics as phys
from sciad.physics.space import PhysicsError

from physics_reference import lj_liquid, lj_reference


def test_lj_cluster_forces_match_explicit_pair_loop():
    rng = np.random.default_rng(1)
    positions = phys.fcc_lattice(1.55, 2)[0] + rng.normal(scale=0.05, size=(32, 3))
    energy = phys.pair_energy(phys.lennard_jones(epsilon=1.3, sigma=0.9), phys.free())
    e_ref, f_ref = lj_reference(positions, epsilon=1.3, sigma=0.9)
    e, f = phys.energy_and_forces(energy, positions)
    assert e == pytest.approx(e_ref, rel=1e-12)
    np.testing.assert_allclose(f, f_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(f.sum(axis=0), 0.0, atol=1e-10)  # momentum conservation


def test_periodic_forces_with_neighbor_list_match_image_loop():
    positions, box, _ = lj_liquid(n_side=2, density=0.6, jitter=0.1)  # 32 atoms, box 3.76
    space = phys.periodic(box)
    cutoff = 1.8
    neighbors = phys.NeighborList(space, cutoff, skin=0.2)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=cutoff), space, neighbors)
    e_ref, f_ref = lj_reference(positions, cell=np.diag(box), cutoff=cutoff)
    e, f = phys.energy_and_forces(energy, positions)
    assert e == pytest.approx(e_ref, rel=1e-12)
    np.testing.assert_allclose(f, f_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(f.sum(axis=0), 0.0, atol=1e-10)


def test_atoms_near_every_face_see_their_images():
    box = np.array([6.0, 7.0, 8.0])
    # one atom just inside each face; partners across the boundary are ~1.1 apart
    positions = np.array([[0.05, 3, 4], [5.0, 3.2, 4.1], [3, 0.1, 4], [3.1, 6.0, 3.9],
                          [1.5, 2, 0.02], [1.4, 2.1, 7.0]])
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(cutoff=2.5), space,
                              phys.NeighborList(space, 2.5))
    e_ref, f_ref = lj_reference(positions, cell=np.diag(box), cutoff=2.5)
    e, f = phys.energy_and_forces(energy, positions)
    assert e < -0.5  # the three cross-boundary pairs are bound
    assert e == pytest.approx(e_ref, rel=1e-12)
    np.testing.assert_allclose(f, f_ref, rtol=1e-10, atol=1e-12)


def test_triclinic_cell_neighbor_list_matches_image_loop():
    cell = np.array([[4.2, 0.0, 0.0], [1.3, 4.0, 0.0], [0.7, -0.9, 4.4]])
    rng = np.random.default_rng(3)
    positions = rng.uniform(size=(40, 3)) @ cell
    # push atoms apart a little so that no pair sits deep in the repulsive wall
    positions = positions[_well_separated(positions, cell, 0.8)]
    space = phys.periodic(cell)
    cutoff = 1.7
    energy = phys.pair_energy(phys.lennard_jones(cutoff=cutoff), space,
                              phys.NeighborList(space, cutoff, skin=0.2))
    e_ref, f_ref = lj_reference(positions, cell=cell, cutoff=cutoff)
    e, f = phys.energy_and_forces(energy, positions)
    assert e == pytest.approx(e_ref, rel=1e-12)
    np.testing.assert_allclose(f, f_ref, rtol=1e-9, atol=1e-10)


def _well_separated(positions, cell, minimum):
    keep = []
    for a in range(len(positions)):
        fractional = (positions[a] - positions[keep]) @ np.linalg.inv(cell)
        d = (fractional - np.round(fractional)) @ cell
        if not keep or np.min(np.linalg.norm(d, axis=1)) > minimum:
            keep.append(a)
    return keep


def test_neighbor_list_energy_equals_all_pairs_and_rebuilds_only_when_needed():
    positions, box, _ = lj_liquid(n_side=3)  # 108 atoms, box 5.04
    space = phys.periodic(box)
    potential = phys.lennard_jones(cutoff=2.5)
    neighbors = phys.NeighborList(space, 2.5, skin=0.3)
    with_list = phys.pair_energy(potential, space, neighbors)
    all_pairs = phys.pair_energy(potential, space)
    assert with_list(positions) == pytest.approx(all_pairs(positions), rel=1e-12)
    assert neighbors.rebuilds == 1
    moved = positions + 0.08  # everything moved by 0.139 < skin / 2: no rebuild
    assert with_list(moved) == pytest.approx(all_pairs(moved), rel=1e-12)
    assert neighbors.rebuilds == 1
    moved[0] += 0.2  # one atom past half the skin: rebuild
    np.testing.assert_allclose(phys.forces(with_list, moved), phys.forces(all_pairs, moved),
                               rtol=1e-10, atol=1e-12)
    assert neighbors.rebuilds == 2


@pytest.mark.parametrize("potential", [
    phys.morse(D=0.8, a=1.7, r0=1.1, cutoff=2.4),
    phys.soft_sphere(epsilon=2.0, sigma=1.3, alpha=2.5),
    phys.lennard_jones(cutoff=2.0, r_onset=1.6),
    phys.coulomb(np.tile([1.0, -1.0], 54), alpha=0.5, cutoff=2.4, r_onset=2.0),
], ids=["morse", "soft_sphere", "smooth_lj", "smooth_coulomb"])
def test_potential_forces_match_finite_differences(potential):
    positions, box, _ = lj_liquid(n_side=3, density=0.9, jitter=0.15, seed=4)
    space = phys.periodic(box)
    energy = phys.pair_energy(potential, space)
    x = positions[:6].ravel()
    rest = positions[6:]

    def energy_of_first_atoms(flat):
        return energy(np.concatenate([flat.reshape(6, 3), rest]))

    numeric = -sciad.numerical_jacobian(energy_of_first_atoms, x).reshape(6, 3)
    np.testing.assert_allclose(phys.forces(energy, positions)[:6], numeric, rtol=1e-6,
                               atol=1e-7)


def test_morse_dimer_closed_form():
    d, a, r0, r = 0.7, 1.9, 1.2, 1.45
    energy = phys.pair_energy(phys.morse(D=d, a=a, r0=r0), phys.free())
    positions = np.array([[0.0, 0, 0], [r, 0, 0]])
    decay = np.exp(-a * (r - r0))
    assert energy(positions) == pytest.approx(d * (1 - decay) ** 2 - d, rel=1e-14)
    force_on_second = -2 * d * a * decay * (1 - decay)  # -dV/dr
    np.testing.assert_allclose(phys.forces(energy, positions)[1], [force_on_second, 0, 0],
                               rtol=1e-13)


def test_smooth_cutoff_is_continuous_to_second_order():
    potential = phys.lennard_jones(cutoff=2.5, r_onset=2.0)
    energy = phys.pair_energy(potential, phys.free())

    def dimer(r):
        return np.array([[0.0, 0, 0], [r, 0, 0]])

    for r in (2.0, 2.5):
        below, above = dimer(r - 1e-7), dimer(r + 1e-7)
        assert energy(below) == pytest.approx(energy(above), abs=1e-6)  # slope x 2e-7 apart
        np.testing.assert_allclose(phys.forces(energy, below), phys.forces(energy, above),
                                   atol=1e-6)
        np.testing.assert_allclose(phys.hessian(energy, below), phys.hessian(energy, above),
                                   atol=1e-4)
    assert energy(dimer(1.5)) == pytest.approx(4 * (1.5 ** -12 - 1.5 ** -6), rel=1e-14)


def test_per_species_parameters_match_loop():
    rng = np.random.default_rng(5)
    positions = phys.fcc_lattice(1.6, 2)[0] + rng.normal(scale=0.05, size=(32, 3))
    species = rng.integers(0, 2, 32)
    epsilon = np.array([[1.0, 0.6], [0.6, 0.3]])
    sigma = np.array([[1.0, 1.1], [1.1, 1.25]])
    energy = phys.pair_energy(phys.lennard_jones(epsilon, sigma), phys.free(), species=species)
    expected = sum(4 * epsilon[species[a], species[b]]
                   * ((sigma[species[a], species[b]] / r) ** 12
                      - (sigma[species[a], species[b]] / r) ** 6)
                   for a in range(32) for b in range(a + 1, 32)
                   for r in [np.linalg.norm(positions[a] - positions[b])])
    assert energy(positions) == pytest.approx(expected, rel=1e-12)


def test_coulomb_dsf_closed_form_and_forces():
    charges = np.array([1.0, -1.0, 0.5])
    alpha, cutoff = 0.3, 4.0
    energy = phys.pair_energy(phys.coulomb(charges, alpha=alpha, cutoff=cutoff),
                              phys.periodic([10.0, 10.0, 10.0]))
    positions = np.array([[1.0, 1, 1], [2.5, 1.2, 0.8], [9.5, 1.0, 1.3]])
    from scipy.special import erfc

    def dsf(r, qq):
        slope = erfc(alpha * cutoff) / cutoff ** 2 + 2 * alpha / np.sqrt(np.pi) * np.exp(
            -(alpha * cutoff) ** 2) / cutoff
        return qq * (erfc(alpha * r) / r - erfc(alpha * cutoff) / cutoff
                     + slope * (r - cutoff)) if r < cutoff else 0.0

    expected = 0.0
    for a in range(3):
        for b in range(a + 1, 3):
            d = positions[a] - positions[b]
            d -= 10.0 * np.round(d / 10.0)
            expected += dsf(np.linalg.norm(d), charges[a] * charges[b])
    assert energy(positions) == pytest.approx(expected, rel=1e-12)
    numeric = -sciad.numerical_jacobian(energy, positions)
    np.testing.assert_allclose(phys.forces(energy, positions), numeric, rtol=1e-6, atol=1e-8)
    # charges are per-atom parameters: dE/dq against finite differences (for charge fitting)
    dq = phys.parameter_gradient(energy, positions, {"charges": charges})["charges"]
    numeric_dq = sciad.numerical_jacobian(lambda q: energy(positions, {"charges": q}), charges)
    np.testing.assert_allclose(dq, numeric_dq, rtol=1e-7, atol=1e-10)


def test_harmonic_bonds_closed_form():
    bonds = np.array([[0, 1], [1, 2]])
    energy = phys.pair_energy(phys.harmonic_bond(bonds, k=np.array([3.0, 5.0]), r0=1.0),
                              phys.free())
    positions = np.array([[0.0, 0, 0], [1.2, 0, 0], [1.2, 0.7, 0]])
    assert energy(positions) == pytest.approx(0.5 * 3 * 0.2 ** 2 + 0.5 * 5 * 0.3 ** 2)
    np.testing.assert_allclose(phys.forces(energy, positions),
                               [[0.6, 0, 0], [-0.6, -1.5, 0], [0, 1.5, 0]], atol=1e-13)


def test_errors_say_what_to_do():
    space = phys.periodic([4.0, 4.0, 4.0])
    with pytest.raises(PhysicsError, match="half the cell width"):
        phys.pair_energy(phys.lennard_jones(cutoff=2.5), space)
    with pytest.raises(PhysicsError, match="no cutoff"):
        phys.pair_energy(phys.lennard_jones(), space)
    with pytest.raises(PhysicsError, match="species"):
        phys.pair_energy(phys.lennard_jones(np.ones((2, 2))), phys.free())(np.zeros((2, 3)))
    with pytest.raises(PhysicsError, match="no parameter"):
        phys.pair_energy(phys.lennard_jones(), phys.free())(np.eye(3), {"eps": 1.0})
    with pytest.raises(PhysicsError, match="shape"):
        phys.pair_energy(phys.lennard_jones(), phys.free())(np.zeros((4, 2)))
    assert issubclass(PhysicsError, sciad.SciadError)


def test_potential_by_name_for_command_lines():
    lj = phys.potential_by_name("LJ", epsilon=2.0, cutoff=2.5)
    assert lj.name == "lennard_jones" and lj.cutoff == 2.5 and lj.params["epsilon"] == 2.0
    assert phys.potential_by_name("soft-sphere").name == "soft_sphere"
    with pytest.raises(PhysicsError, match="unknown potential 'lj2'.*morse"):
        phys.potential_by_name("lj2")
    with pytest.raises(PhysicsError, match="unexpected keyword"):
        phys.potential_by_name("morse", sigma=1.0)


def test_wrong_parameter_shapes_raise_instead_of_broadcasting():
    # NumPy would broadcast these silently (or gather the wrong atoms): each must raise
    two = np.array([[0.0, 0, 0], [1.1, 0, 0]])
    cases = [
        (phys.harmonic_bond([[0, 1]], k=[1.0, 2.0, 3.0]), {}, "one value per bond"),
        (phys.harmonic_bond([[0, 5]]), {}, "bond 0 .* beyond the 2 atoms"),
        (phys.coulomb([1.0, -1.0, 1.0], cutoff=3.0), {}, r"per atom and needs shape \(2,\)"),
        (phys.lennard_jones(epsilon=[1.0, 2.0]), {}, r"scalar or an \(S, S\) table"),
        (phys.lennard_jones(np.ones((2, 2))), {"species": [0, 2]}, "species indices"),
        (phys.lennard_jones(np.ones((2, 3))), {"species": [0, 1]}, "must be square"),
    ]
    for potential, options, message in cases:
        with pytest.raises(PhysicsError, match=message):
            phys.pair_energy(potential, phys.free(), **options)(two)


def test_positions_as_nested_lists_or_integers_give_the_same_forces():
    energy = phys.pair_energy(phys.lennard_jones(), phys.free())
    expected = phys.forces(energy, np.array([[0.0, 0, 0], [1.0, 0, 0]]))
    np.testing.assert_array_equal(expected[0], [-24.0, 0.0, 0.0])
    np.testing.assert_array_equal(phys.forces(energy, [[0.0, 0, 0], [1.0, 0, 0]]), expected)
    np.testing.assert_array_equal(phys.forces(energy, np.array([[0, 0, 0], [1, 0, 0]])), expected)
    assert phys.hessian(energy, [[0.0, 0, 0], [1.1, 0, 0]]).shape == (6, 6)


def test_neighbor_list_accepts_an_equal_space_object():
    rng = np.random.default_rng(6)
    positions = rng.uniform(0, 6, (40, 3))
    listed = phys.pair_energy(phys.lennard_jones(cutoff=2.0), phys.free(),
                              phys.NeighborList(phys.free(), 2.0))
    every = phys.pair_energy(phys.lennard_jones(cutoff=2.0), phys.free())
    assert listed(positions) == pytest.approx(every(positions), rel=1e-12)
    with pytest.raises(PhysicsError, match="different space"):
        phys.pair_energy(phys.lennard_jones(cutoff=2.0), phys.periodic([8.0, 8.0, 8.0]),
                         phys.NeighborList(phys.periodic([9.0, 8.0, 8.0]), 2.0))


def test_species_tables_read_the_upper_triangle_whatever_the_atom_order():
    positions = np.array([[0.0, 0, 0], [1.1, 0, 0], [0.2, 1.0, 0.1]])
    epsilon = np.array([[1.0, 0.5], [0.7, 0.3]])  # asymmetric: [0, 1] is the one used
    energy = phys.pair_energy(phys.lennard_jones(epsilon), phys.free(), species=[1, 0, 0])
    swapped = phys.pair_energy(phys.lennard_jones(epsilon), phys.free(), species=[0, 1, 0])
    order = [1, 0, 2]
    assert energy(positions) == pytest.approx(swapped(positions[order]), rel=1e-14)

    def lj(r, eps):
        return 4 * eps * (r ** -12 - r ** -6)

    r = [np.linalg.norm(positions[a] - positions[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    expected = lj(r[0], 0.5) + lj(r[1], 0.5) + lj(r[2], 1.0)
    assert energy(positions) == pytest.approx(expected, rel=1e-13)
