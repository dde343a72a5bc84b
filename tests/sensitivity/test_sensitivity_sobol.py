"""Sobol indices by sampling against analytic values."""

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from sciad.sensitivity import SampleError, sobol

from known_measures import ISHIGAMI_PROBLEM, ishigami, ishigami_batch, ishigami_exact


def test_sobol_indices_of_ishigami_match_analytic_values():
    result = sobol(ishigami_batch, ISHIGAMI_PROBLEM, n=4096, vectorized=True, progress=False)
    _, first, total = ishigami_exact()
    np.testing.assert_allclose(result.first, first, atol=0.02)
    np.testing.assert_allclose(result.total, total, atol=0.02)
    for key, exact in (("first", first), ("total", total)):  # intervals cover the truth
        assert np.all(result.ci[key][:, 0] <= exact) and np.all(exact <= result.ci[key][:, 1])
    assert result.model_evaluations == 4096 * 5
    assert result.ranking()[0] == "x1"


def test_sobol_of_an_additive_model_has_equal_first_and_total():
    # f = 2 a + b on U(0,1)^2: V = 4/12 + 1/12, S_a = 0.8, S_b = 0.2, no interactions
    problem = {"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    result = sobol(lambda x: 2 * x[:, 0] + x[:, 1], problem, n=1024, vectorized=True,
                   progress=False)
    np.testing.assert_allclose(result.first, [0.8, 0.2], atol=0.01)
    np.testing.assert_allclose(result.total, [0.8, 0.2], atol=0.01)


def test_sobol_per_sample_and_threaded_runs_agree():
    serial = sobol(ishigami, ISHIGAMI_PROBLEM, n=64, progress=False, bootstrap=0)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = sobol(ishigami_batch, ISHIGAMI_PROBLEM, n=64, vectorized=True, executor=pool,
                         chunk_size=50, progress=False, bootstrap=0)
    np.testing.assert_allclose(threaded.first, serial.first, rtol=1e-12)
    np.testing.assert_allclose(threaded.total, serial.total, rtol=1e-12)


def test_sobol_reports_nan_samples():
    problem = {"names": ["x", "y"], "bounds": [[-1, 1], [0, 1]]}
    with np.errstate(invalid="ignore"):
        with pytest.raises(SampleError, match="of 64 samples"):
            sobol(lambda v: np.sqrt(v[:, 0]) + v[:, 1], problem, n=64, vectorized=True,
                  progress=False)
        result = sobol(lambda v: np.sqrt(v[:, 0] + 0.99) + v[:, 1], problem, n=64,
                       vectorized=True, progress=False, nan_policy="omit")
    assert 0 < result.n_omitted < 10
    assert json.loads(json.dumps(result.to_dict()))["n_omitted"] == result.n_omitted
