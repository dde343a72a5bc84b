"""sciad.ode.solve_ivp: forward sensitivities, automatic Jacobians, results and errors.

References: closed forms (exponential decay; a linear system through scipy.linalg.expm and its
Frechet derivative) and finite differences of tightly solved problems.
"""

import json

import numpy as np
import pytest
import scipy.linalg

import sciad
from sciad.ode import RhsShapeError, solve_ivp
from sciad.ode._rhs import Rhs


def decay(t, y, p):
    return -p["k"] * y


def test_decay_sensitivities_match_closed_form():
    t = np.linspace(0.0, 3.0, 7)
    k, y0 = 0.7, 2.0
    res = solve_ivp(decay, (0.0, 3.0), [y0], params={"k": k}, sensitivity="forward", t_eval=t,
                    rtol=1e-10, atol=1e-12)
    y = y0 * np.exp(-k * t)
    np.testing.assert_allclose(res.y[0], y, rtol=1e-8)
    np.testing.assert_allclose(res.dy_dp[0, 0], -t * y, rtol=1e-7, atol=1e-12)  # dy/dk = -t y
    np.testing.assert_allclose(res.dy_dy0[0, 0], np.exp(-k * t), rtol=1e-8)
    assert res.param_names == ["k"]


def _linear(t, y, p):
    return np.reshape(p["a"], (3, 3)) @ y + p["b"]


A = np.array([[-1.0, 0.4, 0.0], [0.2, -0.8, 0.3], [0.0, -0.5, -0.3]])
B = np.array([0.1, 0.0, -0.2])


def _linear_reference(t, y0):
    """y(t) = e^{At} y0 + A^{-1}(e^{At} - I) b and its derivatives, by expm and expm_frechet."""
    n = len(y0)
    expm = scipy.linalg.expm(A * t)
    solve = np.linalg.solve(A, (expm - np.eye(n)) @ B)
    y = expm @ y0 + solve
    dy_da = np.zeros((n, n, n))
    for i in range(n):
        for j in range(n):
            unit = np.zeros((n, n))
            unit[i, j] = 1.0
            d_expm = scipy.linalg.expm_frechet(A * t, unit * t, compute_expm=False)
            # d/dA [A^{-1} (E - I) b] = -A^{-1} U A^{-1} (E - I) b + A^{-1} dE b
            d_forcing = (-np.linalg.solve(A, unit @ solve) + np.linalg.solve(A, d_expm @ B))
            dy_da[:, i, j] = d_expm @ y0 + d_forcing
    dy_db = np.linalg.solve(A, expm - np.eye(n))
    return y, expm, dy_da.reshape(n, n * n), dy_db


@pytest.mark.parametrize("method", ["RK45", "DOP853", "Radau", "BDF", "LSODA"])
def test_linear_system_sensitivities_match_expm(method):
    y0 = np.array([1.0, -0.5, 2.0])
    params = {"a": A.ravel(), "b": B}
    rtol = 1e-10 if method in ("RK45", "DOP853") else 1e-8  # implicit methods: fewer steps
    res = solve_ivp(_linear, (0.0, 1.5), y0, params=params, sensitivity="forward",
                    method=method, t_eval=[0.5, 1.5], rtol=rtol, atol=1e-12)
    for k, tk in enumerate([0.5, 1.5]):
        y, dy_dy0, dy_da, dy_db = _linear_reference(tk, y0)
        tol = 1e-6 if method in ("RK45", "DOP853") else 1e-5
        np.testing.assert_allclose(res.y[:, k], y, rtol=tol, atol=tol)
        np.testing.assert_allclose(res.dy_dy0[:, :, k], dy_dy0, rtol=tol, atol=tol)
        np.testing.assert_allclose(res.dy_dp[:, :9, k], dy_da, rtol=tol, atol=tol)
        np.testing.assert_allclose(res.dy_dp[:, 9:, k], dy_db, rtol=tol, atol=tol)
    assert res.param_names[:2] == ["a[0]", "a[1]"] and res.param_names[-1] == "b[2]"


def test_implicit_methods_get_the_engine_jacobian():
    from ode_problems import LOG_RATES, robertson, robertson_jacobian

    y0 = np.array([1.0, 0.0, 0.0])
    ours = solve_ivp(robertson, (0.0, 10.0), y0, params=LOG_RATES, method="BDF",
                     rtol=1e-8, atol=1e-12)
    assert ours.njev > 0 and ours.success
    np.testing.assert_allclose(ours.y[:, -1].sum(), 1.0, rtol=1e-7)  # mass is conserved
    # the Jacobian scipy received is the analytic one, at a point on the trajectory
    y = ours.y[:, -1]
    rhs = Rhs(robertson, 3, LOG_RATES)
    np.testing.assert_allclose(rhs.jac_fun(LOG_RATES)(0.0, y), robertson_jacobian(LOG_RATES, y),
                               rtol=1e-12)


def _diffusion(t, u, p):
    """A 1-D reaction-diffusion chain: tridiagonal Jacobian."""
    left = np.concatenate([u[:1], u[:-1]])
    right = np.concatenate([u[1:], u[-1:]])
    return p["d"] * (left - 2 * u + right) - p["r"] * u ** 2


