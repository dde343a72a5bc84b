"""Reduction rules against central finite differences, plus exact tests of their conventions."""

import numpy as np
import pytest
import scipy.special

import sciad
from rule_table import Case, rule_tests
from sciad.engine.rules import reductions

rng = np.random.default_rng(7)
X = rng.uniform(0.5, 1.5, (3, 4))            # distinct values: no ties unless a test wants them
X3 = rng.uniform(0.5, 1.5, (2, 3, 2))
MASK = rng.uniform(size=(3, 4)) > 0.3
W = rng.uniform(0.5, 1.5, (3, 4))
W4 = rng.uniform(0.5, 1.5, 4)
WITH_ZERO = X.copy()
WITH_ZERO[1, 2] = 0.0
WITH_ZEROS = X.copy()
WITH_ZEROS[1, [0, 3]] = 0.0
WITH_ZEROS[2, 1] = 0.0
WITH_NAN = X.copy()
WITH_NAN[0, 1] = WITH_NAN[2, 3] = np.nan


def _axis_variants(func, **extra):
    """axis None, int, negative, tuple with keepdims: the variants every reduction must take."""
    return [
        Case(func, "axis=None", lambda x: func(x, **extra), (X,)),
        Case(func, "axis=0", lambda x: func(x, axis=0, **extra), (X,)),
        Case(func, "axis=-1,keepdims", lambda x: func(x, axis=-1, keepdims=True, **extra), (X,)),
        Case(func, "axis=(0,2)", lambda x: func(x, axis=(0, 2), **extra), (X3,)),
        Case(func, "axis=(-1,0),keepdims",
             lambda x: func(x, axis=(-1, 0), keepdims=True, **extra), (X3,)),
    ]


