"""Cox-Ross-Rubinstein binomial trees for European and American options, differentiable.

The backward induction is plain NumPy, so the engine differentiates through it: one backward
pass gives delta, vega, theta, rho and epsilon of the tree price, early exercise included. The
tree price is piecewise *linear* in the spot (its nodes are proportional to S), so its second
derivative in S is zero almost everywhere, and its first derivative in S is the slope of one
linear piece, which converges only like 1/sqrt(steps). Delta and gamma are therefore read from
the step-1 and step-2 nodes, the textbook estimators (Hull, ch. 21), which converge like 1/steps;
the parameters that move the nodes themselves (sigma, T) or only the weights (r, q) are where
differentiating through the tree pays: it replaces one rebuilt tree per bump.

References
----------
J. Cox, S. Ross, M. Rubinstein, "Option pricing: a simplified approach", J. Financial
Economics 7 (1979).
"""

from __future__ import annotations

import numpy as np

from ..engine.transforms import value_and_grad
from ._inputs import OptionInputError, check_positive, option_sign
from .greeks import Greeks, _apply_units

__all__ = ["binomial_price", "binomial_greeks"]


def binomial_price(S, K, T, r, sigma, q=0.0, kind: str = "put", american: bool = True,
                   steps: int = 500):
    """Price of European or American options on a CRR binomial tree.

    Parameters
    ----------
    S, K, T, r, sigma, q : array_like
        As in :func:`~sciad.finance.black_scholes` (broadcast together).
    kind : {"call", "put"}
    american : bool
        Allow exercise at every node (True) or only at maturity.
    steps : int
        Time steps; the error of a European price falls like 1/steps.

    Returns
    -------
    ndarray or numpy.float64 (Tensor when traced)

    Examples
    --------
    Hull, Example 21.1 (American put, S=K=50, r=10%, sigma=40%, T=5 months, 5 steps):

    >>> round(float(binomial_price(50.0, 50.0, 5 / 12, 0.1, 0.4, steps=5)), 2)
    4.49
    """
    price = _induction(S, K, T, r, sigma, q, kind, american, steps)[0]
    return price[()] if type(price) is np.ndarray else price  # scalars as numpy floats


def _induction(S, K, T, r, sigma, q, kind, american, steps):
    """Price, and the node values and spots at steps 1 and 2 (for delta and gamma)."""
    w = option_sign(kind)
    if not (isinstance(steps, (int, np.integer)) and steps >= 2):
        raise OptionInputError(f"binomial tree: steps must be an integer >= 2, got {steps!r}")
    where = "binomial_price"
    for name, value in (("spot S", S), ("strike K", K), ("maturity T (years)", T),
                        ("volatility sigma", sigma)):
        check_positive(name, value, where)
    S, K, T, r, sigma, q = (_trailing(x) for x in (S, K, T, r, sigma, q))
    dt = T / steps
    log_up = sigma * np.sqrt(dt)
    up = np.exp(log_up)
    down = 1.0 / up
    p_up = (np.exp((r - q) * dt) - down) / (up - down)
    if np.any(np.asarray(_raw(p_up)) <= 0) or np.any(np.asarray(_raw(p_up)) >= 1):
        raise OptionInputError(f"{where}: the risk-neutral up probability leaves (0, 1); "
                               f"use more steps (steps={steps}) so that sigma sqrt(dt) > "
                               "|r - q| dt")
    discount = np.exp(-r * dt)
    heights = np.arange(-steps, steps + 1, 2, dtype=np.float64)
    values = np.maximum(w * (S * np.exp(log_up * heights) - K), 0.0)
    saved = {}
    for i in range(steps - 1, -1, -1):
        values = discount * (p_up * values[..., 1:] + (1.0 - p_up) * values[..., :-1])
        if american or i in (1, 2):
            spots = S * np.exp(log_up * np.arange(-i, i + 1, 2, dtype=np.float64))
            if american:
                values = np.maximum(values, w * (spots - K))
            if i in (1, 2):
                saved[i] = (values, spots)
    return values[..., 0], saved


def _trailing(x):
    """Add a trailing axis for the tree nodes (works for arrays and traced values)."""
    return np.expand_dims(x, -1) if np.ndim(_raw(x)) else x


def _raw(x):
    while hasattr(x, "_value"):
        x = x._value
    return x


def binomial_greeks(S, K, T, r, sigma, q=0.0, kind: str = "put", american: bool = True,
                    steps: int = 500, units: str = "raw", days_per_year: float = 365) -> Greeks:
    """Price and Greeks of the tree: vega, theta, rho, epsilon by differentiating through it.

    Vega, theta (-dV/dT), rho and epsilon come from one backward pass through the induction
    (early exercise included); delta and gamma are the step-1 and step-2 node estimators.

    Parameters
    ----------
    S, K, T, r, sigma, q, kind, american, steps
        As in :func:`binomial_price`.
    units : {"raw", "market"}
    days_per_year : float
        As in :func:`~sciad.finance.greeks`.

    Returns
    -------
    Greeks
        ``model`` is ``"crr_american"`` or ``"crr_european"``; second-order Greeks other than
        gamma are None.

    Examples
    --------
    >>> g = binomial_greeks(36.0, 40.0, 1.0, 0.06, 0.2, steps=200)   # American put
    >>> round(float(g.price), 2), round(float(g.delta), 2)
    (4.49, -0.7)
    """
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in (S, K, T, r, sigma, q)])
    params = dict(zip(("S", "K", "T", "r", "sigma", "q"), (np.array(a) for a in arrays)))
    differentiated = {n: v for n, v in params.items() if n not in ("S", "K")}

    def total(x):
        p = {**params, **x}
        price, saved = _induction(p["S"], p["K"], p["T"], p["r"], p["sigma"], p["q"], kind,
                                  american, steps)
        return np.sum(price), (price, saved)

    (_, (price, saved)), grads = value_and_grad(total, has_aux=True)(differentiated)
    values1, spots1 = saved[1]
    values2, spots2 = saved[2]
    delta = (values1[..., 1] - values1[..., 0]) / (spots1[..., 1] - spots1[..., 0])
    upper_delta = (values2[..., 2] - values2[..., 1]) / (spots2[..., 2] - spots2[..., 1])
    lower_delta = (values2[..., 1] - values2[..., 0]) / (spots2[..., 1] - spots2[..., 0])
    gamma = (upper_delta - lower_delta) / (0.5 * (spots2[..., 2] - spots2[..., 0]))
    result = Greeks(model="crr_american" if american else "crr_european", kind=kind, price=price,
                    delta=delta, gamma=gamma, vega=grads["sigma"], theta=-grads["T"],
                    rho=grads["r"], epsilon=grads["q"])
    return _apply_units(result, units, days_per_year)
