"""numpy.linalg rules against central finite differences, plus exact checks of conventions.

Every function under ``numpy.linalg`` that has a rule needs a row in ``CASES``
(``test_every_linalg_rule_has_a_row``)."""

import numpy as np
import pytest

import sciad
from rule_table import (Case, case_ids, check_against_finite_differences,
                        check_float32_preserved, functions_without_rows)
from sciad.engine.registry import FUNCTION_RULES, NONDIFFERENTIABLE, function_name
from sciad.engine.rules import extras

rng = np.random.default_rng(11)
LA = np.linalg


def _well_conditioned(*shape):
    return rng.normal(size=shape) + 3.0 * np.eye(shape[-1])


def _spd(*shape):
    b = rng.normal(size=shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def _with_upper_noise(a):
    """An SPD lower triangle with junk above it: cholesky/eigh must not read the junk."""
    return a + np.triu(rng.normal(size=a.shape), 1)


def _separated_spectrum(n):
    q, _ = LA.qr(rng.normal(size=(n, n)))
    return (q * np.arange(1.0, n + 1)) @ q.T


A = _well_conditioned(3, 3)
A_BATCH = _well_conditioned(2, 3, 3)
B = rng.normal(size=(3, 2))
B_BATCH = rng.normal(size=(2, 3, 2))
VEC = rng.normal(size=3)
SPD = _spd(3, 3)
SPD_BATCH = _spd(2, 3, 3)
TALL = rng.normal(size=(4, 3))
WIDE = rng.normal(size=(3, 5))
TALL_BATCH = rng.normal(size=(2, 4, 3))
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2
M3 = rng.normal(size=(2, 3, 4))
V5 = rng.normal(size=5)


def _norm_case(label, args, **kwargs):
    return Case(LA.norm, label, lambda x: LA.norm(x, **kwargs), args, order=1)


CASES = [
    Case(LA.inv, "3x3", LA.inv, (A,)),
    Case(LA.inv, "batched", LA.inv, (A_BATCH,)),
    Case(LA.solve, "matrix rhs", LA.solve, (A, B)),
    Case(LA.solve, "vector rhs", LA.solve, (A, VEC)),
    Case(LA.solve, "batched", LA.solve, (A_BATCH, B_BATCH)),
    Case(LA.solve, "batched a, vector rhs", LA.solve, (A_BATCH, VEC)),
    Case(LA.det, "3x3", LA.det, (A,)),
    Case(LA.det, "batched", LA.det, (A_BATCH,)),
    Case(LA.det, "singular (cofactor route)", LA.det, (SINGULAR,)),
    Case(LA.slogdet, "logabsdet", lambda a: LA.slogdet(a)[1], (A_BATCH,)),
    Case(LA.slogdet, "negative det", lambda a: LA.slogdet(a).logabsdet, (-A,)),
    Case(LA.cholesky, "3x3", LA.cholesky, (_with_upper_noise(SPD),)),
    Case(LA.cholesky, "batched", LA.cholesky, (SPD_BATCH,)),
    Case(LA.cholesky, "upper", lambda a: LA.cholesky(a, upper=True), (SPD,), order=1),
    Case(LA.eigh, "eigenvalues", lambda a: LA.eigh(a)[0], (_with_upper_noise(SPD),)),
    Case(LA.eigh, "eigenvectors (sign-free)", lambda a: LA.eigh(a)[1] ** 2,
         (_separated_spectrum(4),), order=1),
    Case(LA.eigh, "batched, UPLO=U", lambda a: LA.eigh(a, UPLO="U").eigenvectors ** 2,
         (SPD_BATCH,), order=1),
    Case(LA.eigvalsh, "3x3", LA.eigvalsh, (SPD,)),
    Case(LA.eigvalsh, "batched, UPLO=U", lambda a: LA.eigvalsh(a, "U"), (SPD_BATCH,), order=1),
    Case(LA.svd, "singular values", lambda a: LA.svd(a, compute_uv=False), (TALL,)),
    Case(LA.svd, "u (sign-free), tall", lambda a: LA.svd(a, full_matrices=False)[0] ** 2,
         (TALL,), order=1),
    Case(LA.svd, "vh (sign-free), wide", lambda a: LA.svd(a, full_matrices=False)[2] ** 2,
         (WIDE,), order=1),
    Case(LA.svd, "all parts, batched", lambda a: np.concatenate(
        [np.ravel(LA.svd(a, full_matrices=False).U ** 2), np.ravel(LA.svd(a).S),
         np.ravel(LA.svd(a, full_matrices=False).Vh ** 2)]), (TALL_BATCH,), order=1),
    Case(LA.svd, "full_matrices, s only", lambda a: LA.svd(a)[1], (WIDE,), order=1),
    Case(LA.svdvals, "batched", LA.svdvals, (TALL_BATCH,), order=1),
    Case(LA.qr, "tall", lambda a: np.concatenate([np.ravel(p) for p in LA.qr(a)]), (TALL,),
         order=1),
    Case(LA.qr, "wide", lambda a: np.concatenate([np.ravel(p) for p in LA.qr(a)]), (WIDE,),
         order=1),
    Case(LA.qr, "batched Q", lambda a: LA.qr(a).Q, (TALL_BATCH,), order=1),
    Case(LA.qr, "mode='r'", lambda a: LA.qr(a, mode="r"), (TALL,), order=1),
    Case(LA.pinv, "tall", LA.pinv, (TALL,), order=1),
    Case(LA.pinv, "wide, batched", LA.pinv, (np.swapaxes(TALL_BATCH, -1, -2),), order=1),
    Case(LA.lstsq, "solution, matrix rhs", lambda a, b: LA.lstsq(a, b)[0],
         (TALL, rng.normal(size=(4, 2))), order=1),
    Case(LA.lstsq, "solution, underdetermined", lambda a, b: LA.lstsq(a, b)[0],
         (WIDE, VEC), order=1),
    Case(LA.lstsq, "residuals", lambda a, b: LA.lstsq(a, b)[1], (TALL, rng.normal(size=4)),
         order=1),
    Case(LA.lstsq, "singular values", lambda a, b: LA.lstsq(a, b)[3], (TALL, rng.normal(size=4)),
         order=1),
    Case(LA.matrix_power, "n=5", lambda a: LA.matrix_power(a, 5), (A_BATCH / 3,), order=1),
    Case(LA.matrix_power, "n=-2", lambda a: LA.matrix_power(a, -2), (A,), order=1),
    Case(LA.matrix_power, "n=0", lambda a: LA.matrix_power(a, 0) * a, (A,), order=1),
    Case(LA.multi_dot, "vector ends", lambda a, b: LA.multi_dot([b, a, a.T, TALL.T, TALL, b]),
         (A, VEC), order=1),
    Case(LA.multi_dot, "two matrices", lambda a, b: LA.multi_dot([a, b]), (A, B), order=1),
    Case(LA.matmul, "batched", LA.matmul, (A_BATCH, B), order=1),
    Case(LA.matrix_transpose, "batched", LA.matrix_transpose, (M3,), order=1),
    Case(LA.vecdot, "axis=0", lambda a, b: LA.vecdot(a, b, axis=0), (A, B[:, :1]), order=1),
    Case(LA.diagonal, "offset=1", lambda x: LA.diagonal(x, offset=1), (M3,), order=1),
    Case(LA.trace, "batched", LA.trace, (M3,), order=1),
    Case(LA.outer, "vectors", LA.outer, (VEC, V5), order=1),
    Case(LA.cond, "2-norm", LA.cond, (A_BATCH,), order=1),
    Case(LA.cond, "p=-2", lambda x: LA.cond(x, -2), (A,), order=1),
    Case(LA.cond, "p='fro'", lambda x: LA.cond(x, "fro"), (A,), order=1),
    Case(LA.cond, "p=1", lambda x: LA.cond(x, 1), (A,), order=1),
    Case(LA.tensordot, "axes=1", lambda a, b: LA.tensordot(a, b, axes=1), (A, B), order=1),
    Case(LA.cross, "3-vectors", lambda a, b: LA.cross(a, b), (A, VEC), order=1),
    _norm_case("vector 2", (V5,)),
    _norm_case("vector 1", (V5,), ord=1),
    _norm_case("vector inf", (V5,), ord=np.inf),
    _norm_case("vector -inf", (V5,), ord=-np.inf),
    _norm_case("vector p=3", (V5,), ord=3),
    _norm_case("vector p=0.5", (V5,), ord=0.5),
    _norm_case("all entries", (M3,)),
    _norm_case("axis=-1,keepdims", (M3,), axis=-1, keepdims=True),
    _norm_case("axis=0, ord=1", (M3,), axis=0, ord=1),
    _norm_case("matrix fro", (M3,), ord="fro", axis=(2, 0)),
    _norm_case("matrix nuc", (M3,), ord="nuc", axis=(1, 2)),
    _norm_case("matrix 2", (M3,), ord=2, axis=(2, 0)),
    _norm_case("matrix -2", (M3,), ord=-2, axis=(-2, -1), keepdims=True),
    _norm_case("matrix 1", (M3,), ord=1, axis=(1, 2)),
    _norm_case("matrix -1", (M3,), ord=-1, axis=(1, 2)),
    _norm_case("matrix inf", (M3,), ord=np.inf, axis=(0, 2)),
    _norm_case("matrix -inf", (M3,), ord=-np.inf, axis=(1, 2), keepdims=True),
    _norm_case("2-D default", (A,), ord=2),
    Case(LA.norm, "second order", lambda x: LA.norm(x, axis=1), (A,)),
    Case(LA.vector_norm, "axes (0, 2), ord=3",
         lambda x: LA.vector_norm(x, axis=(0, 2), ord=3, keepdims=True), (M3,), order=1),
    Case(LA.vector_norm, "all", LA.vector_norm, (M3,), order=1),
    Case(LA.matrix_norm, "ord=1", lambda x: LA.matrix_norm(x, ord=1), (M3,), order=1),
]
A_IMAG = rng.normal(size=(3, 3))


def _parts(z):
    return np.stack([np.real(z), np.imag(z)])


# complex matrices as two real arrays: checks the cotangent convention dL/dRe + i dL/dIm
COMPLEX_CASES = [
    Case(LA.inv, "complex", lambda x, y: _parts(LA.inv(x + 1j * y)), (A, A_IMAG), order=1),
    Case(LA.solve, "complex", lambda x, y, b: _parts(LA.solve(x + 1j * y, b)), (A, A_IMAG, VEC),
         order=1),
    Case(LA.det, "complex", lambda x, y: _parts(LA.det(x + 1j * y)), (A, A_IMAG), order=1),
    Case(LA.slogdet, "complex", lambda x, y: LA.slogdet(x + 1j * y)[1], (A, A_IMAG), order=1),
    Case(LA.pinv, "complex", lambda x, y: _parts(LA.pinv(x + 1j * y)), (TALL, TALL), order=1),
    Case(LA.norm, "complex, axis=0", lambda x, y: LA.norm(x + 1j * y, axis=0), (A, A_IMAG),
         order=1),
    Case(LA.norm, "complex, ord=1", lambda x, y: LA.norm(x + 1j * y, 1, axis=1), (A, A_IMAG),
         order=1),
]
SECOND_ORDER = [case for case in CASES if case.order == 2]


@pytest.mark.parametrize("case", CASES + COMPLEX_CASES, ids=case_ids(CASES + COMPLEX_CASES))
def test_first_derivative_matches_finite_differences(case):
    sciad.check_grads(case.fun, case.args, order=1)


@pytest.mark.parametrize("case", SECOND_ORDER, ids=case_ids(SECOND_ORDER))
def test_second_derivative_matches_finite_differences(case):
    check_against_finite_differences(case)


FLOAT32 = [case for case in CASES if "singular (cofactor" not in case.label]


@pytest.mark.parametrize("case", FLOAT32, ids=case_ids(FLOAT32))
def test_float32_preserved(case):
    check_float32_preserved(case)


def test_every_linalg_rule_has_a_row():
    # eig and eigvals live in extras.py; their rows are in test_rules_extras.py, whose own
    # coverage test checks them
    registered = [f for f in FUNCTION_RULES if function_name(f).startswith("numpy.linalg.")
                  and f not in extras.REGISTERED]
    assert functions_without_rows(registered, CASES) == []


# --- conventions and exact values --------------------------------------------------------------
def test_second_order_covers_the_required_functions():
    assert {LA.inv, LA.solve, LA.det, LA.slogdet, LA.cholesky} <= {c.func for c in SECOND_ORDER}


def test_det_gradient_at_singular_matrix_is_the_cofactor_matrix():
    # cofactors of [[1,2,3],[2,4,6],[1,0,1]] written out by hand
    expected = np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(sciad.grad(LA.det)(SINGULAR), expected, atol=1e-12)
    rank_one = np.outer([1.0, 2.0], [3.0, -1.0])  # 2x2 cofactor: [[d, -c], [-b, a]]
    np.testing.assert_allclose(sciad.grad(LA.det)(rank_one), [[-2.0, -6.0], [1.0, 3.0]],
                               atol=1e-12)


def test_det_gradient_of_nearly_singular_matrix_keeps_its_digits():
    nearly = np.array([[1.0, 2.0], [2.0, 4.0 + 1e-10]])  # condition number ~ 2.5e11
    np.testing.assert_allclose(sciad.grad(LA.det)(nearly), [[4.0 + 1e-10, -2.0], [-2.0, 1.0]],
                               rtol=1e-12)


def test_inverse_gradient_closed_form():
    # d sum(inv(a) * w) / da = -inv(a).T @ w @ inv(a).T
    w = rng.normal(size=(3, 3))
    inverse = LA.inv(A)
    np.testing.assert_allclose(sciad.grad(lambda a: np.sum(LA.inv(a) * w))(A),
                               -inverse.T @ w @ inverse.T, rtol=1e-12)


def test_norm_of_zero_vector_has_zero_gradient():
    for ord in (None, 2, 3):
        assert np.all(sciad.grad(lambda x: LA.norm(x, ord=ord))(np.zeros(4)) == 0.0)
    np.testing.assert_array_equal(sciad.grad(lambda x: LA.norm(x))(np.zeros((2, 2))), 0.0)


def test_inf_norm_splits_ties_evenly():
    x = np.array([3.0, -3.0, 1.0])
    np.testing.assert_array_equal(sciad.grad(lambda x: LA.norm(x, np.inf))(x), [0.5, -0.5, 0.0])


def test_eigh_degenerate_eigenvalues_give_finite_projector_gradient():
    # the projector onto the two-fold eigenspace of diag(1, 1, 3) is basis independent
    a = np.diag([1.0, 1.0, 3.0])

    def projector_trace(a):
        v = LA.eigh(a)[1][:, :2]
        return np.sum((v @ v.T) * np.diag([1.0, 2.0, 0.0]))

    g = sciad.grad(projector_trace)(a)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, sciad.numerical_jacobian(projector_trace, a), atol=1e-6)