CASES = [
    *_axis_variants(np.sum),
    Case(np.sum, "where", lambda x: np.sum(x, axis=1, where=MASK), (X,)),
    Case(np.sum, "positional axis", lambda x: np.sum(x, 1), (X,)),
    *_axis_variants(np.mean),
    Case(np.mean, "where", lambda x: np.mean(x, axis=0, where=MASK), (X,)),
    *_axis_variants(np.prod),
    Case(np.prod, "one zero", lambda x: np.prod(x, axis=1), (WITH_ZERO,)),
    Case(np.prod, "several zeros", lambda x: np.prod(x, axis=-1), (WITH_ZEROS,)),
    Case(np.prod, "zeros,axis=None", lambda x: np.prod(x), (WITH_ZERO,)),
    Case(np.prod, "zeros,initial", lambda x: np.prod(x, axis=(0, 1), initial=2.0), (WITH_ZEROS,)),
    *_axis_variants(np.max),
    *_axis_variants(np.min),
    Case(np.amax, "axis=-1", lambda x: np.amax(x, axis=-1), (X,)),
    Case(np.amin, "axis=(0,1),keepdims", lambda x: np.amin(x, axis=(0, 1), keepdims=True), (X3,)),
    *_axis_variants(np.var),
    Case(np.var, "ddof=1", lambda x: np.var(x, axis=1, ddof=1), (X,)),
    Case(np.var, "correction=1", lambda x: np.var(x, axis=(0, -1), correction=1), (X3,)),
    *_axis_variants(np.std),
    Case(np.std, "ddof=1,keepdims", lambda x: np.std(x, axis=0, ddof=1, keepdims=True), (X,)),
    Case(np.ptp, "axis=1", lambda x: np.ptp(x, axis=1), (X,)),
    Case(np.ptp, "axis=None", lambda x: np.ptp(x), (X,)),
    Case(np.nansum, "axis=1", lambda x: np.nansum(x, axis=1), (WITH_NAN,)),
    Case(np.nansum, "axis=None,keepdims", lambda x: np.nansum(x, keepdims=True), (WITH_NAN,)),
    Case(np.nanmean, "axis=-1", lambda x: np.nanmean(x, axis=-1), (WITH_NAN,)),
    Case(np.nanmean, "axis=None", lambda x: np.nanmean(x), (WITH_NAN,)),
    Case(np.average, "no weights", lambda x: np.average(x, axis=1), (X,)),
    Case(np.average, "weights, both", lambda x, w: np.average(x, axis=0, weights=w), (X, W)),
    Case(np.average, "weights=None axis", lambda x, w: np.average(x, weights=w), (X, W)),
    Case(np.average, "1-D weights", lambda x, w: np.average(x, axis=-1, weights=w), (X, W4)),
    Case(np.average, "1-D weights,keepdims",
         lambda x, w: np.average(x, axis=1, weights=w, keepdims=True), (X, W4)),
    Case(np.trapezoid, "y only", lambda y: np.trapezoid(y), (X,)),
    Case(np.trapezoid, "dx", lambda y: np.trapezoid(y, dx=0.3, axis=0), (X,)),
    Case(np.trapezoid, "y and 1-D x", lambda y, x: np.trapezoid(y, x, axis=-1),
         (X, np.array([0.0, 0.4, 1.1, 1.5]))),
    Case(np.trapezoid, "y and N-D x", lambda y, x: np.trapezoid(y, x, axis=0), (X, W)),
    Case(np.trapezoid, "traced dx", lambda y, dx: np.trapezoid(y, dx=dx), (X, 0.25)),
    Case(np.cumsum, "axis=None", lambda x: np.cumsum(x), (X,)),
    Case(np.cumsum, "axis=-1", lambda x: np.cumsum(x, axis=-1), (X3,)),
    Case(np.cumprod, "axis=None", lambda x: np.cumprod(x), (X,)),
    Case(np.cumprod, "axis=0", lambda x: np.cumprod(x, axis=0), (X3,)),
    Case(np.cumprod, "one zero per run,axis=1", lambda x: np.cumprod(x, axis=1), (WITH_ZERO,)),
    Case(np.cumprod, "two zeros in a run,axis=1", lambda x: np.cumprod(x, axis=1), (WITH_ZEROS,)),
    Case(np.cumprod, "zeros,axis=None", lambda x: np.cumprod(x), (WITH_ZERO,)),
    Case(np.diff, "n=1", lambda x: np.diff(x), (X,)),
    Case(np.diff, "n=2,axis=0,prepend", lambda x, p: np.diff(x, n=2, axis=0, prepend=p),
         (X, W4[None, :])),
    Case(np.diff, "scalar append,axis=1", lambda x, v: np.diff(x, axis=1, append=v), (X3, 0.7)),
    Case(sciad.logsumexp, "axis=None", lambda x: sciad.logsumexp(x), (X,)),
    Case(sciad.logsumexp, "axis=(0,2),keepdims",
         lambda x: sciad.logsumexp(x, axis=(0, 2), keepdims=True), (X3,)),
    Case(sciad.logsumexp, "b weights", lambda x, b: sciad.logsumexp(x, axis=-1, b=b), (X, W4)),
    Case(np.logaddexp.reduce, "axis=0", lambda x: np.logaddexp.reduce(x), (X,)),
    Case(np.logaddexp.reduce, "axis=-1", lambda x: np.logaddexp.reduce(x, axis=-1), (X3,)),
]


test_row, test_every_registered_function_has_a_row = rule_tests(CASES, reductions.REGISTERED)


