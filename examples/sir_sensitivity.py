"""How sensitive is an epidemic's infected curve to the transmission and recovery rates?

SIR model with beta (transmission) and gamma (recovery); sciad.ode.solve_ivp with
sensitivity="forward" gives dI(t)/dbeta and dI(t)/dgamma on the whole time grid in one solve.
We print the normalised sensitivities (d log I / d log p) at a few times and, optionally, plot
them. Run: ``python examples/sir_sensitivity.py [figure.png]``.
"""

import sys

import numpy as np

from sciad.ode import solve_ivp


def sir(t, y, p):
    s, i, r = y
    infection = p["beta"] * s * i
    recovery = p["gamma"] * i
    return [-infection, infection - recovery, recovery]


def main(figure=None):
    params = {"beta": 0.3, "gamma": 0.1}
    y0 = np.array([0.99, 0.01, 0.0])
    t = np.linspace(0.0, 160.0, 161)
    res = solve_ivp(sir, (t[0], t[-1]), y0, params=params, t_eval=t, sensitivity="forward",
                    rtol=1e-8, atol=1e-10)
    infected = res.y[1]
    d_beta, d_gamma = res.dy_dp[1, 0], res.dy_dp[1, 1]
    peak = int(np.argmax(infected))
    print(f"peak of I: {infected[peak]:.4f} at t = {t[peak]:.0f} days")
    print(f"{'t':>5} {'I(t)':>8} {'dI/dbeta':>10} {'dI/dgamma':>10} {'elast. beta':>12} "
          f"{'elast. gamma':>13}")
    for k in sorted({20, 40, peak, 80, 120}):
        print(f"{t[k]:5.0f} {infected[k]:8.4f} {d_beta[k]:10.4f} {d_gamma[k]:10.4f} "
              f"{d_beta[k] * params['beta'] / infected[k]:12.3f} "
              f"{d_gamma[k] * params['gamma'] / infected[k]:13.3f}")
    if figure:
        _plot(res, figure)
    return res


def _plot(res, figure):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sciad.plot import over_time

    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
    top.plot(res.t, res.y[1], color="tab:red")
    top.set_ylabel("I(t)")
    over_time(res, bottom, state="I", state_names=["S", "I", "R"], time_unit="days")
    fig.tight_layout()
    fig.savefig(figure, dpi=120)
    print(f"figure written to {figure}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
