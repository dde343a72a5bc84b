"""Implied volatility round trips and derivatives; CRR trees against Black-Scholes and
published American put values."""

import numpy as np
import pytest

import sciad
from sciad.finance import (ArbitrageBoundsError, binomial_greeks, binomial_price, black_scholes,
                           greeks, implied_volatility)

MONEYNESS = np.array([0.5, 0.7, 0.9, 1.0, 1.1, 1.5, 2.0])
MATURITIES = np.array([1 / 365, 7 / 365, 0.1, 0.5, 1.0, 5.0, 30.0])


@pytest.mark.parametrize("kind", ["call", "put"])
@pytest.mark.parametrize("sigma", [0.05, 0.2, 0.6, 1.5])
def test_round_trip_across_moneyness_and_maturity(kind, sigma):
    S, r, q = 100.0, 0.03, 0.01
    K, T = np.meshgrid(S * MONEYNESS, MATURITIES, indexing="ij")
    price = black_scholes(S, K, T, r, sigma, q, kind=kind)
    other = black_scholes(S, K, T, r, sigma, q, kind="put" if kind == "call" else "call")
    upper = S * np.exp(-q * T) if kind == "call" else K * np.exp(-r * T)
    # where the time value is resolvable in double precision, sigma comes back to 1e-9;
    # elsewhere the price equals a no-arbitrage bound to rounding and must be refused
    resolvable = (np.minimum(price, other) > 1e-9 * S) & (upper - price > 1e-9 * S)
    assert resolvable.sum() >= 20
    iv = implied_volatility(price[resolvable], S, K[resolvable], T[resolvable], r, q, kind=kind)
    np.testing.assert_allclose(iv, sigma, rtol=1e-9)
    # deep out-of-the-money prices far below 1e-9 S still invert (no parity cancellation there)
    tiny = (price > 1e-250) & (price < 1e-9 * S) & (other > price)
    if np.any(tiny):
        iv = implied_volatility(price[tiny], S, K[tiny], T[tiny], r, q, kind=kind)
        np.testing.assert_allclose(iv, sigma, rtol=1e-7)


def test_outside_bounds_is_a_clear_error():
    with pytest.raises(ArbitrageBoundsError, match="outside the no-arbitrage bounds"):
        implied_volatility(101.0, 100.0, 100.0, 1.0, 0.0)  # above the spot
    with pytest.raises(ArbitrageBoundsError, match="outside the no-arbitrage bounds"):
        implied_volatility(4.0, 100.0, 95.0, 1.0, 0.0)  # below intrinsic value 5
    with pytest.raises(ArbitrageBoundsError):
        implied_volatility(0.0, 100.0, 120.0, 1.0, 0.0)


def test_implied_vol_derivatives_by_implicit_function_theorem():
    S, K, T, r, q, sigma = 100.0, 115.0, 0.75, 0.02, 0.01, 0.27
    price = black_scholes(S, K, T, r, sigma, q, kind="put")
    vega = greeks(S, K, T, r, sigma, q, kind="put", order=1)
    d_price = sciad.grad(lambda p: implied_volatility(p, S, K, T, r, q, kind="put"))(price)
    assert d_price == pytest.approx(1.0 / vega.vega, rel=1e-10)
    # d sigma / dS against central differences of the solver itself
    dS = sciad.grad(lambda s: implied_volatility(price, s, K, T, r, q, kind="put"))(S)
    h = 1e-4
    fd = (implied_volatility(price, S + h, K, T, r, q, "put")
          - implied_volatility(price, S - h, K, T, r, q, "put")) / (2 * h)
    assert dS == pytest.approx(fd, rel=1e-6)
    assert dS == pytest.approx(-vega.delta / vega.vega, rel=1e-10)


def test_tree_reproduces_hull_and_converges_to_black_scholes():
    # Hull, Example 21.1: American put on a 5-step tree = 4.49
    assert binomial_price(50.0, 50.0, 5 / 12, 0.1, 0.4, steps=5) == pytest.approx(4.49, abs=5e-3)
    args = (100.0, np.array([80.0, 100.0, 120.0]), 1.0, 0.05, 0.25, 0.02)
    for kind in ("call", "put"):
        exact = black_scholes(*args, kind=kind)
        errors = [np.max(np.abs(binomial_price(*args, kind=kind, american=False, steps=n) - exact))
                  for n in (100, 400, 1600)]
        assert errors[-1] < 2e-3
        assert errors[2] < errors[0] / 4  # first-order convergence, on average


