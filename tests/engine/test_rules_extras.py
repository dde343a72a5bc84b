"""Rules of extras.py (meshgrid, cumulative_sum/prod, sliding_window_view, eig/eigvals, polydiv,
roots) against central finite differences to second order and in float32, their values against
NumPy's, and their refusals; plus prod/cumprod/sinc of complex arrays (holomorphic cotangents)."""

import numpy as np
import pytest

import sciad
from rule_table import Case, functions_without_rows, rule_tests
from sciad.engine.rules import extras
from test_rules_last_missing import CASES as LAST_MISSING_CASES

LA = np.linalg
windows = np.lib.stride_tricks.sliding_window_view
rng = np.random.default_rng(23)
X = rng.uniform(0.5, 1.5, (3, 4))
X3 = rng.uniform(0.5, 1.5, (2, 3, 4))
X5 = rng.uniform(0.5, 1.5, 5)
WITH_ZERO = X.copy()
WITH_ZERO[1, 2] = 0.0
A = rng.normal(size=(4, 4))                    # real, with a complex-conjugate pair (checked below)
A_IMAG = rng.normal(size=(4, 4))
SYM = A + A.T + np.diag([0.0, 1.0, 3.0, 7.0])  # real eigenvalues, so real eigenvectors
BATCH = rng.normal(size=(2, 3, 3))
U = np.array([1.3, -0.4, 2.2, 0.7, -1.1, 0.5])
V = np.array([0.8, 0.3, -1.2])
REAL_ROOTS = np.poly([0.5, 1.5, -2.0, 2.7])


def _parts(z):
    """A complex result as one real array (real parts, then imaginary parts)."""
    return np.concatenate([np.ravel(np.real(z)), np.ravel(np.imag(z))])


def _grid_sum(grids):
    """Every output of meshgrid weighted differently, as one array."""
    return sum((i + 1.0) * g ** 2 for i, g in enumerate(grids))


CASES = [
    Case(np.meshgrid, "xy", lambda x, y: _grid_sum(np.meshgrid(x, y)), (X5, X[0])),
    Case(np.meshgrid, "ij,3 inputs", lambda x, y, z: _grid_sum(np.meshgrid(x, y, z,
                                                                           indexing="ij")),
         (X5, X[0], V), order=1),  # second order on 3 inputs: the sparse row below (7 s here)
    Case(np.meshgrid, "xy,3 inputs,sparse", lambda x, y, z: _grid_sum(
        np.meshgrid(x, y, z, sparse=True)), (X5, X[0], V)),
    Case(np.meshgrid, "ij,sparse,copy=False", lambda x, y: _grid_sum(
        np.meshgrid(x, y, sparse=True, copy=False, indexing="ij")), (X5, X[0])),
    Case(np.meshgrid, "one input", lambda x: _grid_sum(np.meshgrid(x)), (X5,)),
    Case(np.cumulative_sum, "1-D", lambda x: np.cumulative_sum(x) ** 2, (X5,)),
    Case(np.cumulative_sum, "axis=1,include_initial",
         lambda x: np.cumulative_sum(x, axis=1, include_initial=True) ** 2, (X,)),
    Case(np.cumulative_sum, "axis=-2,dtype", lambda x: np.cumulative_sum(
        x, axis=-2, dtype=np.float64) ** 2, (X3,)),
    Case(np.cumulative_prod, "1-D,include_initial",
         lambda x: np.cumulative_prod(x, include_initial=True), (X5,)),
    Case(np.cumulative_prod, "axis=0", lambda x: np.cumulative_prod(x, axis=0), (X,)),
    Case(np.cumulative_prod, "axis=-1,a zero,include_initial",
         lambda x: np.cumulative_prod(x, axis=-1, include_initial=True), (WITH_ZERO,)),
    Case(windows, "1-D,3", lambda x: windows(x, 3) ** 2, (X5,)),
    Case(windows, "2-D,(2,3)", lambda x: windows(x, (2, 3)) ** 2, (X,)),
    Case(windows, "axis=-1", lambda x: windows(x, 2, axis=-1) ** 2, (X3,)),
    Case(windows, "axis=(0,0), repeated", lambda x: windows(x, (2, 2), axis=(0, 0)) ** 2, (X5,)),
    Case(windows, "axis=(2,1)", lambda x: np.sin(windows(x, (3, 2), axis=(2, 1))), (X3,),
         order=1),  # second order: the smaller rows above
    Case(LA.eigvals, "real, complex pair", lambda a: _parts(LA.eigvals(a)), (A,)),
    Case(LA.eigvals, "complex", lambda a, b: _parts(LA.eigvals(a + 1j * b)), (A, A_IMAG)),
    Case(LA.eigvals, "batched", lambda a: _parts(LA.eigvals(a)), (BATCH,)),
    Case(LA.eig, "eigenvalues", lambda a: _parts(LA.eig(a).eigenvalues), (A,)),
    Case(LA.eig, "eigenvectors, real eigenvalues", lambda a: LA.eig(a).eigenvectors, (SYM,)),
    # first order only for the three below: second-order finite differences of the eigenvector
    # rule take ~1 minute on them (second order is checked on the rows above)
    Case(LA.eig, "eigenvectors, complex pair", lambda a: _parts(LA.eig(a)[1]), (A,), order=1),
    Case(LA.eig, "both, complex matrix", lambda a, b: _parts(
        LA.eig(a + 1j * b)[1] * LA.eig(a + 1j * b)[0]), (A, A_IMAG), order=1),
    Case(LA.eig, "batched", lambda a: _parts(LA.eig(a)[1] ** 2), (BATCH,), order=1),
    Case(np.polydiv, "degree 5 by 2", lambda u, v: np.concatenate(np.polydiv(u, v)), (U, V)),
    Case(np.polydiv, "degree 2 by 5", lambda u, v: np.concatenate(np.polydiv(u, v)), (V, U)),
    Case(np.polydiv, "by a scalar", lambda u, v: np.polydiv(u, v)[0], (U, 0.7)),
    Case(np.roots, "real roots", lambda p: np.roots(p), (REAL_ROOTS,)),
    Case(np.roots, "complex roots", lambda p: _parts(np.roots(p)), (U,)),
    Case(np.roots, "complex coefficients", lambda p, q: _parts(np.roots(p + 1j * q)),
         (U, U[::-1])),
    Case(np.roots, "a zero root (trailing zero)", lambda p: np.roots(p),
         (np.array([1.0, -3.0, 2.0, 0.0]),)),
]

