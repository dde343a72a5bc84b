"""least_squares, root and the dense Jacobians they get."""

import numpy as np
import pytest
import scipy.optimize

import sciad
import sciad.optimize as so
from sciad.optimize._dense_jacobian import dense_jacobian

RNG = np.random.default_rng(7)
TALL = RNG.normal(size=(9, 3))   # more outputs than inputs: forward columns
WIDE = RNG.normal(size=(2, 6))   # fewer outputs than inputs: reverse rows


@pytest.mark.parametrize("matrix", [TALL, WIDE], ids=["forward-columns", "reverse-rows"])
def test_dense_jacobian_both_ways_matches_finite_differences(matrix):
    def fun(x, scale):
        return scale * np.tanh(matrix @ x) * x[0] + np.sum(x ** 2)

    x = RNG.normal(size=matrix.shape[1])
    expected = sciad.numerical_jacobian(lambda y: fun(y, 1.5), x)
    np.testing.assert_allclose(dense_jacobian(fun, x, 1.5), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dense_jacobian(fun, x, 1.5, n_out=matrix.shape[0]), expected,
                               rtol=1e-7, atol=1e-9)


def decay_residuals(p, t, y):
    return p["amplitude"] * np.exp(-p["rate"] * t) + p["offset"] - y


def test_least_squares_pytree_matches_scipy_with_finite_differences():
    t = np.linspace(0, 5, 40)
    y = 2.5 * np.exp(-1.3 * t) + 0.4 + 0.01 * np.sin(7 * t)
    x0 = {"amplitude": 1.0, "rate": 0.5, "offset": 0.0}
    res = so.least_squares(decay_residuals, x0, args=(t, y), xtol=1e-14, ftol=1e-14,
                           gtol=1e-14)
    names = list(x0)

    def flat(v):
        return decay_residuals(dict(zip(names, v)), t, y)

    reference = scipy.optimize.least_squares(flat, [1.0, 0.5, 0.0], jac="3-point", xtol=1e-14,
                                             ftol=1e-14, gtol=1e-14)
    np.testing.assert_allclose(res.x, reference.x, rtol=1e-7)
    assert res.names == names
    assert res.params["rate"] == pytest.approx(reference.x[1], rel=1e-7)
    np.testing.assert_allclose(res.jac, sciad.numerical_jacobian(flat, res.x), rtol=1e-6,
                               atol=1e-8)


def test_least_squares_bounds_by_name_are_active():
    t = np.linspace(0, 5, 40)
    y = 2.5 * np.exp(-1.3 * t) + 0.4
    res = so.least_squares(decay_residuals, {"amplitude": 1.0, "rate": 0.5, "offset": 0.0},
                           args=(t, y), bounds={"rate": (0.0, 1.0)})
    assert res.params["rate"] == pytest.approx(1.0, abs=1e-6)


def test_root_of_a_nonlinear_system_with_a_known_solution():
    # x^2 + y^2 = 5 and x * y = 2 with x > y > 0: (2, 1)
    def equations(v):
        return np.stack([v[0] ** 2 + v[1] ** 2 - 5.0, v[0] * v[1] - 2.0])

    for method in ["hybr", "lm"]:
        res = so.root(equations, np.array([3.0, 0.5]), method=method)
        assert res.success, res.message
        np.testing.assert_allclose(res.x, [2.0, 1.0], atol=1e-10)


def test_root_pytree_and_square_system_error():
    res = so.root(lambda p: np.stack([np.exp(p["a"]) - 2.0, p["b"] ** 3 - p["a"]]),
                  {"a": 1.0, "b": 1.0})
    assert res.params["a"] == pytest.approx(np.log(2.0))
    assert res.params["b"] == pytest.approx(np.log(2.0) ** (1 / 3))
    with pytest.raises(so.ProblemError, match="returned 3 values for 2 unknowns"):
        so.root(lambda x: np.stack([x[0], x[1], x[0] * x[1]]), np.ones(2))


def test_residuals_that_are_not_finite_at_x0():
    with np.errstate(all="ignore"), pytest.raises(so.ProblemError, match="not finite at x0"):
        so.least_squares(lambda x: np.log(x), np.array([1.0, -1.0]))
