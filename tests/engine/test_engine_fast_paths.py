"""The engine's fast paths give the same answers as the general ones.

Each test targets one shortcut taken for speed (the per-level tape, the GC pause, the inlined
operator and ufunc recording, the slice scatter, np.sum as add.reduce, the early release of
forward values) and checks it against a closed form written out here or finite differences.
"""

import gc
import threading

import numpy as np
import pytest

import sciad


@pytest.fixture(autouse=True)
def _collector_back_on():
    yield
    gc.enable()


# --- the cyclic GC pause -------------------------------------------------------------------
def test_gc_is_enabled_again_after_every_transform():
    x = np.array([0.3, -0.7, 1.1])
    f = lambda x: np.sum(np.sin(x) * x)  # noqa: E731
    sciad.grad(f)(x)
    sciad.value_and_grad(f)(x)
    sciad.jacobian(np.sin)(x)
    sciad.hessian(f)(x)
    out, vjp_fn = sciad.vjp(np.sin, x)
    vjp_fn(np.ones(3))
    sciad.jvp(np.sin, (x,), (np.ones(3),))
    sciad.hvp(f)(x, np.ones(3))
    assert gc.isenabled()


def test_gc_is_enabled_again_when_the_function_raises():
    def broken(x):
        raise ValueError("model failed")

    with pytest.raises(ValueError, match="model failed"):
        sciad.grad(broken)(np.ones(2))
    assert gc.isenabled()


