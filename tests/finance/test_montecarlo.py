"""Monte Carlo adjoint Greeks: against closed forms within 4 standard errors, against central
differences of the Monte Carlo price with common random numbers, Heston against its
characteristic-function price, reproducibility with executors."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from sciad.finance import (GBM, Asian, Barrier, Digital, European, Heston, Lookback, greeks,
                           monte_carlo_greeks, monte_carlo_price)


def heston_call(S, K, T, r, q, v0, kappa, theta, xi, rho):
    """Heston (1993) call by Fourier inversion, in Albrecher et al.'s 'little trap' form."""

    def cf(u):
        iu = 1j * u
        beta = kappa - rho * xi * iu
        d = np.sqrt(beta ** 2 + xi ** 2 * (iu + u ** 2))
        g = (beta - d) / (beta + d)
        e = np.exp(-d * T)
        return np.exp(iu * (np.log(S) + (r - q) * T)
                      + kappa * theta / xi ** 2 * ((beta - d) * T - 2 * np.log((1 - g * e) / (1 - g)))
                      + v0 / xi ** 2 * (beta - d) * (1 - e) / (1 - g * e))

    forward = S * np.exp((r - q) * T)

    def probability(first):
        def integrand(u):
            f = cf(u - 1j) / forward if first else cf(u)
            return (np.exp(-1j * u * np.log(K)) * f / (1j * u)).real
        return 0.5 + integrate.quad(integrand, 1e-10, 200, limit=400)[0] / np.pi

    return S * np.exp(-q * T) * probability(True) - K * np.exp(-r * T) * probability(False)


@pytest.mark.parametrize("kind", ["call", "put"])
def test_gbm_european_greeks_within_four_standard_errors(kind):
    model = GBM(spot=100.0, vol=0.25, rate=0.04, dividend=0.01)
    res = monte_carlo_greeks(model, European(105.0, 0.75, kind), n_paths=40_000, n_steps=4,
                             seed=11, batch_size=10_000)
    exact = greeks(100.0, 105.0, 0.75, 0.04, 0.25, 0.01, kind=kind, order=1)
    assert abs(res.price - exact.price) < 4 * res.standard_errors["price"]
    for name in ("delta", "vega", "rho", "epsilon", "theta"):
        error = abs(res.greeks[name] - getattr(exact, name))
        assert error < 4 * res.standard_errors[name], (name, res.greeks[name], getattr(exact, name))
        assert res.standard_errors[name] < 0.02 * abs(getattr(exact, name)) + 1e-3


def test_smoothed_digital_against_closed_form():
    model = GBM(spot=100.0, vol=0.2, rate=0.03)
    res = monte_carlo_greeks(model, Digital(100.0, 1.0, width=0.05), 40_000, 2, seed=5)
    d2 = (np.log(100 / 100) + (0.03 - 0.02) * 1.0) / 0.2
    price = np.exp(-0.03) * norm.cdf(d2)
    delta = np.exp(-0.03) * norm.pdf(d2) / (100 * 0.2)
    assert abs(res.price - price) < 4 * res.standard_errors["price"]
    assert abs(res.greeks["delta"] - delta) < 4 * res.standard_errors["delta"]


def test_heston_price_and_delta_against_characteristic_function():
    p = dict(v0=0.04, kappa=2.0, long_var=0.05, vol_of_vol=0.3, correlation=-0.7)
    model = Heston(spot=100.0, rate=0.03, dividend=0.0, **p)
    exact = heston_call(100.0, 100.0, 1.0, 0.03, 0.0, 0.04, 2.0, 0.05, 0.3, -0.7)
    # sanity of the reference itself: as vol_of_vol -> 0 with v0 = long_var it is Black-Scholes
    flat = heston_call(100.0, 100.0, 1.0, 0.03, 0.0, 0.04, 2.0, 0.04, 1e-4, -0.7)
    assert flat == pytest.approx(greeks(100.0, 100.0, 1.0, 0.03, 0.2, order=1).price, rel=1e-4)
    res = monte_carlo_greeks(model, European(100.0, 1.0), 40_000, 50, seed=2, batch_size=20_000)
    assert abs(res.price - exact) < 4 * res.standard_errors["price"], (res.price, exact)
    h = 1e-3
    fd_delta = (heston_call(100 + h, 100.0, 1.0, 0.03, 0.0, 0.04, 2.0, 0.05, 0.3, -0.7)
                - heston_call(100 - h, 100.0, 1.0, 0.03, 0.0, 0.04, 2.0, 0.05, 0.3, -0.7)) / (2 * h)
    assert abs(res.greeks["delta"] - fd_delta) < 4 * res.standard_errors["delta"]


def _bump(model, payoff, name, h):
    if name == "maturity":
        return model, replace(payoff, maturity=payoff.maturity + h)
    return replace(model, **{name: getattr(model, name) + h}), payoff


GBM_MODEL = GBM(spot=100.0, vol=0.3, rate=0.02, dividend=0.01)
HESTON_MODEL = Heston(spot=100.0, v0=0.05, kappa=1.5, long_var=0.04, vol_of_vol=0.4,
                      correlation=-0.6, rate=0.02, dividend=0.01)
PAYOFFS = [European(100.0, 0.5, "put"), Asian(95.0, 0.5), Digital(105.0, 0.5, width=2.0),
           Barrier(100.0, 120.0, 0.5, direction="up", knock="out", width=1.0),
           Barrier(100.0, 85.0, 0.5, kind="put", direction="down", knock="in", width=1.0),
           Lookback(0.5), Lookback(0.5, kind="put", strike=100.0)]


