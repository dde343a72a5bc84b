"""linalg, fft and indexing rules: gradient time / plain NumPy function time, measured in one run.

Run:  python benchmarks/linalg_fft_indexing.py [--repeat 7]

Each workload is a scalar function written once against a NumPy namespace ``xp``; the ratio is
the time of ``sciad.grad(f)`` over the time of ``f`` on plain arrays (lower is better). When
HIPS autograd is installed, the same function through ``autograd.numpy`` is timed in the same
run (``-`` where autograd lacks the function). Times are medians over repeats (see engine.py).
"""

from __future__ import annotations

import argparse

import numpy as np

import sciad
from engine import _time  # same timing protocol as the engine benchmark


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


def _symmetric_part(g):
    return 0.5 * (g + g.T)


def _autograd_gradient(fun):
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    return autograd.grad(lambda x: fun(anp, x))


def main(repeat: int) -> None:
    rng = np.random.default_rng(0)
    print(f"{'workload':28s} {'f (ms)':>9s} {'grad (ms)':>10s} {'ratio':>6s} "
          f"{'autograd':>9s}")
    for name, (fun, x) in _workloads(rng).items():
        gradient = sciad.grad(lambda x: fun(np, x))
        t_plain = _time(lambda: fun(np, x), repeat)
        t_grad = _time(lambda: gradient(x), repeat)
        peer = _autograd_gradient(fun)
        peer_ratio = "-"
        if peer is not None:
            try:
                reference = peer(x)
            except (AttributeError, NotImplementedError, TypeError, ValueError):
                reference = None  # autograd has no rule for this workload
            if reference is not None:
                # the two gradients must agree before their times mean anything
                ours = gradient(x)
                if name in _READS_ONE_TRIANGLE:
                    ours, reference = _symmetric_part(ours), _symmetric_part(reference)
                np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-8, err_msg=name)
                peer_ratio = f"{_time(lambda: peer(x), repeat) / t_plain:9.1f}"
        print(f"{name:28s} {t_plain * 1e3:9.3f} {t_grad * 1e3:10.3f} {t_grad / t_plain:6.1f} "
              f"{peer_ratio:>9s}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
