"""Rules for np.linalg.tensorinv/tensorsolve, np.piecewise (in extras.py) and
np.polyfit(full=True, cov=...) (in signal.py) against central finite differences to second
order and in float32, their values against NumPy's, closed forms, and NumPy's errors."""

import numpy as np
import pytest

import sciad
from rule_table import Case, case_ids, check_against_finite_differences, check_float32_preserved

LA = np.linalg
rng = np.random.default_rng(31)
SQUARE_4D = rng.normal(size=(2, 2, 2, 2)) + 3.0 * np.eye(4).reshape(2, 2, 2, 2)
SQUARE_3D = rng.normal(size=(4, 1, 4)) + 3.0 * np.eye(4).reshape(4, 1, 4)
B_2D = rng.normal(size=(2, 2))
B_1D = rng.normal(size=4)
# tensorsolve with axes=(0,): a (4, 4, 1) moves axis 0 last, (4, 1, 4), and solves for (1, 4)
MOVED = np.moveaxis(SQUARE_3D, -1, 0).copy()
# piecewise: points away from the conditions' boundaries (finite differences must not cross)
POINTS = np.array([-2.3, -1.6, -0.7, -0.2, 0.3, 0.6, 1.4, 1.9, 2.6])
GRID = POINTS[:8].reshape(2, 4)
COEFFS = np.array([0.7, -1.3])
# polyfit: noisy samples, so that the residuals are not ~0
SAMPLES = np.linspace(-1.0, 1.5, 6)
VALUES = np.sin(2.0 * SAMPLES) + 0.1 * rng.normal(size=6)
VALUES_2D = np.stack([VALUES, np.cos(SAMPLES) + 0.1 * rng.normal(size=6)], axis=1)
WEIGHTS = np.linspace(0.5, 2.0, 6)


def _flat(*outputs):
    """Several outputs as one array (for the finite-difference check)."""
    return np.concatenate([np.ravel(out) for out in outputs])


def _fit_outputs(*args, **kwargs):
    """polyfit's differentiable outputs, flattened (rank and rcond are plain values)."""
    result = np.polyfit(*args, **kwargs)
    if kwargs.get("full"):
        coefficients, residuals, _, singular_values, _ = result
        return _flat(coefficients, residuals, singular_values)
    return _flat(*result)


def _pieces(x):
    return np.piecewise(x, [x < -1.0, x > 1.0], [lambda v: v ** 3, np.sin, lambda v: np.exp(v)])


