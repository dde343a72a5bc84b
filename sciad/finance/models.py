"""Monte Carlo models of the underlying: geometric Brownian motion and Heston.

A model is a small frozen dataclass of named parameters. ``simulate`` takes those parameters as
a dict of arrays with one entry per path (so that the engine's gradient of the summed payoff is
the vector of *per-path* pathwise derivatives, from which standard errors follow), the maturity
and the standard normals, and yields the spot at every time step. It is plain NumPy: the same
code prices on arrays and is differentiated when traced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterator

import numpy as np

from ..engine.control import stop_gradient
from ._inputs import OptionInputError, check_nonnegative, check_positive, check_scalar_fields

__all__ = ["GBM", "Heston"]


@dataclass(frozen=True)
class GBM:
    """Geometric Brownian motion ``dS = (r - q) S dt + sigma S dW``, simulated exactly.

    Parameters
    ----------
    spot : float
        Initial price S0.
    vol : float
        Lognormal volatility sigma per sqrt(year).
    rate, dividend : float
        Risk-free rate r and dividend yield q, continuously compounded, per year.
    """

    spot: float
    vol: float
    rate: float = 0.0
    dividend: float = 0.0

    n_factors = 1
    #: Greek names of the parameter sensitivities (d price / d parameter)
    greek_names = {"spot": "delta", "vol": "vega", "rate": "rho", "dividend": "epsilon"}

    def __post_init__(self):
        check_scalar_fields(self, "GBM")
        check_positive("spot", self.spot, "GBM")
        check_positive("vol", self.vol, "GBM")

    def parameters(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    def simulate(self, p: dict, maturity, normals: np.ndarray) -> Iterator:
        """Yield S at t_1 ... t_n from ``normals`` of shape (1, n_steps, n_paths)."""
        n_steps = normals.shape[1]
        dt = maturity / n_steps
        drift = (p["rate"] - p["dividend"] - 0.5 * p["vol"] * p["vol"]) * dt
        diffusion = p["vol"] * np.sqrt(dt)
        log_spot = np.log(p["spot"])
        for z in normals[0]:
            log_spot = log_spot + drift + diffusion * z
            yield np.exp(log_spot)


@dataclass(frozen=True)
class Heston:
    """Heston stochastic volatility, full-truncation Euler in log spot (Lord et al. 2010).

    ``dS = (r - q) S dt + sqrt(v) S dW1``, ``dv = kappa (long_var - v) dt + vol_of_vol sqrt(v)
    dW2``, ``dW1 dW2 = correlation dt``.

    Parameters
    ----------
    spot : float
        Initial price S0.
    v0 : float
        Initial variance.
    kappa : float
        Mean-reversion speed, per year.
    long_var : float
        Long-run variance (the "theta" of the literature; renamed so that theta stays the
        time decay).
    vol_of_vol : float
        Volatility of variance (xi, sigma_v).
    correlation : float
        Correlation rho of the two Brownian motions, in [-1, 1].
    rate, dividend : float

    References
    ----------
    S. Heston, Rev. Financial Studies 6 (1993). R. Lord, R. Koekkoek, D. van Dijk, "A comparison
    of biased simulation schemes for stochastic volatility models", Quant. Finance 10 (2010).
    """

    spot: float
    v0: float
    kappa: float
    long_var: float
    vol_of_vol: float
    correlation: float
    rate: float = 0.0
    dividend: float = 0.0

    n_factors = 2
    greek_names = {"spot": "delta", "rate": "rho", "dividend": "epsilon", "v0": "dv0",
                   "kappa": "dkappa", "long_var": "dlong_var", "vol_of_vol": "dvol_of_vol",
                   "correlation": "dcorrelation"}

    def __post_init__(self):
        check_scalar_fields(self, "Heston")
        check_positive("spot", self.spot, "Heston")
        for name in ("v0", "kappa", "long_var", "vol_of_vol"):
            check_nonnegative(name, getattr(self, name), "Heston")
        if not -1.0 <= self.correlation <= 1.0:
            raise OptionInputError(f"Heston: correlation must lie in [-1, 1], got "
                                   f"{self.correlation!r}")

    def parameters(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    def simulate(self, p: dict, maturity, normals: np.ndarray) -> Iterator:
        """Yield S at t_1 ... t_n from ``normals`` of shape (2, n_steps, n_paths)."""
        n_steps = normals.shape[1]
        dt = maturity / n_steps
        sqrt_dt = np.sqrt(dt)
        carry = (p["rate"] - p["dividend"]) * dt
        half_dt = 0.5 * dt
        rho = p["correlation"]
        rho_perp = np.sqrt(1.0 - rho * rho)
        kappa_dt = p["kappa"] * dt
        long_var = p["long_var"]
        vol_of_vol = p["vol_of_vol"] * sqrt_dt
        log_spot = np.log(p["spot"])
        variance = p["v0"]
        # kappa dt (theta - v+) as kappa dt theta - kappa dt v+: the adjoint then keeps one array
        # per step fewer (v+ is kept anyway, theta - v+ would be a second), a sixth of its memory
        mean_reversion = kappa_dt * long_var
        for z1, z2 in zip(normals[0], normals[1]):
            alive = stop_gradient(variance) > 0
            positive = np.where(alive, variance, 0.0)
            # floor inside the root: sqrt has an infinite slope at 0 and 0 * inf would be NaN;
            # where the floor is used, where() passes no derivative, so the floor is exact
            root = np.sqrt(np.where(alive, variance, 1e-300))
            log_spot = log_spot + (carry - positive * half_dt) + root * sqrt_dt * z1
            variance = (variance + (mean_reversion - kappa_dt * positive)
                        + vol_of_vol * root * (rho * z1 + rho_perp * z2))
            yield np.exp(log_spot)
