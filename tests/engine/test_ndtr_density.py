"""scipy.special.ndtr's derivative, the normal density, to third order against closed forms."""

import numpy as np
import pytest
import scipy.special as sc

import sciad

X = np.array([-6.0, -1.3, 0.0, 0.2, 2.5, 9.0])


def phi(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


def total_ndtr(x):
    return np.sum(sc.ndtr(x))


def test_first_second_third_derivatives():
    g1 = sciad.grad(total_ndtr)
    g2 = sciad.grad(lambda x: np.sum(g1(x)))
    g3 = sciad.grad(lambda x: np.sum(g2(x)))
    np.testing.assert_allclose(g1(X), phi(X), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(g2(X), -X * phi(X), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(g3(X), (X * X - 1) * phi(X), rtol=1e-13, atol=1e-300)
    # the Hessian is diagonal: every entry off the diagonal is an exact zero
    np.testing.assert_allclose(sciad.hessian(total_ndtr)(X), np.diag(-X * phi(X)),
                               rtol=1e-14, atol=0)


def test_second_derivative_against_finite_differences():
    x, h = 0.7, 1e-5
    d1 = sciad.grad(sc.ndtr)
    fd = (d1(x + h) - d1(x - h)) / (2 * h)
    assert sciad.grad(d1)(x) == pytest.approx(fd, rel=1e-8)


def test_inputs_and_cotangents_are_left_alone():
    x = X.copy()
    g = np.linspace(0.5, 3.0, X.size)
    g_before = g.copy()
    _, pull = sciad.vjp(sc.ndtr, x)
    (cot,) = pull(g)
    np.testing.assert_allclose(cot, g * phi(X), rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(g, g_before)
    # second order through a broadcast cotangent (a scalar times every entry)
    hess_vec = sciad.grad(lambda x: np.sum(sciad.grad(total_ndtr)(x) * 2.0))(x)
    np.testing.assert_allclose(hess_vec, -2.0 * X * phi(X), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scalars_and_precision(dtype):
    x = dtype(0.3)
    assert sciad.grad(sc.ndtr)(x) == pytest.approx(phi(0.3), rel=1e-6)
    assert sciad.grad(sciad.grad(sc.ndtr))(x) == pytest.approx(-0.3 * phi(0.3), rel=1e-6)
    array = np.array([0.3, -1.0], dtype)
    assert sciad.grad(total_ndtr)(array).dtype == dtype