test_row, _ = rule_tests(CASES, extras.REGISTERED)


def test_every_registered_function_has_a_row():
    # tensorinv, tensorsolve and piecewise have theirs in test_rules_last_missing.py
    assert functions_without_rows(extras.REGISTERED, CASES + LAST_MISSING_CASES) == []


def test_the_test_matrices_are_what_the_rows_say():
    assert np.iscomplexobj(LA.eigvals(A)) and not np.iscomplexobj(LA.eigvals(SYM))
    assert np.iscomplexobj(np.roots(U))


# --- values: NumPy's ---------------------------------------------------------------------------
@pytest.mark.parametrize("call, args", [
    (lambda x, y: np.stack(np.meshgrid(x, y)), (X5, V)),
    (lambda x, y: np.meshgrid(x, y, sparse=True, indexing="ij")[1], (X5, V)),
    (lambda x: np.cumulative_sum(x, axis=0, include_initial=True), (X,)),
    (lambda x: np.cumulative_prod(x, axis=1), (X,)),
    (lambda x: windows(x, (2, 2), axis=(1, 2)), (X3,)),
    (lambda a: LA.eigvals(a), (A,)),
    (lambda a: LA.eig(a).eigenvalues, (A,)),
    (lambda a: LA.eig(a).eigenvectors, (A,)),
    (lambda a, b: LA.eig(a + 1j * b).eigenvectors, (A, A_IMAG)),
    (lambda a: LA.eig(a).eigenvectors, (SYM,)),
    (lambda u, v: np.polydiv(u, v)[0], (U, V)),
    (lambda u, v: np.polydiv(u, v)[1], (U, V)),
    (lambda u, v: np.polydiv(u, v)[1], (V, U)),
    (lambda p: np.roots(p), (U,)),
])
def test_values_match_numpy(call, args):
    out, _ = sciad.vjp(call, *args)
    expected = call(*args)
    assert np.shape(out) == np.shape(expected) and np.asarray(out).dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)


def test_eig_result_keeps_its_field_names():
    out, _ = sciad.vjp(lambda a: LA.eig(a).eigenvalues * 2.0, A)
    np.testing.assert_allclose(out, 2.0 * LA.eig(A).eigenvalues, rtol=1e-14)


