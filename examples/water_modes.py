"""Normal modes of a water molecule whose force field is three lines of NumPy.

Bond stretches and the H-O-H bend are written by hand (harmonic, SPC/Fw parameters); sciad gives
the exact Hessian, and the mass-weighted Hessian's eigenvalues give the vibrations: six zero
modes (3 translations, 3 rotations) and three vibrations. Units: eV, Angstrom, amu.
Run:  python examples/water_modes.py
"""

import numpy as np

import sciad.physics as phys

KCAL_PER_MOL = 0.0433641  # eV
BOND_K, BOND_R0 = 1059.162 * KCAL_PER_MOL, 1.012  # eV/A^2, A   (Wu, Tepper, Voth 2006)
ANGLE_K, ANGLE_0 = 75.90 * KCAL_PER_MOL, np.deg2rad(113.24)  # eV/rad^2, rad
MASSES = np.array([15.999, 1.008, 1.008])


def water_energy(positions):
    oh1 = positions[1] - positions[0]
    oh2 = positions[2] - positions[0]
    r1 = np.sqrt(np.sum(oh1 * oh1))
    r2 = np.sqrt(np.sum(oh2 * oh2))
    angle = np.arccos(np.sum(oh1 * oh2) / (r1 * r2))
    return (0.5 * BOND_K * ((r1 - BOND_R0) ** 2 + (r2 - BOND_R0) ** 2)
            + 0.5 * ANGLE_K * (angle - ANGLE_0) ** 2)


def main():
    half = ANGLE_0 / 2
    positions = np.array([[0.0, 0.0, 0.0],
                          [BOND_R0 * np.sin(half), BOND_R0 * np.cos(half), 0.0],
                          [-BOND_R0 * np.sin(half), BOND_R0 * np.cos(half), 0.0]])
    print("largest force at the reference geometry:",
          f"{np.abs(phys.forces(water_energy, positions)).max():.1e} eV/A")
    modes = phys.normal_modes(water_energy, positions, MASSES,
                              unit=phys.INV_CM_PER_UNIT_FREQUENCY)
    print(f"zero modes: {modes.zero_modes()}")
    names = ["bend", "symmetric stretch", "asymmetric stretch"]
    for name, frequency, mode in zip(names, modes.frequencies[6:], modes.modes[6:]):
        displacement = mode / np.sqrt(MASSES)[:, None]
        print(f"{name:>20s}: {frequency:7.1f} cm^-1, H displacements "
              f"{np.round(displacement[1, :2] / np.abs(displacement).max(), 2)}, "
              f"{np.round(displacement[2, :2] / np.abs(displacement).max(), 2)}")


if __name__ == "__main__":
    main()
