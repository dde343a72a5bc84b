"""Physics benchmark: energy + forces of an LJ liquid, and the Hessian of an LJ cluster.

Run:  python benchmarks/physics.py [--repeat 5] [--sizes 1000 4096 10648]

Everything is timed in this one run (median of repeats):
* LJ liquid (density 0.8442, cutoff 2.5 sigma, float64) on a jittered simple cubic lattice:
  sciad's energy_and_forces with a neighbor list, against (a) a hand-vectorised NumPy
  implementation of the analytic LJ force over the same pair list (written out below) and
  (b) ASE's LennardJones calculator when ASE is installed. The neighbor list is built before
  timing for both sciad and (a); ASE builds its own list on each call, as it does in use.
* Hessian of a 64-atom LJ cluster: sciad's exact Hessian against ASE-style finite differences
  (6N + 1 = 385 force calls, central differences) with the hand-vectorised forces.
Targets (issue 5): sciad within 2x of (a) and at least 15x faster than ASE at N = 4096.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np

import sciad.physics as phys

DENSITY, CUTOFF, SKIN = 0.8442, 2.5, 0.3


def liquid(count: int, seed: int = 0):
    side = round(count ** (1 / 3))
    spacing = (1 / DENSITY) ** (1 / 3)
    positions, box = phys.cubic_lattice(spacing, side)
    positions = positions + np.random.default_rng(seed).normal(scale=0.03, size=positions.shape)
    return positions, box


def numpy_lj_forces(positions, i, j, box, cutoff=CUTOFF):
    """Hand-written analytic Lennard-Jones energy and forces over a pair list (the baseline)."""
    d = positions[i] - positions[j]
    d -= box * np.round(d / box)
    r2 = np.einsum("ij,ij->i", d, d)
    inside = r2 < cutoff * cutoff
    inv_r2 = np.where(inside, 1.0 / r2, 0.0)
    inv_r6 = inv_r2 * inv_r2 * inv_r2
    shift = 4.0 * (cutoff ** -12 - cutoff ** -6)
    energy = np.sum(np.where(inside, 4.0 * (inv_r6 * inv_r6 - inv_r6) - shift, 0.0))
    pair_force = (24.0 * (2.0 * inv_r6 * inv_r6 - inv_r6) * inv_r2)[:, None] * d
    count = len(positions)
    forces = np.stack([np.bincount(i, pair_force[:, k], count)
                       - np.bincount(j, pair_force[:, k], count) for k in range(3)], axis=1)
    return energy, forces


def median_time(fn, repeat: int) -> float:
    timer = timeit.Timer(fn)
    loops, _ = timer.autorange()
    return statistics.median(t / loops for t in timer.repeat(repeat, loops))


def liquid_rows(sizes, repeat):
    rows = []
    for count in sizes:
        positions, box = liquid(count)
        space = phys.periodic(box)
        neighbors = phys.NeighborList(space, CUTOFF, skin=SKIN)
        energy = phys.pair_energy(phys.lennard_jones(cutoff=CUTOFF), space, neighbors)
        e_sciad, f_sciad = phys.energy_and_forces(energy, positions)
        i, j = neighbors.pairs
        e_numpy, f_numpy = numpy_lj_forces(positions, i, j, box)
        assert abs(e_sciad - e_numpy) < 1e-9 * abs(e_numpy)
        assert np.allclose(f_sciad, f_numpy, rtol=1e-9, atol=1e-9)
        t_sciad = median_time(lambda: phys.energy_and_forces(energy, positions), repeat)
        t_numpy = median_time(lambda: numpy_lj_forces(positions, i, j, box), repeat)
        t_ase = _ase_time(positions, box, e_numpy, f_numpy, repeat)
        t_build = median_time(lambda: neighbors._build(positions), repeat)
        rows.append((count, len(i), t_build, t_sciad, t_numpy, t_ase))
    return rows


def _ase_time(positions, box, e_ref, f_ref, repeat):
    try:
        from ase import Atoms
        from ase.calculators.lj import LennardJones
    except ImportError:
        return None
    atoms = Atoms(numbers=np.full(len(positions), 18), positions=positions, cell=box, pbc=True)
    atoms.calc = LennardJones(sigma=1.0, epsilon=1.0, rc=CUTOFF)

    def call():
        atoms.calc.reset()  # force a fresh calculation, as after every MD step
        return atoms.get_potential_energy(), atoms.get_forces()

    e_ase, f_ase = call()
    assert abs(e_ase - e_ref) < 1e-8 * abs(e_ref) and np.allclose(f_ase, f_ref, atol=1e-8)
    return median_time(call, max(3, repeat // 2))


def hessian_row(repeat):
    positions, _ = phys.cubic_lattice(1.12, 4)  # 64 atoms
    positions = positions + np.random.default_rng(1).normal(scale=0.03, size=positions.shape)
    energy = phys.pair_energy(phys.lennard_jones(), phys.free())
    i, j = phys.all_pairs(len(positions))
    far = np.full(3, 1e6)  # no periodic images: a free cluster

    def finite_differences(h=1e-4):
        hess = np.empty((positions.size, positions.size))
        numpy_lj_forces(positions, i, j, far, cutoff=1e6)  # the "+1" reference call
        for k in range(positions.size):
            plus, minus = positions.copy(), positions.copy()
            plus.flat[k] += h
            minus.flat[k] -= h
            hess[k] = -(numpy_lj_forces(plus, i, j, far, 1e6)[1]
                        - numpy_lj_forces(minus, i, j, far, 1e6)[1]).ravel() / (2 * h)
        return hess

    exact = phys.hessian(energy, positions)
    error = np.max(np.abs(exact - finite_differences())) / np.max(np.abs(exact))
    t_exact = median_time(lambda: phys.hessian(energy, positions), repeat)
    t_fd = median_time(finite_differences, repeat)
    return t_exact, t_fd, error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4096, 10648])
    args = parser.parse_args()
    print("LJ liquid, energy + forces (ms, median); ratio = sciad / other (lower is better)")
    print(f"{'N':>6} {'pairs':>8} {'NL build':>9} {'sciad':>8} {'numpy':>8} {'ASE':>8} "
          f"{'sciad/numpy':>12} {'ASE/sciad':>10}")
    for count, pairs, t_build, t_sciad, t_numpy, t_ase in liquid_rows(args.sizes, args.repeat):
        ase_text = "n/a" if t_ase is None else f"{t_ase * 1e3:8.1f}"
        speedup = "n/a" if t_ase is None else f"{t_ase / t_sciad:9.1f}x"
        print(f"{count:>6} {pairs:>8} {t_build * 1e3:9.1f} {t_sciad * 1e3:8.1f} "
              f"{t_numpy * 1e3:8.1f} {ase_text:>8} {t_sciad / t_numpy:11.2f}x {speedup:>10}")
    t_exact, t_fd, error = hessian_row(args.repeat)
    print("\nHessian of a 64-atom LJ cluster (192 x 192)")
    print(f"  sciad exact Hessian            {t_exact * 1e3:8.1f} ms")
    print(f"  finite differences, 385 forces {t_fd * 1e3:8.1f} ms  (hand-vectorised NumPy forces)")
    print(f"  ratio FD / exact               {t_fd / t_exact:8.2f}x; FD relative error {error:.1e}")


if __name__ == "__main__":
    main()