# --- closed forms ------------------------------------------------------------------------------
def test_eigenvalue_derivative_is_the_left_right_eigenvector_formula():
    """d lambda_i = u_i^H dA v_i / (u_i^H v_i), u_i the left eigenvector: for a real A the
    gradients of Re(lambda_i) and Im(lambda_i) are the real and imaginary parts of
    conj(u_i) v_i^T / (u_i^H v_i)."""
    w, v = LA.eig(A)
    left = LA.inv(v).conj().T            # columns u_i with u_i^H A = lambda_i u_i^H
    i = int(np.argmax(w.imag))            # one of the complex pair
    d_lambda = np.outer(left[:, i].conj(), v[:, i]) / (left[:, i].conj() @ v[:, i])
    np.testing.assert_allclose(sciad.grad(lambda a: np.real(LA.eigvals(a)[i]))(A),
                               np.real(d_lambda), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sciad.grad(lambda a: np.imag(LA.eigvals(a)[i]))(A),
                               np.imag(d_lambda), rtol=1e-10, atol=1e-12)


def test_sliding_window_cotangent_counts_the_windows_of_each_entry():
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(windows(x, 3)))(np.ones(6)),
                                  [1, 2, 3, 3, 2, 1])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(windows(x, (2, 2))))(np.ones((3, 3))),
                                  [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_root_derivative_is_the_implicit_function_theorem():
    # p = (x - a)(x - b): d a / d p_k = -a^(2-k) / p'(a) with p'(a) = a - b
    a, b = 1.5, -0.5
    roots = np.roots(np.poly([a, b]))
    i = int(np.argmin(abs(roots - a)))
    expected = -np.array([a ** 2, a, 1.0]) / (a - b)
    np.testing.assert_allclose(sciad.grad(lambda p: np.roots(p)[i])(np.poly([a, b])), expected,
                               rtol=1e-12)


# --- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [
    lambda a: np.sum(np.real(LA.eigvals(a))),
    lambda a: np.sum(np.real(LA.eig(a).eigenvalues)),
    lambda a: np.sum(np.abs(LA.eig(a).eigenvectors)),
])
def test_repeated_eigenvalues_raise(loss):
    with pytest.raises(sciad.NotDifferentiableError, match="repeated eigenvalues"):
        sciad.grad(loss)(np.diag([2.0, 2.0, 1.0]))


def test_repeated_root_raises():
    with pytest.raises(sciad.NotDifferentiableError, match="repeated root"):
        sciad.grad(lambda p: np.sum(np.real(np.roots(p))))(np.poly([1.0, 1.0, 2.0]))


def test_writeable_window_view_and_out_are_refused():
    with pytest.raises(sciad.NotDifferentiableError, match="writeable"):
        sciad.grad(lambda x: np.sum(windows(x, 2, writeable=True)))(X5)
    with pytest.raises(sciad.NotDifferentiableError, match="out="):
        sciad.grad(lambda x: np.sum(np.cumulative_sum(x, out=np.empty(5))))(X5)


def test_cumulative_without_axis_on_2d_raises_as_numpy():
    with pytest.raises(ValueError, match="axis"):
        sciad.grad(lambda x: np.sum(np.cumulative_sum(x)))(X)


# --- prod, cumprod, sinc of complex arrays: holomorphic, so the cotangent is g conj(d) ---------
@pytest.mark.parametrize("fun", [
    lambda x, y: _parts(np.prod(x + 1j * y, axis=0)),
    lambda x, y: _parts(np.prod(x + 1j * y)),
    lambda x, y: _parts(np.cumprod(x + 1j * y, axis=1)),
    lambda x, y: _parts(np.cumprod(x + 1j * y)),
    lambda x, y: _parts(np.vander((x + 1j * y)[0], 4)),
    lambda x, y: _parts(np.sinc(x + 1j * y)),
])
@pytest.mark.parametrize("with_zero", [False, True])
def test_complex_prod_and_cumprod(fun, with_zero):
    x, y = X[:2, :3].copy(), X[::-1, 1:].copy()[:2]  # small: second order by finite differences
    if with_zero:
        x[1, 2] = y[1, 2] = 0.0
    sciad.check_grads(fun, (x, y), order=2)
