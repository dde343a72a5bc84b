"""``x (op) c`` with a float64 array x and a Python float c, and ``a (op) b`` with two traced
float64 arrays of one shape, are recorded as primitives of their own whose rules skip the shape
and dtype checks (registry.CONSTANT_OPERAND_FORMS, Primitive.float64_form). Each form is checked here
against its derivative written out by hand, to second order, on vectors, 0-d arrays and float32
(which takes the general path), and inside nested transforms."""

import numpy as np
import pytest

import sciad
from sciad.engine.registry import CONSTANT_OPERAND_FORMS

C = 1.7
# (expression, first derivative, second derivative), each elementwise in x
FORMS = {
    "x + c": (lambda x: x + C, lambda x: 1.0 + 0 * x, lambda x: 0 * x),
    "c + x": (lambda x: C + x, lambda x: 1.0 + 0 * x, lambda x: 0 * x),
    "x - c": (lambda x: x - C, lambda x: 1.0 + 0 * x, lambda x: 0 * x),
    "c - x": (lambda x: C - x, lambda x: -1.0 + 0 * x, lambda x: 0 * x),
    "x * c": (lambda x: x * C, lambda x: C + 0 * x, lambda x: 0 * x),
    "c * x": (lambda x: C * x, lambda x: C + 0 * x, lambda x: 0 * x),
    "x / c": (lambda x: x / C, lambda x: 1.0 / C + 0 * x, lambda x: 0 * x),
    "c / x": (lambda x: C / x, lambda x: -C / x ** 2, lambda x: 2.0 * C / x ** 3),
}


@pytest.fixture
def x():
    return np.random.default_rng(3).uniform(0.5, 2.0, 7)


def test_every_operator_has_its_constant_forms():
    for ufunc in (np.add, np.subtract, np.multiply, np.true_divide):
        left, right = CONSTANT_OPERAND_FORMS[ufunc]
        assert left.fn is right.fn is ufunc


