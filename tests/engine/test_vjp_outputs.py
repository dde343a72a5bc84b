"""vjp of several outputs: one backward pass for all of them, exact-zero cotangents skipped."""

import numpy as np
import pytest

import sciad
from sciad.engine import graph


def pair(x, y):
    shared = np.exp(x) * y
    return np.sin(shared), {"b": shared * x, "c": y ** 3}


def test_several_outputs_match_closed_form():
    x, y = np.array([0.3, -0.2, 1.1]), np.array([0.5, 2.0, -0.7])
    (a, tree), pull = sciad.vjp(pair, x, y)
    u, v, w = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -1.0]), np.array([2.0, 1.0, 3.0])
    gx, gy = pull((u, {"b": v, "c": w}))
    e = np.exp(x)
    shared = e * y
    # d/dx: u cos(s) s + v (s + s x); d/dy: u cos(s) e + v e x + w 3 y^2
    np.testing.assert_allclose(gx, u * np.cos(shared) * shared + v * (shared + shared * x),
                               rtol=1e-13)
    np.testing.assert_allclose(gy, u * np.cos(shared) * e + v * e * x + w * 3 * y ** 2,
                               rtol=1e-13)


def test_one_backward_pass_and_zero_cotangents_skip_their_outputs(monkeypatch):
    calls = []
    real = graph.backward

    def counting(root, cotangent, **kwargs):
        calls.append(root)
        return real(root, cotangent, **kwargs)

    monkeypatch.setattr(sciad.engine.transforms, "backward", counting)
    x, y = np.array([0.3, -0.2]), np.array([0.5, 2.0])
    _, pull = sciad.vjp(pair, x, y)
    ones, zeros = np.ones(2), np.zeros(2)
    pull((ones, {"b": ones, "c": ones}))
    assert len(calls) == 1
    calls.clear()
    # only "c" seeded: y**3's subgraph alone, so x receives an exact zero
    gx, gy = pull((zeros, {"b": zeros, "c": ones}))
    assert len(calls) == 1
    np.testing.assert_array_equal(gx, 0.0)
    np.testing.assert_allclose(gy, 3 * y ** 2, rtol=1e-14)
    calls.clear()
    gx, gy = pull((zeros, {"b": zeros, "c": zeros}))
    assert calls == []
    assert gx.shape == x.shape and gy.shape == y.shape
    np.testing.assert_array_equal(gx, 0.0)
    np.testing.assert_array_equal(gy, 0.0)


def test_traced_zero_cotangent_still_differentiated():
    # jvp differentiates the vjp with respect to its (zero-valued) cotangent
    x = np.array([0.4, 1.3])
    v = np.array([1.0, -2.0])
    out, tangent = sciad.jvp(lambda z: (np.sin(z), z * z), (x,), (v,))
    np.testing.assert_allclose(tangent[0], np.cos(x) * v, rtol=1e-14)
    np.testing.assert_allclose(tangent[1], 2 * x * v, rtol=1e-14)


def test_second_order_through_several_outputs_against_finite_differences():
    def f(x):
        _, pull = sciad.vjp(lambda z: (np.sin(z) * z, np.exp(z)), x)
        (g,) = pull((np.ones_like(x), 2.0 * np.ones_like(x)))
        return np.sum(g * g)

    x = np.array([0.2, -0.9, 0.6])
    analytic = sciad.grad(f)(x)
    h = 1e-6
    fd = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(analytic, fd, rtol=1e-7)


def test_cotangents_not_written_into():
    x = np.array([0.3, -0.2])
    _, pull = sciad.vjp(lambda z: (z * 2.0, z * 3.0, z + 1.0), x)
    cts = (np.ones(2), np.full(2, 2.0), np.full(2, 4.0))
    copies = [c.copy() for c in cts]
    (g,) = pull(cts)
    np.testing.assert_allclose(g, 2.0 + 6.0 + 4.0)
    for c, copy in zip(cts, copies):
        np.testing.assert_array_equal(c, copy)


@pytest.mark.parametrize("cotangent", [np.zeros(2), np.array([0.0, -0.0])])
def test_zero_cotangent_gives_zero_even_through_infinite_partials(cotangent):
    # a skipped output contributes an exact zero (JAX's symbolic zeros), not 0 * inf = nan
    x = np.array([0.0, 1.0])
    _, pull = sciad.vjp(lambda z: (np.sqrt(z), z * 2.0), x)
    (g,) = pull((cotangent, np.ones(2)))
    np.testing.assert_array_equal(g, [2.0, 2.0])


def test_vjp_result_never_is_the_callers_cotangent():
    # x + 1 hands its cotangent through unchanged: the result must still be an array of its own
    ct = np.array([1.0, 2.0, 3.0])
    _, pull = sciad.vjp(lambda x: x + 1.0, np.ones(3))
    (g,) = pull(ct)
    assert not np.shares_memory(g, ct)
    g *= 10.0
    np.testing.assert_array_equal(ct, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(pull(ct)[0], [1.0, 2.0, 3.0])
