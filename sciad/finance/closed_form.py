"""Closed-form European option prices: Black-Scholes-Merton, Black (1976), Bachelier.

Plain NumPy, vectorised over broadcastable arrays of options, and differentiable by the engine
to any order (every Greek in :mod:`sciad.finance.greeks` comes from these functions).

References
----------
F. Black, M. Scholes, "The pricing of options and corporate liabilities", JPE 81 (1973).
R. Merton, "Theory of rational option pricing", Bell J. Econ. 4 (1973) (dividend yield).
F. Black, "The pricing of commodity contracts", J. Financial Economics 3 (1976).
L. Bachelier, "Theorie de la speculation" (1900); normal-model formula as in Hull, ch. 28.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ._inputs import check_finite, check_positive, option_sign

__all__ = ["black_scholes", "black76", "bachelier"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _check_common(where, K, T, r, sigma):
    check_positive("strike K", K, where)
    check_positive("maturity T (years)", T, where)
    check_finite("rate r", r, where)
    check_positive("volatility sigma", sigma, where)


def black_scholes(S, K, T, r, sigma, q=0.0, kind: str = "call"):
    """Black-Scholes-Merton price of a European option on an asset with dividend yield ``q``.

    Parameters
    ----------
    S, K : array_like
        Spot price and strike (> 0).
    T : array_like
        Time to maturity in years (> 0).
    r, q : array_like
        Continuously compounded risk-free rate and dividend yield, per year.
    sigma : array_like
        Lognormal volatility per sqrt(year) (> 0).
    kind : {"call", "put"}

    Returns
    -------
    ndarray (or Tensor when traced)
        ``w (S e^{-qT} N(w d1) - K e^{-rT} N(w d2))`` with ``w = +1`` (call) or ``-1`` (put).

    Examples
    --------
    Hull, *Options, Futures and Other Derivatives*, Example 15.6:

    >>> round(float(black_scholes(42.0, 40.0, 0.5, 0.1, 0.2)), 4)
    4.7594
    """
    w = option_sign(kind)
    check_positive("spot S", S, "black_scholes")
    _check_common("black_scholes", K, T, r, sigma)
    check_finite("dividend yield q", q, "black_scholes")
    total_vol = sigma * np.sqrt(T)
    discounted_spot = S * np.exp(-q * T) if _nonzero(q) else S
    discounted_strike = K * np.exp(-r * T)
    # d1 = ln(S e^{-qT} / (K e^{-rT})) / (sigma sqrt T) + sigma sqrt(T) / 2, from the discounted
    # values already at hand. A call receives the spot and pays the strike, a put the reverse:
    # w d1 and w d2 are ln(received / paid) / (sigma sqrt T) +- sigma sqrt(T) / 2, so a put
    # needs no sign flips (each operation costs a pass over the book, forward and backward).
    received, paid = ((discounted_spot, discounted_strike) if w > 0
                      else (discounted_strike, discounted_spot))
    moneyness = np.log(received / paid) / total_vol
    half_vol = 0.5 * total_vol
    return received * ndtr(moneyness + half_vol) - paid * ndtr(moneyness - half_vol)


def black76(F, K, T, r, sigma, kind: str = "call"):
    """Black (1976) price of a European option on a forward or futures price ``F``.

    Parameters
    ----------
    F, K : array_like
        Forward (or futures) price and strike (> 0).
    T, r, sigma : array_like
        As in :func:`black_scholes`; ``r`` only discounts.
    kind : {"call", "put"}

    Returns
    -------
    ndarray (or Tensor when traced)
        ``e^{-rT} w (F N(w d1) - K N(w d2))``, ``d1 = (ln(F/K) + sigma^2 T/2) / (sigma
        sqrt(T))``.

    Examples
    --------
    Hull, Example 18.6 (futures option, F=20, K=20, T=4/12, r=9%, sigma=25%): put 1.12.

    >>> round(float(black76(20.0, 20.0, 4 / 12, 0.09, 0.25, kind="put")), 2)
    1.12
    """
    w = option_sign(kind)
    check_positive("forward F", F, "black76")
    _check_common("black76", K, T, r, sigma)
    total_vol = sigma * np.sqrt(T)
    d1 = np.log(F / K) / total_vol + 0.5 * total_vol
    d2 = d1 - total_vol
    return np.exp(-r * T) * _signed(w, F * ndtr(_signed(w, d1)) - K * ndtr(_signed(w, d2)))


def bachelier(F, K, T, r, sigma, kind: str = "call"):
    """Bachelier (normal-model) price of a European option on a forward ``F``.

    Parameters
    ----------
    F, K : array_like
        Forward and strike; either may be negative (rates, spreads).
    T, r : array_like
        As in :func:`black_scholes`.
    sigma : array_like
        The *normal* (absolute) volatility, in price units per sqrt(year) (> 0).
    kind : {"call", "put"}

    Returns
    -------
    ndarray (or Tensor when traced)
        ``e^{-rT} (w (F-K) N(w d) + sigma sqrt(T) n(d))`` with ``d = (F-K) / (sigma sqrt(T))``.

    Examples
    --------
    At the money the price is ``e^{-rT} sigma sqrt(T / (2 pi))``:

    >>> round(float(bachelier(0.02, 0.02, 1.0, 0.0, 0.01)), 6)
    0.003989
    """
    w = option_sign(kind)
    _check_common("bachelier", 1.0, T, r, sigma)
    check_finite("forward F", F, "bachelier")
    check_finite("strike K", K, "bachelier")
    total_vol = sigma * np.sqrt(T)
    moneyness = F - K
    d = moneyness / total_vol
    density = _INV_SQRT_2PI * np.exp(-0.5 * d * d)
    return np.exp(-r * T) * (_signed(w, moneyness) * ndtr(_signed(w, d)) + total_vol * density)


def _signed(w: float, x):
    """``w * x`` for ``w = +-1`` without a multiplication (each op costs a pass over the book,
    forward and backward)."""
    return x if w > 0 else -x


def _nonzero(q) -> bool:
    """False only for a plain number 0 (skips an exp per option; traced values always count)."""
    return not (isinstance(q, (int, float)) and q == 0)