@pytest.mark.parametrize("model", [GBM_MODEL, HESTON_MODEL], ids=["gbm", "heston"])
@pytest.mark.parametrize("payoff", PAYOFFS, ids=lambda p: type(p).__name__)
def test_adjoint_equals_common_random_number_differences(model, payoff):
    """The pathwise derivative is the limit of bump-and-revalue with the same random numbers."""
    common = dict(n_paths=400, n_steps=6, seed=7, batch_size=200)
    res = monte_carlo_greeks(model, payoff, **common)
    names = list(model.greek_names) + ["maturity"]
    for name in names:
        h = 1e-6
        up = monte_carlo_price(*_bump(model, payoff, name, h), **common).price
        down = monte_carlo_price(*_bump(model, payoff, name, -h), **common).price
        greek = "theta" if name == "maturity" else model.greek_names[name]
        expected = (up - down) / (2 * h) * (-1 if name == "maturity" else 1)
        assert res.greeks[greek] == pytest.approx(expected, rel=2e-4, abs=1e-6), greek


def test_knock_in_plus_knock_out_is_vanilla():
    common = dict(n_paths=2000, n_steps=12, seed=3)
    vanilla = monte_carlo_greeks(GBM_MODEL, European(100.0, 0.5), **common)
    parts = [monte_carlo_greeks(GBM_MODEL, Barrier(100.0, 115.0, 0.5, knock=k), **common)
             for k in ("in", "out")]
    assert parts[0].price + parts[1].price == pytest.approx(vanilla.price, rel=1e-12)
    for name in vanilla.greeks:
        assert parts[0].greeks[name] + parts[1].greeks[name] == pytest.approx(
            vanilla.greeks[name], rel=1e-10, abs=1e-12)


def test_reproducible_and_independent_of_executor():
    common = dict(n_paths=3000, n_steps=5, seed=123, batch_size=1000)
    serial = monte_carlo_greeks(HESTON_MODEL, Asian(100.0, 1.0), **common)
    again = monte_carlo_greeks(HESTON_MODEL, Asian(100.0, 1.0), **common)
    assert serial.to_dict() == again.to_dict()
    with ThreadPoolExecutor(2) as pool:
        threaded = monte_carlo_greeks(HESTON_MODEL, Asian(100.0, 1.0), executor=pool, **common)
    with ProcessPoolExecutor(2) as pool:
        processes = monte_carlo_greeks(HESTON_MODEL, Asian(100.0, 1.0), executor=pool, **common)
    for other in (threaded, processes):
        assert other.price == pytest.approx(serial.price, rel=1e-13)
        for name, value in serial.greeks.items():
            assert other.greeks[name] == pytest.approx(value, rel=1e-12, abs=1e-14)
    different = monte_carlo_greeks(HESTON_MODEL, Asian(100.0, 1.0), **{**common, "seed": 124})
    assert different.price != serial.price


def test_dask_executor_if_available():
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        res = monte_carlo_greeks(GBM_MODEL, European(100.0, 0.5), 2000, 4, seed=1,
                                 batch_size=500, executor=client.get_executor())
    serial = monte_carlo_greeks(GBM_MODEL, European(100.0, 0.5), 2000, 4, seed=1, batch_size=500)
    assert res.greeks["delta"] == pytest.approx(serial.greeks["delta"], rel=1e-12)


def test_errors_and_result_dict():
    from sciad.finance import OptionInputError
    with pytest.raises(OptionInputError, match="vol must be > 0"):
        GBM(100.0, -0.2)
    with pytest.raises(OptionInputError, match="correlation"):
        Heston(100.0, 0.04, 1.0, 0.04, 0.3, -1.5)
    with pytest.raises(OptionInputError, match="unknown option kind"):
        European(100.0, 1.0, "chooser")
    with pytest.raises(OptionInputError, match="n_paths"):
        monte_carlo_greeks(GBM_MODEL, European(100.0, 1.0), n_paths=0)
    d = monte_carlo_greeks(GBM_MODEL, European(100.0, 1.0), 100, 2).to_dict()
    assert d["units"]["theta"] == "price per year" and set(d["greeks"]) == set(d["units"]) - {"price"}


def test_models_payoffs_and_inputs_are_validated():
    from sciad.finance import OptionInputError
    cases = [
        (lambda: GBM(100.0, np.array([0.2, 0.3])), "vol must be a real number"),
        (lambda: GBM(100.0, 0.2, rate=np.nan), "rate must be finite"),
        (lambda: European(-100.0, 1.0), "strike must be > 0"),
        (lambda: Barrier(100.0, -5.0, 1.0), "barrier must be > 0"),
        (lambda: Lookback(1.0, "put", strike=0.0), "strike must be > 0"),
        (lambda: monte_carlo_greeks("gbm", European(100.0, 1.0), 100, 2), "model str lacks"),
        (lambda: monte_carlo_greeks(GBM_MODEL, (100.0, 1.0), 100, 2), "payoff tuple lacks"),
        (lambda: monte_carlo_greeks(replace(HESTON_MODEL, correlation=-1.0), European(100.0, 1.0),
                                    100, 2), "dcorrelation does not exist"),
    ]
    for make, message in cases:
        with pytest.raises(OptionInputError, match=message):
            make()
    # the price alone is defined at perfect correlation
    price = monte_carlo_price(replace(HESTON_MODEL, correlation=-1.0), European(100.0, 1.0), 100, 2)
    assert np.isfinite(price.price) and price.greeks == {}
