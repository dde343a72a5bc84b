"""curve_fit against scipy's own, and sensitivities against finite differences of re-solved
optima."""

import numpy as np
import pytest
import scipy.optimize

import sciad.optimize as so
from sciad.errors import SolverError
from sciad.optimize import _curve_fit


def decay(t, amplitude, rate, offset):
    return amplitude * np.exp(-rate * t) + offset


T = np.linspace(0.0, 4.0, 25)
NOISE = np.random.default_rng(3).normal(0.0, 0.05, T.size)
Y = decay(T, 2.0, 1.1, 0.3) + NOISE
SIGMA = 0.05 + 0.02 * np.cos(T)


@pytest.mark.parametrize("sigma,absolute", [(None, False), (SIGMA, True), (SIGMA, False)])
def test_curve_fit_pcov_matches_scipys_own(sigma, absolute):
    popt, pcov = so.curve_fit(decay, T, Y, p0=[1.0, 1.0, 0.0], sigma=sigma,
                              absolute_sigma=absolute, xtol=1e-14, ftol=1e-14)
    ref_popt, ref_pcov = scipy.optimize.curve_fit(decay, T, Y, p0=[1.0, 1.0, 0.0], sigma=sigma,
                                                  absolute_sigma=absolute, xtol=1e-14,
                                                  ftol=1e-14)
    np.testing.assert_allclose(popt, ref_popt, rtol=1e-7)
    np.testing.assert_allclose(pcov, ref_pcov, rtol=1e-5)


def test_model_jacobian_is_the_closed_form():
    p = (2.0, 1.1, 0.3)
    expected = np.stack([np.exp(-1.1 * T), -2.0 * T * np.exp(-1.1 * T), np.ones_like(T)], axis=1)
    np.testing.assert_allclose(so.model_jacobian(decay)(T, *p), expected, rtol=1e-13)


def _refit(y, sigma=None):
    """A tight reference fit with the model's Jacobian written out (scipy's curve_fit stops
    about 1e-10 short, too coarse for differences of refits)."""
    weights = np.ones_like(T) if sigma is None else sigma

    def residuals(p):
        return (decay(T, *p) - y) / weights

    def jacobian(p):
        e = np.exp(-p[1] * T)
        return np.stack([e, -p[0] * T * e, np.ones_like(T)], axis=1) / weights[:, None]

    return scipy.optimize.least_squares(residuals, [2.0, 1.1, 0.3], jac=jacobian, method="lm",
                                        xtol=1e-15, ftol=1e-15, gtol=1e-15).x


@pytest.mark.parametrize("sigma", [None, SIGMA])
def test_fit_sensitivity_matches_refitting_perturbed_data(sigma):
    popt = _refit(Y, sigma)
    sens = so.fit_sensitivity(decay, T, Y, popt, sigma=sigma)
    assert sens.x_names == ["amplitude", "rate", "offset"]
    assert sens.theta_names[:2] == ["y[0]", "y[1]"]
    step = 1e-3  # central differences: O(step^2), well above the refits' own precision
    for j in [0, 7, 24]:
        up, down = Y.copy(), Y.copy()
        up[j] += step
        down[j] -= step
        moved = (_refit(up, sigma) - _refit(down, sigma)) / (2 * step)
        np.testing.assert_allclose(sens.matrix[:, j], moved, rtol=1e-5, atol=1e-7)


def test_fit_sensitivity_rejects_a_covariance_matrix():
    with pytest.raises(so.ProblemError, match="one standard deviation per data point"):
        so.fit_sensitivity(decay, T, Y, [2.0, 1.1, 0.3], sigma=np.eye(T.size))


def regularised(x, theta):
    """A smooth, strictly convex objective whose optimum moves nonlinearly with theta."""
    a, b = theta["a"], theta["b"]
    return np.sum(np.cosh(x - a)) + 0.5 * b * np.sum(x ** 2) + 0.1 * np.sum(x[1:] * x[:-1])