@pytest.mark.parametrize("name", sorted(FORMS))
def test_gradient_and_second_derivative(name, x):
    op, d1, d2 = FORMS[name]
    # the form composed with a nonlinear outer function, so that cotangents are not all ones
    f = lambda x: np.sum(np.sin(op(x)))  # noqa: E731
    g = sciad.grad(f)(x)
    np.testing.assert_allclose(g, np.cos(op(x)) * d1(x), rtol=1e-13, atol=1e-15)
    h = sciad.hessian(f)(x)
    expected = -np.sin(op(x)) * d1(x) ** 2 + np.cos(op(x)) * d2(x)
    np.testing.assert_allclose(h, np.diag(expected), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_zero_dimensional_array(name):
    op, d1, _ = FORMS[name]
    x = np.array(0.8)
    g = sciad.grad(lambda x: np.exp(op(x)))(x)
    assert g == pytest.approx(float(np.exp(op(x)) * d1(x)), rel=1e-13)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_float32_keeps_float32(name, x):
    op, d1, _ = FORMS[name]
    x32 = x.astype(np.float32)
    g = sciad.grad(lambda x: np.sum(op(x) ** 2))(x32)
    assert g.dtype == np.float32
    x64 = x32.astype(np.float64)  # float32 rounding of op(x) near zero (x - c) is absolute
    np.testing.assert_allclose(g, 2.0 * op(x64) * d1(x64), rtol=1e-5, atol=1e-6)


def test_jacobian_rows_reuse_the_recorded_forms(x):
    jac = sciad.jacobian(lambda x: (2.0 - x) * 3.0 / 4.0 + 1.0)(x)
    np.testing.assert_allclose(jac, -0.75 * np.eye(len(x)), rtol=1e-14)


def test_grad_of_grad_through_the_forms(x):
    # d/dx of d/dx [(x * c - 1)^3 / c] = 6 c (x c - 1)
    inner = sciad.grad(lambda x: np.sum((x * C - 1.0) ** 3 / C))
    outer = sciad.grad(lambda x: np.sum(inner(x)))(x)
    np.testing.assert_allclose(outer, 6.0 * C * (x * C - 1.0), rtol=1e-12)


def test_object_api_through_the_forms(x):
    t = sciad.tensor(x, requires_grad=True)
    loss = np.sum((1.0 - t) * 2.0 + t / 4.0)
    loss.backward()
    np.testing.assert_allclose(t.grad, np.full(len(x), -1.75), rtol=1e-14)


# Two traced float64 arrays of one shape: (expression, d/da, d/db)
PAIRS = {
    "a + b": (lambda a, b: a + b, lambda a, b: 1.0 + 0 * a, lambda a, b: 1.0 + 0 * b),
    "a - b": (lambda a, b: a - b, lambda a, b: 1.0 + 0 * a, lambda a, b: -1.0 + 0 * b),
    "a * b": (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    "a / b": (lambda a, b: a / b, lambda a, b: 1.0 / b, lambda a, b: -a / b ** 2),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_two_arrays_of_one_shape(name, x):
    op, da, db = PAIRS[name]
    b = x[::-1] + 0.25
    f = lambda a, b: np.sum(np.sin(op(a, b)))  # noqa: E731
    ga, gb = sciad.grad(f, argnums=(0, 1))(x, b)
    np.testing.assert_allclose(ga, np.cos(op(x, b)) * da(x, b), rtol=1e-13)
    np.testing.assert_allclose(gb, np.cos(op(x, b)) * db(x, b), rtol=1e-13)
    sciad.check_grads(lambda a: f(a, np.cos(a)), (x,), order=2)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_same_array_on_both_sides(name, x):
    op, da, db = PAIRS[name]
    g = sciad.grad(lambda a: np.sum(op(a, a) ** 2))(x)
    np.testing.assert_allclose(g, 2.0 * op(x, x) * (da(x, x) + db(x, x)), rtol=1e-13, atol=1e-15)


def test_broadcast_pair_takes_the_general_rule(x):
    row = x[:3]
    g = sciad.grad(lambda a, b: np.sum(a[:, None] * b[None, :]), argnums=(0, 1))(x, row)
    np.testing.assert_allclose(g[0], np.full(len(x), row.sum()), rtol=1e-14)
    np.testing.assert_allclose(g[1], np.full(3, x.sum()), rtol=1e-14)


def test_unchecked_rule_takes_its_argument_count_from_the_ufunc():
    # a derivative without Python code (a partial) still gets one argument for a unary ufunc
    import functools

    from sciad.engine.registry import _unchecked_rule

    d = functools.partial(lambda scale, ans, x: scale * x, 3.0)
    x, g = np.array([0.5, 2.0]), np.array([1.0, -1.0])
    np.testing.assert_allclose(_unchecked_rule(d, 0, 1)(g, None, (x,)), 3.0 * x * g)
    d2 = functools.partial(lambda scale, ans, x, y: scale * y, 2.0)
    np.testing.assert_allclose(_unchecked_rule(d2, 0, 2)(g, None, (x, x + 1)), 2.0 * (x + 1) * g)


def test_no_unchecked_form_for_a_complex_result():
    import scipy.special

    from sciad.engine.registry import _float64_in_float64_out

    assert _float64_in_float64_out(np.multiply, 2) and _float64_in_float64_out(np.sin, 1)
    assert not _float64_in_float64_out(scipy.special.hankel1, 2)  # float64 in, complex out


@pytest.mark.parametrize("name, call, da, db", [
    ("np.add", lambda a, b: np.add(a, b), lambda a, b: 1.0 + 0 * a, lambda a, b: 1.0 + 0 * b),
    ("np.hypot", lambda a, b: np.hypot(a, b),
     lambda a, b: a / np.hypot(a, b), lambda a, b: b / np.hypot(a, b)),
    ("np.arctan2", lambda a, b: np.arctan2(a, b),
     lambda a, b: b / (a ** 2 + b ** 2), lambda a, b: -a / (a ** 2 + b ** 2)),
    ("np.maximum", lambda a, b: np.maximum(a, b),
     lambda a, b: (a > b) + 0.5 * (a == b), lambda a, b: (b > a) + 0.5 * (a == b)),
])
def test_ufunc_calls_on_two_arrays_of_one_shape(name, call, da, db, x):
    # np.hypot(a, b) on two traced float64 arrays of one shape records the float64 form too
    b = np.where(np.arange(len(x)) % 3 == 0, x, x[::-1] + 0.3)  # ties for np.maximum
    f = lambda a, b: np.sum(np.sin(call(a, b)))  # noqa: E731
    ga, gb = sciad.grad(f, argnums=(0, 1))(x, b)
    np.testing.assert_allclose(ga, np.cos(call(x, b)) * da(x, b), rtol=1e-13)
    np.testing.assert_allclose(gb, np.cos(call(x, b)) * db(x, b), rtol=1e-13)
    if name != "np.maximum":  # smooth: second order against finite differences
        sciad.check_grads(lambda a: f(a, np.cos(a) + 2.0), (x,), order=2)
