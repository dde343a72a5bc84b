"""sciad.ode.odeint as a differentiable operation: every adjoint against independent references.

References: closed forms (exponential decay, a linear system through scipy.linalg.expm), finite
differences of tightly solved problems (scipy's DOP853 at rtol 1e-12), and the other algorithms.
"""

import numpy as np
import pytest
import scipy.linalg
from ode_problems import LV_PARAMS, lotka_volterra, lotka_volterra_tight

import sciad
from sciad.ode import odeint

ADJOINTS = ["checkpoint", "interpolate", "forward", "backsolve"]
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


@pytest.mark.parametrize("method", ["RK45", "LSODA"])
@pytest.mark.parametrize("adjoint", ADJOINTS)
def test_decay_gradient_matches_closed_form(adjoint, method):
    # L = sum_k w_k y(t_k), y = y0 exp(-k t): dL/dk = -sum w t y, dL/dy0 = sum w exp(-k t)
    t = np.array([0.0, 0.5, 1.0, 2.5])
    w = np.array([0.3, -1.0, 2.0, 0.5])

    def loss(y0, p):
        return np.sum(w * odeint(lambda s, y, q: -q["k"] * y, y0, t, p, adjoint=adjoint,
                                 method=method, **TIGHT)[:, 0])

    y0, k = 1.7, 0.8
    d_y0, d_p = sciad.grad(loss, argnums=(0, 1))(np.array([y0]), {"k": k})
    y = y0 * np.exp(-k * t)
    assert d_p["k"] == pytest.approx(np.sum(-w * t * y), rel=1e-7)
    np.testing.assert_allclose(d_y0, [np.sum(w * np.exp(-k * t))], rtol=1e-7)


def _linear(t, y, a):
    return a @ y


A = np.array([[-0.5, 1.0], [-1.2, -0.3]])
Y0 = np.array([1.0, -0.4])
T_OBS = np.array([0.0, 0.4, 1.0, 1.7])


def _linear_loss_reference(a, y0):
    """sum_k |e^{A t_k} y0|^2 by matrix exponentials."""
    return sum(np.sum((scipy.linalg.expm(a * tk) @ y0) ** 2) for tk in T_OBS)


@pytest.mark.parametrize("adjoint", ADJOINTS + ["checkpoint, re-solved"])
@pytest.mark.parametrize("method", ["DOP853", "Radau"])
def test_linear_system_gradient_matches_expm(adjoint, method):
    rtol = 1e-10 if method == "DOP853" else 1e-8  # Radau: fewer, costlier steps
    # "re-solved": no dense output kept, every segment solved again on the way back
    budget = {"dense_budget": 0} if adjoint.endswith("re-solved") else {}

    def loss(a, y0):
        return np.sum(odeint(_linear, y0, T_OBS, a, method=method, adjoint=adjoint.split(",")[0],
                             rtol=rtol, atol=1e-12, **budget) ** 2)

    d_a, d_y0 = sciad.grad(loss, argnums=(0, 1))(A, Y0)
    ref_a = sciad.numerical_jacobian(lambda a: _linear_loss_reference(a, Y0), A)
    ref_y0 = sciad.numerical_jacobian(lambda y0: _linear_loss_reference(A, y0), Y0)
    tol = 1e-6 if adjoint != "backsolve" else 1e-5
    np.testing.assert_allclose(d_a, ref_a, rtol=tol, atol=tol)
    np.testing.assert_allclose(d_y0, ref_y0, rtol=tol, atol=tol)