def _solve(theta, n):
    """The optimum from its stationarity condition, with the gradient written out by hand."""
    def gradient(x):
        coupling = np.zeros_like(x)
        coupling[:-1] += 0.1 * x[1:]
        coupling[1:] += 0.1 * x[:-1]
        return np.sinh(x - theta["a"]) + theta["b"] * x + coupling

    res = scipy.optimize.root(gradient, np.zeros(n), tol=1e-14)
    assert res.success
    return res.x


@pytest.mark.parametrize("solver,n", [("dense", 6), ("krylov", 6), ("auto", 40)])
def test_optimum_sensitivity_matches_finite_differences_of_resolved_optima(solver, n,
                                                                            monkeypatch):
    monkeypatch.setattr(so._sensitivity, "KRYLOV_THRESHOLD", 10)
    theta = {"a": np.linspace(-0.5, 0.5, n), "b": 1.3}
    x_opt = _solve(theta, n)
    sens = so.optimum_sensitivity(regularised, x_opt, theta, solver=solver,
                                  krylov_threshold=10 if solver == "auto" else 500)
    assert sens.solver == ("krylov" if solver == "auto" else solver)
    assert sens.gradient_norm < 1e-8
    assert sens.matrix.shape == (n, n + 1)
    assert sens.theta_names[-1] == "b"
    step = 1e-6
    for j, name in [(0, "a[0]"), (n // 2, f"a[{n // 2}]"), (n, "b")]:
        up = {"a": theta["a"].copy(), "b": theta["b"]}
        down = {"a": theta["a"].copy(), "b": theta["b"]}
        if name == "b":
            up["b"] += step
            down["b"] -= step
        else:
            up["a"][j] += step
            down["a"][j] -= step
        moved = (_solve(up, n) - _solve(down, n)) / (2 * step)
        np.testing.assert_allclose(sens.matrix[:, sens.theta_names.index(name)], moved,
                                   rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sens.column("b"), sens.matrix[:, -1])
    assert sens.to_dict()["theta_names"] == sens.theta_names


def test_optimum_sensitivity_closed_form_with_pytree_optimum():
    # argmin_x sum((x - theta)^2) + c * x^2 per entry: x* = theta / (1 + c), dx*/dtheta = I/(1+c)
    def fun(p, theta):
        return np.sum((p["x"] - theta) ** 2 + 3.0 * p["x"] ** 2)

    theta = np.array([1.0, -2.0])
    sens = so.optimum_sensitivity(fun, {"x": theta / 4}, theta)
    np.testing.assert_allclose(sens.matrix, np.eye(2) / 4, atol=1e-14)
    assert sens.x_names == ["x[0]", "x[1]"]
    assert sens.theta_names == ["theta[0]", "theta[1]"]
    assert sens.positive_definite
    np.testing.assert_allclose(sens.column("theta[1]")["x"], [0.0, 0.25], atol=1e-14)


def test_saddle_point_is_flagged_and_singular_hessian_raises():
    # a nondegenerate saddle of x0^2 - x1^2 - theta . x: x* = (theta0 / 2, -theta1 / 2)
    saddle = so.optimum_sensitivity(lambda x, t: x[0] ** 2 - x[1] ** 2 - np.sum(t * x),
                                    np.zeros(2), np.zeros(2))
    np.testing.assert_allclose(saddle.matrix, np.diag([0.5, -0.5]), atol=1e-14)
    assert saddle.positive_definite is False
    with pytest.raises(SolverError, match="singular"):
        so.optimum_sensitivity(lambda x, t: (x[0] - t) ** 2 + 0.0 * x[1], np.zeros(2), 1.0)
    with pytest.raises(so.ProblemError, match="solver must be"):
        so.optimum_sensitivity(lambda x, t: np.sum((x - t) ** 2), np.zeros(2), 1.0,
                               solver="lu")


def test_parameter_names_fall_back_for_star_args():
    assert _curve_fit._parameter_names(lambda t, *p: p[0] * t, 2) == ["p[0]", "p[1]"]
