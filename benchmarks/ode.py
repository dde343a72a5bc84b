"""Cost of an ODE gradient in sciad.ode, against one forward solve and finite differences.

The model is a damped chain of N nonlinear (FPU-beta) oscillators with fixed ends, one spring
constant per spring, so P = N parameters and 2N states; the loss is the squared final state.
For each P it times, in one run (median of repeats):

* one forward solve (scipy's solve_ivp on the plain NumPy right-hand side, RK45);
* the gradient by the checkpointed adjoint (sciad's default), by the interpolating adjoint,
  by forward sensitivities, and by one-sided finite differences (P + 1 forward solves);

and prints each as a multiple of the forward solve (CPU time of the process, median of
repeats taken round-robin, so that the machine's load hits all alike). A second table does the
same for a system with two states and P parameters (a driven Duffing oscillator), where forward
sensitivities cost three engine passes per evaluation whatever P.
Run: ``python benchmarks/ode.py``.
Forward sensitivities cost one reverse pass per state and evaluation, so they are skipped where
they would take minutes (marked "-"); finite differences at P = 1000 are estimated as
(P + 1) forward solves (marked "~").
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import scipy.integrate

import sciad
from sciad.ode import odeint

T = np.array([0.0, 5.0])
TOL = {"rtol": 1e-6, "atol": 1e-9}


def chain(t, y, k):
    n = len(y) // 2
    x, v = y[:n], y[n:]
    stretch = np.concatenate([x[:1], x[1:] - x[:-1]])  # spring i joins mass i-1 and mass i
    tension = k * stretch + 0.5 * stretch ** 3
    force = np.concatenate([tension[1:], np.zeros(1)]) - tension
    return np.concatenate([v, force - 0.1 * v])


def initial_state(n):
    return np.concatenate([0.3 * np.sin(np.pi * np.arange(1, n + 1) / (n + 1)), np.zeros(n)])


def _interleaved_medians(funs: dict, repeats):
    """Median CPU time of each function, sampled round-robin so that a change in the machine's
    load hits them all alike (the ratios are what the benchmark reports)."""
    times = {name: [] for name in funs}
    for _ in range(repeats):
        for name, fun in funs.items():
            start = time.process_time()
            fun()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _median_time(fun, repeats):
    # CPU time of this process: the machine is shared, and wall time counts the other users
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fun()
        times.append(time.process_time() - start)
    return statistics.median(times)


def driven_oscillator(t, y, a):
    """Two states, P parameters: a damped Duffing oscillator driven by P harmonics a_j."""
    x, v = y[0], y[1]
    drive = np.sum(a * np.sin(0.5 * np.arange(1, len(a) + 1) * t))
    return np.stack([v, drive - x - 0.2 * v - 0.5 * x ** 3])


def forward_solve(k, y0, model=chain):
    res = scipy.integrate.solve_ivp(lambda t, y: model(t, y, k), (T[0], T[-1]), y0,
                                    method="RK45", **TOL)
    return np.sum(res.y[:, -1] ** 2)


def gradient(adjoint, tolerances=TOL, model=chain):
    def loss(k, y0):
        return np.sum(odeint(model, y0, T, k, adjoint=adjoint, **tolerances)[-1] ** 2)

    return sciad.grad(loss)


def finite_differences(k, y0, step=1e-6, model=chain):
    base = forward_solve(k, y0, model)
    out = np.empty_like(k)
    for i in range(len(k)):
        shifted = k.copy()
        shifted[i] += step
        out[i] = (forward_solve(shifted, y0, model) - base) / step
    return out


def run(sizes=(2, 10, 100, 1000), repeats=5):
    rows = []
    for p in sizes:
        rng = np.random.default_rng(p)
        k = rng.uniform(0.5, 1.5, p)
        y0 = initial_state(p)
        checkpoint = gradient("checkpoint")
        timed = {"solve": lambda: forward_solve(k, y0),
                 "checkpoint": lambda: checkpoint(k, y0),
                 "interpolate": lambda: gradient("interpolate")(k, y0)}
        if p <= 10:
            timed["forward"] = lambda: gradient("forward")(k, y0)
        entry = {"P": p, **_interleaved_medians(timed, repeats)}
        t_solve = entry["solve"]
        # accuracy at the benchmark's tolerances, against the adjoint of a tight solve
        reference = gradient("checkpoint", {"rtol": 1e-10, "atol": 1e-12})(k, y0)
        entry["adjoint_error"] = _relative_error(checkpoint(k, y0), reference)
        if p <= 100:
            entry["fd"] = _median_time(lambda: finite_differences(k, y0), 1)
            entry["fd_error"] = _relative_error(finite_differences(k, y0), reference)
        else:
            entry["fd_estimate"] = (p + 1) * t_solve
        rows.append(entry)
        _print_row(entry)
        sys.stdout.flush()
    return rows


def run_few_states(sizes=(2, 10, 30, 100), repeats=5):
    """Two states and P parameters: where forward sensitivities (one reverse pass per state
    and evaluation) can beat finite differences (P + 1 solves)."""
    y0 = np.array([0.5, 0.0])
    print(f"{'P':>5} {'solve':>8} {'adjoint ckpt':>15} {'forward sens':>15} {'finite diff':>15}")
    for p in sizes:
        a = np.random.default_rng(p).uniform(-0.5, 0.5, p)
        checkpoint = gradient("checkpoint", model=driven_oscillator)
        forward = gradient("forward", model=driven_oscillator)
        entry = _interleaved_medians({"solve": lambda: forward_solve(a, y0, driven_oscillator),
                                      "checkpoint": lambda: checkpoint(a, y0),
                                      "forward": lambda: forward(a, y0)}, repeats)
        entry["fd"] = _median_time(lambda: finite_differences(a, y0, model=driven_oscillator),
                                   max(1, repeats // 2))
        print(f"{p:>5} {entry['solve']:>7.4f}s {_ratio(entry, 'checkpoint'):>15} "
              f"{_ratio(entry, 'forward'):>15} {_ratio(entry, 'fd'):>15}")
        sys.stdout.flush()


def _relative_error(gradient_value, reference):
    return float(np.max(np.abs(gradient_value - reference)) / np.max(np.abs(reference)))


HEADER = (f"{'P':>5} {'states':>6} {'solve':>8} {'adjoint ckpt':>15} {'adjoint interp':>15} "
          f"{'forward sens':>15} {'finite diff':>15} {'err adj':>8} {'err fd':>8}")


def _ratio(entry, key):
    if key in entry:
        return f"{entry[key]:.3g}s {entry[key] / entry['solve']:5.1f}x"
    if key == "fd" and "fd_estimate" in entry:
        return f"~{entry['fd_estimate']:.3g}s {entry['fd_estimate'] / entry['solve']:5.0f}x"
    return "-"


def _print_row(entry):
    fd_error = f"{entry['fd_error']:.1e}" if "fd_error" in entry else "-"
    print(f"{entry['P']:>5} {2 * entry['P']:>6} {entry['solve']:>7.4f}s "
          f"{_ratio(entry, 'checkpoint'):>15} {_ratio(entry, 'interpolate'):>15} "
          f"{_ratio(entry, 'forward'):>15} {_ratio(entry, 'fd'):>15} "
          f"{entry['adjoint_error']:>8.1e} {fd_error:>8}")


if __name__ == "__main__":
    print("damped FPU-beta chain, RK45 rtol 1e-6 atol 1e-9, t in [0, 5], loss |y(5)|^2")
    print("times are medians; 'Nx' = multiple of one forward solve; err = max relative error of "
          "the gradient against the adjoint of a tight (rtol 1e-10) solve")
    print(HEADER)
    run()
    print()
    print("driven Duffing oscillator: 2 states, P drive amplitudes, same solver and loss")
    run_few_states()
