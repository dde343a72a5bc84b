"""The engine's core: transforms, nesting, pytrees, assignment, object API, errors."""

import math

import numpy as np
import pytest

import sciad


def test_grad_matches_closed_form():
    x = np.array([0.3, -1.2, 2.0])
    expected = 2 * np.sin(x) * np.cos(x)
    np.testing.assert_allclose(sciad.grad(lambda x: np.sum(np.sin(x) ** 2))(x), expected)


def test_nested_grad_third_derivative():
    # d^3/dx^3 x^5 = 60 x^2
    f = lambda x: x ** 5  # noqa: E731
    assert sciad.grad(sciad.grad(sciad.grad(f)))(1.5) == pytest.approx(60 * 1.5 ** 2)


def test_no_perturbation_confusion():
    # d/dx [ d/dy (x*y) at y=1 ] = d/dx x = 1 (Siskind & Pearlmutter's example)
    assert sciad.grad(lambda x: sciad.grad(lambda y: x * y)(1.0))(2.0) == pytest.approx(1.0)
    # d/dx [x * d/dy (x + y)] = d/dx x = 1, not 2
    assert sciad.grad(lambda x: x * sciad.grad(lambda y: x + y)(1.0))(3.0) == pytest.approx(1.0)


def test_hessian_and_hvp_against_closed_form():
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    f = lambda x: 0.5 * x @ a @ x + np.sum(x ** 3)  # noqa: E731
    x = np.array([0.7, -0.4])
    expected = a + np.diag(6 * x)
    np.testing.assert_allclose(sciad.hessian(f)(x), expected)
    v = np.array([1.0, -2.0])
    np.testing.assert_allclose(sciad.hvp(f)(x, v), expected @ v)


def test_jacobian_and_jvp_agree():
    f = lambda x: np.stack([x[0] * x[1], np.exp(x[0]) + x[1] ** 2, np.sin(x[1])])  # noqa: E731
    x = np.array([0.5, -1.5])
    expected = np.array([[x[1], x[0]], [np.exp(x[0]), 2 * x[1]], [0.0, np.cos(x[1])]])
    np.testing.assert_allclose(sciad.jacobian(f)(x), expected)
    out, tangent = sciad.jvp(f, (x,), (np.array([1.0, 2.0]),))
    np.testing.assert_allclose(tangent, expected @ [1.0, 2.0])
    np.testing.assert_allclose(out, f(x))


def test_vjp_called_twice_reuses_forward_pass():
    out, vjp_fn = sciad.vjp(lambda x: np.sin(x) * 2.0, np.array([0.1, 0.2]))
    (first,) = vjp_fn(np.array([1.0, 0.0]))
    (second,) = vjp_fn(np.array([0.0, 1.0]))
    np.testing.assert_allclose(first + second, 2 * np.cos([0.1, 0.2]))


def test_pytree_arguments_and_argnums():
    def f(params, scale):
        return scale * (params["a"] ** 2 + np.sum(params["w"] * params["w"]))

    params = {"a": 3.0, "w": np.array([1.0, -2.0])}
    g_params, g_scale = sciad.grad(f, argnums=(0, 1))(params, 2.0)
    assert g_params["a"] == pytest.approx(12.0)
    np.testing.assert_allclose(g_params["w"], [4.0, -8.0])
    assert g_scale == pytest.approx(9.0 + 5.0)
    assert list(g_params) == ["a", "w"]


def test_has_aux_and_value_and_grad():
    (value, aux), g = sciad.value_and_grad(lambda x: (x ** 2, "note"), has_aux=True)(3.0)
    assert value == pytest.approx(9.0) and aux == "note" and g == pytest.approx(6.0)


