"""Elementwise (ufunc, scipy.special) and product rules: gradient time / function time.

Run:  python benchmarks/elementwise_products.py [--repeat 7]

Each workload is a scalar function of one array. The ratio is the time of ``sciad.grad(f)`` over
the time of ``f`` on plain arrays (lower is better: a reverse-mode gradient costs a few function
evaluations). The autograd column is the same ratio for ``autograd.grad`` when autograd is
installed (its NumPy and scipy.special wrappers; '-' where it lacks the function), after
checking that the two gradients agree. Times are medians over interleaved rounds of CPU time,
all measured in this run (the protocol of engine.py).
"""

from __future__ import annotations

import argparse

import numpy as np

from _gradient_ratios import print_table  # the table and timing shared with the other families


def _workloads(rng):
    """name: (make(np_module, special_module) -> f, input)."""
    x = rng.uniform(0.2, 3.0, 1_000_000)
    y = rng.uniform(0.2, 3.0, 200_000)
    batch = rng.standard_normal((64, 64, 64))
    a, b = rng.standard_normal((400, 300)), rng.standard_normal((300, 400))
    vectors = rng.standard_normal((200_000, 3))
    small = rng.standard_normal((40, 40))
    return {
        "ufunc chain n=1e6": (lambda np_, sc_: lambda x: np_.sum(
            np_.sin(x) ** 2 + np_.exp(-x * x) + np_.hypot(x, 1.0) * np_.maximum(x, 1.0)), x),
        "log1p/arctan/sqrt n=1e6": (lambda np_, sc_: lambda x: np_.sum(
            np_.log1p(x) * np_.arctan(x) / np_.sqrt(x)), x),
        "special chain n=2e5": (lambda np_, sc_: lambda x: np_.sum(
            sc_.log_ndtr(-x) + sc_.gammaln(x) + sc_.erfcx(x) * sc_.expit(x)), y),
        "bessel i0e/i1e/kve n=2e5": (lambda np_, sc_: lambda x: np_.sum(
            sc_.i0e(x) * sc_.i1e(x) + sc_.kve(1.5, x)), y),
        "matmul 400x300 @ 300x400": (lambda np_, sc_: lambda m: np_.sum(np_.tanh(m @ b)), a),
        "einsum bij,bjk->bik 64^3": (lambda np_, sc_: lambda t: np_.sum(
            np_.einsum("bij,bjk->bik", t, t) ** 2), batch),
        "tensordot axes=2 64^3": (lambda np_, sc_: lambda t: np_.sum(
            np_.tensordot(t, t, axes=([1, 2], [2, 1])) ** 2), batch),
        "cross 2e5 x 3": (lambda np_, sc_: lambda v: np_.sum(
            np_.cross(v, v[::-1]) ** 2), vectors),
        "kron 40x40 (x) 40x40": (lambda np_, sc_: lambda m: np_.sum(np_.kron(m, m) ** 2), small),
    }


def main(repeat: int) -> None:
    print_table(_workloads(np.random.default_rng(0)), repeat, atol=1e-9)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
