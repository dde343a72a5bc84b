"""minimize with sciad's derivatives against scipy's hand-written Rosenbrock derivatives."""

import numpy as np
import pytest
import scipy.optimize
from scipy.optimize import rosen_der, rosen_hess, rosen_hess_prod

import sciad
import sciad.optimize as so


def rosen(x):
    """scipy's Rosenbrock function, written out (scipy's own converts its input to an array)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def start(n):
    x0 = np.full(n, 1.3)
    x0[::2] = 0.7
    return x0


def test_objective_derivatives_match_scipys_rosenbrock():
    x = np.random.default_rng(0).uniform(-1.5, 1.5, 50)
    p = np.random.default_rng(1).normal(size=50)
    obj = so.Objective(rosen)
    assert obj.fun(x) == pytest.approx(scipy.optimize.rosen(x), rel=1e-14)
    np.testing.assert_allclose(obj.jac(x), rosen_der(x), rtol=1e-12)
    np.testing.assert_allclose(obj.hessp(x, p), rosen_hess_prod(x, p), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(obj.hess(x), rosen_hess(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(so.jac(rosen)(x), rosen_der(x), rtol=1e-12)
    np.testing.assert_allclose(so.hess(rosen)(x), rosen_hess(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(so.hessp(rosen)(x, p), rosen_hess_prod(x, p), rtol=1e-12,
                               atol=1e-9)


def test_objective_gradient_with_args_matches_finite_differences():
    def weighted(x, w, shift):
        return np.sum(w * np.cosh(x - shift))
    w, x = np.array([1.0, 2.0, 0.5]), np.array([0.2, -0.4, 1.1])
    obj = so.Objective(weighted)
    reference = sciad.numerical_jacobian(lambda y: np.sum(w * np.cosh(y - 0.3)), x)
    np.testing.assert_allclose(obj.jac(x, w, 0.3), reference, rtol=1e-7)


def test_one_pass_per_distinct_x():
    visited = []
    calls = []

    def counted(x):
        calls.append(1)
        return rosen(x)

    obj = so.Objective(counted)

    def fun(x):
        visited.append(x.tobytes())
        return obj.fun(x)

    def jac(x):
        visited.append(x.tobytes())
        return obj.jac(x)

    res = scipy.optimize.minimize(fun, start(20), jac=jac, method="L-BFGS-B")
    assert res.success
    assert res.njev > 10
    # scipy asked for value and gradient at every x; each distinct x cost one traced pass
    distinct = len(dict.fromkeys(visited))
    assert obj.n_passes == len(calls) == distinct
    assert len(visited) >= 2 * distinct - 1


# every method that takes derivatives, with what scipy needs from its hand-written functions
REFERENCE_KWARGS = {
    "CG": {"jac": rosen_der}, "BFGS": {"jac": rosen_der}, "L-BFGS-B": {"jac": rosen_der},
    "TNC": {"jac": rosen_der}, "SLSQP": {"jac": rosen_der},
    "Newton-CG": {"jac": rosen_der, "hessp": rosen_hess_prod},
    "trust-ncg": {"jac": rosen_der, "hessp": rosen_hess_prod},
    "trust-krylov": {"jac": rosen_der, "hessp": rosen_hess_prod},
    "trust-constr": {"jac": rosen_der, "hessp": rosen_hess_prod},
    "trust-exact": {"jac": rosen_der, "hess": rosen_hess},
    "dogleg": {"jac": rosen_der, "hess": rosen_hess},
}
# scipy's own work grows too fast past these sizes for a unit test (SLSQP, BFGS's dense inverse
# Hessian, the dense factorisations of trust-exact and dogleg)
SIZES = {"SLSQP": (2, 10), "BFGS": (2, 60), "trust-exact": (2, 100), "dogleg": (2, 100)}
CASES = [(method, n) for method in REFERENCE_KWARGS
         for n in SIZES.get(method, (2, 100, 1000))]


@pytest.mark.parametrize("method,n", CASES)
def test_rosenbrock_every_derivative_method(method, n):
    # dogleg needs a positive definite Hessian from the start: begin near the valley floor
    x0 = 1.0 + 1e-3 * np.cos(np.arange(n)) if method == "dogleg" else start(n)
    options = {"TNC": {"maxfun": 20000}, "Newton-CG": {"xtol": 1e-10}}.get(method,
                                                                          {"maxiter": 5000})
    res = so.minimize(rosen, x0, method=method, options=options)
    reference = scipy.optimize.minimize(scipy.optimize.rosen, x0, method=method,
                                        options=options, **REFERENCE_KWARGS[method])
    assert res.success, res.message
    assert reference.success, reference.message
    assert res.fun < 1e-5
    np.testing.assert_allclose(res.x, np.ones(n), atol=5e-3)
    np.testing.assert_allclose(res.x, reference.x, atol=5e-3)
    # exact derivatives do the work of hand-written ones (paths part only by rounding, which
    # long CG runs amplify)
    if "nit" in reference:
        assert res.nit <= 1.5 * reference.nit + 5


def test_pytree_parameters_with_bounds_by_name():
    target = {"k": 0.5, "w": np.array([1.0, -2.0, 3.0])}

    def loss(p):
        return (p["k"] - target["k"]) ** 2 + np.sum((p["w"] - target["w"]) ** 2)

    res = so.minimize(loss, {"k": 2.0, "w": np.zeros(3)}, bounds={"k": (1.0, None),
                                                                   "w": (-1.0, 1.0)})
    assert res.names == ["k", "w[0]", "w[1]", "w[2]"]
    # the bounded optimum clips each entry into its box
    assert res.params["k"] == pytest.approx(1.0)
    np.testing.assert_allclose(res.params["w"], [1.0, -1.0, 1.0], atol=1e-8)
    assert isinstance(res.params["k"], float)
    as_json = res.to_dict()
    assert as_json["params"]["w"] == pytest.approx([1.0, -1.0, 1.0], abs=1e-8)
    assert as_json["names"] == res.names


def test_derivative_free_method_gets_plain_evaluations():
    res = so.minimize(rosen, np.array([-1.2, 1.0]), method="Nelder-Mead",
                      options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)
    assert res.n_passes == 0


@pytest.mark.parametrize("fun,x0,message", [
    (lambda x: x ** 2, np.array([1.0, 2.0]), r"shape \(2,\) at x0"),
    (lambda x: np.sum(np.log(x)), np.array([-1.0, 2.0]), "not finite at x0"),
    (lambda x: np.sum(x) / 0.0, np.array([1.0]), "not finite at x0"),
])
def test_bad_objective_at_x0_says_what_and_where(fun, x0, message):
    with np.errstate(all="ignore"), pytest.raises(so.ProblemError, match=message):
        so.minimize(fun, x0)


def test_unknown_method_lists_the_known_ones():
    with pytest.raises(so.ProblemError, match="unknown minimize method 'newton'.*trust-ncg"):
        so.minimize(rosen, np.zeros(2), method="newton")


def test_bounds_of_the_wrong_length_and_unknown_names():
    with pytest.raises(so.ProblemError, match="3 \\(lo, hi\\) pairs .* 2 entries"):
        so.minimize(rosen, np.zeros(2), bounds=[(0, 1)] * 3)
    with pytest.raises(so.ProblemError, match="bounds name \\['q'\\]"):
        so.minimize(lambda p: p["a"] ** 2, {"a": 1.0}, bounds={"q": (0, 1)})


def test_hessian_products_reuse_one_gradient_recording_per_x():
    x = start(30)
    obj = so.Objective(rosen)
    for p in np.eye(30)[:5]:
        np.testing.assert_allclose(obj.hessp(x, p), rosen_hess_prod(x, p), rtol=1e-12)
    assert obj.n_gradient_recordings == 1
    np.testing.assert_allclose(obj.hessp(x + 0.1, x), rosen_hess_prod(x + 0.1, x), rtol=1e-12)
    assert obj.n_gradient_recordings == 2


def test_one_recording_serves_value_gradient_and_products():
    x, p = start(30), np.linspace(-1.0, 1.0, 30)
    obj = so.Objective(rosen, record_for_products=True)
    assert obj.fun(x) == pytest.approx(scipy.optimize.rosen(x), rel=1e-14)
    np.testing.assert_allclose(obj.jac(x), rosen_der(x), rtol=1e-12)
    np.testing.assert_allclose(obj.hessp(x, p), rosen_hess_prod(x, p), rtol=1e-12)
    assert obj.n_gradient_recordings == 1 and obj.n_passes == 1


def test_a_list_of_numbers_is_a_vector_as_in_scipy():
    seen = []

    def loss(x):
        seen.append(type(x))
        return np.sum((x - np.array([1.0, 2.0])) ** 2)

    res = so.minimize(loss, [0.0, 0.0])
    np.testing.assert_allclose(res.x, [1.0, 2.0], atol=1e-8)
    np.testing.assert_allclose(res.params, [1.0, 2.0], atol=1e-8)
    assert seen[0] is np.ndarray and sciad.Tensor in seen