def test_assignment_gradients():
    def f(x):
        y = x * 1.0
        y[0] = x[1] ** 2          # overwrite: x[0] no longer reaches the output through y[0]
        y[x > 0] *= 2.0           # masked in-place update
        return np.sum(y)

    x = np.array([0.3, -1.2, 2.0])
    # y = [x1^2, x1, 2*x2] (x1 < 0 so y1 unscaled; x1^2 > 0 so y0 doubled): f = 2 x1^2 + x1 + 2 x2
    np.testing.assert_allclose(sciad.grad(f)(x), [0.0, 4 * x[1] + 1.0, 2.0])


def test_assignment_into_zeros_like():
    def f(x):
        out = np.zeros_like(x)
        out[1:] = np.cumsum(x)[:-1] if False else x[:-1] * x[1:]
        return np.sum(out)

    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(sciad.grad(f)(x), [2.0, 1.0 + 3.0, 2.0])


def test_object_api_backward_and_grad_accumulation():
    x = sciad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])
    (3.0 * x).sum().backward()
    np.testing.assert_allclose(x.grad, [5.0, 7.0, 9.0])
    assert x.detach().requires_grad is False
    np.testing.assert_allclose(x.numpy(), [1.0, 2.0, 3.0])


def test_object_api_nonscalar_backward_needs_cotangent():
    x = sciad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    with pytest.raises(RuntimeError, match="explicit cotangent"):
        y.backward()
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad, [3.0, 30.0])


def test_object_api_graph_freed_after_backward():
    x = sciad.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        y.backward()


def test_conversions_that_drop_derivatives_raise():
    with pytest.raises(sciad.NotDifferentiableError, match="float"):
        sciad.grad(lambda x: float(x) * 2)(1.0)
    with pytest.raises(sciad.NotDifferentiableError, match="math"):
        sciad.grad(lambda x: math.exp(x))(1.0)
    with pytest.raises(sciad.NotDifferentiableError, match="np.stack"):
        sciad.grad(lambda x: np.sum(np.asarray(x)))(np.ones(2))


def test_missing_rule_names_the_function():
    with pytest.raises(NotImplementedError, match="sciad has no derivative rule for numpy.insert"):
        sciad.grad(lambda x: np.sum(np.insert(x, 1, 5.0)))(np.ones(2))


def test_grad_of_nonscalar_raises():
    with pytest.raises(TypeError, match="scalar output"):
        sciad.grad(lambda x: x * 2)(np.ones(3))


def test_stop_gradient_and_no_grad():
    g = sciad.grad(lambda x: x * sciad.stop_gradient(x))(3.0)
    assert g == pytest.approx(3.0)
    x = sciad.tensor([1.0], requires_grad=True)
    with sciad.no_grad():
        y = x * 2
    assert not y.requires_grad


def test_custom_vjp_is_used():
    @sciad.custom_vjp
    def clipped_identity(x):
        return x

    clipped_identity.defvjp(lambda x: (x, None), lambda res, g: (np.clip(g, -1, 1),))
    g = sciad.grad(lambda x: np.sum(5.0 * clipped_identity(x)))(np.ones(2))
    np.testing.assert_allclose(g, [1.0, 1.0])


def test_custom_vjp_cotangent_of_the_wrong_shape_is_refused():
    @sciad.custom_vjp
    def f(x):
        return np.sin(x)

    f.defvjp(lambda x: (np.sin(x), x), lambda x, g: (np.ones(5),))
    with pytest.raises(ValueError, match=r"cotangent of shape \(5,\) for argument 0, which has "
                                         r"shape \(3,\)"):
        sciad.grad(lambda x: np.sum(np.exp(f(x))))(np.ones(3))
    f.defvjp(lambda x: (np.sin(x), x), lambda x, g: (2.0,))  # a scalar broadcasts
    np.testing.assert_allclose(sciad.grad(lambda x: np.sum(f(x) * 3.0))(np.ones(3)), 2.0)


def test_checkpoint_gives_the_same_gradient():
    f = lambda x: np.sum(np.tanh(np.sin(x) * x))  # noqa: E731
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(sciad.grad(lambda x: sciad.checkpoint(f)(x))(x), sciad.grad(f)(x))


