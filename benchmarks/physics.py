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


def paired_times(functions: dict, repeat: int) -> dict:
    """Median time of each function, measured round-robin (one timing of each per round), so
    that a busy machine slows all of them alike; also the median per-round ratio to the first."""
    timers = {name: timeit.Timer(fn) for name, fn in functions.items()}
    loops = {name: max(1, timer.autorange()[0] // 2) for name, timer in timers.items()}
    rounds = {name: [] for name in functions}
    for _ in range(repeat):
        for name, timer in timers.items():
            rounds[name].append(timer.timeit(loops[name]) / loops[name])
    first = next(iter(functions))
    result = {name: statistics.median(times) for name, times in rounds.items()}
    ratios = {name: statistics.median(a / b for a, b in zip(rounds[first], times))
              for name, times in rounds.items()}
    return result, ratios


def liquid_rows(sizes, repeat, skip_ase=False):
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
        functions = {"sciad": lambda: phys.energy_and_forces(energy, positions),
                     "numpy": lambda: numpy_lj_forces(positions, i, j, box)}
        ase_call = None if skip_ase else _ase_call(positions, box, e_numpy, f_numpy)
        if ase_call is not None:
            functions["ase"] = ase_call
        times, ratios = paired_times(functions, repeat)
        t_build = median_time(lambda: neighbors._build(positions), 3)
        rows.append((count, len(i), t_build, times, ratios))
    return rows


def _ase_call(positions, box, e_ref, f_ref):
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
    return call


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
    times, ratios = paired_times({"exact": lambda: phys.hessian(energy, positions),
                                  "fd": finite_differences}, repeat)
    return times["exact"], times["fd"], 1.0 / ratios["fd"], error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4096, 10648])
    parser.add_argument("--no-ase", action="store_true", help="skip ASE even if installed")
    args = parser.parse_args()
    print("LJ liquid, energy + forces: median ms; ratios are medians of per-round ratios")
    print(f"{'N':>6} {'pairs':>8} {'NL build':>9} {'sciad':>8} {'numpy':>8} {'ASE':>8} "
          f"{'sciad/numpy':>12} {'ASE/sciad':>10}")
    for count, pairs, t_build, times, ratios in liquid_rows(args.sizes, args.repeat, args.no_ase):
        has_ase = "ase" in times
        ase_text = f"{times['ase'] * 1e3:8.1f}" if has_ase else "n/a"
        speedup = f"{1.0 / ratios['ase']:9.1f}x" if has_ase else "n/a"
        print(f"{count:>6} {pairs:>8} {t_build * 1e3:9.1f} {times['sciad'] * 1e3:8.1f} "
              f"{times['numpy'] * 1e3:8.1f} {ase_text:>8} {ratios['numpy']:11.2f}x "
              f"{speedup:>10}")
    t_exact, t_fd, speedup, error = hessian_row(args.repeat)
    print("\nHessian of a 64-atom LJ cluster (192 x 192)")
    print(f"  sciad exact Hessian            {t_exact * 1e3:8.1f} ms")
    print(f"  finite differences, 385 forces {t_fd * 1e3:8.1f} ms  (hand-vectorised NumPy forces)")
    print(f"  ratio FD / exact               {speedup:8.1f}x; FD relative error {error:.1e}")


if __name__ == "__main__":
    main()
