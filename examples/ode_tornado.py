"""Which rate constant matters for which output of an enzyme-kinetics ODE model: a tornado plot.

Michaelis-Menten with substrate inflow and product degradation, solved by sciad.ode.odeint
(differentiable), summarised by three named outputs; sciad.sensitivity.local gives the exact
elasticities of each output to each parameter, and sciad.plot draws them.

Run: python examples/ode_tornado.py  (writes docs/images/ode_tornado.png)
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sciad import plot  # noqa: E402
from sciad.ode import odeint  # noqa: E402
from sciad.sensitivity import local  # noqa: E402

TIMES = np.linspace(0.0, 20.0, 41)  # minutes


def rhs(t, y, p):
    substrate, product = y[0], y[1]
    rate = p["vmax"] * substrate / (p["km"] + substrate)
    return [p["inflow"] - rate, rate - p["kdeg"] * product]


def outputs(p):
    states = odeint(rhs, np.array([5.0, 0.0]), TIMES, p, rtol=1e-8, atol=1e-10)
    product = states[:, 1]
    return {"product at 20 min": product[-1],
            "substrate at 5 min": states[10, 0],
            "mean product": np.mean(product)}


PARAMS = {"vmax": 1.2, "km": 2.0, "inflow": 0.3, "kdeg": 0.05}
UNITS = {"vmax": "mM/min", "km": "mM", "inflow": "mM/min", "kdeg": "1/min"}


def main() -> None:
    result = local(outputs, PARAMS, normalize="elasticity", units=UNITS)
    for name in result.outputs:
        row = ", ".join(f"{p} {v:+.3f}" for p, v in result.row(name).items())
        print(f"{name:>18}: {row}")
    print("ranking:", result.ranking("product at 20 min"))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), constrained_layout=True)
    for ax, name in zip(axes, result.outputs):
        plot.tornado(result, ax=ax, output=name)
    out = Path(__file__).resolve().parents[1] / "docs" / "images" / "ode_tornado.png"
    fig.savefig(out, dpi=90)
    print(f"wrote {out.relative_to(out.parents[2])}")


if __name__ == "__main__":
    main()
