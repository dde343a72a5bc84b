"""Engine benchmark: gradient time / plain NumPy function time, for sciad and its peers.

Run:  python benchmarks/engine.py [--repeat 7]

Every workload is timed in this one run: the plain NumPy function, then the gradient by sciad
and by autograd, JAX (eager, op by op, and jit-compiled) and PyTorch (eager) when installed.
Each library is timed in a process of its own, against the plain function in that process: with
all of them in one process, running JAX and PyTorch between sciad's rounds made sciad's
gradient of scalar_chain 30% slower (6.3 ms against 4.7 ms, with the same code), a cost of the
heap the peers leave behind rather than of sciad. Within a process the functions run in turn
(each for the loop count that timeit's autorange finds), so that load from other processes hits
them alike; a time is the median over rounds, and a ratio (gradient time / NumPy function time,
lower is better) the median of the per-round ratios. Times are CPU time of the process
(time.process_time), which a busy shared machine disturbs far less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
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


def _sciad_grad(make, x):
    g = sciad.grad(make(np, lambda v: v))
    return lambda: g(x)


def _autograd_grads():
    import autograd
    import autograd.numpy as anp

    def autograd_grad(make, x):
        g = autograd.grad(make(anp, lambda v: v))
        return lambda: g(x)
    return {"autograd": autograd_grad}


def _jax_grads():
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
    return {"jax (eager)": jax_eager, "jax (jit)": jax_jit}


def _torch_grads():
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
    return {"torch (eager)": torch_eager}


# library -> a function returning {column: builder(make, x) -> gradient call}; imported only
# in the library's own process
LIBRARIES = {"sciad": lambda: {"sciad": _sciad_grad}, "autograd": _autograd_grads,
             "jax": _jax_grads, "torch": _torch_grads}


def measure(library: str, repeat: int) -> dict:
    """In this process: per workload, the plain function's time and, per column of
    ``library``, its gradient's time and ratio (or the error it raised)."""
    try:
        builders = LIBRARIES[library]()
    except ImportError:
        return {}
    results = {}
    for name, (make, x) in _workloads(np.random.default_rng(0)).items():
        f = make(np, lambda v: v)
        fns = {"numpy": lambda: f(x)}
        row = {}
        for column, build in builders.items():
            try:
                fns[column] = build(make, x)
            except Exception as exc:  # a peer failing must not hide the others' numbers
                row[column] = f"error: {type(exc).__name__}"
        times, ratios = _interleaved(fns, repeat)
        row["numpy"] = times["numpy"]
        for column in [c for c in fns if c != "numpy"]:
            row[column] = {"time": times[column], "ratio": ratios[column]}
        results[name] = row
    return results


def main(repeat: int = 7) -> list[dict]:
    measured = {}
    for library in LIBRARIES:
        done = subprocess.run([sys.executable, __file__, "--library", library, "--repeat",
                               str(repeat)], capture_output=True, text=True)
        if done.returncode != 0:
            if library == "sciad":
                raise RuntimeError(f"timing sciad failed:\n{done.stderr}")
            # a peer that crashes must not hide the others' numbers: its columns stay empty
            print(f"{library}: its process failed: {done.stderr.strip()[-300:]}", file=sys.stderr)
            measured[library] = {}
            continue
        measured[library] = json.loads(done.stdout)
    rows = []
    for name, own in measured["sciad"].items():
        row = {"workload": name, "numpy f (ms)": own["numpy"] * 1e3,
               "sciad grad (ms)": own["sciad"]["time"] * 1e3,
               "sciad ratio": own["sciad"]["ratio"], "target": TARGETS[name]}
        for library in [lib for lib in LIBRARIES if lib != "sciad"]:
            for column, value in measured[library].get(name, {}).items():
                if column != "numpy":
                    row[f"{column} ratio"] = value["ratio"] if isinstance(value, dict) else value
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
    parser.add_argument("--library", choices=list(LIBRARIES),
                        help="time only this library, in this process, and print JSON")
    arguments = parser.parse_args()
    if arguments.library:
        print(json.dumps(measure(arguments.library, arguments.repeat)))
    else:
        print(format_table(main(arguments.repeat)))
