"""Option Greeks benchmark: Greeks time / price time, measured side by side in one run.

Run:  python benchmarks/finance.py [--repeat 3] [--quick] [--tune-malloc]

(a) Black-Scholes on 1,000,000 options: the plain NumPy price, the price plus every first-order
    Greek (one reverse pass), and the price plus first- and second-order Greeks
    (reverse-over-reverse). Targets: <= 2.5 and <= 5 times the price.
(b) Monte Carlo, GBM and Heston, 100,000 paths x 100 steps, European and Asian payoffs: the price
    alone, the price plus every first-order Greek by the adjoint, and the same Greeks by central
    bump-and-revalue with common random numbers (2 prices per parameter). Target: adjoint / price
    <= 2.5, and the adjoint faster than bumping.

Times are CPU seconds of this process (time.process_time: page faults included, time spent
descheduled by other processes on a shared machine excluded), medians over repeats; the ratios are medians of per-round ratios, the functions
running in turn within each round (robust to load from other processes on a shared machine). ``--tune-malloc`` raises glibc's mmap and trim thresholds first:
the adjoint keeps every step's arrays for the backward pass, and on machines where first-touch
page faults are slow (virtualised sandboxes) fresh memory, not arithmetic, then dominates.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import time
from dataclasses import replace

import numpy as np

from sciad.finance import (GBM, Asian, European, Heston, black_scholes, greeks,
                           monte_carlo_greeks, monte_carlo_price)


def interleaved_times(fns: list, repeat: int) -> tuple[list[float], list[float]]:
    """Median time of each function, and median over rounds of its time / the first one's.

    The functions run in turn within each round, so that load from other processes on a shared
    machine hits the price and the Greeks alike; the per-round ratio is the robust number.
    """
    rounds = []
    for _ in range(repeat):
        times = []
        for fn in fns:
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        rounds.append(times)
    medians = [statistics.median(r[i] for r in rounds) for i in range(len(fns))]
    ratios = [statistics.median(r[i] / r[0] for r in rounds) for i in range(len(fns))]
    return medians, ratios


def closed_form_rows(n: int, repeat: int):
    rng = np.random.default_rng(0)
    S, K = rng.uniform(50, 150, n), rng.uniform(50, 150, n)
    T, r = rng.uniform(0.05, 3, n), rng.uniform(0, 0.06, n)
    sigma, q = rng.uniform(0.1, 0.6, n), rng.uniform(0, 0.03, n)
    (price, first, second), (_, first_ratio, second_ratio) = interleaved_times(
        [lambda: black_scholes(S, K, T, r, sigma, q),
         lambda: greeks(S, K, T, r, sigma, q, order=1),
         lambda: greeks(S, K, T, r, sigma, q, order=2)], repeat)
    return [(f"BS {n:,} options: price", price, 1.0, ""),
            ("  + 5 first-order Greeks", first, first_ratio, "<= 2.5"),
            ("  + gamma, vanna, volga, charm", second, second_ratio, "<= 5")]


def bump_and_revalue(model, payoff, h=1e-4, **common):
    """Central differences of the price with common random numbers, for every parameter."""
    greeks_by_bump = {}
    for name in list(model.greek_names) + ["maturity"]:
        prices = []
        for sign in (1, -1):
            if name == "maturity":
                bumped = (model, replace(payoff, maturity=payoff.maturity + sign * h))
            else:
                bumped = (replace(model, **{name: getattr(model, name) + sign * h}), payoff)
            prices.append(monte_carlo_price(*bumped, **common).price)
        greeks_by_bump[name] = (prices[0] - prices[1]) / (2 * h)
    return greeks_by_bump


def monte_carlo_rows(n_paths: int, n_steps: int, repeat: int):
    models = {"GBM": GBM(100.0, 0.2, 0.03),
              "Heston": Heston(100.0, 0.04, 1.5, 0.04, 0.5, -0.7, 0.03)}
    payoffs = {"European": European(100.0, 1.0), "Asian": Asian(100.0, 1.0)}
    common = dict(n_paths=n_paths, n_steps=n_steps, seed=0, batch_size=min(n_paths, 50_000))
    rows = []
    for model_name, model in models.items():
        for payoff_name, payoff in payoffs.items():
            monte_carlo_greeks(model, payoff, **common)  # warm the allocator once
            (price, adjoint), (_, ratio) = interleaved_times(
                [lambda: monte_carlo_price(model, payoff, **common),
                 lambda: monte_carlo_greeks(model, payoff, **common)], repeat)
            # bumping is 2 prices per Greek: time it once (it is itself a sum of prices)
            (bump_price, bump), (_, bump_ratio) = interleaved_times(
                [lambda: monte_carlo_price(model, payoff, **common),
                 lambda: bump_and_revalue(model, payoff, **common)], 1)
            n_greeks = len(model.greek_names) + 1
            label = f"{model_name} {payoff_name} {n_paths:,}x{n_steps}"
            rows += [(f"{label}: price", price, 1.0, ""),
                     (f"  + {n_greeks} Greeks, adjoint", adjoint, ratio, "<= 2.5"),
                     (f"  + {n_greeks} Greeks, bump (x{2 * n_greeks})", bump, bump_ratio,
                      f"adjoint {bump_ratio / ratio:.1f}x faster")]
    return rows


def tune_malloc() -> None:
    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
    libc.mallopt(m_trim_threshold, 2 ** 31 - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes (smoke test)")
    parser.add_argument("--tune-malloc", action="store_true")
    args = parser.parse_args()
    if args.tune_malloc:
        tune_malloc()
    scale = 10 if args.quick else 1
    rows = closed_form_rows(1_000_000 // scale, args.repeat)
    rows += monte_carlo_rows(100_000 // scale, 100, args.repeat)
    print(f"malloc tuned: {args.tune_malloc}; CPU times, medians of {args.repeat} rounds")
    print(f"| {'workload':<42} | {'CPU (s)':>8} | {'/ price':>7} | target / note |")
    print(f"|{'-' * 44}|{'-' * 10}|{'-' * 9}|---------------|")
    for label, seconds, ratio, note in rows:
        print(f"| {label:<42} | {seconds:8.3f} | {ratio:7.2f} | {note} |")


if __name__ == "__main__":
    main()
