"""What the safe formula language costs: compiled model-file formulas against hand-written NumPy.

A model file's formulas become nested closures (one Python call per syntax node) instead of
one Python function. This script measures the overhead where it matters:

- one SIR right-hand side (three formulas) evaluated on arrays of 100,000 points (value only);
- the same right-hand side's value and gradient on scalars (what an ODE solver's sensitivity
  step costs per call, where Python overhead dominates);
- the whole SIR model file's local sensitivity (ODE solve with forward sensitivities), through
  ``sciad.models`` against the same analysis written by hand with ``sciad.ode.odeint``.

Timings are CPU time of this process, median of interleaved repeats (the machine is shared).
Run: ``python benchmarks/models.py`` (prints a Markdown table).
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

import sciad
from sciad.models import compile_expression, load_model
from sciad.models.output_analyses import free_values
from sciad.models.run import differentiable_map
from sciad.ode import odeint

REPEATS = 7
SIR = os.path.join(os.path.dirname(__file__), "..", "examples", "models", "sir.toml")
NAMES = ["beta", "gamma", "S", "I", "R", "t"]
FORMULAS = ["-beta * S * I", "beta * S * I - gamma * I", "gamma * I"]
COMPILED = [compile_expression(f, NAMES) for f in FORMULAS]


def rhs_compiled(env):
    return [f(env) for f in COMPILED]


def rhs_by_hand(env):
    beta, gamma, S, I = env["beta"], env["gamma"], env["S"], env["I"]
    return [-beta * S * I, beta * S * I - gamma * I, gamma * I]


def scalar_gradient(rhs):
    def loss(p):
        env = {"beta": p[0], "gamma": p[1], "S": 0.9, "I": 0.1, "R": 0.0, "t": 0.0}
        return sum(rhs(env))
    return lambda: sciad.grad(loss)(np.array([0.5, 0.1]))


def whole_model_by_hand():
    t = np.linspace(0.0, 60.0, 121)

    def f(t, y, p):
        S, I = y[0], y[1]
        return [-p["beta"] * S * I, p["beta"] * S * I - p["gamma"] * I, p["gamma"] * I]

    def outputs(p):
        y0 = np.stack([1.0 - p["i0"], p["i0"], 0.0 * p["i0"]])
        y = odeint(f, y0, t, p, rtol=1e-8, atol=1e-10, adjoint="forward")
        return {"peak": np.max(y[:, 1]), "final_size": y[-1, 2]}
    params = {"beta": 0.5, "gamma": 0.1, "i0": 0.01}
    return lambda: sciad.jacobian(outputs)(params)


def whole_model_from_file():
    model = load_model(SIR)
    outputs, _ = differentiable_map(model)
    params = free_values(model)
    return lambda: sciad.jacobian(outputs)(params)


def cpu_median(pairs, repeats=REPEATS):
    """Interleave the two callables so both see the same machine load."""
    times = {name: [] for name, _ in pairs}
    for _ in range(repeats):
        for name, run in pairs:
            start = time.process_time()
            run()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    rng = np.random.default_rng(0)
    arrays = {name: rng.random(100_000) for name in NAMES}
    cases = [
        ("SIR rhs on 1e5 points (value)", lambda: rhs_by_hand(arrays),
         lambda: rhs_compiled(arrays)),
        ("SIR rhs on scalars (value + gradient)", scalar_gradient(rhs_by_hand),
         scalar_gradient(rhs_compiled)),
        ("SIR model: local sensitivities (ODE)", whole_model_by_hand(), whole_model_from_file()),
    ]
    print("| case | hand-written NumPy | model-file formulas | ratio |")
    print("|---|---|---|---|")
    for title, by_hand, compiled in cases:
        repeats = 3 if "ODE" in title else REPEATS
        if "scalars" in title:   # too quick to time one call: time 200
            by_hand_once, compiled_once = by_hand, compiled
            by_hand = lambda: [by_hand_once() for _ in range(200)]  # noqa: E731
            compiled = lambda: [compiled_once() for _ in range(200)]  # noqa: E731
        t = cpu_median([("hand", by_hand), ("file", compiled)], repeats)
        print(f"| {title} | {t['hand'] * 1e3:.2f} ms | {t['file'] * 1e3:.2f} ms | "
              f"{t['file'] / t['hand']:.2f} |")


if __name__ == "__main__":
    main()
