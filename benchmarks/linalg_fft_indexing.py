"""linalg, fft and indexing rules: gradient time / plain NumPy function time, measured in one run.

Run:  python benchmarks/linalg_fft_indexing.py [--repeat 7]

Each workload is a scalar function written once against a NumPy namespace ``xp``; the ratio is
the time of ``sciad.grad(f)`` over the time of ``f`` on plain arrays (lower is better). When
HIPS autograd is installed, the same function through ``autograd.numpy`` is timed in the same
run (``-`` where autograd lacks the function), after checking that the two gradients agree.
Times are medians over interleaved rounds of CPU time (see engine.py).
"""

from __future__ import annotations

import argparse

import numpy as np

from _gradient_ratios import print_table  # the table and timing shared with the other families


def _workloads(rng):
    n = 200
    a = rng.standard_normal((n, n)) + n ** 0.5 * np.eye(n)
    b = rng.standard_normal((n, 10))
    spd = a @ a.T
    w = rng.standard_normal((n, n))
    tall = rng.standard_normal((300, n))
    signal = rng.standard_normal(2 ** 16)
    big = rng.standard_normal(10 ** 6)
    index = rng.integers(0, 10 ** 6, 10 ** 5)
    labels = rng.integers(0, 1000, 10 ** 6)
    return {
        # name: (f(xp, x), x)
        "inv 200": (lambda xp, x: xp.sum(xp.linalg.inv(x) * w), a),
        "solve 200, 10 rhs": (lambda xp, x: xp.sum(xp.linalg.solve(x, b) ** 2), a),
        "slogdet 200": (lambda xp, x: xp.linalg.slogdet(x)[1], a),
        "det 200 (scaled)": (lambda xp, x: xp.linalg.det(x / 15.0), a),
        "cholesky 200": (lambda xp, x: xp.sum(xp.linalg.cholesky(x) * w), spd),
        "eigh 200 (values+vectors)": (
            lambda xp, x: xp.sum(xp.linalg.eigh(x)[0]) + xp.sum(xp.linalg.eigh(x)[1] ** 2 * w),
            spd),
        "svd 300x200 (reduced)": (
            lambda xp, x: xp.sum(xp.linalg.svd(x, full_matrices=False)[0] ** 2 @ w), tall),
        "qr 300x200": (lambda xp, x: xp.sum(xp.linalg.qr(x)[1] * w), tall),
        "pinv 300x200": (lambda xp, x: xp.sum(xp.linalg.pinv(x) ** 2), tall),
        "norm 1e6": (lambda xp, x: xp.linalg.norm(x), big),
        "fft power 2^16": (lambda xp, x: xp.sum(xp.abs(xp.fft.fft(x)) ** 2), signal),
        "rfft/irfft filter 2^16": (
            lambda xp, x: xp.sum(xp.fft.irfft(xp.fft.rfft(x) * 0.5) ** 2), signal),
        "fancy index 1e5 of 1e6": (lambda xp, x: xp.sum(x[index] ** 2), big),
        "mask 1e6": (lambda xp, x: xp.sum(x[x > 0] ** 2), big),
        "bincount weights 1e6": (
            lambda xp, x: xp.sum(xp.bincount(labels, weights=x) ** 2), big),
    }


# sciad differentiates what NumPy computes (cholesky and eigh read the lower triangle);
# autograd returns the symmetric gradient: the two agree on symmetric perturbations
_READS_ONE_TRIANGLE = {"cholesky 200", "eigh 200 (values+vectors)"}


def _as_make(fun):
    """``fun(xp, x)`` in the form the table wants: ``make(np_module, special_module) -> f(x)``."""
    return lambda xp, _special: lambda x: fun(xp, x)


def main(repeat: int) -> None:
    workloads = {name: (_as_make(fun), x)
                 for name, (fun, x) in _workloads(np.random.default_rng(0)).items()}
    print_table(workloads, repeat, symmetric_only=_READS_ONE_TRIANGLE)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
