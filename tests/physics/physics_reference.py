"""Independent reference implementations for the physics tests: explicit loops and closed forms,
sharing no code with sciad.physics beyond NumPy."""

import itertools

import numpy as np


def lj_pair_energy(r, epsilon=1.0, sigma=1.0):
    return 4 * epsilon * ((sigma / r) ** 12 - (sigma / r) ** 6)


def lj_pair_force_over_r(r, epsilon=1.0, sigma=1.0):
    """-dV/dr / r for Lennard-Jones: 24 eps (2 (s/r)^12 - (s/r)^6) / r^2."""
    return 24 * epsilon * (2 * (sigma / r) ** 12 - (sigma / r) ** 6) / r ** 2


def image_shifts(cell):
    return [np.array(s) @ cell for s in itertools.product((-1, 0, 1), repeat=3)]


def lj_reference(positions, cell=None, cutoff=None, epsilon=1.0, sigma=1.0):
    """Energy and forces summed over every pair and every one of the 27 images (periodic), with
    the energy shifted to zero at the cutoff: an (N, N) distance matrix per image."""
    n = len(positions)
    shifts = [np.zeros(3)] if cell is None else image_shifts(np.asarray(cell))
    shift_energy = 0.0 if cutoff is None else lj_pair_energy(cutoff, epsilon, sigma)
    upper = np.triu(np.ones((n, n), bool), k=1)
    energy = 0.0
    forces = np.zeros((n, 3))
    for s in shifts:
        d = positions[:, None, :] - positions[None, :, :] - s  # d[a, b] = x_a - x_b - s
        r = np.sqrt(np.sum(d * d, axis=-1))
        mask = upper & (r < (np.inf if cutoff is None else cutoff))
        r_safe = np.where(mask, r, 1.0)
        energy += np.sum(np.where(mask, lj_pair_energy(r_safe, epsilon, sigma) - shift_energy,
                                  0.0))
        magnitude = np.where(mask, lj_pair_force_over_r(r_safe, epsilon, sigma), 0.0)
        pair_force = magnitude[..., None] * d
        forces += pair_force.sum(axis=1) - pair_force.sum(axis=0)
    return energy, forces


def lj_liquid(n_side=3, density=0.8442, temperature=1.0, seed=0, jitter=0.05):
    """An FCC start at liquid density with Maxwell-Boltzmann velocities (zero total momentum)."""
    rng = np.random.default_rng(seed)
    a = (4 / density) ** (1 / 3)
    basis = np.array([[0, 0, 0], [.5, .5, 0], [.5, 0, .5], [0, .5, .5]])
    cells = np.array(list(itertools.product(range(n_side), repeat=3)))
    positions = ((cells[:, None] + basis[None]).reshape(-1, 3) * a
                 + rng.normal(scale=jitter, size=(4 * n_side ** 3, 3)))
    velocities = rng.normal(scale=np.sqrt(temperature), size=positions.shape)
    velocities -= velocities.mean(axis=0)
    return positions, np.full(3, n_side * a), velocities