CASES = [
    Case(LA.tensorinv, "ind=2", lambda a: LA.tensorinv(a), (SQUARE_4D,)),
    Case(LA.tensorinv, "ind=1", lambda a: LA.tensorinv(a, ind=1), (SQUARE_3D,)),
    Case(LA.tensorsolve, "b 2-D", LA.tensorsolve, (SQUARE_4D, B_2D)),
    Case(LA.tensorsolve, "b 1-D", LA.tensorsolve, (SQUARE_3D, B_1D)),
    Case(LA.tensorsolve, "axes=(0,)", lambda a, b: LA.tensorsolve(a, b, axes=(0,)),
         (MOVED, B_1D)),
    Case(np.piecewise, "otherwise function", _pieces, (POINTS,)),
    Case(np.piecewise, "scalars, overlapping (the later wins)", lambda x: np.piecewise(
        x, [x < 0.0, x < -1.0, x > 2.0], [lambda v: v * v, -3.0, 4]), (POINTS,)),
    Case(np.piecewise, "one condition, not in a list", lambda x: np.piecewise(
        x, x > 0.0, [np.cos]), (POINTS,)),
    Case(np.piecewise, "2-D, extra args and keywords", lambda x, c: np.piecewise(
        x, [x < 0.0], [lambda v, c, p: c[0] * v ** p, lambda v, c, p: c[1] * v], c, p=3),
         (GRID, COEFFS)),
    Case(np.piecewise, "0-d", lambda x: np.piecewise(x, [x > 0.0], [np.log]), (np.array(0.7),)),
    Case(np.polyfit, "full=True", lambda x, y: _fit_outputs(x, y, 2, full=True),
         (SAMPLES, VALUES)),
    # first order on the rows with 2-D y and weights (24 inputs): second order on the others
    Case(np.polyfit, "full=True, w, 2-D y", lambda x, y, w: _fit_outputs(x, y, 2, full=True,
                                                                         w=w),
         (SAMPLES, VALUES_2D, WEIGHTS), order=1),
    Case(np.polyfit, "cov=True", lambda x, y: _fit_outputs(x, y, 2, cov=True),
         (SAMPLES, VALUES)),
    Case(np.polyfit, "cov=True, w, 2-D y", lambda x, y, w: _fit_outputs(x, y, 1, cov=True, w=w),
         (SAMPLES, VALUES_2D, WEIGHTS), order=1),
    Case(np.polyfit, "cov='unscaled', in x and w", lambda x, w: _fit_outputs(
        x, VALUES, 2, w=w, cov="unscaled"), (SAMPLES, WEIGHTS)),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_row(case):
    check_against_finite_differences(case)
    check_float32_preserved(case)


def test_the_test_points_are_away_from_the_boundaries():
    for boundary in (-1.0, 0.0, 1.0, 2.0):
        assert np.min(np.abs(POINTS - boundary)) > 0.05


# --- values: NumPy's ---------------------------------------------------------------------------
@pytest.mark.parametrize("call, args", [
    (lambda a: LA.tensorinv(a), (SQUARE_4D,)),
    (lambda a: LA.tensorinv(a, 1), (SQUARE_3D,)),
    (lambda a, b: LA.tensorsolve(a, b), (SQUARE_4D, B_2D)),
    (lambda a, b: LA.tensorsolve(a, b, (0,)), (MOVED, B_1D)),
    (lambda b: LA.tensorsolve(SQUARE_3D.tolist(), b), (B_1D,)),  # a plain nested list
    (_pieces, (POINTS,)),
    (lambda x: np.piecewise(x, [x < 0.0, x < -1.0], [lambda v: v * v, -3.0, 4]), (POINTS,)),
    (lambda x: np.piecewise(x, [x > 5.0], [np.sin]), (POINTS,)),  # no entry selected
    (lambda x: np.piecewise(x, [x < 0.0], [lambda v: 2.0]), (GRID,)),  # a scalar result
    (lambda x: np.piecewise(x, [True], [lambda v: v ** 2]), (np.array(-1.5),)),
    (lambda x: np.piecewise(x, x < 0.0, [np.cos]), (POINTS,)),  # promoted to [x < 0]
    (lambda x: np.piecewise(x, [x > 0.0], [np.sin, np.cos]), (np.float32(POINTS),)),
])
def test_values_match_numpy(call, args):
    out, _ = sciad.vjp(call, *args)
    expected = call(*args)
    assert np.shape(out) == np.shape(expected) and np.asarray(out).dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [
    dict(full=True), dict(full=True, w=WEIGHTS), dict(cov=True), dict(cov="unscaled"),
    dict(cov=True, w=WEIGHTS), dict(full=True, cov=True),
])
@pytest.mark.parametrize("values", [VALUES, VALUES_2D], ids=["1-D y", "2-D y"])
def test_polyfit_outputs_match_numpy(kwargs, values):
    out, _ = sciad.vjp(lambda y: np.polyfit(list(SAMPLES), y, 2, **kwargs), values)
    expected = np.polyfit(SAMPLES, values, 2, **kwargs)
    assert len(out) == len(expected)
    for mine, theirs in zip(out, expected):
        mine = np.asarray(sciad.stop_gradient(mine))
        assert mine.shape == np.shape(theirs) and mine.dtype == np.asarray(theirs).dtype
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)
    if kwargs.get("full"):  # rank and rcond: plain values, NumPy's
        assert out[2] == expected[2] and type(out[2]) is type(expected[2])
        assert out[4] == expected[4]


def test_polyfit_empty_residuals_where_numpy_has_none():
    # 3 points, degree 2: an exact fit, and NumPy's lstsq reports no residuals
    out, pull = sciad.vjp(lambda y: np.polyfit(SAMPLES[:3], y, 2, full=True), VALUES[:3])
    assert np.shape(out[1]) == (0,)
    coefficients_grad = sciad.grad(lambda y: np.sum(np.polyfit(SAMPLES[:3], y, 2,
                                                               full=True)[0]))(VALUES[:3])
    np.testing.assert_allclose(coefficients_grad, np.sum(LA.inv(np.vander(SAMPLES[:3])), 0),
                               rtol=1e-12)


