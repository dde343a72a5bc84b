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