def test_gc_left_off_when_the_caller_switched_it_off():
    gc.disable()
    g = sciad.grad(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    assert not gc.isenabled()
    np.testing.assert_allclose(g, [3.0, 12.0])


def test_gc_is_paused_while_the_function_runs():
    seen = []

    def f(x):
        seen.append(gc.isenabled())
        return np.sum(x * x)

    sciad.grad(f)(np.ones(2))
    assert seen == [False]


# --- the per-level tape ----------------------------------------------------------------------
def test_dead_branches_recorded_on_the_tape_do_not_contribute():
    x = np.array([0.5, 1.5, -2.0])

    def f(x):
        unused = np.exp(x) * 3.0  # recorded, never reaches the output
        y = np.sin(x) * x
        _ = np.sum(unused * y)
        return np.sum(y)

    expected = np.cos(x) * x + np.sin(x)
    np.testing.assert_allclose(sciad.grad(f)(x), expected, rtol=1e-14)


def test_output_that_is_an_input_leaf():
    assert sciad.grad(lambda x: x)(2.5) == 1.0
    np.testing.assert_array_equal(sciad.jacobian(lambda x: x)(np.ones(2)), np.eye(2))


def test_shared_subexpressions_sum_their_cotangents():
    # y is used four times: the tape order must process every consumer before y itself
    x = np.array([0.2, -1.3])

    def f(x):
        y = np.tanh(x)
        return np.sum(y * y + 2.0 * y - np.exp(y))

    y = np.tanh(x)
    expected = (2.0 * y + 2.0 - np.exp(y)) * (1.0 - y ** 2)
    np.testing.assert_allclose(sciad.grad(f)(x), expected, rtol=1e-13)


def test_vjp_function_reused_gives_the_same_cotangents():
    x = np.array([0.1, 0.4, 0.9])
    out, vjp_fn = sciad.vjp(lambda x: np.cumsum(np.sin(x)), x)
    first = vjp_fn(np.array([1.0, 2.0, 3.0]))[0]
    second = vjp_fn(np.array([1.0, 2.0, 3.0]))[0]
    expected = np.cos(x) * np.array([6.0, 5.0, 3.0])
    np.testing.assert_allclose(first, expected, rtol=1e-14)
    np.testing.assert_array_equal(first, second)


def test_object_api_orders_a_diamond_graph():
    x = sciad.tensor(np.array([0.5, 2.0]), requires_grad=True)
    y = x * x
    z = np.sin(y) + y * 3.0
    loss = np.sum(z * y)
    loss.backward()
    v = x.numpy() ** 2
    expected = (np.cos(v) * v + np.sin(v) + 6.0 * v) * 2.0 * x.numpy()
    np.testing.assert_allclose(x.grad, expected, rtol=1e-13)


def test_threads_record_on_their_own_tapes():
    results = {}

    def work(k):
        x = np.linspace(0.1, 1.0, 50) * k
        for _ in range(20):
            g = sciad.grad(lambda x: np.sum(np.sin(x) * k))(x)
        results[k] = np.max(np.abs(g - k * np.cos(x)))

    threads = [threading.Thread(target=work, args=(k,)) for k in (1.0, 2.0, 3.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results and max(results.values()) < 1e-13


# --- inlined operators and ufuncs ------------------------------------------------------------
def test_operators_with_constants_on_either_side():
    x = np.array([0.5, 1.5, 3.0])
    c = np.array([2.0, -1.0, 0.25])

    def f(x):
        return np.sum(2.0 - x + x * 3.0 + 4.0 / x + x / 5.0 + c * x + x - c + np.cos(x))

    expected = -1.0 + 3.0 - 4.0 / x ** 2 + 0.2 + c + 1.0 - np.sin(x)
    np.testing.assert_allclose(sciad.grad(f)(x), expected, rtol=1e-14)


def test_operators_inside_no_grad_record_nothing():
    x = sciad.tensor(np.ones(2), requires_grad=True)
    with sciad.no_grad():
        y = np.sin(x * 2.0) + 1.0
    assert not y.requires_grad


def test_float32_passes_through_the_elementwise_rules():
    x = np.array([0.5, 1.0, 2.0], np.float32)
    g = sciad.grad(lambda x: np.sum(np.sin(x) * 0.5 + x * x - 1.0))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 0.5 * np.cos(x) + 2.0 * x, rtol=1e-6)


# --- indexing and sum ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_slice_and_int_indexing_scatter_back(dtype):
    x = np.array([0.3, -1.2, 0.8, 2.0, -0.5], dtype)

    def f(x):
        return np.sum(x[1:] * x[:-1] ** 2) + x[2] * x[-1] + np.sum(x[::2])

    g = sciad.grad(f)(x)
    x64 = x.astype(np.float64)
    expected = np.zeros(5)
    expected[1:] += x64[:-1] ** 2
    expected[:-1] += 2.0 * x64[:-1] * x64[1:]
    expected[2] += x64[-1]
    expected[-1] += x64[2]
    expected[::2] += 1.0
    assert g.dtype == dtype
    np.testing.assert_allclose(g, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_slice_cotangent_added_into_a_borrowed_buffer_leaves_it_alone():
    # x's first cotangent is the caller's own array (x + 0.0 passes it through); the slice's
    # cotangent must go into a copy of it, never into the caller's array
    x = np.array([0.5, -1.0, 2.0, 3.0])
    u = np.array([1.0, 10.0, 100.0, 1000.0])
    u_before = u.copy()

    def f(x):
        return np.concatenate([x[1:], np.zeros(1)]) + (x + 0.0)

    _, pull = sciad.vjp(f, x)
    (g,) = pull(u)
    np.testing.assert_array_equal(u, u_before)
    np.testing.assert_allclose(g, u + np.concatenate([[0.0], u[:-1]]))


@pytest.mark.parametrize("n", [4, 5000])  # a filled cotangent, and a zero-stride view
def test_gradient_of_a_sum_is_a_writable_array_of_its_own(n):
    for f in (lambda x: np.sum(x), lambda x: np.sum(x * 2.0), lambda x: np.sum(x[1:])):
        g = sciad.grad(f)(np.ones(n))
        assert g.flags.writeable and g.flags.owndata and g.strides == (8,)
        g[0] = 7.0  # must not change the next gradient
        assert sciad.grad(f)(np.ones(n))[1] != 7.0
        _, pull = sciad.vjp(f, np.ones(n))
        u = np.array(3.0)
        (h,) = pull(u)
        h[:] = 0.0  # nor the caller's cotangent
        assert u == 3.0


def test_cached_float_constants_give_the_float_results():
    x = np.array([0.5, 1.5, 3.0])
    traced = sciad.value_and_grad(lambda x: np.sum(x * 0.1 + 0.3 * x - x / 0.7 + 0.2 - x))(x)
    np.testing.assert_array_equal(traced[0], np.sum(x * 0.1 + 0.3 * x - x / 0.7 + 0.2 - x))
    np.testing.assert_allclose(traced[1], 0.1 + 0.3 - 1 / 0.7 - 1.0, rtol=1e-15)
    x32 = x.astype(np.float32)  # float32 arrays keep float32 (no cached float64 constant)
    assert sciad.grad(lambda x: np.sum(x * 0.1).astype(np.float64))(x32).dtype == np.float32


def test_slice_indexing_second_order():
    x = np.array([0.3, -1.2, 0.8, 2.0])
    sciad.check_grads(lambda x: np.sum(x[1:] ** 2 * x[:-1]), (x,), order=2)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": -1, "keepdims": True},
                                    {"axis": (0, 1)}, {"initial": 2.0},
                                    {"where": np.array([[True, False, True]] * 2)}])
def test_sum_keywords(kwargs):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    value, g = sciad.value_and_grad(lambda x: np.sum(np.sum(x ** 2, **kwargs)))(x)
    np.testing.assert_allclose(value, np.sum(np.sum(x ** 2, **kwargs)))
    mask = kwargs.get("where", np.ones((2, 3), bool))
    np.testing.assert_allclose(g, np.where(mask, 2.0 * x, 0.0))


def test_sum_keeps_the_requested_dtype():
    x = np.linspace(0.0, 1.0, 4)
    value = sciad.value_and_grad(lambda x: np.sum(x, dtype=np.float32).astype(np.float64))(x)[0]
    assert np.asarray(value).dtype == np.float64
    np.testing.assert_allclose(value, 2.0, rtol=1e-6)


# --- forward values released during the backward pass ----------------------------------------
def test_aux_holding_traced_intermediates_survives_the_backward_pass():
    x = np.array([0.2, 0.4])

    def f(x):
        y = np.exp(x)
        return np.sum(y * y), {"y": y, "first": y[0]}

    (value, aux), g = sciad.value_and_grad(f, has_aux=True)(x)
    np.testing.assert_allclose(aux["y"], np.exp(x), rtol=1e-15)
    np.testing.assert_allclose(aux["first"], np.exp(0.2), rtol=1e-15)
    np.testing.assert_allclose(g, 2.0 * np.exp(2.0 * x), rtol=1e-14)


# --- unbroadcast of plain cotangents ---------------------------------------------------------
def test_broadcast_arguments_receive_summed_cotangents():
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)

    def f(k, row, col, x):
        return np.sum(k * x + row * x ** 2 - col / (2.0 + x))

    k, row, col = 0.7, np.array([0.5, -1.0, 2.0]), np.array([[3.0], [-0.5]])
    gk, grow, gcol = sciad.grad(f, argnums=(0, 1, 2))(k, row, col, x)
    np.testing.assert_allclose(gk, np.sum(x), rtol=1e-14)
    np.testing.assert_allclose(grow, np.sum(x ** 2, axis=0), rtol=1e-14)
    np.testing.assert_allclose(gcol, -np.sum(1.0 / (2.0 + x), axis=1, keepdims=True), rtol=1e-14)
    assert np.shape(gk) == () and grow.shape == (3,) and gcol.shape == (2, 1)


def test_broadcast_float32_argument_keeps_float32():
    k = np.float32(0.5)
    x = np.ones((4, 2), np.float32)
    g = sciad.grad(lambda k: np.sum(k * x * 3.0))(k)
    assert g.dtype == np.float32 and g == pytest.approx(24.0)


def test_broadcast_second_order():
    x = np.array([[0.3, -0.2], [1.1, 0.4]])
    sciad.check_grads(lambda k: np.sum(np.sin(k * x) * k), (np.array([0.8, -0.6]),), order=2)
