"""DGSM with exact gradients (sciad) against the same measure by forward finite differences.

D = 20 inputs, N = 1,024 Sobol' points shared by both methods. Finite differences follow SALib
(``finite_diff`` sampling with delta = 0.01, then ``dgsm`` analysis): N (D + 1) model runs.
sciad runs N exact gradient evaluations, or one reverse pass over all N rows for a batched model
(``vectorized=True``). Models:

- Sobol's G-function, batched (SALib's usual ``Y = model(X)``) and one call per sample; its
  ``nu_i`` are known in closed form and its gradient is written out by hand as the reference;
- a 20-rate compartment chain ODE integrated by RK4 (40 steps), batched; the reference
  gradients come from the complex-step derivative (exact to rounding, independent of sciad).

Timings are CPU time of this process, median (best) of interleaved runs: the benchmark
machine is shared and its wall time mostly measures other jobs; the work is single-threaded
NumPy, so CPU and wall time agree on an idle machine.

Run: ``python benchmarks/sensitivity.py`` (prints a Markdown table).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from sciad.sensitivity import dgsm
from sciad.sensitivity._batch import model_gradients
from sciad.sensitivity._problem import parse_problem
from sciad.sensitivity._sampling import sobol_points

D, N, DELTA, REPEATS = 20, 1024, 0.01, 15
A = np.array([0.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.5, 6.0, 9.0, 12.0] + [99.0] * 10)
UNIT_CUBE = {"names": [f"x{i}" for i in range(D)], "bounds": [[0.0, 1.0]] * D}
RATES = {"names": [f"k{i}" for i in range(D)], "bounds": [[0.5, 1.5]] * D}


def g_batch(x):
    return np.prod((np.abs(4 * x - 2) + A) / (1 + A), axis=-1)


def g_one(x):
    return np.prod((np.abs(4 * x - 2) + A) / (1 + A))


def g_gradient(x):
    """The G-function's gradient written out by hand."""
    factors = (np.abs(4 * x - 2) + A) / (1 + A)
    return 4 * np.sign(4 * x - 2) / (1 + A) * np.prod(factors, axis=1, keepdims=True) / factors


def g_exact_nu():
    second = 1 + 1 / (3 * (1 + A) ** 2)
    return np.array([16 / (1 + A[i]) ** 2 * np.prod(np.delete(second, i)) for i in range(D)])


def chain_batch(k, steps=40, t_end=4.0):
    """Mean position of mass in a chain y0 -> y1 -> ... -> y19 with rates k, at t_end."""
    dt = t_end / steps
    y = np.zeros(k.shape, dtype=np.result_type(k, float))
    y[:, 0] = 1.0

    def rhs(y):
        flow = k * y
        inflow = np.concatenate([np.zeros_like(flow[:, :1]), flow[:, :-1]], axis=1)
        return inflow - flow

    for _ in range(steps):
        s1 = rhs(y)
        s2 = rhs(y + 0.5 * dt * s1)
        s3 = rhs(y + 0.5 * dt * s2)
        s4 = rhs(y + dt * s3)
        y = y + dt / 6 * (s1 + 2 * s2 + 2 * s3 + s4)
    return y @ np.arange(D, dtype=float) / D


def chain_gradient(k):
    """Complex-step derivatives, one input at a time: exact to rounding, no sciad involved."""
    step = 1e-30
    grads = np.empty_like(k)
    for j in range(D):
        shifted = k.astype(complex)
        shifted[:, j] += 1j * step
        grads[:, j] = chain_batch(shifted).imag / step
    return grads


@dataclass
class Case:
    label: str
    problem: dict
    model: Callable
    batch: bool
    repeats: int
    reference_gradient: Callable
    exact_nu: Callable | None  # None: nu of the reference gradients at the same points


def points(problem):
    """The N Sobol' points both methods use (sampling costs the same for both)."""
    return parse_problem(problem).inputs(sobol_points(N, D, 0))


