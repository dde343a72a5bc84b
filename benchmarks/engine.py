"""Engine benchmark: gradient time / plain NumPy function time, for sciad and its peers.

Run:  python benchmarks/engine.py [--repeat 7]

Every workload is timed in this one run: the plain NumPy function, then the gradient by sciad
and by autograd, JAX (eager, op by op, and jit-compiled) and PyTorch (eager) when installed.
The functions run in turn within each round (each for the loop count that timeit's autorange
finds), so that load from other processes hits them alike; a time is the median over rounds,
and a ratio (gradient time / NumPy function time, lower is better) the median of the per-round
ratios. Times are CPU time of the process (time.process_time), which a busy shared machine
disturbs far less than wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit

# One BLAS thread (PyTorch gets one too, below): on a shared 2-core machine a second BLAS thread
# waits for a busy core, and vector_big's plain matrix product then swings by 4x between runs.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which BLAS reads when loaded)

import sciad  # noqa: E402

TARGETS = {"scalar_chain": 5.0, "vector_big": 3.0, "rosen": 3.0}


# --- the workloads, written once against a namespace of array functions ----------------------
def scalar_chain(xp):
    def f(x):
        y = x
        for _ in range(250):
            y = xp.sin(y) * 0.5 + y * 0.25
        return xp.sum(y)
    return f


def vector_big(xp, a):
    def f(x):
        return xp.sum(xp.tanh(a @ x) * xp.sin(x) ** 2 + xp.exp(-x ** 2))
    return f


def rosen(xp):
    def f(x):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return f


def _workloads(rng):
    n_big = 2000
    a = rng.standard_normal((n_big, n_big)) / np.sqrt(n_big)
    return {
        "scalar_chain": (lambda xp, conv: scalar_chain(xp), rng.standard_normal(3)),
        "vector_big": (lambda xp, conv: vector_big(xp, conv(a)), rng.standard_normal(n_big)),
        "rosen": (lambda xp, conv: rosen(xp), rng.standard_normal(10_000)),
    }


def _interleaved(fns: dict, repeat: int) -> tuple[dict, dict]:
    """Median time per call of each function, and the median over rounds of its time / the
    first function's time in the same round."""
    # CPU time of this process: on a shared machine, wall time mostly measures the neighbours
    timers = {name: timeit.Timer(fn, timer=time.process_time) for name, fn in fns.items()}
    numbers = {name: timer.autorange()[0] for name, timer in timers.items()}
    rounds = []
    for _ in range(repeat):
        rounds.append({name: timer.timeit(numbers[name]) / numbers[name]
                       for name, timer in timers.items()})
    base = next(iter(fns))
    times = {name: statistics.median(r[name] for r in rounds) for name in fns}
    ratios = {name: statistics.median(r[name] / r[base] for r in rounds) for name in fns}
    return times, ratios


def _peers():
    peers = {}
    try:
        import autograd
        import autograd.numpy as anp

        def autograd_grad(make, x):
            g = autograd.grad(make(anp, lambda v: v))
            return lambda: g(x)

        peers["autograd"] = autograd_grad
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def jax_eager(make, x):
            g = jax.grad(make(jnp, jnp.asarray))
            xj = jnp.asarray(x)
            return lambda: g(xj).block_until_ready()

        def jax_jit(make, x):
            g = jax.jit(jax.grad(make(jnp, jnp.asarray)))
            xj = jnp.asarray(x)
            g(xj).block_until_ready()
            return lambda: g(xj).block_until_ready()

        peers["jax (eager)"] = jax_eager
        peers["jax (jit)"] = jax_jit
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(1)

        def torch_eager(make, x):
            f = make(torch, lambda v: torch.as_tensor(v))
            xt = torch.as_tensor(x)

            def run():
                leaf = xt.clone().requires_grad_(True)
                f(leaf).backward()
                return leaf.grad
            return run

        peers["torch (eager)"] = torch_eager
    except ImportError:
        pass
    return peers


def main(repeat: int = 7) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    peers = _peers()
    for name, (make, x) in _workloads(rng).items():
        f = make(np, lambda v: v)
        g = sciad.grad(f)
        fns = {"numpy": lambda: f(x), "sciad": lambda: g(x)}
        failed = {}
        for peer, build in peers.items():
            try:
                fns[peer] = build(make, x)
            except Exception as exc:  # a peer failing must not hide sciad's numbers
                failed[peer] = f"error: {type(exc).__name__}"
        times, ratios = _interleaved(fns, repeat)
        row = {"workload": name, "numpy f (ms)": times["numpy"] * 1e3,
               "sciad grad (ms)": times["sciad"] * 1e3, "sciad ratio": ratios["sciad"],
               "target": TARGETS[name]}
        for peer in peers:
            row[f"{peer} ratio"] = failed.get(peer, ratios.get(peer))
        rows.append(row)
    return rows


def format_table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |" for r in cells]
    return "\n".join([line, rule, *body])


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return str(value)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    print(format_table(main(parser.parse_args().repeat)))
