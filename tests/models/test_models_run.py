"""Model files run through sciad.models, checked against closed forms and scipy references."""

import math
import os

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
from scipy.stats import norm

from sciad.models import check_model, load_model, run_model
from sciad.models.schema import ModelValidationError

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def example(name):
    return os.path.join(EXAMPLES, name)


def values(analysis):
    return {(r["output"], r["parameter"], r["quantity"]): r["value"] for r in analysis.rows}


def test_rosenbrock_gradient_closed_form_and_minimum():
    result = run_model(load_model(example("rosenbrock.toml")))
    sens, opt = (values(a) for a in result.analyses)
    x, y = -1.2, 1.0   # df/dx = -2(1 - x) - 400 x (y - x^2), df/dy = 200 (y - x^2)
    assert sens["f", "x", "derivative"] == pytest.approx(-2 * (1 - x) - 400 * x * (y - x * x))
    assert sens["f", "y", "derivative"] == pytest.approx(200 * (y - x * x))
    assert opt["f", "x", "argmin"] == pytest.approx(1.0, abs=1e-5)
    assert opt["f", "y", "argmin"] == pytest.approx(1.0, abs=1e-5)


def test_set_overrides_and_unknown_names(tmp_path):
    model = load_model(example("rosenbrock.toml"), {"x": 0.5, "b": 10.0})
    sens = values(run_model(model).analyses[0])
    assert sens["f", "y", "derivative"] == pytest.approx(2 * 10.0 * (1.0 - 0.25))
    with pytest.raises(Exception, match="--set nope: no such parameter"):
        load_model(example("rosenbrock.toml"), {"nope": 1.0})


def test_decay_fit_matches_scipy_with_finite_difference_jacobian():
    model = load_model(example("decay_fit.toml"))
    fit = values(run_model(model).analyses[0])
    data = model.sections["data"]
    popt, pcov = scipy.optimize.curve_fit(lambda t, a, k, c: a * np.exp(-k * t) + c, data["x"],
                                          data["y"], p0=[1, 1, 0], sigma=data["sigma"],
                                          absolute_sigma=True)
    for i, name in enumerate(["A", "k", "c0"]):
        assert fit["concentration", name, "estimate"] == pytest.approx(popt[i], rel=1e-6)
        assert fit["concentration", name, "stderr"] == pytest.approx(math.sqrt(pcov[i, i]),
                                                                      rel=1e-4)


def test_european_greeks_match_black_scholes_closed_forms():
    analytic, tree = run_model(load_model(example("european.toml"))).analyses
    S, K, T, r, v = 42.0, 40.0, 0.5, 0.1, 0.2
    d1 = (math.log(S / K) + (r + v * v / 2) * T) / (v * math.sqrt(T))
    d2 = d1 - v * math.sqrt(T)
    greeks = values(analytic)
    assert greeks["price", "", "price"] == pytest.approx(
        S * norm.cdf(d1) - K * math.exp(-r * T) * norm.cdf(d2), rel=1e-10)
    assert greeks["price", "spot", "delta"] == pytest.approx(norm.cdf(d1), rel=1e-10)
    assert greeks["price", "vol", "vega"] == pytest.approx(S * norm.pdf(d1) * math.sqrt(T))
    assert values(tree)["price", "", "price"] == pytest.approx(greeks["price", "", "price"],
                                                              abs=5e-3)


def test_asian_monte_carlo_greeks_have_standard_errors_and_bracket_the_european():
    model = load_model(example("asian.toml"))
    model.analyses[0].options["n_paths"] = 20_000
    mc = values(run_model(model).analyses[0])
    price, se = mc["price", "", "price"], mc["price", "", "price_stderr"]
    assert 0 < se < 0.1
    # averaging lowers the volatility: the Asian call is cheaper than the European (10.45)
    assert 4.0 < price < 10.45
    assert 0.0 < mc["price", "spot", "delta"] < 1.0


def test_argon_energy_is_linear_in_epsilon_and_forces_vanish_by_symmetry():
    forces, stress = run_model(load_model(example("argon.toml"))).analyses
    f = values(forces)
    assert f["energy", "epsilon", "derivative"] == pytest.approx(
        f["energy", "", "value"] / 0.0104, rel=1e-12)   # E = epsilon * g(sigma, r)
    assert f["forces", "", "max_abs"] < 1e-10          # a perfect FCC lattice
    s = values(stress)
    assert s["stress", "", "s_xx"] == pytest.approx(s["stress", "", "s_zz"], rel=1e-10)
    assert abs(s["stress", "", "s_xy"]) < 1e-12