# --- closed forms ------------------------------------------------------------------------------
def test_piecewise_gradient_is_the_derivative_of_each_piece():
    expected = np.where(POINTS < -1.0, 3 * POINTS ** 2,
                        np.where(POINTS > 1.0, np.cos(POINTS), np.exp(POINTS)))
    np.testing.assert_allclose(sciad.grad(lambda x: np.sum(_pieces(x)))(POINTS), expected,
                               rtol=1e-14)
    # a constant piece has derivative 0; a traced scalar in funclist gets its share
    grad_x, grad_c = sciad.grad(lambda x, c: np.sum(np.piecewise(x, [x < 0.0], [c, 1.0])),
                                argnums=(0, 1))(POINTS, 2.0)
    np.testing.assert_array_equal(grad_x, np.zeros_like(POINTS))
    assert grad_c == np.sum(POINTS < 0.0)


def test_tensorinv_derivative_is_minus_inverse_times_inverse():
    # d inv(A) = -inv(A) dA inv(A), A the (4, 4) matrix behind the tensor
    weights = rng.normal(size=(2, 2, 2, 2))
    inverse = LA.inv(SQUARE_4D.reshape(4, 4))
    expected = -(inverse.T @ weights.reshape(4, 4) @ inverse.T).reshape(2, 2, 2, 2)
    np.testing.assert_allclose(
        sciad.grad(lambda a: np.sum(LA.tensorinv(a) * weights))(SQUARE_4D), expected,
        rtol=1e-12, atol=1e-14)


def test_polyfit_residual_gradient_in_y_is_twice_the_weighted_misfit():
    # at the optimum the coefficients' change does not move the residual sum (envelope theorem)
    fit = np.polyval(np.polyfit(SAMPLES, VALUES, 2, w=WEIGHTS), SAMPLES)
    expected = 2.0 * WEIGHTS ** 2 * (VALUES - fit)
    grad = sciad.grad(lambda y: np.polyfit(SAMPLES, y, 2, w=WEIGHTS, full=True)[1][0])(VALUES)
    np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-12)


def test_unscaled_covariance_is_the_inverse_normal_matrix():
    vandermonde = np.vander(SAMPLES, 3) * WEIGHTS[:, None]
    _, covariance = sciad.vjp(lambda w: np.polyfit(SAMPLES, VALUES, 2, w=w, cov="unscaled"),
                              WEIGHTS)[0]
    np.testing.assert_allclose(covariance, LA.inv(vandermonde.T @ vandermonde), rtol=1e-10)


# --- NumPy's errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda x: np.piecewise(x, [x < 0.0, x > 1.0], [np.sin]), ValueError, "2 or 3 functions"),
    (lambda x: LA.tensorinv(x, ind=0), ValueError, "Invalid ind"),
    (lambda x: LA.tensorsolve(x, np.ones(3)), LA.LinAlgError, "prod"),
    (lambda x: np.polyfit(SAMPLES[:3], x, 2, cov=True), ValueError, "exceed order"),
])
def test_errors_are_numpys(call, error, message):
    arg = POINTS[:3] if call.__code__.co_names[-1:] != ("tensorsolve",) else SQUARE_3D
    with pytest.raises(error, match=message):
        sciad.grad(lambda x: np.sum(call(x)))(arg)
    with pytest.raises(error, match=message):
        call(arg)


def test_rank_deficient_cov_warns_as_numpy():
    nearly_one_point = np.array([1.0, 1.0, 1.0, 1.0, 1.0 + 1e-7])
    for fit in (np.polyfit, lambda x, y, *a, **k: sciad.vjp(
            lambda y: np.polyfit(x, y, *a, **k), y)[0]):
        with pytest.warns(np.exceptions.RankWarning, match="poorly conditioned"):
            fit(nearly_one_point, VALUES[:5], 2, cov="unscaled")
