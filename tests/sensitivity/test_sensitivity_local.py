"""sciad.sensitivity.local and fisher_information against finite differences and closed forms."""

import json
import warnings

import numpy as np
import pytest

import sciad
from sciad.sensitivity import (ModelOutputError, ProblemError, SampleError, fisher_information,
                               local)

TIMES = np.linspace(0.0, 2.0, 6)


def decay_model(p):
    """Named outputs of a two-parameter decay: a trajectory and its total."""
    trajectory = p["y0"] * np.exp(-p["k"] * TIMES)
    return {"conc": trajectory, "total": np.sum(trajectory) + p["offset"][0] * p["offset"][1]}


PARAMS = {"k": 0.7, "y0": 2.5, "offset": np.array([0.3, -1.1])}


def _flat_model(flat):
    p = {"k": flat[0], "y0": flat[1], "offset": flat[2:4]}
    out = decay_model(p)
    return np.concatenate([out["conc"], [out["total"]]])


def test_local_matches_finite_differences_on_named_vector_outputs():
    s = local(decay_model, PARAMS)
    assert s.outputs == tuple(f"conc[{i}]" for i in range(6)) + ("total",)
    assert s.parameters == ("k", "y0", "offset[0]", "offset[1]")
    flat = np.array([0.7, 2.5, 0.3, -1.1])
    np.testing.assert_allclose(s.matrix, sciad.numerical_jacobian(_flat_model, flat),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(s.output_values, _flat_model(flat))


def test_local_closed_form_and_ranking():
    s = local(decay_model, PARAMS)
    # d conc / d k = -t y0 exp(-k t); d conc / d y0 = exp(-k t)
    np.testing.assert_allclose(s.matrix[:6, 0], -TIMES * 2.5 * np.exp(-0.7 * TIMES))
    np.testing.assert_allclose(s.matrix[:6, 1], np.exp(-0.7 * TIMES))
    assert s.row("total")["offset[0]"] == pytest.approx(-1.1)
    # |d total/dk| = y0 sum t exp(-kt) = 5.7 > |d total/dy0| = sum exp(-kt) = 3.3 > 1.1 > 0.3
    assert s.ranking("total") == ["k", "y0", "offset[0]", "offset[1]"]
    assert set(s.ranking()) == set(s.outputs)
    with pytest.raises(KeyError, match="no output named 'nope'"):
        s.row("nope")


def test_elasticities_of_a_power_law_are_its_exponents():
    def power_law(p):
        return {"rate": 3.0 * p["a"] ** 2.5 * p["b"] ** -0.5 * p["c"]}

    s = local(power_law, {"a": 1.7, "b": 0.4, "c": 12.0}, normalize="elasticity")
    np.testing.assert_allclose(s.matrix, [[2.5, -0.5, 1.0]], rtol=1e-12)
    assert s.output_units == ("",)


def test_semi_elasticity_and_units():
    s = local(lambda p: {"h": p["g"] * p["t"] ** 2 / 2}, {"g": 9.81, "t": 2.0},
              normalize="semi", units={"h": "m", "g": "m/s^2", "t": "s"})
    # p dy/dp: g * t^2/2 and t * g t
    np.testing.assert_allclose(s.matrix, [[9.81 * 2.0, 2.0 * 9.81 * 2.0]])
    assert s.output_units == ("m",)
    absolute = local(lambda p: {"h": p["g"] * p["t"] ** 2 / 2}, {"g": 9.81, "t": 2.0},
                     units={"h": "m", "g": "m/s^2", "t": "s"})
    assert absolute.parameter_units == ("m/s^2", "s")


def test_elasticity_of_a_zero_output_is_nan_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = local(lambda p: p["a"] * np.array([0.0, 1.0]), {"a": 2.0}, normalize="elasticity")
    assert np.isnan(s.matrix[0, 0]) and s.matrix[1, 0] == pytest.approx(1.0)
    assert any("y[0]" in str(w.message) for w in caught)


def test_local_result_is_json_ready():
    s = local(decay_model, PARAMS)
    data = json.loads(json.dumps(s.to_dict()))
    assert data["sensitivities"]["total"]["offset[1]"] == pytest.approx(0.3)
    assert data["parameters"][0] == "k"


def test_local_rejects_bad_inputs():
    with pytest.raises(ProblemError, match="dict of named parameters"):
        local(lambda p: p, np.array([1.0]))
    with pytest.raises(ModelOutputError, match="numeric outputs"):
        local(lambda p: {"label": "high"}, {"a": 1.0})
    with pytest.raises(ProblemError, match="normalize"):
        local(decay_model, PARAMS, normalize="log")


def test_local_refuses_outputs_that_are_not_finite():
    # d log(a) / da = 1/a = -1 at a = -1 is a number, but the output there is NaN
    with np.errstate(invalid="ignore"), pytest.raises(
            SampleError, match=r"1 of the outputs is NaN or infinite \(y\[1\]=nan\)"):
        local(lambda p: {"y": np.stack([p["a"], np.log(p["a"])])}, {"a": -1.0})
    with pytest.raises(SampleError, match=r"1 of the parameters is NaN or infinite \(k=inf\)"):
        local(lambda p: p["k"] * 2.0, {"k": np.inf})
    with np.errstate(invalid="ignore"), pytest.raises(SampleError, match="NaN"):
        fisher_information(lambda p: p["a"] * np.log(-np.ones(3)), {"a": 1.0})


def test_fisher_information_of_linear_regression_is_xtx_over_sigma2():
    rng = np.random.default_rng(3)
    design = np.column_stack([np.ones(12), rng.uniform(-1, 1, 12), rng.uniform(0, 2, 12)])
    data = rng.normal(size=12)
    sigma = 0.2

    def residuals(p):
        return design @ np.stack([p["intercept"], p["slope"], p["curvature"]]) - data

    fim = fisher_information(residuals, {"intercept": 0.1, "slope": -0.4, "curvature": 2.0},
                             sigma)
    expected = design.T @ design / sigma ** 2
    np.testing.assert_allclose(fim.matrix, expected, rtol=1e-12)
    np.testing.assert_allclose(fim.standard_errors, np.sqrt(np.diag(np.linalg.inv(expected))))
    np.testing.assert_allclose(fim.eigenvalues, np.sort(np.linalg.eigvalsh(expected))[::-1])
    assert fim.identifiable and np.isfinite(fim.condition_number)


def test_fisher_information_with_per_point_sigma_and_covariance_agree():
    x = np.linspace(0, 1, 7)
    sigmas = np.linspace(0.1, 0.4, 7)
    residuals = lambda p: p["a"] + p["b"] * x ** 2  # noqa: E731
    by_vector = fisher_information(residuals, {"a": 1.0, "b": 0.5}, sigmas)
    by_cov = fisher_information(residuals, {"a": 1.0, "b": 0.5}, np.diag(sigmas ** 2))
    design = np.column_stack([np.ones(7), x ** 2])
    np.testing.assert_allclose(by_vector.matrix, design.T @ (design / sigmas[:, None] ** 2))
    np.testing.assert_allclose(by_cov.matrix, by_vector.matrix, rtol=1e-12)
    with pytest.raises(ProblemError, match="sigma has 3 entries"):
        fisher_information(residuals, {"a": 1.0, "b": 0.5}, np.ones(3))


def test_product_parameters_are_reported_non_identifiable():
    x = np.linspace(0.0, 3.0, 9)
    a, b = 1.5, 0.8
    fim = fisher_information(lambda p: p["a"] * p["b"] * np.exp(-x) + p["c"] * x,
                             {"a": a, "b": b, "c": 0.3}, sigma=0.05)
    assert not fim.identifiable and len(fim.nonidentifiable) == 1
    # a*b stays constant along (a, -b, 0), normalised
    direction = fim.null_directions[:, 0]
    expected = np.array([a, -b, 0.0]) / np.hypot(a, b)
    assert abs(direction @ expected) == pytest.approx(1.0, abs=1e-9)
    assert "a" in fim.nonidentifiable[0] and "b" in fim.nonidentifiable[0]
    assert "c" not in fim.nonidentifiable[0]
    assert np.isinf(fim.standard_errors[:2]).all() and np.isfinite(fim.standard_errors[2])
    assert json.loads(json.dumps(fim.to_dict()))["standard_errors"][0] is None


def test_a_list_of_outputs_is_named_after_output_name():
    s = local(lambda p: [p["a"] ** 2, np.stack([p["a"], 3.0 * p["a"]])], {"a": 2.0},
              output_name="q", units={"q": "m", "a": "s"})
    assert s.outputs == ("q[0]", "q[1][0]", "q[1][1]")
    np.testing.assert_allclose(s.matrix.ravel(), [4.0, 1.0, 3.0])  # 2a, 1, 3 at a = 2
    assert s.output_units == ("m", "m", "m")
