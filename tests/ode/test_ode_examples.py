"""The ODE examples users copy give the right numbers (checked against independent references)."""

import importlib.util
from pathlib import Path

import numpy as np
import scipy.integrate

import sciad

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sir_example_sensitivities_match_finite_differences(capsys):
    sir = _load("sir_sensitivity")
    res = sir.main()
    assert "peak of I" in capsys.readouterr().out
    y0 = np.array([0.99, 0.01, 0.0])
    times = np.array([20.0, 40.0, 80.0])

    def infected(rates):
        p = {"beta": rates[0], "gamma": rates[1]}
        solved = scipy.integrate.solve_ivp(lambda t, y: sir.sir(t, y, p), (0.0, 80.0), y0,
                                           method="DOP853", t_eval=times, rtol=1e-12,
                                           atol=1e-14)
        return solved.y[1]

    numeric = sciad.numerical_jacobian(infected, np.array([0.3, 0.1]), 1e-7)  # (3 times, 2)
    ours = res.dy_dp[1][:, np.searchsorted(res.t, times)].T
    np.testing.assert_allclose(ours, numeric, rtol=1e-5, atol=1e-7)