def test_cholesky_gradient_of_symmetric_parameterisation_matches_closed_form():
    # log det(b b^T + I) = 2 sum(log diag(cholesky)); d/db = 2 (b b^T + I)^-1 b
    b = rng.normal(size=(3, 3))
    diag = np.arange(3)
    f = lambda b: 2 * np.sum(np.log(LA.cholesky(b @ b.T + np.eye(3))[diag, diag]))  # noqa: E731
    expected = 2 * LA.solve(b @ b.T + np.eye(3), b)
    np.testing.assert_allclose(sciad.grad(f)(b), expected, rtol=1e-10)


def test_svd_full_matrices_vectors_raise_clear_error():
    with pytest.raises(sciad.NotDifferentiableError, match="full_matrices=False"):
        sciad.grad(lambda a: np.sum(LA.svd(a)[0]))(TALL)


def test_complex_decomposition_raises_clear_error():
    with pytest.raises(sciad.NotDifferentiableError, match="real matrices"):
        sciad.grad(lambda x: np.sum(LA.eigvalsh(x * SPD + 1j * np.eye(3))))(1.0)


def test_matrix_rank_is_a_plain_integer():
    assert LA.matrix_rank in NONDIFFERENTIABLE
    np.testing.assert_array_equal(sciad.grad(lambda a: np.sum(a) * LA.matrix_rank(a))(SINGULAR),
                                  np.full((3, 3), 2.0))
