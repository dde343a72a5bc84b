"""The recorded path of minimize (against scipy's own callback on the same problem), the user's
callback in every form scipy calls it, and the errors for malformed problems."""

import warnings

import matplotlib
import numpy as np
import pytest
import scipy.optimize
from scipy.optimize import rosen_der, rosen_hess_prod

import sciad.optimize as so
from sciad import plot

matplotlib.use("Agg")


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


X0 = np.array([-1.2, 1.0, 0.8, 1.3])


def _reference_path(method, **derivatives):
    """Objective values and gradient norms per iteration from scipy with hand-written
    derivatives, recorded by scipy's own callback."""
    fun = [scipy.optimize.rosen(X0)]
    norms = [np.linalg.norm(rosen_der(X0))]

    def record(intermediate_result):
        fun.append(intermediate_result.fun)
        norms.append(np.linalg.norm(rosen_der(intermediate_result.x)))

    scipy.optimize.minimize(scipy.optimize.rosen, X0, method=method, jac=rosen_der,
                            callback=record, **derivatives)
    return np.array(fun), np.array(norms)


@pytest.mark.parametrize("method,derivatives", [("BFGS", {}), ("L-BFGS-B", {}),
                                                ("trust-ncg", {"hessp": rosen_hess_prod})])
def test_history_matches_scipys_own_callback_on_the_same_path(method, derivatives):
    res = so.minimize(rosen, X0, method=method)
    fun, norms = _reference_path(method, **derivatives)
    history = res.history
    assert len(history["fun"]) == len(fun) == res.nit + 1
    np.testing.assert_allclose(history["fun"], fun, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(history["grad_norm"], norms, rtol=1e-5, atol=1e-8)
    # recording the path costs no pass beyond the ones scipy asked for
    assert res.n_passes <= res.nfev + 1


def test_derivative_free_history_has_values_only_and_plots():
    res = so.minimize(rosen, X0[:2], method="Nelder-Mead")
    assert res.history["grad_norm"] is None
    assert res.history["fun"][0] == pytest.approx(scipy.optimize.rosen(X0[:2]))
    assert res.history["fun"][-1] == pytest.approx(res.fun)
    # Nelder-Mead does not call back after its last iteration
    assert res.nit <= len(res.history["fun"]) <= res.nit + 1


def test_convergence_plot_reads_a_minimize_result():
    import matplotlib.pyplot as plt
    res = so.minimize(rosen, X0, method="BFGS")
    fig, ax = plt.subplots()
    assert plot.convergence(res, ax=ax) is ax
    lines = ax.get_lines()
    assert len(lines) == 2  # objective and gradient norm
    np.testing.assert_allclose(lines[0].get_ydata(), res.history["fun"])
    assert ax.get_yscale() == "log"
    plt.close(fig)


def test_user_callbacks_are_called_as_scipy_calls_them():
    seen = {"result": [], "xk": [], "state": []}
    so.minimize(rosen, X0, method="BFGS",
                callback=lambda intermediate_result: seen["result"].append(
                    intermediate_result.fun))
    so.minimize(rosen, X0, method="L-BFGS-B", callback=lambda xk: seen["xk"].append(xk.copy()))
    so.minimize(rosen, X0, method="trust-constr", options={"maxiter": 5},
                callback=lambda xk, state: seen["state"].append(state.nit))
    assert len(seen["result"]) > 5 and all(np.isfinite(seen["result"]))
    assert all(isinstance(x, np.ndarray) and x.shape == (4,) for x in seen["xk"])
    assert seen["state"][:3] == [1, 2, 3]


def test_a_callback_raising_stop_iteration_stops_the_run():
    calls = []

    def stop_at_three(intermediate_result):
        calls.append(intermediate_result.fun)
        if len(calls) == 3:
            raise StopIteration

    res = so.minimize(rosen, X0, method="BFGS", callback=stop_at_three)
    assert res.nit == 3 and not res.success
    assert len(res.history["fun"]) == 4


@pytest.mark.parametrize("kwargs,message", [
    ({"jac": True}, "jac=True: sciad.optimize.minimize computes jac"),
    ({"jac": "2-point"}, "jac='2-point'"),
    ({"hess": "3-point", "method": "trust-exact"}, "hess='3-point'"),
])
def test_derivatives_that_are_not_callables_are_refused(kwargs, message):
    with pytest.raises(so.ProblemError, match=message):
        so.minimize(rosen, X0, **kwargs)


@pytest.mark.parametrize("x0,message", [
    ("abc", "parameter 'x' is str"),
    ({"a": 1.0, "b": "fast"}, "parameter 'b' is str"),
    (np.array([]), "contain no numbers"),
])
def test_parameters_that_are_not_numbers(x0, message):
    with pytest.raises(so.ProblemError, match=message):
        so.minimize(lambda p: 0.0, x0)


@pytest.mark.parametrize("out,message", [("a", "returned str 'a' at x0"),
                                         (None, "returned NoneType")])
def test_objective_that_returns_no_number(out, message):
    with pytest.raises(so.ProblemError, match=message):
        so.minimize(lambda x: out, np.ones(2))


def test_reversed_bounds_name_the_entry():
    with pytest.raises(so.ProblemError, match=r"bounds of x\[1\] are reversed: lower 2.0"):
        so.minimize(rosen, np.zeros(2), bounds=[(0, 1), (2, 1)])
    with pytest.raises(so.ProblemError, match=r"bounds of w\[0\] are reversed"):
        so.minimize(lambda p: np.sum(p["w"] ** 2), {"w": np.ones(2)}, bounds={"w": (1, -1)})


def test_root_methods_without_a_jacobian_run_without_warnings():
    def equations(v):
        return np.stack([v[0] ** 2 + v[1] ** 2 - 5.0, v[0] * v[1] - 2.0])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = so.root(equations, np.array([2.2, 0.9]), method="broyden1", tol=1e-12)
    np.testing.assert_allclose(res.x, [2.0, 1.0], atol=1e-8)
    with pytest.raises(so.ProblemError, match="unknown root method 'newton'.*hybr"):
        so.root(equations, np.ones(2), method="newton")


def test_least_squares_takes_your_own_jacobian():
    calls = []

    def own_jacobian(x):
        calls.append(1)
        return np.diag(2.0 * x)

    res = so.least_squares(lambda x: x ** 2 - np.array([4.0, 9.0]), np.ones(2), jac=own_jacobian)
    np.testing.assert_allclose(res.x, [2.0, 3.0], rtol=1e-8)
    assert calls


def test_curve_fit_refuses_a_model_that_is_not_finite_at_p0():
    t = np.linspace(0.0, 1.0, 10)
    # scipy alone returns p0 with an infinite covariance here, as if it were a fit
    with pytest.raises(so.ProblemError, match="the model is not finite at p0"):
        so.curve_fit(lambda t, a, k: a * np.log(k * t), t, np.ones(10), p0=[1.0, 1.0])


def test_optimum_sensitivity_warns_away_from_an_optimum():
    def fun(x, theta):
        return np.sum((x - theta) ** 2)

    with pytest.warns(RuntimeWarning, match="not a stationary point.*Newton step of length 1.41"):
        sens = so.optimum_sensitivity(fun, np.ones(2), np.zeros(2))
    assert sens.newton_step_norm == pytest.approx(np.sqrt(2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = so.optimum_sensitivity(fun, np.full(2, 0.5), np.full(2, 0.5))
    assert exact.newton_step_norm == 0.0
    np.testing.assert_allclose(exact.matrix, np.eye(2), atol=1e-14)
    with pytest.raises(so.ProblemError, match=r"shape \(2,\) at x_opt"):
        so.optimum_sensitivity(lambda x, t: (x - t) ** 2, np.ones(2), np.ones(2))


def test_to_dict_is_strict_json_with_nan_and_infinity_as_null():
    import json

    from sciad.optimize._params import ParamSpace
    from sciad.optimize._result import OptimizeResult

    raw = scipy.optimize.OptimizeResult(x=np.array([1.0, np.nan]), fun=np.inf, nit=3,
                                        jac=np.array([[np.inf, 1.0]]), message="stopped")
    data = OptimizeResult.from_scipy(raw, ParamSpace({"a": 1.0, "b": 2.0})).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == {
        "x": [1.0, None], "fun": None, "nit": 3, "jac": [[None, 1.0]], "message": "stopped",
        "params": {"a": 1.0, "b": None}, "names": ["a", "b"]}
    res = so.minimize(rosen, X0, method="L-BFGS-B")
    assert json.loads(json.dumps(res.to_dict(), allow_nan=False))["history"]["fun"][0] == \
        pytest.approx(scipy.optimize.rosen(X0))


def test_memo_sees_data_changed_in_place():
    # fitting several data sets through one Objective, overwriting the data array each time
    data = np.array([1.0, 2.0])
    obj = so.Objective(lambda x, d: np.sum((x - d) ** 2))
    x = np.zeros(2)
    assert obj.fun(x, data) == pytest.approx(5.0)
    np.testing.assert_allclose(obj.jac(x, data), [-2.0, -4.0])
    assert obj.n_passes == 1
    data[:] = [5.0, 5.0]
    assert obj.fun(x, data) == pytest.approx(50.0)  # (0 - 5)^2 * 2, not the memo's 5
    np.testing.assert_allclose(obj.jac(x, data), [-10.0, -10.0])
    np.testing.assert_allclose(obj.hessp(x, np.ones(2), data), [2.0, 2.0])
    assert obj.n_passes == 3  # a new pass for the new data, one recording for the products


def test_trust_constr_callback_returning_true_stops_as_in_scipy():
    res = so.minimize(rosen, X0, method="trust-constr",
                      callback=lambda xk, state: state.nit >= 3)
    assert res.nit == 3 and res.status == 3
