"""Delta and gamma of a European call over spot and maturity, from one engine call, plotted.

Run:  python examples/greeks_surface.py [figure.png]   (default docs/images/greeks_surface.png)
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sciad.finance import greeks  # noqa: E402

FIGURE = sys.argv[1] if len(sys.argv) > 1 else \
    str(Path(__file__).resolve().parents[1] / "docs" / "images" / "greeks_surface.png")

spot, maturity = np.meshgrid(np.linspace(60, 140, 161), np.linspace(0.02, 2.0, 100))
g = greeks(spot, 100.0, maturity, 0.03, 0.25, kind="call", order=2)  # 16,100 options at once

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
for ax, name in zip(axes, ("delta", "gamma")):
    image = ax.contourf(spot, maturity, getattr(g, name), levels=30, cmap="viridis")
    fig.colorbar(image, ax=ax, label=g.units[name])
    ax.set(xlabel="spot", ylabel="maturity (years)", title=f"{name}, K=100, sigma=25%")
fig.savefig(FIGURE, dpi=110)
print(f"max gamma {g.gamma.max():.4f} at spot {spot.flat[g.gamma.argmax()]:.1f}, "
      f"T={maturity.flat[g.gamma.argmax()]:.2f}; wrote {FIGURE}")
