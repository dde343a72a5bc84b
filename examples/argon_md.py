"""Argon from an extended XYZ file: forces, stress and a short NVE run with its energy drift.

Units: eV, Angstrom, amu (time unit sqrt(amu/eV) * Angstrom = 10.18 fs).
Run:  python examples/argon_md.py  [--plot argon_drift.png]
"""

import argparse
from pathlib import Path

import numpy as np

import sciad.physics as phys

EPSILON, SIGMA, MASS = 0.0104, 3.40, 39.948  # eV, Angstrom, amu (Rahman 1964)
BOLTZMANN = 8.617333e-5  # eV / K
FEMTOSECOND = 1.0 / 10.1805  # in units of Angstrom sqrt(amu / eV)
EV_PER_A3_IN_GPA = 160.21766


def main(plot=None):
    frame = phys.read_xyz(Path(__file__).with_name("argon.xyz"))
    space = frame.space()
    cutoff = 2.5 * SIGMA
    neighbors = phys.NeighborList(space, cutoff, skin=1.0)
    energy = phys.pair_energy(phys.lennard_jones(EPSILON, SIGMA, cutoff=cutoff,
                                                 r_onset=2.2 * SIGMA), space, neighbors)
    positions = frame.positions
    e, f = phys.energy_and_forces(energy, positions)
    stress = phys.stress(energy, positions, space)
    print(f"{len(positions)} argon atoms, cell {np.diag(frame.cell)} Angstrom")
    print(f"energy per atom      {e / len(positions):.6f} eV")
    print(f"largest force        {np.abs(f).max():.2e} eV/Angstrom (perfect lattice)")
    print(f"pressure             {-np.trace(stress) / 3 * EV_PER_A3_IN_GPA:.4f} GPa")

    rng = np.random.default_rng(0)
    temperature = 40.0  # K
    velocities = rng.normal(scale=np.sqrt(BOLTZMANN * temperature / MASS), size=positions.shape)
    velocities -= velocities.mean(axis=0)
    run = phys.simulate_nve(energy, positions, velocities, masses=MASS, dt=2 * FEMTOSECOND,
                            steps=500, space=space, record_every=10)
    mean_t = run.temperature(boltzmann=BOLTZMANN).mean()
    print(f"NVE: 500 steps of 2 fs, mean temperature {mean_t:.1f} K, "
          f"relative energy drift {run.energy_drift:.2e}, neighbor list rebuilds "
          f"{neighbors.rebuilds}")
    if plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(run.times / FEMTOSECOND / 1000,
                (run.total_energy - run.total_energy[0]) / abs(run.total_energy[0]))
        ax.set_xlabel("time (ps)")
        ax.set_ylabel("relative drift of total energy")
        ax.set_title("Argon NVE, velocity Verlet, sciad forces")
        fig.tight_layout()
        fig.savefig(plot, dpi=120)
        print(f"wrote {plot}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", help="save the energy drift figure here")
    main(parser.parse_args().plot)
