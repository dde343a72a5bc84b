"""Test problems shared by the ODE tests, with their independent references."""

import numpy as np
import scipy.integrate

LOG_RATES = np.log10([0.04, 3e7, 1e4])  # Robertson's rate constants, on a log10 scale


def robertson(t, y, p):
    """Robertson's stiff chemical kinetics (Hairer & Wanner, ROBER), log10 rate constants."""
    k1, k2, k3 = 10.0 ** p
    y1, y2, y3 = y
    return [-k1 * y1 + k3 * y2 * y3,
            k1 * y1 - k3 * y2 * y3 - k2 * y2 ** 2,
            k2 * y2 ** 2]


def robertson_jacobian(p, y):
    """df/dy written out by hand."""
    k1, k2, k3 = 10.0 ** np.asarray(p)
    return np.array([[-k1, k3 * y[2], k3 * y[1]],
                     [k1, -k3 * y[2] - 2 * k2 * y[1], -k3 * y[1]],
                     [0.0, 2 * k2 * y[1], 0.0]])


def robertson_tight(p, y0, t):
    """States at the times t, solved with Radau, the hand Jacobian and tight tolerances."""
    res = scipy.integrate.solve_ivp(lambda s, y: robertson(s, y, p), (0.0, t[-1]), y0,
                                    method="Radau", t_eval=t,
                                    jac=lambda s, y: robertson_jacobian(p, y),
                                    rtol=1e-11, atol=1e-15)
    return res.y.T


def lotka_volterra(t, y, p):
    prey, predator = y
    return [p["alpha"] * prey - p["beta"] * prey * predator,
            p["delta"] * prey * predator - p["gamma"] * predator]


LV_PARAMS = {"alpha": 1.1, "beta": 0.4, "delta": 0.1, "gamma": 0.4}


def lotka_volterra_tight(p, y0, t):
    res = scipy.integrate.solve_ivp(lambda s, y: lotka_volterra(s, y, p), (t[0], t[-1]), y0,
                                    method="DOP853", t_eval=t, rtol=1e-12, atol=1e-12)
    return res.y.T
