"""Reduction and shape rules: gradient time / plain NumPy function time, measured in one run.

Run:  python benchmarks/reductions_shapes.py [--repeat 7]

Each workload is a scalar function built on one family member; the ratio is the time of
``sciad.grad(f)`` over the time of ``f`` on plain arrays (lower is better; a reverse-mode
gradient costs a few function evaluations). The two are timed in interleaved rounds of CPU
time; times are medians over rounds, a ratio the median of the per-round ratios (see engine.py).
``faults`` is the gradient's minor page faults per call: glibc hands the top of its heap back
to the OS when enough of it is free, and arrays of a few MB then come back as fresh pages (each
fault costs about 3 us here, so 2,000 of them are 6 ms); how often that happens depends on what
the process allocated before, so a ratio with many faults measures the heap as much as the rule.
"""

from __future__ import annotations

import argparse
import resource

import numpy as np
import scipy.special

import sciad
from engine import _interleaved  # same timing protocol as the engine benchmark


def _workloads(rng):
    matrix = rng.uniform(0.5, 1.5, (1000, 200))
    zeros = matrix[:, :50].copy()
    zeros[::7, 3] = 0.0
    image = rng.standard_normal((500, 500))
    weights = np.linspace(0.0, 1.0, 504 * 504).reshape(504, 504)
    return {
        # name: (f on plain arrays with NumPy/scipy, the same f for sciad, input)
        "logsumexp 1000x200 axis=1": (
            lambda x: np.sum(scipy.special.logsumexp(x, axis=1)),
            lambda x: np.sum(sciad.logsumexp(x, axis=1)), matrix),
        "prod 1000x200 axis=1": (lambda x: np.sum(np.prod(x, axis=1)), None, matrix),
        "prod with zeros 1000x50": (lambda x: np.sum(np.prod(x, axis=1)), None, zeros),
        "max 1000x200 axis=0": (lambda x: np.sum(np.max(x, axis=0)), None, matrix),
        "std 1000x200 axis=0": (lambda x: np.sum(np.std(x, axis=0, ddof=1)), None, matrix),
        "cumprod 1000x200 axis=1": (lambda x: np.sum(np.cumprod(x, axis=1)), None, matrix),
        "cumprod with zeros 1000x50": (lambda x: np.sum(np.cumprod(x, axis=1)), None, zeros),
        "sort 1000x200": (lambda x: np.sum(np.sort(x) * matrix), None, matrix),
        "pad reflect 500x500": (lambda x: np.sum(np.pad(x, 2, mode="reflect") * weights), None,
                                image),
        "repeat + tile 1000x200": (lambda x: np.sum(np.tile(np.repeat(x, 2, axis=0), 2)), None,
                                   matrix),
    }


def _faults_per_call(fn, calls=20) -> float:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def main(repeat: int) -> None:
    rng = np.random.default_rng(0)
    print(f"{'workload':30s} {'f (ms)':>9s} {'grad (ms)':>10s} {'ratio':>7s} {'faults':>7s}")
    for name, (plain, traced, x) in _workloads(rng).items():
        gradient = sciad.grad(traced or plain)
        times, ratios = _interleaved({"f": lambda: plain(x), "grad": lambda: gradient(x)}, repeat)
        faults = _faults_per_call(lambda: gradient(x))
        print(f"{name:30s} {times['f'] * 1e3:9.3f} {times['grad'] * 1e3:10.3f} "
              f"{ratios['grad']:7.1f} {faults:7.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