def finite_difference_stage(case, base):
    """SALib's recipe: base points, each shifted by delta in one input, forward differences."""
    shifted = np.repeat(base[:, None, :], D + 1, axis=1)  # (N, D + 1, D): x, then x + delta e_i
    shifted[:, 1:, :] += DELTA * np.eye(D)
    rows = shifted.reshape(-1, D)
    values = case.model(rows) if case.batch else np.array([case.model(r) for r in rows])
    values = values.reshape(N, D + 1)
    derivative = (values[:, 1:] - values[:, :1]) / DELTA
    return np.mean(derivative ** 2, axis=0), len(rows), derivative


def sciad_stage(case, base):
    """The exact gradients at the points and their mean square: what dgsm() does inside."""
    grads = model_gradients(case.model, case.batch, base)[1]
    return np.mean(grads ** 2, axis=0), N, grads


def interleaved_times(functions, repeats):
    """CPU seconds per run of each function, runs interleaved so that a busy machine affects
    every method alike: (median, best) per function, and the last outputs."""
    times = [[] for _ in functions]
    outputs = [None] * len(functions)
    for _ in range(repeats):
        for k, fn in enumerate(functions):
            start = time.process_time()
            outputs[k] = fn()
            times[k].append(time.process_time() - start)
    return [(float(np.median(t)), float(np.min(t))) for t in times], outputs


def run(case):
    base = points(case.problem)
    reference = case.reference_gradient(base)
    exact = case.exact_nu() if case.exact_nu else np.mean(reference ** 2, axis=0)
    timings, outputs = interleaved_times([
        lambda: finite_difference_stage(case, points(case.problem)),
        lambda: finite_difference_stage(case, base),
        lambda: dgsm(case.model, case.problem, n=N, seed=0, vectorized=case.batch,
                     bootstrap=0, progress=False),
        lambda: sciad_stage(case, base)], case.repeats)
    (t_fd, b_fd), (s_fd, _), (t_ad, b_ad), (s_ad, _) = timings
    _, runs_fd, grad_fd = outputs[1]
    nu_fd = outputs[0][0]
    nu_ad, grad_ad = outputs[2].nu, outputs[3][2]
    scale = np.max(np.abs(reference))
    rows = [("finite differences (SALib, delta=0.01)", f"{runs_fd} runs", t_fd, b_fd, s_fd,
             nu_fd, grad_fd),
            ("sciad exact DGSM", f"{N} gradients" + (", 1 reverse pass" if case.batch else ""),
             t_ad, b_ad, s_ad, nu_ad, grad_ad)]
    for method, runs, total, best, stage, nu, grads in rows:
        print(f"| {case.label} | {method} | {runs} | {1e3 * total:.1f} ({1e3 * best:.1f}) "
              f"| {1e3 * stage:.1f} | {t_fd / total:.1f}x ({b_fd / best:.1f}x) / "
              f"{s_fd / stage:.1f}x | {np.max(np.abs(nu - exact) / exact):.1e} "
              f"| {np.max(np.abs(grads - reference)) / scale:.1e} |")


def main() -> None:
    print(f"DGSM, D = {D}, N = {N}, the same Sobol' points for both; CPU time in ms, median "
          f"(best) of {REPEATS} interleaved runs (3 for per-sample calls)\n")
    print("| model | method | model evaluations | total (ms) | derivative stage (ms) | "
          "speed-up total / stage | max rel. error of nu | max error of gradients |")
    print("|---|---|---|---|---|---|---|---|")
    for case in (Case("G-function, batch", UNIT_CUBE, g_batch, True, REPEATS, g_gradient,
                      g_exact_nu),
                 Case("G-function, per sample", UNIT_CUBE, g_one, False, 3, g_gradient,
                      g_exact_nu),
                 Case("20-rate ODE chain (RK4), batch", RATES, chain_batch, True, 5,
                      chain_gradient, None)):
        run(case)
    print("\nnu errors: against the analytic nu (G-function) or the nu of the complex-step "
          "gradients at the same points (ODE); gradient errors relative to the largest "
          "reference partial derivative")


if __name__ == "__main__":
    main()
