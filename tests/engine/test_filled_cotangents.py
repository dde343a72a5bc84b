"""Cotangents that repeat one number (a sum's or a mean's, from 2048 entries on) are zero-stride
views, and a product by a number keeps them so. The rule tables run small arrays, which never
take that path: these tests run it, against derivatives written out by hand."""

import numpy as np
import pytest

import sciad
from sciad.engine.registry import FILLED_MIN

N = 2 * FILLED_MIN + 3


@pytest.fixture
def x():
    return np.random.default_rng(7).uniform(-1.5, 1.5, N)


def test_sum_of_a_constant_multiple(x):
    g = sciad.grad(lambda x: np.sum(100.0 * x ** 2))(x)
    np.testing.assert_allclose(g, 200.0 * x, rtol=1e-14)
    assert g.flags.writeable and g.flags.owndata  # the caller gets an array of its own


def test_mean_of_a_constant_multiple(x):
    g = sciad.grad(lambda x: np.mean(np.sin(x) * 3.0))(x)
    np.testing.assert_allclose(g, 3.0 * np.cos(x) / N, rtol=1e-14)


def test_constant_times_constant_times_sum(x):
    # the view passes through two products by numbers before meeting an array
    g = sciad.grad(lambda x: np.sum(0.5 * (4.0 * np.exp(x))))(x)
    np.testing.assert_allclose(g, 2.0 * np.exp(x), rtol=1e-14)


def test_float32_constant_keeps_float32(x):
    x32 = x.astype(np.float32)
    c = np.array(2.5, dtype=np.float32)
    g = sciad.grad(lambda x: np.sum(np.multiply(c, x * x)))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 5.0 * x32, rtol=1e-6)


def test_complex_number_times_real_array(x):
    c = np.array(2.0 + 1.0j)
    g = sciad.grad(lambda x: np.sum(np.real(np.multiply(c, x)) + np.imag(np.multiply(c, x))))(x)
    np.testing.assert_allclose(g, np.full(N, 3.0), rtol=1e-14)


def test_broadcast_argument_gets_the_summed_view():
    # d/da sum(broadcast_to(a, N) * 2) = 2 N: the view is summed back over the broadcast axis
    g = sciad.grad(lambda a: np.sum(np.broadcast_to(a, (N,)) * 2.0))(np.float64(0.3))
    assert g == pytest.approx(2.0 * N, rel=1e-14)


def test_second_order_through_the_view(x):
    v = np.random.default_rng(8).standard_normal(N)
    hv = sciad.hvp(lambda x: np.sum(100.0 * x ** 2 + 0.5 * x ** 3))(x, v)
    np.testing.assert_allclose(hv, (200.0 + 3.0 * x) * v, rtol=1e-12)


def test_rosenbrock_gradient_at_size(x):
    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    a, b = x[:-1], x[1:]
    expected = np.zeros(N)
    expected[:-1] = -400.0 * a * (b - a ** 2) - 2.0 * (1.0 - a)
    expected[1:] += 200.0 * (b - a ** 2)
    np.testing.assert_allclose(sciad.grad(rosen)(x), expected, rtol=1e-12, atol=1e-12)


def test_square_under_a_sum_and_a_mean(x):
    # square's float64 rule folds the view's number into 2 c x (one pass)
    g = sciad.grad(lambda x: np.sum(np.square(np.sin(x))) + np.mean(x ** 2))(x)
    np.testing.assert_allclose(g, 2.0 * np.sin(x) * np.cos(x) + 2.0 * x / N, rtol=1e-13)


def test_cached_views_never_reach_the_caller(x):
    # the zero-stride views are cached between calls: each caller gets an array of its own
    grad = sciad.grad(lambda x: np.sum(3.0 * np.sin(x)))
    first = grad(x)
    first[:] = 0.0
    np.testing.assert_allclose(grad(x), 3.0 * np.cos(x), rtol=1e-14)


def test_sign_of_a_zero_cotangent_is_kept(x):
    # the sum's cotangent is -0.0, then 0.0: a cached -0.0 view would answer the second call
    assert np.all(np.signbit(sciad.grad(lambda x: np.sum(x) * -0.0)(x)))
    assert not np.any(np.signbit(sciad.grad(lambda x: np.sum(x) * 0.0)(x)))