def test_sir_sensitivity_matches_finite_differences_of_a_scipy_solve():
    model = load_model(example("sir.toml"))
    model.analyses = model.analyses[:1]
    model.analyses[0].options["normalize"] = "none"
    sens = values(run_model(model).analyses[0])

    def final_size(beta, gamma, i0):
        rhs = lambda t, y: [-beta * y[0] * y[1], beta * y[0] * y[1] - gamma * y[1],  # noqa: E731
                            gamma * y[1]]
        sol = scipy.integrate.solve_ivp(rhs, (0, 60), [1 - i0, i0, 0.0], rtol=1e-11, atol=1e-13)
        return sol.y[2, -1]
    h = 1e-5
    reference = (final_size(0.5 + h, 0.1, 0.01) - final_size(0.5 - h, 0.1, 0.01)) / (2 * h)
    assert sens["final_size", "beta", "derivative"] == pytest.approx(reference, rel=1e-4)
    reference_i0 = (final_size(0.5, 0.1, 0.01 + h) - final_size(0.5, 0.1, 0.01 - h)) / (2 * h)
    assert sens["final_size", "i0", "derivative"] == pytest.approx(reference_i0, rel=1e-4)


def test_sir_trajectory_sensitivity_includes_the_initial_state_route():
    model = load_model(example("sir.toml"))
    model.analyses = model.analyses[1:2]
    trajectory = values(run_model(model).analyses[0])

    def infected_end(i0):
        beta, gamma = 0.5, 0.1
        rhs = lambda t, y: [-beta * y[0] * y[1], beta * y[0] * y[1] - gamma * y[1]]  # noqa: E731
        return scipy.integrate.solve_ivp(rhs, (0, 60), [1 - i0, i0], rtol=1e-11,
                                         atol=1e-13).y[1, -1]
    h = 1e-5
    reference = (infected_end(0.01 + h) - infected_end(0.01 - h)) / (2 * h)
    assert trajectory["I(t_end)", "i0", "derivative"] == pytest.approx(reference, rel=1e-4)


def test_python_model_file_with_a_callable_formula():
    model = load_model(example("ishigami.py"))
    model.analyses = model.analyses[:1]
    sens = values(run_model(model).analyses[0])
    x = 0.5   # d/dx1 = cos x1 (1 + 0.1 x3^4); d/dx2 = 14 sin x2 cos x2; d/dx3 = 0.4 x3^3 sin x1
    assert sens["f", "x1", "derivative"] == pytest.approx(math.cos(x) * (1 + 0.1 * x ** 4))
    assert sens["f", "x2", "derivative"] == pytest.approx(14 * math.sin(x) * math.cos(x))
    assert sens["f", "x3", "derivative"] == pytest.approx(0.4 * x ** 3 * math.sin(x))


@pytest.mark.parametrize("name", ["rosenbrock.toml", "decay_fit.toml", "european.toml",
                                  "argon.toml", "ishigami.py"])
def test_check_passes_on_the_examples(name):
    report, passed = check_model(load_model(example(name)))
    assert passed
    assert {r["quantity"] for r in report.rows} == {"exact", "finite_difference", "abs_error",
                                                     "pass"}


def test_check_catches_a_wrong_derivative(tmp_path):
    """A Python formula that hides its dependence (stop_gradient) must fail the check."""
    path = tmp_path / "wrong.py"
    path.write_text("import sciad\nMODEL = {'name': 'w', 'kind': 'function',\n"
                    " 'parameters': {'x': 1.5},\n"
                    " 'outputs': {'f': lambda env: sciad.stop_gradient(env['x']) * env['x']},\n"
                    " 'analysis': [{'type': 'sensitivity'}]}\n")
    report, passed = check_model(load_model(str(path)))
    assert not passed


def test_validation_lists_every_problem_with_its_location(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "b"\nkind = "function"\n[parameters]\nx = { value = "one" }\n'
                    'y = { value = 1, bounds = [2, 1] }\n[outputs]\nf = "x.real"\n'
                    '[[analysis]]\ntype = "minimise"\n')
    with pytest.raises(ModelValidationError) as info:
        load_model(str(path))
    problems = info.value.problems
    assert len(problems) == 4
    assert all(p.startswith(str(path)) for p in problems)
    for where in ("parameters.x.value", "parameters.y.bounds", "outputs.f",
                  "analysis[0].type"):
        assert any(f": {where}" in p for p in problems), where


def test_normal_modes_of_a_lennard_jones_dimer_match_the_closed_form(tmp_path):
    r0 = 2.0 ** (1.0 / 6.0)   # the minimum of 4 (r^-12 - r^-6)
    (tmp_path / "dimer.xyz").write_text(f"2\ndimer\nAr 0 0 0\nAr {r0!r} 0 0\n")
    (tmp_path / "dimer.toml").write_text(
        'name = "dimer"\nkind = "particles"\n[parameters]\nepsilon = 1.0\nsigma = 1.0\n'
        '[system]\nfile = "dimer.xyz"\nmasses = 2.0\n[potential]\ntype = "lj"\n'
        '[[analysis]]\ntype = "normal_modes"\ncount = 6\n[[analysis]]\ntype = "forces"\n')
    modes, forces = run_model(load_model(str(tmp_path / "dimer.toml"))).analyses
    frequencies = sorted(values(modes).values())
    # V''(r0) = 36 2^(2/3) epsilon / sigma^2; reduced mass m/2 = 1
    assert frequencies[-1] == pytest.approx(math.sqrt(36 * 2 ** (2 / 3)), rel=1e-10)
    assert max(abs(f) for f in frequencies[:-1]) < 1e-6
    assert values(forces)["energy", "", "value"] == pytest.approx(-1.0, rel=1e-12)
