"""Constrained minimisation: exact constraint Jacobians and Lagrangian Hessians."""

import json

import numpy as np
import pytest
from scipy.optimize import NonlinearConstraint

import sciad
import sciad.optimize as so
from sciad.optimize import _constraints
from sciad.optimize._params import ParamSpace


def objective(p):
    return p["x"] + p["y"]


def on_circle(p):
    return p["x"] ** 2 + p["y"] ** 2 - 2.0


def above(p):
    return p["y"] + 0.5


# min x + y on the circle x^2 + y^2 = 2 with y >= -0.5: the free optimum (-1, -1) is cut off,
# so y = -0.5 and x = -sqrt(2 - 0.25)
KNOWN = {"x": -np.sqrt(1.75), "y": -0.5}
START = {"x": -0.5, "y": 1.0}
# trust-constr stops on gtol while its barrier still holds y off the bound: start it small
TIGHT_TRUST_CONSTR = {"gtol": 1e-12, "xtol": 1e-14, "barrier_tol": 1e-14,
                      "initial_barrier_parameter": 1e-6, "maxiter": 5000}


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr"])
def test_equality_and_inequality_constraints_reach_the_known_optimum(method):
    constraints = [{"type": "eq", "fun": on_circle}, {"type": "ineq", "fun": above}]
    options = {"ftol": 1e-12} if method == "SLSQP" else TIGHT_TRUST_CONSTR
    res = so.minimize(objective, START, method=method, constraints=constraints, options=options)
    assert res.success, res.message
    assert json.loads(json.dumps(res.to_dict()))["params"] == res.params
    assert res.params["x"] == pytest.approx(KNOWN["x"], abs=1e-6)
    assert res.params["y"] == pytest.approx(KNOWN["y"], abs=1e-6)


def test_nonlinear_constraint_object_with_trust_constr():
    both = NonlinearConstraint(lambda p: np.stack([on_circle(p), above(p)]), [0.0, 0.0],
                               [0.0, np.inf])
    res = so.minimize(objective, START, method="trust-constr", constraints=both,
                      options=TIGHT_TRUST_CONSTR)
    assert res.params["x"] == pytest.approx(KNOWN["x"], abs=1e-6)
    assert res.params["y"] == pytest.approx(KNOWN["y"], abs=1e-6)


def vector_constraint(p):
    w = p["w"]
    return np.stack([np.sum(w ** 3) - p["k"], np.sin(w[0] * w[1]) + p["k"] ** 2,
                     np.exp(w[2]) * w[0]])


def _prepared(method, dense_limit, monkeypatch):
    monkeypatch.setattr(_constraints, "DENSE_HESSIAN_LIMIT", dense_limit)
    template = {"k": 0.3, "w": np.array([0.5, -1.0, 0.2])}
    space = ParamSpace(template)
    x = space.flatten(template)
    con = NonlinearConstraint(vector_constraint, -1.0, 1.0)
    return _constraints.prepare_constraints([con], space, x, method)[0], space, x


@pytest.mark.parametrize("dense_limit", [500, 1])
def test_constraint_jacobian_and_lagrangian_hessian_match_finite_differences(dense_limit,
                                                                            monkeypatch):
    con, space, x = _prepared("trust-constr", dense_limit, monkeypatch)
    flat = lambda y: vector_constraint(space.unflatten(y))  # noqa: E731
    np.testing.assert_allclose(con.jac(x), sciad.numerical_jacobian(flat, x), rtol=1e-7,
                               atol=1e-9)
    v = np.array([0.7, -1.3, 2.0])
    # differences of the Jacobian just checked against differences of the constraint
    expected = sciad.numerical_jacobian(lambda y: v @ con.jac(y), x)
    hess = con.hess(x, v)
    dense = hess if isinstance(hess, np.ndarray) else hess @ np.eye(x.size)
    np.testing.assert_allclose(dense, expected, rtol=1e-5, atol=1e-6)


def test_slsqp_dict_gets_an_exact_jacobian(monkeypatch):
    template = {"k": 0.3, "w": np.array([0.5, -1.0, 0.2])}
    space = ParamSpace(template)
    x = space.flatten(template)
    con = _constraints.prepare_constraints({"type": "ineq", "fun": vector_constraint}, space, x,
                                           "slsqp")[0]
    flat = lambda y: vector_constraint(space.unflatten(y))  # noqa: E731
    np.testing.assert_allclose(con["jac"](x), sciad.numerical_jacobian(flat, x), rtol=1e-7,
                               atol=1e-9)


def test_constraint_of_the_wrong_shape_is_named():
    bad = {"type": "ineq", "fun": lambda p: np.ones((2, 2)) * p["x"]}
    with pytest.raises(so.ProblemError, match=r"constraint 1 \(ineq\) returned .*shape \(2, 2\)"):
        so.minimize(objective, START, method="SLSQP",
                    constraints=[{"type": "eq", "fun": on_circle}, bad])


def test_constraint_bounds_that_do_not_fit_and_bad_types():
    wrong = NonlinearConstraint(lambda p: np.stack([p["x"], p["y"]]), [0, 0, 0], 1)
    with pytest.raises(so.ProblemError, match="returns 2 values but its lb has 3"):
        so.minimize(objective, START, method="trust-constr", constraints=wrong)
    with pytest.raises(so.ProblemError, match="type 'le'"):
        so.minimize(objective, START, method="SLSQP", constraints={"type": "le", "fun": above})
    with pytest.raises(so.ProblemError, match="constraint 0 is a str"):
        so.minimize(objective, START, method="SLSQP", constraints=["x > 0"])
