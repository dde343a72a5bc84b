"""scipy.optimize adapter benchmark: sciad's exact derivatives against scipy's hand-written
Rosenbrock derivatives and against finite differences, measured side by side in one run.

Run:  python benchmarks/optimize.py [--repeat 5]

1. L-BFGS-B on Rosenbrock, n = 1000: (a) sciad.optimize.minimize (gradient by sciad),
   (b) scipy with its hand-written ``rosen_der``, (c) scipy with ``jac="2-point"``.
   Targets: (a) within 2x of (b)'s wall time with the same iterations; (a) >= 50x faster than (c).
2. Newton-CG on Rosenbrock, n = 10,000: sciad's Hessian-vector products against
   ``rosen_hess_prod``. Target: within 3x.

Each time is the median wall time of whole ``minimize`` calls over ``--repeat`` rounds, sciad
and the hand-written side interleaved within each round (a shared machine's load then falls on
both alike). BLAS runs single-threaded (set before NumPy loads): scipy's L-BFGS-B calls BLAS on
1000-vectors, where threads only add contention, and on a shared machine they made both sides
10-20x slower.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402
from scipy.optimize import rosen, rosen_der, rosen_hess_prod  # noqa: E402

import sciad.optimize  # noqa: E402


def rosen_numpy(x):
    """scipy's Rosenbrock function in plain NumPy (scipy's own converts its input to an array)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def start(n):
    x0 = np.full(n, 1.3)
    x0[::2] = 0.7
    return x0


def _timed(runs, repeat):
    """Median wall time of each run over ``repeat`` rounds, the runs interleaved within a round
    so that load from other jobs on a shared machine falls on every side alike; and the last
    result of each."""
    times = [[] for _ in runs]
    results = [None] * len(runs)
    for _ in range(repeat):
        for k, run in enumerate(runs):
            begin = time.perf_counter()
            results[k] = run()
            times[k].append(time.perf_counter() - begin)
    return [statistics.median(t) for t in times], results


def _row(label, seconds, result, baseline):
    return (f"| {label:<34} | {result.nit:>5} | {result.nfev:>6} | {result.fun:9.2e} | "
            f"{seconds * 1e3:10.1f} | {seconds / baseline:7.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    header = ("| run                                | iters |  fevals |     f(x*) |  wall (ms) |"
              " / hand |\n|---|---:|---:|---:|---:|---:|")

    x0 = start(1000)
    # room for every finite-difference gradient (n + 1 evaluations each) to run to convergence
    lbfgs = {"method": "L-BFGS-B", "options": {"maxfun": 200_000}}
    (t_sciad, t_hand), (r_sciad, r_hand) = _timed(
        [lambda: sciad.optimize.minimize(rosen_numpy, x0, **lbfgs),
         lambda: scipy.optimize.minimize(rosen, x0, jac=rosen_der, **lbfgs)], repeat)
    (t_fd,), (r_fd,) = _timed(
        [lambda: scipy.optimize.minimize(rosen, x0, jac="2-point", **lbfgs)], max(1, repeat // 2))
    print("L-BFGS-B on Rosenbrock, n = 1000\n")
    print(header)
    print(_row("(a) sciad gradient", t_sciad, r_sciad, t_hand))
    print(_row("(b) scipy rosen_der (hand-written)", t_hand, r_hand, t_hand))
    print(_row("(c) scipy '2-point' differences", t_fd, r_fd, t_hand))
    print(f"\n(a)/(b) wall: {t_sciad / t_hand:.2f}x (target <= 2x), same iterations: "
          f"{r_sciad.nit == r_hand.nit}; (c)/(a) wall: {t_fd / t_sciad:.0f}x (target >= 50x); "
          f"(c) converged: {r_fd.success} ({r_fd.message})")

    x0 = start(10_000)
    newton = {"method": "Newton-CG", "options": {"xtol": 1e-8}}
    (t_sciad, t_hand), (r_sciad, r_hand) = _timed(
        [lambda: sciad.optimize.minimize(rosen_numpy, x0, **newton),
         lambda: scipy.optimize.minimize(rosen, x0, jac=rosen_der, hessp=rosen_hess_prod,
                                         **newton)], repeat)
    print("\nNewton-CG on Rosenbrock, n = 10,000\n")
    print(header)
    print(_row("sciad gradient + hessp", t_sciad, r_sciad, t_hand))
    print(_row("scipy rosen_der + rosen_hess_prod", t_hand, r_hand, t_hand))
    print(f"\nsciad/hand wall: {t_sciad / t_hand:.2f}x (target <= 3x); Hessian-vector products: "
          f"sciad {r_sciad.nhev}, hand {r_hand.nhev}")


if __name__ == "__main__":
    main()