def test_jac_sparsity_gives_the_same_sparse_jacobian():
    n = 12
    params = {"d": 30.0, "r": 2.0}
    u = np.linspace(0.2, 1.0, n)
    pattern = np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)
    rhs = Rhs(_diffusion, n, params)
    theta = rhs.flatten_params(params)
    sparse = rhs.jac_fun(theta, pattern)(0.0, u)
    np.testing.assert_allclose(sparse.toarray(), rhs.jac_fun(theta)(0.0, u), atol=1e-12)
    numeric = sciad.numerical_jacobian(lambda v: _diffusion(0.0, v, params), u)
    np.testing.assert_allclose(sparse.toarray(), numeric, atol=1e-6)
    res = solve_ivp(_diffusion, (0.0, 1.0), u, params=params, method="BDF",
                    jac_sparsity=pattern, rtol=1e-8, atol=1e-10)
    dense = solve_ivp(_diffusion, (0.0, 1.0), u, params=params, method="BDF", rtol=1e-8,
                      atol=1e-10)
    np.testing.assert_allclose(res.y[:, -1], dense.y[:, -1], rtol=1e-6)


def test_list_output_without_params_and_result_to_dict():
    res = solve_ivp(lambda t, y: [y[1], -y[0]], (0.0, np.pi), [0.0, 1.0], t_eval=[np.pi / 2],
                    rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.y[:, 0], [1.0, 0.0], atol=1e-8)  # sin and cos
    assert res["success"] and res.dy_dp is None
    as_json = json.loads(json.dumps(res.to_dict()))
    assert as_json["method"] == "RK45" and len(as_json["y"]) == 2


def test_sensitivities_with_pytree_params_and_dense_output():
    res = solve_ivp(lambda t, y, p: -p["rates"] * y + p["source"], (0.0, 1.0), [1.0, 1.0],
                    params={"rates": np.array([0.5, 2.0]), "source": 0.3},
                    sensitivity="forward", dense_output=True, rtol=1e-10, atol=1e-12)
    assert res.param_names == ["rates[0]", "rates[1]", "source"]
    np.testing.assert_allclose(res.sol(1.0), res.y[:, -1], rtol=1e-9)
    # y_i = s/k_i + (1 - s/k_i) e^{-k_i t}:  dy_i/ds = (1 - e^{-k_i t}) / k_i
    k = np.array([0.5, 2.0])
    np.testing.assert_allclose(res.dy_dp[:, 2, -1], (1 - np.exp(-k)) / k, rtol=1e-7)
    assert json.dumps(res.to_dict())


def test_wrong_rhs_shape_is_a_clear_error():
    with pytest.raises(RhsShapeError, match="returned shape \\(3,\\).*2 components"):
        solve_ivp(lambda t, y: np.zeros(3), (0.0, 1.0), [1.0, 2.0])
    with pytest.raises(RhsShapeError, match="2 components"):
        solve_ivp(lambda t, y, p: np.zeros(3), (0.0, 1.0), [1.0, 2.0], params={"k": 1.0},
                  sensitivity="forward")


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_nan_and_solver_failure_are_clear_errors():
    with pytest.raises(sciad.SolverError, match="non-finite value at t="):
        solve_ivp(lambda t, y, p: np.log(p["k"] - t) * y, (0.0, 2.0), [1.0],
                  params={"k": 1.0})
    # a finite-time blow-up: y' = y^2 reaches infinity at t = 1
    with pytest.raises(sciad.SolverError, match="RK45 solver failed at t=1 in solve_ivp"):
        solve_ivp(lambda t, y: y ** 2, (0.0, 2.0), [1.0])


def test_bad_options_are_rejected():
    with pytest.raises(ValueError, match="unknown ODE method"):
        solve_ivp(decay, (0.0, 1.0), [1.0], params={"k": 1.0}, method="Euler")
    with pytest.raises(ValueError, match="odeint"):
        solve_ivp(decay, (0.0, 1.0), [1.0], params={"k": 1.0}, sensitivity="adjoint")


def test_scipy_options_that_cannot_work_are_refused_clearly():
    with pytest.raises(ValueError, match="does not take args.*params"):
        solve_ivp(lambda t, y, a: -a * y, (0.0, 1.0), [1.0], args=(2.0,))
    with pytest.raises(ValueError, match="vectorized"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), [1.0], method="BDF", vectorized=True)
    with pytest.raises(ValueError, match="t_span must be a pair"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0, 2.0), [1.0])
    with pytest.raises(ValueError, match="params has NaN"):
        solve_ivp(decay, (0.0, 1.0), [1.0], params={"k": np.inf}, sensitivity="forward")


def test_jac_sparsity_is_honoured_with_forward_sensitivities():
    # reference: finite differences of tightly solved ODEs in the diffusion coefficient
    n = 6
    params = {"d": 3.0, "r": 2.0}
    u = np.linspace(0.2, 1.0, n)
    pattern = np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)
    res = solve_ivp(_diffusion, (0.0, 0.5), u, params=params, sensitivity="forward",
                    method="BDF", jac_sparsity=pattern, rtol=1e-9, atol=1e-12)

    def final_state(d):
        return solve_ivp(_diffusion, (0.0, 0.5), u, params={"d": d, "r": 2.0}, method="DOP853",
                         rtol=1e-12, atol=1e-13).y[:, -1]

    numeric = sciad.numerical_jacobian(final_state, 3.0, 1e-6)
    np.testing.assert_allclose(res.dy_dp[:, 0, -1], numeric, rtol=1e-5, atol=1e-7)
