"""DGSM against analytic measures; bounds against Sobol indices; executors; errors."""

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import stats

from sciad.sensitivity import (ModelOutputError, ProblemError, SampleError, dgsm, parse_problem,
                               sobol)

from known_measures import (G_COEFFICIENTS, ISHIGAMI_PROBLEM, g_function, g_function_exact_nu,
                            ishigami, ishigami_batch, ishigami_exact)


def test_dgsm_of_ishigami_matches_analytic_values():
    result = dgsm(ishigami, ISHIGAMI_PROBLEM, n=1024, progress=False)
    nu, _, _ = ishigami_exact()
    np.testing.assert_allclose(result.nu, nu, rtol=0.01)
    for i in range(3):  # the bootstrap intervals cover the analytic values
        assert result.ci["nu"][i, 0] <= nu[i] <= result.ci["nu"][i, 1]
    assert result.model_evaluations == 1024 and result.n_omitted == 0
    assert result.ranking()[0] == "x2"
    np.testing.assert_allclose(np.sum(result.index), 1.0)


def test_vectorized_and_per_sample_dgsm_agree():
    one = dgsm(ishigami, ISHIGAMI_PROBLEM, n=256, progress=False, bootstrap=0)
    batch = dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=256, vectorized=True, progress=False,
                 bootstrap=0)
    np.testing.assert_allclose(batch.nu, one.nu, rtol=1e-12)
    assert one.ci == {}


def test_dgsm_of_the_sobol_g_function_matches_analytic_values():
    problem = {"names": [f"x{i}" for i in range(5)], "bounds": [[0, 1]] * 5}
    result = dgsm(g_function, problem, n=2048, vectorized=True, progress=False)
    np.testing.assert_allclose(result.nu, g_function_exact_nu(), rtol=0.01)
    assert result.ranking()[:2] == ["x0", "x1"]


def test_dgsm_bound_is_exact_for_a_linear_gaussian_model():
    # f = 3 x + y with x ~ N(1, 2), y ~ N(0, 0.5): nu = (9, 1) and the Poincare bound is tight:
    # C nu / V = c_i^2 sigma_i^2 / sum c_j^2 sigma_j^2 = S_Ti
    problem = {"names": ["x", "y"], "bounds": [[1.0, 2.0], [0.0, 0.5]], "dists": ["norm", "norm"]}
    result = dgsm(lambda v: 3 * v[0] + v[1], problem, n=1024, progress=False)
    np.testing.assert_allclose(result.nu, [9.0, 1.0], rtol=1e-12)
    exact = np.array([36.0, 0.25]) / 36.25
    np.testing.assert_allclose(result.upper_bound, exact, rtol=0.02)
    np.testing.assert_allclose(result.index, exact, rtol=1e-12)


def test_dgsm_lognormal_bound_in_log_space():
    # f = ln x + 2 y, ln x ~ N(0.3, 0.8), y ~ U(0, 1): S_T of x = 0.64 / (0.64 + 4/12)
    problem = {"names": ["x", "y"], "bounds": [[0.3, 0.8], [0, 1]], "dists": ["lognorm", "unif"]}
    result = dgsm(lambda v: np.log(v[:, 0]) + 2 * v[:, 1], problem, n=2048, vectorized=True,
                  progress=False)
    assert result.upper_bound[0] == pytest.approx(0.64 / (0.64 + 4 / 12), rel=0.02)
    assert result.upper_bound[1] == pytest.approx(4 / np.pi ** 2 / (0.64 + 4 / 12), rel=0.02)


def test_dgsm_bounds_dominate_total_sobol_indices():
    bounds = dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=1024, vectorized=True, progress=False)
    totals = sobol(ishigami_batch, ISHIGAMI_PROBLEM, n=2048, vectorized=True, progress=False)
    assert np.all(bounds.upper_bound >= totals.total)
    # and with triangular and normal inputs
    problem = {"names": ["a", "b", "c"], "bounds": [[0, 2, 0.3], [1, 0.5], [-1, 1]],
               "dists": ["triang", "norm", "unif"]}
    model = lambda x: x[:, 0] ** 2 + np.sin(x[:, 1]) * x[:, 2] + x[:, 2]  # noqa: E731
    bounds = dgsm(model, problem, n=1024, vectorized=True, progress=False)
    totals = sobol(model, problem, n=4096, vectorized=True, progress=False)
    assert np.all(bounds.upper_bound >= totals.total)


def test_dgsm_thread_executor_equals_serial():
    serial = dgsm(ishigami, ISHIGAMI_PROBLEM, n=128, progress=False, bootstrap=50)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = dgsm(ishigami, ISHIGAMI_PROBLEM, n=128, executor=pool, chunk_size=16,
                        progress=False, bootstrap=50)
    np.testing.assert_array_equal(parallel.nu, serial.nu)
    np.testing.assert_array_equal(parallel.ci["upper_bound"], serial.ci["upper_bound"])


def test_dgsm_dask_executor_equals_serial():
    distributed = pytest.importorskip("distributed")
    serial = dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=256, vectorized=True, progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            remote = dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=256, vectorized=True,
                          executor=client.get_executor(), chunk_size=64, progress=False)
    np.testing.assert_allclose(remote.nu, serial.nu, rtol=1e-13)
    np.testing.assert_allclose(remote.upper_bound, serial.upper_bound, rtol=1e-13)


