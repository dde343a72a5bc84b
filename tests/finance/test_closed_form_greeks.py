"""Closed forms and their Greeks against textbook values, formulas written out here, put-call
parity and finite differences."""

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from sciad.finance import (OptionInputError, bachelier, black76, black_scholes, greeks)


def textbook_greeks(S, K, T, r, sigma, q, kind):
    """Hull / Haug formulas for the BSM Greeks (theta = -dV/dT, charm = -d delta/dT)."""
    sqrt_t = np.sqrt(T)
    d1 = (np.log(S / K) + (r - q + sigma ** 2 / 2) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    n1, dq, dr = norm.pdf(d1), np.exp(-q * T), np.exp(-r * T)
    gamma = dq * n1 / (S * sigma * sqrt_t)
    common_charm = dq * n1 * (2 * (r - q) * T - d2 * sigma * sqrt_t) / (2 * T * sigma * sqrt_t)
    out = {
        "gamma": gamma,
        "vega": S * dq * n1 * sqrt_t,
        "vanna": -dq * n1 * d2 / sigma,
        "volga": S * dq * n1 * sqrt_t * d1 * d2 / sigma,
        "speed": -gamma / S * (d1 / (sigma * sqrt_t) + 1),
    }
    decay = -S * dq * n1 * sigma / (2 * sqrt_t)
    if kind == "call":
        out.update(price=S * dq * norm.cdf(d1) - K * dr * norm.cdf(d2), delta=dq * norm.cdf(d1),
                   theta=decay - r * K * dr * norm.cdf(d2) + q * S * dq * norm.cdf(d1),
                   rho=K * T * dr * norm.cdf(d2), epsilon=-S * T * dq * norm.cdf(d1),
                   charm=q * dq * norm.cdf(d1) - common_charm)
    else:
        out.update(price=K * dr * norm.cdf(-d2) - S * dq * norm.cdf(-d1),
                   delta=-dq * norm.cdf(-d1),
                   theta=decay + r * K * dr * norm.cdf(-d2) - q * S * dq * norm.cdf(-d1),
                   rho=-K * T * dr * norm.cdf(-d2), epsilon=S * T * dq * norm.cdf(-d1),
                   charm=-q * dq * norm.cdf(-d1) - common_charm)
    return out


CASES = dict(S=np.array([49.0, 80.0, 100.0, 130.0]), K=np.array([50.0, 100.0, 95.0, 100.0]),
             T=np.array([0.3846, 0.1, 1.0, 5.0]), r=np.array([0.05, 0.0, 0.03, 0.08]),
             sigma=np.array([0.2, 0.45, 0.3, 0.15]))


def test_hull_textbook_values():
    # Hull, Example 15.6: c = 4.76, p = 0.81
    assert black_scholes(42.0, 40.0, 0.5, 0.1, 0.2) == pytest.approx(4.7594, abs=1e-4)
    assert black_scholes(42.0, 40.0, 0.5, 0.1, 0.2, kind="put") == pytest.approx(0.8086, abs=1e-4)
    # Hull, Example 19.1 (ch. 19 Greeks): delta 0.522, gamma 0.066, vega 12.1, theta -4.31, rho 8.91
    g = greeks(49.0, 50.0, 0.3846, 0.05, 0.2)
    assert g.delta == pytest.approx(0.522, abs=6e-4)
    assert g.gamma == pytest.approx(0.066, abs=6e-4)
    assert g.vega == pytest.approx(12.1, abs=0.06)
    assert (g.theta, g.rho) == pytest.approx((-4.31, 8.91), abs=6e-3)
    # Hull, Example 18.6: Black's model, European futures put = 1.12
    assert black76(20.0, 20.0, 4 / 12, 0.09, 0.25, kind="put") == pytest.approx(1.12, abs=5e-3)


@pytest.mark.parametrize("kind", ["call", "put"])
@pytest.mark.parametrize("q", [0.0, 0.04])
def test_every_greek_matches_textbook_formula(kind, q):
    g = greeks(**CASES, q=q, kind=kind)
    expected = textbook_greeks(**CASES, q=q, kind=kind)
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(g, name), value, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("q", [0.0, 0.04])
def test_put_call_parity_for_price_and_every_greek(q):
    c, p = greeks(**CASES, q=q, kind="call"), greeks(**CASES, q=q, kind="put")
    S, K, T, r = CASES["S"], CASES["K"], CASES["T"], CASES["r"]
    dq, dr = np.exp(-q * T), np.exp(-r * T)
    differences = {"price": S * dq - K * dr, "delta": dq, "theta": q * S * dq - r * K * dr,
                   "rho": K * T * dr, "epsilon": -S * T * dq, "charm": q * dq,
                   "gamma": 0.0, "vega": 0.0, "vanna": 0.0, "volga": 0.0, "speed": 0.0}
    for name, difference in differences.items():
        np.testing.assert_allclose(getattr(c, name) - getattr(p, name), difference * np.ones(4),
                                   rtol=1e-10, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("kind", ["call", "put"])
def test_first_and_second_order_against_finite_differences(kind):
    args = dict(S=100.0, K=110.0, T=0.7, r=0.02, sigma=0.25, q=0.01)
    g = greeks(**args, kind=kind)

    def bumped(name, h, field=None):
        up, down = dict(args), dict(args)
        up[name] += h
        down[name] -= h
        f = (lambda a: black_scholes(**a, kind=kind)) if field is None else (
            lambda a: getattr(greeks(**a, kind=kind, order=1), field))
        return (f(up) - f(down)) / (2 * h)

    h = 1e-5
    assert g.delta == pytest.approx(bumped("S", h), rel=1e-7)
    assert g.vega == pytest.approx(bumped("sigma", h), rel=1e-7)
    assert g.theta == pytest.approx(-bumped("T", h), rel=1e-7)
    assert g.rho == pytest.approx(bumped("r", h), rel=1e-7)
    assert g.epsilon == pytest.approx(bumped("q", h), rel=1e-7)
    assert g.gamma == pytest.approx(bumped("S", 1e-4, "delta"), rel=1e-6)
    assert g.vanna == pytest.approx(bumped("sigma", 1e-5, "delta"), rel=1e-6)
    assert g.volga == pytest.approx(bumped("sigma", 1e-5, "vega"), rel=1e-5)
    assert g.charm == pytest.approx(-bumped("T", 1e-5, "delta"), rel=1e-6)


def test_black76_equals_bsm_with_carry_and_bachelier_matches_integral():
    F, K, T, r, sigma = 105.0, np.array([90.0, 105.0, 120.0]), 1.5, 0.04, 0.3
    for kind in ("call", "put"):
        np.testing.assert_allclose(black76(F, K, T, r, sigma, kind=kind),
                                   black_scholes(F, K, T, r, sigma, q=r, kind=kind), rtol=1e-13)
    # Bachelier: e^{-rT} E[max(F + sigma sqrt(T) Z - K, 0)] by quadrature
    F, K, T, r, sigma = 0.02, 0.025, 2.0, 0.01, 0.008
    integrand = lambda z: max(F + sigma * np.sqrt(T) * z - K, 0.0) * norm.pdf(z)  # noqa: E731
    expected = np.exp(-r * T) * integrate.quad(integrand, -12, 12, points=[(K - F) / (sigma * np.sqrt(T))])[0]
    assert bachelier(F, K, T, r, sigma) == pytest.approx(expected, rel=1e-9)
    parity = bachelier(F, K, T, r, sigma) - bachelier(F, K, T, r, sigma, kind="put")
    assert parity == pytest.approx(np.exp(-r * T) * (F - K), rel=1e-12)


@pytest.mark.parametrize("model,S", [("black76", 100.0), ("bachelier", 100.0)])
def test_other_models_greeks_against_finite_differences(model, S):
    fn = {"black76": black76, "bachelier": bachelier}[model]
    sigma = 0.3 if model == "black76" else 25.0
    g = greeks(S, 95.0, 0.8, 0.03, sigma, model=model, kind="put")
    h = 1e-4
    fd_delta = (fn(S + h, 95.0, 0.8, 0.03, sigma, "put") - fn(S - h, 95.0, 0.8, 0.03, sigma, "put")) / (2 * h)
    fd_vega = (fn(S, 95.0, 0.8, 0.03, sigma + h, "put") - fn(S, 95.0, 0.8, 0.03, sigma - h, "put")) / (2 * h)
    assert g.delta == pytest.approx(fd_delta, rel=1e-7)
    assert g.vega == pytest.approx(fd_vega, rel=1e-7)
    assert g.epsilon is None

    def first(**bump):  # first-order Greeks at bumped inputs, for the second-order ones
        a = dict(S=S, K=95.0, T=0.8, r=0.03, sigma=sigma) | bump
        return greeks(a["S"], a["K"], a["T"], a["r"], a["sigma"], model=model, kind="put", order=1)

    fd_theta = -(fn(S, 95.0, 0.8 + h, 0.03, sigma, "put")
                 - fn(S, 95.0, 0.8 - h, 0.03, sigma, "put")) / (2 * h)
    assert g.theta == pytest.approx(fd_theta, rel=1e-6)
    fd_gamma = (first(S=S + h).delta - first(S=S - h).delta) / (2 * h)
    fd_volga = (first(sigma=sigma + h).vega - first(sigma=sigma - h).vega) / (2 * h)
    fd_charm = -(first(T=0.8 + h).delta - first(T=0.8 - h).delta) / (2 * h)
    assert g.gamma == pytest.approx(fd_gamma, rel=1e-6)
    assert g.volga == pytest.approx(fd_volga, rel=1e-5, abs=1e-9)
    assert g.charm == pytest.approx(fd_charm, rel=1e-5)


def test_market_units_scale_and_travel_with_result():
    raw = greeks(100.0, 100.0, 1.0, 0.05, 0.2)
    market = greeks(100.0, 100.0, 1.0, 0.05, 0.2, units="market", days_per_year=252)
    assert market.vega == pytest.approx(raw.vega / 100)
    assert market.theta == pytest.approx(raw.theta / 252)
    assert market.volga == pytest.approx(raw.volga / 1e4)
    assert market.units["theta"] == "price per day (1/252 year)"
    d = market.to_dict()
    assert d["units"]["vega"] == "price per 1% volatility" and d["vega"] == pytest.approx(market.vega)


@pytest.mark.parametrize("bad,match", [
    (dict(sigma=-0.2), "volatility sigma must be > 0"),
    (dict(T=-1.0), "maturity T"),
    (dict(kind="straddle"), "unknown option kind 'straddle'"),
    (dict(r=np.nan), "rate r must be finite"),  # NumPy would return a NaN price and Greeks
    (dict(q=np.array([0.0, np.inf])), "dividend yield q must be finite"),
])
def test_clear_errors(bad, match):
    args = dict(S=100.0, K=100.0, T=1.0, r=0.0, sigma=0.2, kind="call") | bad
    with pytest.raises(OptionInputError, match=match):
        black_scholes(**args)
    with pytest.raises(OptionInputError, match=match):
        greeks(**args)