def test_second_derivatives_through_odeint_match_expm():
    a0 = A.ravel()

    t = T_OBS[[0, 2]]

    def loss(a):
        return np.sum(odeint(_linear, Y0, t, np.reshape(a, (2, 2)), rtol=1e-9,
                             atol=1e-12)[-1] ** 2)

    def reference(a):
        return np.sum((scipy.linalg.expm(np.reshape(a, (2, 2)) * t[-1]) @ Y0) ** 2)

    numeric = sciad.numerical_jacobian(lambda a: sciad.numerical_jacobian(reference, a, 1e-4),
                                       a0, 1e-4)
    np.testing.assert_allclose(sciad.hessian(loss)(a0), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("adjoint, budget", [("checkpoint", 0), ("checkpoint", 3000),
                                             ("interpolate", 0), ("forward", 0)])
def test_lotka_volterra_three_ways(adjoint, budget):
    # observations at many times, a loss on all of them; compare with finite differences of
    # tightly solved ODEs
    t = np.linspace(0.0, 4.0, 5)
    y0 = np.array([10.0, 5.0])
    target = np.array([[8.0, 6.0]] * len(t))
    names = list(LV_PARAMS)
    vector = np.array([LV_PARAMS[k] for k in names])

    def loss(p):
        # dense_budget 3000 bytes: the dense output is dropped part-way through the solve
        ys = odeint(lotka_volterra, y0, t, p, adjoint=adjoint, checkpoints=3,
                    dense_budget=budget, **TIGHT)
        return np.sum((ys - target) ** 2)

    def reference(v):
        return np.sum((lotka_volterra_tight(dict(zip(names, v)), y0, t) - target) ** 2)

    ours = sciad.grad(loss)(dict(LV_PARAMS))
    numeric = sciad.numerical_jacobian(reference, vector, 1e-7)
    np.testing.assert_allclose([ours[k] for k in names], numeric, rtol=1e-5)


def test_gradient_with_respect_to_y0_and_scalar_loss_on_one_time():
    t = np.array([0.0, 3.0])

    def final_prey(y0):
        return odeint(lotka_volterra, y0, t, LV_PARAMS, **TIGHT)[-1, 0]

    y0 = np.array([10.0, 5.0])
    numeric = sciad.numerical_jacobian(lambda v: lotka_volterra_tight(LV_PARAMS, v, t)[-1, 0],
                                       y0, 1e-6)
    np.testing.assert_allclose(sciad.grad(final_prey)(y0), numeric, rtol=1e-6)


def test_parameter_estimation_recovers_known_parameters():
    # sciad.optimize.minimize over odeint: the gradient with respect to the parameter dict
    # comes from the adjoint; the data come from scipy's DOP853 at the true parameters
    import sciad.optimize

    true = dict(LV_PARAMS)
    t = np.linspace(0.0, 4.0, 9)
    y0 = np.array([10.0, 5.0])
    data = lotka_volterra_tight(true, y0, t)

    def loss(p):
        ys = odeint(lotka_volterra, y0, t, p, rtol=1e-8, atol=1e-10)
        return np.sum((ys - data) ** 2)

    start = {"alpha": 1.0, "beta": 0.44, "delta": 0.09, "gamma": 0.44}
    # bounds keep the line search away from parameters where the populations explode
    fit = sciad.optimize.minimize(loss, start, method="L-BFGS-B",
                                  bounds={k: (0.5 * v, 1.5 * v) for k, v in true.items()})
    np.testing.assert_allclose(np.asarray(fit.x), [true[k] for k in start], rtol=1e-3)


def test_single_time_and_no_params():
    y0 = np.array([2.0, 3.0])
    out = sciad.grad(lambda y: np.sum(odeint(lambda t, s: -s, y, np.array([0.0])) ** 2))(y0)
    np.testing.assert_allclose(out, 2 * y0)
    # y' = -y without parameters: d y(1)/d y0 = e^{-1}
    grad_y0 = sciad.grad(lambda y: odeint(lambda t, s: -s, y, np.array([0.0, 1.0]),
                                          **TIGHT)[-1, 1])(y0)
    np.testing.assert_allclose(grad_y0, [0.0, np.exp(-1.0)], rtol=1e-8)


def test_plain_call_returns_states_and_rejects_bad_input():
    t = np.array([0.0, 1.0])
    ys = odeint(lambda s, y, p: -p * y, [1.0, 2.0], t, 0.5, **TIGHT)
    np.testing.assert_allclose(ys[-1], np.exp(-0.5) * np.array([1.0, 2.0]), rtol=1e-8)
    with pytest.raises(ValueError, match="strictly increasing"):
        odeint(lambda s, y: -y, [1.0], np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="adjoint="):
        odeint(lambda s, y: -y, [1.0], t, adjoint="magic")


@pytest.mark.filterwarnings("ignore:divide by zero")
@pytest.mark.filterwarnings("ignore:invalid value")
def test_backward_failure_names_the_backward_pass():
    # y' = -c sqrt(y) from y = 0 stays at 0, but its derivative 1/(2 sqrt y) is infinite there
    def loss(c):
        return odeint(lambda t, y, q: -q * np.sqrt(y), np.array([0.0]), np.array([0.0, 1.0]),
                      c)[-1, 0]

    with pytest.raises(sciad.SolverError, match="backward"):
        sciad.grad(loss)(1.0)


def test_traced_times_and_solve_ivp_inside_grad_raise_instead_of_dropping_derivatives():
    from sciad.ode import solve_ivp

    with pytest.raises(sciad.NotDifferentiableError, match="not the times"):
        sciad.grad(lambda t_end: odeint(lambda t, y: -y, [1.0], np.stack([0.0 * t_end, t_end]))
                   [-1, 0])(1.0)
    with pytest.raises(sciad.NotDifferentiableError, match="use sciad.ode.odeint"):
        sciad.grad(lambda k: solve_ivp(lambda t, y, p: -p * y, (0.0, 1.0), [1.0],
                                       params=k).y[0, -1])(0.5)


@pytest.mark.parametrize("adjoint", ["checkpoint", "interpolate", "backsolve"])
def test_loss_on_an_early_observation_only(adjoint):
    # later segments carry a zero adjoint (and are skipped); d y(0.5)/dk = -0.5 y0 e^{-0.5 k}
    t = np.array([0.0, 0.5, 1.0, 2.0])
    k = 0.8
    early = sciad.grad(lambda p: odeint(lambda s, y, q: -q * y, [2.0], t, p, adjoint=adjoint,
                                        **TIGHT)[1, 0])(k)
    assert early == pytest.approx(-0.5 * 2.0 * np.exp(-0.5 * k), rel=1e-8)


def test_vjp_function_called_twice_with_one_refilled_cotangent_buffer():
    # the rule caches its adjoint solve per cotangent; a buffer refilled in place between two
    # calls must give the second cotangent's gradient, not the first one's
    t = np.array([0.0, 0.5, 1.0])
    k, y0 = 0.7, 2.0
    _, pull = sciad.vjp(lambda q: odeint(lambda s, y, p: -p * y, [y0], t, q, **TIGHT), k)
    cotangent = np.zeros((3, 1))
    cotangent[2, 0] = 1.0
    late = pull(cotangent)[0]
    cotangent[:] = 0.0
    cotangent[1, 0] = 1.0
    early = pull(cotangent)[0]
    assert late == pytest.approx(-1.0 * y0 * np.exp(-k * 1.0), rel=1e-8)  # dy(t)/dk = -t y(t)
    assert early == pytest.approx(-0.5 * y0 * np.exp(-k * 0.5), rel=1e-8)


@pytest.mark.filterwarnings("ignore:invalid value")
@pytest.mark.filterwarnings("ignore:divide by zero")
def test_non_finite_values_raise_instead_of_hanging_the_solver():
    # scipy's Runge-Kutta steppers loop forever on a NaN, so every pass must stop on one
    with pytest.raises(ValueError, match=r"params has NaN or infinite values \(k\)"):
        odeint(lambda s, y, p: -p["k"] * y, [1.0], [0.0, 1.0], {"k": np.nan})
    # sqrt(y - y) is 0, its derivative NaN: only the backward pass meets the non-finite value
    def rate(s, y, q):
        return -q * y + np.sqrt(y - y)

    with pytest.raises(sciad.SolverError, match="backward .adjoint. pass.*non-finite"):
        sciad.grad(lambda k: odeint(rate, [1.0], [0.0, 1.0], k)[1, 0])(1.0)
    # and the forward-sensitivity system, with the derivative NaN the same way
    with pytest.raises(sciad.SolverError, match="sensitivity equations.*non-finite"):
        sciad.grad(lambda k: odeint(rate, [1.0], [0.0, 1.0], k, adjoint="forward")[1, 0])(1.0)


@pytest.mark.parametrize("checkpoints", [-1, 2.5])
def test_bad_checkpoint_count_is_refused(checkpoints):
    with pytest.raises(ValueError, match="integer >= 0"):
        odeint(lambda s, y: -y, [1.0], [0.0, 1.0], checkpoints=checkpoints)


@pytest.mark.parametrize("method", ["RK45", "BDF", "LSODA"])
@pytest.mark.parametrize("budget", [0, np.inf])
def test_forward_pass_states_match_scipy_solve_ivp(method, budget):
    # the forward pass steps scipy's solver itself to keep the dense output within a budget;
    # its states must be scipy's solve_ivp's, and the kept interpolant must pass through them
    import scipy.integrate

    from sciad.ode._integrate import integrate_keeping_dense

    grid = np.linspace(0.0, 4.0, 6)
    y0 = np.array([10.0, 5.0])
    fun = lambda s, y: np.array(lotka_volterra(s, y, LV_PARAMS))  # noqa: E731
    states, dense = integrate_keeping_dense(fun, grid, y0, method=method, rtol=1e-8,
                                            atol=1e-10, stage="a test", dense_budget=budget)
    reference = scipy.integrate.solve_ivp(fun, (0.0, 4.0), y0, method=method, t_eval=grid,
                                          rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(states, reference.y.T, rtol=1e-12)
    if budget == 0:
        assert dense is None
    else:
        np.testing.assert_allclose(dense(grid).T, states, rtol=1e-12)
    with pytest.raises(ValueError, match="dense_budget"):
        odeint(lotka_volterra, y0, grid, LV_PARAMS, dense_budget=-1)