def test_float32_preserved():
    x = np.array([0.5, 1.5], dtype=np.float32)
    g = sciad.grad(lambda x: np.sum(np.maximum(x, 1.0) * np.sin(x)))(x)
    assert g.dtype == np.float32


def test_long_chain_has_no_recursion_limit():
    def f(x):
        for _ in range(100_000):
            x = x * 1.0000001
        return x

    assert sciad.grad(f)(1.0) == pytest.approx(1.0000001 ** 100_000)


def test_check_grads_names_worst_element():
    @sciad.custom_vjp
    def wrong(x):
        return x ** 2

    wrong.defvjp(lambda x: (x ** 2, x), lambda x, g: (g * 3 * x,))
    with pytest.raises(sciad.GradientCheckError, match="worst element"):
        sciad.check_grads(lambda x: np.sum(wrong(x)), (np.array([1.0, 2.0]),))


def test_check_grads_refuses_points_where_finite_differences_are_nan():
    with pytest.raises(sciad.GradientCheckError, match=r"finite differences are nan at element \(0,\)"):
        with np.errstate(invalid="ignore"):
            sciad.check_grads(lambda x: np.sum(np.sqrt(x)), (np.array([-1.0, 1.0]),))


def test_adapters_load_on_first_attribute_access():
    import importlib
    import sys

    assert sciad.optimize is importlib.import_module("sciad.optimize")
    assert sciad.physics.__name__ == "sciad.physics" and "sciad.physics" in sys.modules
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        sciad.nonexistent  # noqa: B018


def test_tensor_behaves_like_ndarray_inside_grad():
    def f(x):
        m = x.reshape(2, 3)
        assert m.shape == (2, 3) and m.ndim == 2 and m.size == 6 and m.dtype == np.float64
        assert len(m) == 2 and [row.shape for row in m] == [(3,), (3,)]
        total = (m.T @ m).sum() + abs(-m).sum() + (m ** 2).mean(axis=1).sum()
        return total - (1.0 / m).sum() + (2.0 - m).max() + m[0].dot(m[1])

    x = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    m = x.reshape(2, 3)
    # closed form: d/dm of sum(m^T m) = 2 * (m @ 1) per row broadcast; abs -> 1; mean(m^2) -> 2m/3;
    # -(1/m) -> 1/m^2; max(2 - m) is at the smallest entry -> -1 there; m0.m1 -> swaps rows
    expected = 2 * np.sum(m, axis=1, keepdims=True) * np.ones((2, 3)) + 1 + 2 * m / 3 + 1 / m ** 2
    expected[0, 0] -= 1.0
    expected[0] += m[1]
    expected[1] += m[0]
    np.testing.assert_allclose(sciad.grad(f)(x), expected.ravel())


def test_one_problem_error_class_for_every_adapter():
    import sciad.optimize
    import sciad.sensitivity

    with pytest.raises(sciad.ProblemError):
        sciad.optimize.minimize(lambda x: np.sum(x ** 2), np.ones(2), method="no-such-method")
    with pytest.raises(sciad.ProblemError):
        sciad.sensitivity.dgsm(lambda x: x[0], {"names": ["a"], "bounds": [[1.0, 0.0]]}, n=8)


def test_jvp_and_hvp_say_what_shape_of_arguments_they_need():
    f = lambda x: np.sum(x ** 3)  # noqa: E731
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"jvp\(f, \(x,\), \(v,\)\)"):
        sciad.jvp(f, x, np.ones(2))
    with pytest.raises(ValueError, match=r"v has shape \(3,\) where x has shape \(2,\)"):
        sciad.hvp(f)(x, np.ones(3))
    np.testing.assert_allclose(sciad.hvp(f)(x, np.array([1.0, -1.0])), [6.0, -12.0])
