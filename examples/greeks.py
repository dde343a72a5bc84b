"""A tour of sciad.finance: closed-form Greeks, implied volatility, an American put on a tree,
and Monte Carlo Greeks by the adjoint, each checked against a reference.

Run:  python examples/greeks.py
"""

import numpy as np

from sciad.finance import (GBM, European, binomial_greeks, black_scholes, greeks,
                           implied_volatility, monte_carlo_greeks)

# 1. Every Greek of a small book of options, in market units (vega per 1%, theta per day).
spots = np.array([90.0, 100.0, 110.0])
g = greeks(spots, 100.0, 0.5, 0.03, 0.25, q=0.01, kind="call", units="market")
for name in ("price", "delta", "gamma", "vega", "theta", "vanna", "charm"):
    print(f"{name:>6} [{g.units[name]}]: {np.round(getattr(g, name), 5)}")

# 2. Implied volatility round trip, deep out of the money and one day to expiry included.
strikes = np.array([50.0, 100.0, 200.0])
maturities = np.array([1 / 365, 1.0, 30.0])
prices = black_scholes(100.0, strikes, maturities, 0.02, 0.8, kind="put")
print("implied vols:", implied_volatility(prices, 100.0, strikes, maturities, 0.02, kind="put"))

# 3. American put on a 1000-step CRR tree; vega, theta and rho by differentiating through it.
tree = binomial_greeks(36.0, 40.0, 1.0, 0.06, 0.2, kind="put", steps=1000)
print(f"American put {float(tree.price):.4f} (Longstaff-Schwartz table: 4.478), "
      f"delta {float(tree.delta):.4f}, vega {float(tree.vega):.3f}, theta {float(tree.theta):.3f}")

# 4. Monte Carlo: price and all first-order Greeks from one adjoint pass, with standard errors.
mc = monte_carlo_greeks(GBM(100.0, 0.2, 0.05), European(100.0, 1.0), 200_000, 50, seed=1)
exact = greeks(100.0, 100.0, 1.0, 0.05, 0.2, order=1)
for name in ("delta", "vega", "rho", "theta"):
    print(f"MC {name:>5} {mc.greeks[name]:9.4f} +- {mc.standard_errors[name]:.4f}   "
          f"closed form {float(getattr(exact, name)):9.4f}")