def test_progress_reporting_can_be_switched_on_and_off(capsys):
    calls = []
    dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=64, vectorized=True, chunk_size=16,
         progress=lambda done, total: calls.append((done, total)), bootstrap=0)
    assert calls == [(16, 64), (32, 64), (48, 64), (64, 64)]
    dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=64, vectorized=True, progress=True, bootstrap=0)
    assert "dgsm: 64/64 samples" in capsys.readouterr().err
    dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=64, vectorized=True, progress=False, bootstrap=0)
    assert capsys.readouterr().err == ""


def test_nan_samples_are_reported_never_averaged():
    problem = {"names": ["x", "y"], "bounds": [[-1, 1], [0, 1]]}
    model = lambda v: np.sqrt(v[0]) + v[1]  # noqa: E731  NaN wherever x < 0
    with np.errstate(invalid="ignore", divide="ignore"):
        with pytest.raises(SampleError, match=r"NaN or infinite at \d+ of 64 samples.*x=-"):
            dgsm(model, problem, n=64, progress=False)
        result = dgsm(model, problem, n=64, progress=False, nan_policy="omit")
    assert 0 < result.n_omitted < 64 and result.n_samples == 64 - result.n_omitted
    assert np.all(np.isfinite(result.nu))


def test_outputs_that_are_not_numbers_are_rejected():
    with pytest.raises(ModelOutputError, match="one real number"):
        dgsm(lambda x: "high", ISHIGAMI_PROBLEM, n=8, progress=False)
    with pytest.raises(ModelOutputError, match=r"shape \(3,\)"):
        dgsm(lambda x: x * 2, ISHIGAMI_PROBLEM, n=8, progress=False)
    with pytest.raises(ModelOutputError, match="vectorized=True"):
        dgsm(lambda x: np.sum(x), ISHIGAMI_PROBLEM, n=8, vectorized=True, progress=False)


def test_a_vectorized_model_that_mixes_rows_is_refused():
    # output k = x_k0 * mean(x_1): one reverse pass with a cotangent of ones would credit every
    # row with the whole batch's d/dx_1 (nu of x2 about 0.25 instead of ~1/64^2 per row)
    def mixes_rows(X):
        return X[:, 0] * np.mean(X[:, 1])

    problem = {"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    with pytest.raises(ModelOutputError, match="output k must depend on row k of X alone"):
        dgsm(mixes_rows, problem, n=64, vectorized=True, progress=False)
    # Sobol runs would mix A, B and AB_i rows the same way
    with pytest.raises(ModelOutputError, match="average across rows"):
        sobol(mixes_rows, problem, n=64, vectorized=True, progress=False)
    row_wise = dgsm(lambda X: 3 * X[:, 0] + X[:, 1] ** 2, problem, n=256, vectorized=True,
                    progress=False, bootstrap=0)
    # nu = E[9] and E[4 b^2] = 4/3 for b uniform on [0, 1]
    np.testing.assert_allclose(row_wise.nu, [9.0, 4.0 / 3.0], rtol=1e-3)


@pytest.mark.parametrize("problem, message", [
    ({"names": ["a", "b"], "bounds": [[0, 1]]}, "2 names but 1 bounds"),
    ({"names": ["a"], "bounds": [[1, 0]]}, "lower bound 1.0 is not below upper bound 0.0"),
    ({"names": ["a"], "bounds": [[0, np.inf]]}, "not finite"),
    ({"names": ["a"], "bounds": [[0, 1]], "dists": ["beta"]}, "unknown distribution 'beta'"),
    ({"names": ["a"], "bounds": [[0, -1]], "dists": ["norm"]}, "standard deviation"),
    ({"names": ["a"], "bounds": [[0, 1, 2]], "dists": ["triang"]}, "peak"),
    ({"names": ["a", "a"], "bounds": [[0, 1], [0, 1]]}, "repeats"),
    ({"bounds": [[0, 1]]}, "no 'names'"),
])
def test_bad_problems_raise_clear_errors(problem, message):
    with pytest.raises(ProblemError, match=message):
        parse_problem(problem)


def test_problem_distributions_follow_salib_conventions():
    spec = parse_problem({"names": ["u", "n", "l", "t"],
                          "bounds": [[2, 4], [1, 0.5], [0, 0.25], [0, 2, 0.5]],
                          "dists": ["uniform", "normal", "lognorm", "triang"]})
    x = spec.inputs(np.full((1, 4), 0.5))[0]
    # medians: uniform midpoint, normal mean, lognormal exp(mu), symmetric triangle's middle
    np.testing.assert_allclose(x, [3.0, 1.0, 1.0, 1.0])
    u = np.random.default_rng(1).random((200, 4))
    laws = [stats.uniform(2, 2), stats.norm(1, 0.5), stats.lognorm(s=0.25, scale=1.0),
            stats.triang(c=0.5, loc=0, scale=2)]
    expected = np.column_stack([law.ppf(u[:, i]) for i, law in enumerate(laws)])
    np.testing.assert_allclose(spec.inputs(u), expected, rtol=1e-12)
    # Poincare constants: (b-a)^2/pi^2, sigma^2, sigma^2 of ln x; symmetric triangle on [0, 2]:
    # Cheeger bound 4 (sup min(F, 1-F)/p)^2 = 4 (0.5 / 1)^2 = 1
    np.testing.assert_allclose(spec.poincare_constants(), [4 / np.pi ** 2, 0.25, 0.0625, 1.0],
                               rtol=1e-6)


def test_dgsm_result_to_dict_is_json_ready():
    result = dgsm(ishigami_batch, ISHIGAMI_PROBLEM, n=64, vectorized=True, progress=False)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["names"] == ["x1", "x2", "x3"] and len(data["ci"]["nu"]) == 3
    assert G_COEFFICIENTS.size == 5