# --- conventions, checked exactly ------------------------------------------------------------
@pytest.mark.parametrize("func", [np.max, np.amax, np.min, np.amin])
def test_ties_split_the_cotangent_evenly(func):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]) * (1 if func in (np.max, np.amax) else -1)
    np.testing.assert_array_equal(sciad.grad(lambda x: func(x))(x),
                                  [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(func(x, axis=1)))(x),
                                  [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_max_method_and_initial_that_wins():
    x = np.array([1.0, 4.0, 4.0, 4.0])
    np.testing.assert_allclose(sciad.grad(lambda x: x.max())(x), [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.max(x, initial=9.0))(x), np.zeros(4))


def test_ptp_with_ties():
    np.testing.assert_allclose(sciad.grad(np.ptp)(np.array([1.0, 1.0, 5.0])), [-0.5, -0.5, 1.0])


def test_prod_with_zeros_exact():
    # d/dx_i prod(x) = product of the others; with two zeros every first derivative vanishes
    np.testing.assert_array_equal(sciad.grad(np.prod)(np.array([2.0, 0.0, 3.0])), [0, 6, 0])
    np.testing.assert_array_equal(sciad.grad(np.prod)(np.array([0.0, 2.0, 0.0])), [0, 0, 0])
    # ... but the mixed second derivative of the two zeros is the third entry
    hess = sciad.hessian(np.prod)(np.array([0.0, 2.0, 0.0]))
    np.testing.assert_array_equal(hess, [[0, 0, 2], [0, 0, 0], [2, 0, 0]])


def _products_of_others(x, axis):
    """For every entry, the product of the others in its group along ``axis``, by deletion."""
    moved = np.moveaxis(x, axis, -1)
    others = np.empty_like(moved)
    for i in range(moved.shape[-1]):
        others[..., i] = np.prod(np.delete(moved, i, axis=-1), axis=-1)
    return np.moveaxis(others, -1, axis)


# rows with no zero, one zero, two and three zeros: first order divides only in zero-free rows
ZERO_GROUPS = np.array([[1.5, -2.0, 0.5, 3.0], [2.0, 0.0, -1.5, 0.25], [0.0, 4.0, 0.0, 1.5],
                        [0.0, 0.0, 0.0, 2.0]])


@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("complex_part", [0.0, 0.5], ids=["real", "complex"])
def test_prod_with_zeros_in_some_groups_exact(axis, complex_part):
    x = ZERO_GROUPS + complex_part * 1j * (ZERO_GROUPS != 0)
    weights = np.array([0.3, -1.1, 2.0, 0.7]) * (1 - 0.4j if complex_part else 1)
    _, pull = sciad.vjp(lambda x: np.prod(x, axis=axis, initial=1.5), x)
    expected = np.expand_dims(weights, axis) * np.conj(1.5 * _products_of_others(x, axis))
    np.testing.assert_allclose(pull(weights)[0], expected, rtol=1e-15, atol=0)
    # sciad.jvp transposes the vjp: the rule differentiated in its cotangent, x plain
    tangent = np.arange(1.0, 17.0).reshape(4, 4)
    _, tangent_out = sciad.jvp(lambda x: np.prod(x, axis=axis), (x,), (tangent,))
    np.testing.assert_allclose(tangent_out, np.sum(_products_of_others(x, axis) * tangent, axis),
                               rtol=1e-15, atol=0)


def test_cumprod_with_zero_exact():
    # cumprod([2, 0, 3]) = [2, 0, 0]; d(sum)/dx = [1, 2 + 6, 0]
    grad = sciad.grad(lambda x: np.sum(np.cumprod(x)))(np.array([2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(grad, [1.0, 8.0, 0.0])


@pytest.mark.parametrize("x", [[0.0, 0.0, 2.0], [0.0, 1.0, 2.0], [3.0, 1.0, 2.0]])
def test_cumprod_third_derivative_exact(x):
    # sum(cumprod([a, b, c])) = a + ab + abc: the only third derivative is d3/da db dc = 1
    third = sciad.jacobian(sciad.hessian(lambda v: np.sum(np.cumprod(v))))(np.array(x))
    expected = np.zeros((3, 3, 3))
    for i, j, k in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]:
        expected[i, j, k] = 1.0
    np.testing.assert_allclose(third, expected, atol=1e-12)


@pytest.mark.parametrize("axis", [1, 0, None])
def test_cumprod_cotangent_leaves_its_inputs_alone(axis):
    # without zeros the rule sums and divides in place in its own product: against
    # d cumprod_k / d x_i = prod_{j <= k, j != i} x_j, and with the cotangent and x unchanged
    x = rng.uniform(0.5, 1.5, (3, 4))
    weights = rng.normal(size=np.cumprod(x, axis=axis).shape)
    kept_x, kept_weights = x.copy(), weights.copy()
    _, pull = sciad.vjp(lambda x: np.cumprod(x, axis=axis), x)
    first, second = pull(weights)[0], pull(weights)[0]
    flat, along = (x.ravel(), 0) if axis is None else (x, axis)
    moved, moved_weights = np.moveaxis(flat, along, -1), np.moveaxis(weights, along, -1)
    expected = np.zeros_like(moved)
    n = moved.shape[-1]
    for i in range(n):
        for k in range(i, n):
            others = np.prod(np.delete(moved[..., :k + 1], i, axis=-1), axis=-1)
            expected[..., i] += moved_weights[..., k] * others
    expected = np.moveaxis(expected, -1, along).reshape(x.shape)
    np.testing.assert_allclose(first, expected, rtol=1e-13)
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(x, kept_x)
    np.testing.assert_array_equal(weights, kept_weights)


def test_std_of_constant_has_zero_gradient():
    np.testing.assert_array_equal(sciad.grad(np.std)(np.full(4, 2.5)), np.zeros(4))


def test_var_std_closed_forms_and_methods():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    centered = x - x.mean()
    np.testing.assert_allclose(sciad.grad(lambda x: x.var(ddof=1))(x), 2 * centered / 3)
    np.testing.assert_allclose(sciad.grad(lambda x: x.std())(x),
                               centered / (len(x) * np.std(x)))
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(sciad.grad(lambda m: np.sum(m.sum(axis=1) ** 2))(m),
                               2 * np.repeat(m.sum(axis=1)[:, None], 3, axis=1))
    np.testing.assert_allclose(sciad.grad(lambda m: m.mean())(m), np.full((2, 3), 1 / 6))


def test_average_gradient_in_weights_closed_form():
    a, w = np.array([1.0, 2.0, 6.0]), np.array([1.0, 1.0, 2.0])
    # d/dw_i sum(a w)/sum(w) = (a_i - average) / sum(w)
    expected = (a - np.average(a, weights=w)) / w.sum()
    np.testing.assert_allclose(sciad.grad(lambda w: np.average(a, weights=w))(w), expected)


def test_logsumexp_matches_scipy_values():
    np.testing.assert_allclose(sciad.logsumexp(X3, axis=(0, -1)),
                               scipy.special.logsumexp(X3, axis=(0, -1)))
    np.testing.assert_allclose(sciad.logsumexp(X, axis=1, b=W4, keepdims=True),
                               scipy.special.logsumexp(X, axis=1, b=W4, keepdims=True))
    big = np.array([1000.0, 1000.0])  # no overflow: the shift by the maximum
    assert sciad.logsumexp(big) == pytest.approx(1000.0 + np.log(2.0))
    np.testing.assert_allclose(sciad.grad(sciad.logsumexp)(big), [0.5, 0.5])


def test_scipy_logsumexp_on_traced_value_names_the_replacement():
    with pytest.raises(sciad.NotDifferentiableError, match=r"call sciad\.logsumexp"):
        sciad.grad(lambda x: scipy.special.logsumexp(x))(X)


@pytest.mark.parametrize("call, message", [
    (lambda x: np.prod(x, where=MASK), "where="),
    (lambda x: np.max(x, initial=0.0, where=MASK), "where="),
    (lambda x: np.average(x, weights=W, returned=True)[0], "returned=True"),
    (lambda x: sciad.logsumexp(x, return_sign=True)[0], "return_sign"),
])
def test_unsupported_options_raise_clearly(call, message):
    with pytest.raises(NotImplementedError, match=message):
        sciad.grad(lambda x: np.sum(call(x)))(X)
