"""Black-Scholes implied volatility: robust, vectorised, and differentiable.

The solver works on the out-of-the-money option of each strike (an in-the-money price is turned
into the other kind by put-call parity, which removes the intrinsic value that would drown the
time value), and runs a safeguarded Newton iteration on the *logarithm* of that price: the log
price is smooth and monotone in sigma even where the price itself is 1e-200, so deep
out-of-the-money and one-day options converge. A bracket shrinks at every step and a step that
leaves it is replaced by bisection, so the iteration cannot fail on the no-arbitrage domain.

Derivatives follow from the implicit function theorem: with ``P(sigma(p, x), x) = p``,
``d sigma / d p = 1 / vega`` and ``d sigma / d x = -(dP/dx) / vega``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..engine.control import custom_vjp
from ..engine.registry import unbroadcast
from ..engine.tensor import Tensor
from ..engine.transforms import vjp
from ..errors import SolverError
from ._inputs import (ArbitrageBoundsError, check_finite, check_nonnegative, check_positive,
                      option_sign)
from .closed_form import black_scholes

__all__ = ["implied_volatility"]

_SIGMA_MAX = 1e4  # per sqrt(year); a price that needs more is at its upper bound to rounding
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def implied_volatility(price, S, K, T, r, q=0.0, kind: str = "call", tol: float = 1e-14,
                       max_iter: int = 200):
    """The volatility that reproduces a Black-Scholes-Merton option price.

    Parameters
    ----------
    price : array_like
        Observed option prices, strictly inside the no-arbitrage bounds (a call lies between
        ``max(S e^{-qT} - K e^{-rT}, 0)`` and ``S e^{-qT}``).
    S, K, T, r, q : array_like
        As in :func:`~sciad.finance.black_scholes`; all broadcast together.
    kind : {"call", "put"}
    tol : float
        Relative tolerance on sigma.
    max_iter : int
        Iteration cap; bisection alone would reach 1e-14 in under 100 steps.

    Returns
    -------
    ndarray or numpy.float64
        Implied volatilities, per sqrt(year), of the broadcast input shape (a scalar for scalar
        inputs, like :func:`~sciad.finance.black_scholes`). Differentiable to any order with
        respect to the price and every market input when called inside :func:`sciad.grad` and
        friends.

    Raises
    ------
    ArbitrageBoundsError
        A price at or outside its no-arbitrage bounds (no volatility reproduces it).
    OptionInputError
        Non-positive spot, strike or maturity, or an unknown kind.

    Examples
    --------
    >>> p = black_scholes(100.0, 130.0, 0.25, 0.03, 0.35, kind="call")
    >>> round(float(implied_volatility(p, 100.0, 130.0, 0.25, 0.03)), 12)
    0.35
    """
    option_sign(kind)
    args = (price, S, K, T, r, q)
    if any(type(a) is Tensor for a in args):
        return _differentiable(kind, tol, max_iter)(*args)
    return _solve(*args, kind=kind, tol=tol, max_iter=max_iter)[()]


def _solve(price, S, K, T, r, q, kind, tol=1e-14, max_iter=200):
    where = "implied_volatility"
    for name, value in (("spot S", S), ("strike K", K), ("maturity T (years)", T)):
        check_positive(name, value, where)
    check_nonnegative("price", price, where)
    check_finite("rate r", r, where)
    check_finite("dividend yield q", q, where)
    price, S, K, T, r, q = np.broadcast_arrays(
        *[np.asarray(a, dtype=np.float64) for a in (price, S, K, T, r, q)])
    spot_pv = S * np.exp(-q * T)
    strike_pv = K * np.exp(-r * T)
    w = option_sign(kind)
    upper = spot_pv if w > 0 else strike_pv
    # put-call parity: the out-of-the-money kind at each strike (calls where K >= forward)
    otm_sign = np.where(strike_pv >= spot_pv, 1.0, -1.0)
    otm_price = np.where(otm_sign == w, price, price - w * (spot_pv - strike_pv))
    bad = ~((otm_price > 0) & (price < upper))
    if np.any(bad):
        i = np.flatnonzero(bad.ravel())[0]
        lower = max(w * (spot_pv.ravel()[i] - strike_pv.ravel()[i]), 0.0)
        raise ArbitrageBoundsError(
            f"{where}: the {kind} price {price.flat[i]:.10g} (element {i}, S={S.flat[i]:.10g}, "
            f"K={K.flat[i]:.10g}, T={T.flat[i]:.10g}) is outside the no-arbitrage bounds "
            f"({lower:.10g}, {upper.flat[i]:.10g}) (open interval, to rounding); no volatility "
            f"reproduces it: check the price, the rates and the kind")
    return _newton_log_price(otm_price, spot_pv, strike_pv, T, otm_sign, tol, max_iter)


def _otm_price_and_log_vega(sigma, spot_pv, strike_pv, T, sign):
    """Price of the out-of-the-money option and log(vega / price), in plain NumPy."""
    total_vol = sigma * np.sqrt(T)
    log_moneyness = np.log(spot_pv / strike_pv)
    d1 = log_moneyness / total_vol + 0.5 * total_vol
    d2 = d1 - total_vol
    price = sign * (spot_pv * ndtr(sign * d1) - strike_pv * ndtr(sign * d2))
    vega = spot_pv * np.sqrt(T) * _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
    return price, vega


def _newton_log_price(target, spot_pv, strike_pv, T, sign, tol, max_iter):
    log_target = np.log(target)
    lo = np.zeros_like(target)
    hi = np.full_like(target, _SIGMA_MAX)
    # start where vega peaks in sigma (Manaster-Koehler); at the money, Brenner-Subrahmanyam
    log_moneyness = np.abs(np.log(spot_pv / strike_pv))
    sigma = np.sqrt(2.0 * log_moneyness / T)
    sigma = np.where(sigma < 1e-3, np.sqrt(2.0 * np.pi / T) * target / spot_pv, sigma)
    sigma = np.clip(sigma, 1e-4, 10.0)
    active = np.ones(target.shape, dtype=bool)
    for _ in range(max_iter):
        price, vega = _otm_price_and_log_vega(sigma, spot_pv, strike_pv, T, sign)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            excess = np.log(price) - log_target
            hi = np.where(active & (excess > 0), sigma, hi)
            lo = np.where(active & (excess <= 0), sigma, lo)
            step = excess * price / vega
            proposal = sigma - step
        outside = ~np.isfinite(proposal) | (proposal <= lo) | (proposal >= hi)
        bisection = np.where(lo > 0, np.sqrt(lo * hi), 0.5 * hi)
        proposal = np.where(outside, bisection, proposal)
        change = np.abs(proposal - sigma)
        sigma = np.where(active, proposal, sigma)
        active &= change > tol * sigma
        if not np.any(active):
            return sigma
    raise SolverError(f"implied_volatility: {int(active.sum())} of {active.size} options did not "
                      f"converge in {max_iter} iterations; raise max_iter or loosen tol")


def _differentiable(kind, tol, max_iter):
    """implied_volatility for traced inputs: solve on values, derivatives by implicit function.

    The forward pass calls :func:`implied_volatility` again on the arguments as the primitive
    sees them (traced at lower levels when transforms are nested), and the backward pass prices
    with them, so every level gets its derivative: ``grad(grad(...))`` is exact, not zero."""

    def solve(price, S, K, T, r, q):
        return implied_volatility(price, S, K, T, r, q, kind=kind, tol=tol, max_iter=max_iter)

    wrapped = custom_vjp(solve)

    def forward(*args):
        sigma = solve(*args)
        return sigma, (sigma, args)

    def backward(residuals, g):
        sigma, args = residuals
        shape = np.shape(_value(sigma))
        zeros = np.zeros(shape)

        def price_of(S, K, T, r, s, q):
            return black_scholes(S, K, T, r, s, q, kind=kind)

        full = [a + zeros for a in args[1:]]  # broadcast, keeping lower-level traces
        _, pull = vjp(price_of, *full[:4], sigma, full[4])
        dS, dK, dT, dr, vega, dq = pull(np.ones(shape))
        scale = g / vega
        cotangents = (scale, -scale * dS, -scale * dK, -scale * dT, -scale * dr, -scale * dq)
        return tuple(unbroadcast(c, np.shape(_value(a))) for c, a in zip(cotangents, args))

    wrapped.defvjp(forward, backward)
    return wrapped


def _value(x):
    while type(x) is Tensor:
        x = x._value
    return np.asarray(x, dtype=np.float64)

