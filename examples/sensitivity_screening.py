"""Screening the borehole model: DGSM with exact gradients beside Sobol indices.

The borehole function (Harper and Gupta 1983) gives the water flow through a borehole, in m^3/yr,
from eight inputs with normal, lognormal and uniform laws. DGSM costs N gradient evaluations and
bounds every total Sobol index from above: inputs with a small bound can be fixed. Sobol indices
by sampling cost N (D + 2) runs and are shown beside them as the check.

Run: python examples/sensitivity_screening.py  (writes docs/images/borehole_screening.png)
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sciad import plot  # noqa: E402
from sciad.sensitivity import dgsm, sobol  # noqa: E402

PROBLEM = {
    "names": ["rw", "r", "Tu", "Hu", "Tl", "Hl", "L", "Kw"],
    "dists": ["norm", "lognorm", "unif", "unif", "unif", "unif", "unif", "unif"],
    "bounds": [[0.10, 0.0161812], [7.71, 1.0056], [63070, 115600], [990, 1110],
               [63.1, 116], [700, 820], [1120, 1680], [9855, 12045]],
    "units": ["m", "m", "m^2/yr", "m", "m^2/yr", "m", "m", "m/yr"],
}


def borehole(x):
    """Flow rate in m^3/yr for rows of inputs in the problem's order, shape (n, 8) -> (n,)."""
    rw, r, tu, hu, tl, hl, length, kw = (x[:, i] for i in range(8))
    log_ratio = np.log(r / rw)
    return (2 * np.pi * tu * (hu - hl)
            / (log_ratio * (1 + 2 * length * tu / (log_ratio * rw ** 2 * kw) + tu / tl)))


def main() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:  # any concurrent.futures executor works
        measures = dgsm(borehole, PROBLEM, n=2048, vectorized=True, executor=pool,
                        progress=False, output_name="flow", output_unit="m^3/yr")
    indices = sobol(borehole, PROBLEM, n=2048, vectorized=True, progress=False,
                    output_name="flow", output_unit="m^3/yr")
    print(f"flow: mean {measures.mean:.1f} m^3/yr, variance {measures.variance:.1f}; DGSM from "
          f"{measures.model_evaluations} gradients, Sobol from {indices.model_evaluations} runs\n")
    print("input  unit     DGSM bound [95% CI]        S_T (Sobol)  S_1 (Sobol)")
    for i in np.argsort(-measures.upper_bound):
        low, high = measures.ci["upper_bound"][i]
        print(f"{measures.names[i]:5}  {measures.units[i]:7}  {measures.upper_bound[i]:8.4f} "
              f"[{low:7.4f}, {high:7.4f}]  {indices.total[i]:11.4f}  {indices.first[i]:11.4f}")
    negligible = [n for n, b in zip(measures.names, measures.upper_bound) if b < 0.01]
    print(f"\ninputs whose total index is provably below 1% (can be fixed): {negligible}")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), constrained_layout=True)
    plot.dgsm_bars(measures, ax=axes[0], sobol=indices)
    axes[0].set_yscale("log")
    plot.tornado(measures, ax=axes[1])
    out = Path(__file__).resolve().parents[1] / "docs" / "images" / "borehole_screening.png"
    fig.savefig(out, dpi=90)
    print(f"wrote {out.relative_to(out.parents[2])}")


if __name__ == "__main__":
    main()