def test_american_put_matches_published_values():
    # Longstaff & Schwartz (2001), Table 1, finite-difference values, K=40, r=6%, T=1; their
    # grid is itself accurate to about 1e-2 (the converged value at S=36 is 4.4867)
    S = np.array([36.0, 40.0, 44.0, 36.0])
    sigma = np.array([0.2, 0.2, 0.2, 0.4])
    published = np.array([4.478, 2.314, 1.110, 7.101])
    fine = binomial_price(S, 40.0, 1.0, 0.06, sigma, steps=1000)
    np.testing.assert_allclose(fine, published, atol=1e-2)
    assert fine[0] == pytest.approx(4.4867, abs=1.5e-3)
    # an American call without dividends is never exercised early: equals the European one
    np.testing.assert_allclose(binomial_price(S, 40.0, 1.0, 0.06, sigma, kind="call", steps=300),
                               binomial_price(S, 40.0, 1.0, 0.06, sigma, kind="call",
                                              american=False, steps=300), rtol=1e-12)


def test_tree_greeks_against_black_scholes_and_tree_differences():
    args = dict(S=100.0, K=105.0, T=0.5, r=0.04, sigma=0.3, q=0.01)
    tree = binomial_greeks(**args, kind="call", american=False, steps=800)
    exact = greeks(**args, kind="call", order=2)
    # vega and theta oscillate with the steps (nodes crossing the strike) by about 0.5%
    for name, tol in (("delta", 2e-3), ("gamma", 2e-3), ("vega", 6e-3), ("theta", 6e-3),
                      ("rho", 1e-3), ("epsilon", 1e-3)):
        assert getattr(tree, name) == pytest.approx(getattr(exact, name), rel=tol), name
    # American put: AD through early exercise equals central differences of the same tree
    amer = binomial_greeks(**args, kind="put", steps=200)
    for name, field, sign in (("sigma", "vega", 1), ("r", "rho", 1), ("T", "theta", -1)):
        h = 1e-6
        up, down = dict(args), dict(args)
        up[name] += h
        down[name] -= h
        fd = (binomial_price(**up, steps=200) - binomial_price(**down, steps=200)) / (2 * h)
        assert getattr(amer, field) == pytest.approx(sign * fd, rel=1e-5), field


def test_implied_vol_second_derivatives_equal_differences_of_its_gradient():
    # nested transforms must see the implicit function at every level (not a zero Hessian)
    S, K, T, r, q = 100.0, 115.0, 0.75, 0.02, 0.01
    x0 = np.array([float(black_scholes(S, K, T, r, 0.27, q, kind="put")), S, K, T, r, q])

    def vol(x):
        return implied_volatility(x[0], x[1], x[2], x[3], x[4], x[5], kind="put")

    hess = sciad.hessian(vol)(x0)
    numeric = sciad.numerical_jacobian(sciad.grad(vol), x0)
    np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-9)
    assert abs(hess[0, 0]) > 1e-4  # d2 sigma / d price2 = -vomma / vega^3, far from zero
    # mixed levels (price outer, spot inner) agree with the full Hessian
    mixed = sciad.grad(lambda p: sciad.grad(
        lambda s: implied_volatility(p, s, K, T, r, q, kind="put"))(S))(x0[0])
    assert mixed == pytest.approx(hess[0, 1], rel=1e-10)


def test_scalar_inputs_give_numpy_floats_like_black_scholes():
    price = black_scholes(100.0, 100.0, 1.0, 0.01, 0.2)
    vol = implied_volatility(price, 100.0, 100.0, 1.0, 0.01)
    tree = binomial_price(100.0, 100.0, 1.0, 0.01, 0.2, steps=50)
    assert type(vol) is np.float64 and type(tree) is np.float64
    assert vol == pytest.approx(0.2, rel=1e-12)
    assert np.shape(implied_volatility([price], 100.0, 100.0, 1.0, 0.01)) == (1,)
