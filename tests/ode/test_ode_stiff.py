"""A stiff problem (Robertson's chemical kinetics) cross-checked three ways: forward
sensitivities, the adjoint with stiff methods in both directions, and finite differences of
tightly solved ODEs (Radau with the hand-written Jacobian at rtol 1e-11)."""

import numpy as np
import pytest
from ode_problems import LOG_RATES, robertson, robertson_tight

import sciad
from sciad.ode import odeint, solve_ivp

Y0 = np.array([1.0, 0.0, 0.0])
T = np.array([0.0, 0.1, 1.0])
WEIGHTS = np.array([1.0, 1e4, 1.0])  # y2 is ~1e-5: weigh it so it counts in the loss


def _loss_reference(log_rates):
    return np.sum(robertson_tight(log_rates, Y0, T) @ WEIGHTS)


@pytest.fixture(scope="module")
def reference_gradient():
    return sciad.numerical_jacobian(_loss_reference, LOG_RATES, 1e-5)


@pytest.mark.parametrize("method, adjoint, backward", [("BDF", "checkpoint", "BDF"),
                                                       ("Radau", "interpolate", "BDF")])
def test_robertson_adjoint_matches_finite_differences(reference_gradient, method, adjoint,
                                                      backward):
    def loss(log_rates):
        return np.sum(odeint(robertson, Y0, T, log_rates, method=method, adjoint=adjoint,
                             adjoint_method=backward, rtol=1e-8, atol=1e-12) @ WEIGHTS)

    np.testing.assert_allclose(sciad.grad(loss)(LOG_RATES), reference_gradient, rtol=1e-4,
                               atol=1e-6)


def test_robertson_forward_sensitivities_match_finite_differences(reference_gradient):
    res = solve_ivp(robertson, (0.0, T[-1]), Y0, params=LOG_RATES, sensitivity="forward",
                    method="BDF", t_eval=T, rtol=1e-8, atol=1e-12)
    gradient = np.einsum("i,ijk->j", WEIGHTS, res.dy_dp)
    np.testing.assert_allclose(gradient, reference_gradient, rtol=1e-4, atol=1e-6)
    # the sensitivities to the initial state of a conserved quantity: sum_i y_i(t) = sum_i y0_i
    np.testing.assert_allclose(res.dy_dy0.sum(axis=0), np.ones((3, len(T))), atol=1e-6)


def _diffusion(t, u, p):
    left = np.concatenate([u[:1], u[:-1]])
    right = np.concatenate([u[1:], u[-1:]])
    return p["d"] * (left - 2 * u + right) - p["r"] * u ** 2


@pytest.mark.parametrize("adjoint", ["checkpoint", "backsolve"])
def test_sparse_stiff_adjoint_matches_finite_differences(adjoint):
    # BDF both ways with a tridiagonal jac_sparsity: the backward Newton matrices are sparse
    import scipy.integrate

    n = 8
    u0 = np.linspace(0.2, 1.0, n)
    t = np.array([0.0, 0.2, 0.5])
    pattern = np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)

    def loss(p):
        return np.sum(odeint(_diffusion, u0, t, p, method="BDF", adjoint=adjoint,
                             jac_sparsity=pattern, rtol=1e-9, atol=1e-12) ** 2)

    def reference(v):
        p = {"d": v[0], "r": v[1]}
        res = scipy.integrate.solve_ivp(lambda s, u: _diffusion(s, u, p), (0.0, 0.5), u0,
                                        method="DOP853", t_eval=t, rtol=1e-12, atol=1e-13)
        return np.sum(res.y ** 2)

    ours = sciad.grad(loss)({"d": 30.0, "r": 2.0})
    numeric = sciad.numerical_jacobian(reference, np.array([30.0, 2.0]), 1e-6)
    # backsolve integrates this dissipative system backwards: accurate only to ~3e-4 of the
    # largest component at rtol 1e-9, as the docs warn (the small d-component is off by 3%)
    scale = 1e-7 if adjoint == "checkpoint" else 1e-3
    np.testing.assert_allclose([ours["d"], ours["r"]], numeric, rtol=1e-5,
                               atol=scale * np.max(np.abs(numeric)))


@pytest.mark.parametrize("adjoint", ["checkpoint", "backsolve"])
def test_stiff_adjoint_with_more_parameters_than_states_matches_expm(adjoint):
    # 15 states, 225 parameters: the adjoint's Newton matrix is the sparse [[-A^T, 0], [0, 0]]
    import scipy.linalg

    n = 15
    rng = np.random.default_rng(0)
    a = -2.0 * np.eye(n) + 0.3 * rng.standard_normal((n, n))
    y0 = rng.standard_normal(n)

    def loss(m):
        return np.sum(odeint(lambda s, y, q: q @ y, y0, np.array([0.0, 0.7]), m, method="BDF",
                             adjoint=adjoint, rtol=1e-9, atol=1e-12)[-1] ** 2)

    numeric = sciad.numerical_jacobian(
        lambda m: np.sum((scipy.linalg.expm(m * 0.7) @ y0) ** 2), a)
    np.testing.assert_allclose(sciad.grad(loss)(a), numeric, rtol=1e-6,
                               atol=1e-6 * np.max(np.abs(numeric)))
