"""One figure per sciad.plot function for the other adapters' results (docs/plot.md).

ODE forward sensitivities over time and their heatmap, Greeks against spot, the convergence of a
minimisation, and the normal-mode spectrum of water. Writes docs/images/plot_gallery.png.

Run: python examples/plot_gallery.py
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import sciad.physics as phys  # noqa: E402
from sciad import plot  # noqa: E402
from sciad.finance import greeks  # noqa: E402
from sciad.ode import odeint, solve_ivp  # noqa: E402
from sciad.optimize import minimize  # noqa: E402
from sciad.sensitivity import local  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from water_modes import MASSES, BOND_R0, ANGLE_0, water_energy  # noqa: E402


def decay_chain(t, y, p):
    return [-p["k1"] * y[0], p["k1"] * y[0] - p["k2"] * y[1]]


def main() -> None:
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), constrained_layout=True)
    params = {"k1": 0.8, "k2": 0.3}
    times = np.linspace(0.0, 10.0, 101)
    ode = solve_ivp(decay_chain, (0.0, 10.0), [1.0, 0.0], params=params, sensitivity="forward",
                    t_eval=times, rtol=1e-8, atol=1e-10)
    plot.over_time(ode, ax=axes[0, 0], state="B", state_names=["A", "B"], time_unit="h",
                   state_unit="mol/L")
    # the same sensitivities at five times, by reverse mode through odeint, as a heatmap
    picked = np.array([0.0, 2.0, 4.0, 6.0, 8.0, 10.0])

    def states_at(p):
        b = odeint(decay_chain, np.array([1.0, 0.0]), picked, p, rtol=1e-8, atol=1e-10)[:, 1]
        return {f"B({t:g} h)": b[i] for i, t in enumerate(picked) if i > 0}

    sensitivities = local(states_at, params, units={"k1": "1/h", "k2": "1/h"})
    matrix = sensitivities.matrix
    plot.heatmap(sensitivities, ax=axes[0, 1])
    spot = np.linspace(60.0, 140.0, 161)
    g = greeks(spot, 100.0, 0.5, 0.02, 0.25)
    plot.greeks_profile(g, spot, ax=axes[0, 2], greek="delta", x_unit="USD")
    fit = minimize(lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
                   np.array([-1.2, 1.0]), method="BFGS")
    plot.convergence(fit, ax=axes[1, 0])  # the objective and gradient norm in fit.history
    plot.greeks_profile(g, spot, ax=axes[1, 1], greek="gamma", x_unit="USD")
    half = ANGLE_0 / 2
    positions = np.array([[0.0, 0.0, 0.0], [BOND_R0 * np.sin(half), BOND_R0 * np.cos(half), 0],
                          [-BOND_R0 * np.sin(half), BOND_R0 * np.cos(half), 0.0]])
    modes = phys.normal_modes(water_energy, positions, MASSES,
                              unit=phys.INV_CM_PER_UNIT_FREQUENCY)
    plot.mode_spectrum(modes, ax=axes[1, 2], unit="cm^-1")
    print("B(t) sensitivities at t = 2, 4, ..., 10 h:\n", np.round(matrix, 4))
    print(f"BFGS on Rosenbrock: {fit.nit} iterations, final {fit.fun:.2e}")
    print("water modes (cm^-1):", np.round(modes.frequencies[6:], 1))
    out = Path(__file__).resolve().parents[1] / "docs" / "images" / "plot_gallery.png"
    fig.savefig(out, dpi=80)
    print(f"wrote {out.relative_to(out.parents[2])}")


if __name__ == "__main__":
    main()
