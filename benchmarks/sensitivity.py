"""DGSM with exact gradients (sciad) against the same measure by forward finite differences.

The model is Sobol's G-function with D = 20 inputs on [0, 1]^20, where
nu_i = E[(df/dx_i)^2] is known in closed form. Both methods use the same N = 1,024 Sobol'
points; finite differences follow SALib (``finite_diff`` sampling with delta = 0.01 and
``dgsm`` analysis): N (D + 1) model runs. Two ways to run a model are timed:

- batch: the model takes the whole sample matrix (SALib's usual ``Y = model(X)``); sciad
  differentiates all rows with one reverse pass (``vectorized=True``);
- per sample: one Python call per input vector (a model that cannot be batched, say an ODE
  solve); sciad runs N gradient evaluations, finite differences N (D + 1) calls.

Run: ``python benchmarks/sensitivity.py`` (prints a Markdown table; median of repeats).
"""

from __future__ import annotations

import time

import numpy as np

from sciad.sensitivity import dgsm
from sciad.sensitivity._batch import model_gradients
from sciad.sensitivity._problem import parse_problem
from sciad.sensitivity._sampling import sobol_points

D, N, DELTA, REPEATS = 20, 1024, 0.01, 5
A = np.array([0.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.5, 6.0, 9.0, 12.0] + [99.0] * 10)
PROBLEM = {"names": [f"x{i}" for i in range(D)], "bounds": [[0.0, 1.0]] * D}


def g_batch(x):
    return np.prod((np.abs(4 * x - 2) + A) / (1 + A), axis=-1)


def g_one(x):
    return np.prod((np.abs(4 * x - 2) + A) / (1 + A))


def exact_nu():
    second = 1 + 1 / (3 * (1 + A) ** 2)
    return np.array([16 / (1 + A[i]) ** 2 * np.prod(np.delete(second, i)) for i in range(D)])


def sample_points():
    """The N Sobol' points both methods use (sampling costs the same for both)."""
    return parse_problem(PROBLEM).inputs(sobol_points(N, D, 0))


def finite_difference_stage(model, batch: bool, base):
    """SALib's recipe: base points, each shifted by delta in one input, forward differences."""
    shifted = np.repeat(base[:, None, :], D + 1, axis=1)  # (N, D + 1, D): x, then x + delta e_i
    shifted[:, 1:, :] += DELTA * np.eye(D)
    rows = shifted.reshape(-1, D)
    values = model(rows) if batch else np.array([model(r) for r in rows])
    values = values.reshape(N, D + 1)
    derivative = (values[:, 1:] - values[:, :1]) / DELTA
    return np.mean(derivative ** 2, axis=0), len(rows), derivative


def finite_difference_dgsm(model, batch: bool):
    return finite_difference_stage(model, batch, sample_points())


def sciad_stage(model, batch: bool, base):
    """The exact gradients at the points and their mean square: what dgsm() does inside."""
    grads = model_gradients(model, batch, base)[1]
    return np.mean(grads ** 2, axis=0), grads


def sciad_dgsm(model, batch: bool):
    result = dgsm(model, PROBLEM, n=N, seed=0, vectorized=batch, bootstrap=0, progress=False)
    return result.nu, result.model_evaluations


def exact_gradients(x):
    """The G-function's gradient written out by hand at the same points: the reference for
    the derivative error alone (the sampling error is common to both methods)."""
    factors = (np.abs(4 * x - 2) + A) / (1 + A)
    derivative = 4 * np.sign(4 * x - 2) / (1 + A)
    return derivative * np.prod(factors, axis=1, keepdims=True) / factors


def median_time(fn, repeats=REPEATS):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def main() -> None:
    exact, base = exact_nu(), sample_points()
    reference = exact_gradients(base)
    scale = np.max(np.abs(reference))
    print(f"DGSM of the Sobol G-function, D = {D}, N = {N}, the same Sobol' points for both; "
          f"median of {REPEATS} runs (3 per sample)\n")
    print("| model calls | method | model evaluations | total time (ms) | derivative stage (ms) "
          "| speed-up total / stage | max rel. error of nu vs analytic | max error of the "
          "gradients |")
    print("|---|---|---|---|---|---|---|---|")
    for batch, label, model, repeats in ((True, "batch", g_batch, REPEATS),
                                         (False, "per sample", g_one, 3)):
        t_fd, (nu_fd, runs_fd, _) = median_time(lambda: finite_difference_dgsm(model, batch),
                                                repeats)
        s_fd, (_, _, grad_fd) = median_time(lambda: finite_difference_stage(model, batch, base),
                                            repeats)
        t_ad, (nu_ad, runs_ad) = median_time(lambda: sciad_dgsm(model, batch), repeats)
        s_ad, (_, grad_ad) = median_time(lambda: sciad_stage(model, batch, base), repeats)
        rows = [("finite differences (SALib recipe, delta=0.01)", f"{runs_fd} function runs",
                 t_fd, s_fd, nu_fd, grad_fd),
                ("sciad exact DGSM", f"{runs_ad} gradients" + (" (one reverse pass)" if batch
                                                               else ""), t_ad, s_ad, nu_ad,
                 grad_ad)]
        for method, runs, total, stage, nu, grads in rows:
            print(f"| {label} | {method} | {runs} | {1e3 * total:.1f} | {1e3 * stage:.1f} "
                  f"| {t_fd / total:.1f}x / {s_fd / stage:.1f}x "
                  f"| {np.max(np.abs(nu - exact) / exact):.2e} "
                  f"| {np.max(np.abs(grads - reference)) / scale:.2e} |")
    print("\nerrors of the gradients are relative to the largest exact partial derivative")


if __name__ == "__main__":
    main()
