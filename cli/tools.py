"""``sciad forces`` and ``sciad greeks``: one-off analyses without a model file.

Each builds the model dict a file would hold and runs it through :mod:`sciad.models`, so the
checks, results and output formats are those of ``sciad run``.
"""

from __future__ import annotations

import os

import click

from .main import _FORMAT, _OUTPUT, emit

_POTENTIAL_PARAMETERS = {"lj": ("epsilon", "sigma"), "morse": ("D", "a", "r0"),
                         "soft_sphere": ("epsilon", "sigma")}


@click.command()
@click.argument("xyz_file", type=click.Path(dir_okay=False))
@click.option("--potential", type=click.Choice(sorted(_POTENTIAL_PARAMETERS)), default="lj",
              show_default=True, help="Pair potential.")
@click.option("--epsilon", type=float, default=1.0, show_default=True,
              help="Well depth (lj, soft_sphere).")
@click.option("--sigma", type=float, default=1.0, show_default=True,
              help="Length scale (lj, soft_sphere).")
@click.option("--D", "depth", type=float, default=1.0, show_default=True, help="Morse depth.")
@click.option("--a", "width", type=float, default=1.0, show_default=True,
              help="Morse inverse width.")
@click.option("--r0", type=float, default=1.0, show_default=True, help="Morse bond length.")
@click.option("--cutoff", type=float, help="Interaction range (default: every pair).")
@click.option("--masses", type=float, default=1.0, show_default=True,
              help="Atomic mass for --modes.")
@click.option("--modes", is_flag=True, help="Also the normal-mode frequencies.")
@_FORMAT
@_OUTPUT
def forces(xyz_file, potential, epsilon, sigma, depth, width, r0, cutoff, masses, modes, fmt,
           output_file):
    """Energy, forces, stress (periodic cells) and dE/d(parameters) of an XYZ structure.

    \b
    Example:
      sciad forces examples/argon.xyz --potential lj --epsilon 0.0104 --sigma 3.4 --cutoff 8.5
    """
    from sciad.models import run_model
    from sciad.models.schema import Analysis, build_model

    values = {"epsilon": epsilon, "sigma": sigma, "D": depth, "a": width, "r0": r0}
    raw = {"name": os.path.splitext(os.path.basename(xyz_file))[0], "kind": "particles",
           "parameters": {p: values[p] for p in _POTENTIAL_PARAMETERS[potential]},
           "system": {"file": os.path.basename(xyz_file), "masses": masses},
           "potential": {"type": potential, **({"cutoff": cutoff} if cutoff else {})},
           "analysis": [{"type": "forces"}] + ([{"type": "normal_modes"}] if modes else [])}
    model = build_model(raw, xyz_file)
    frame = model.sections["system"]["frame"]
    if frame.cell is not None and all(frame.pbc):
        model.analyses.insert(1, Analysis("stress", {}, "analysis[1]"))
    emit(run_model(model), fmt, output_file)


@click.command()
@click.option("--spot", type=float, required=True, help="Spot price S.")
@click.option("--strike", type=float, required=True, help="Strike K.")
@click.option("--maturity", type=float, required=True, help="Time to maturity T in years.")
@click.option("--rate", type=float, required=True, help="Risk-free rate r (0.05 for 5%).")
@click.option("--vol", type=float, required=True, help="Volatility sigma (0.2 for 20%).")
@click.option("--dividend", type=float, default=0.0, show_default=True, help="Dividend yield q.")
@click.option("--kind", type=click.Choice(["call", "put"]), default="call", show_default=True)
@click.option("--style", type=click.Choice(["european", "asian"]), default="european",
              show_default=True, help="Asian: arithmetic average over --steps dates (mc only).")
@click.option("--method", type=click.Choice(["analytic", "mc", "tree"]), default="analytic",
              show_default=True, help="Closed form, Monte Carlo (adjoint Greeks) or CRR tree.")
@click.option("--paths", type=click.IntRange(min=2), default=100_000, show_default=True,
              help="Monte Carlo paths.")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Monte Carlo time steps (default 52) or tree steps (default 500).")
@click.option("--american", is_flag=True, help="Early exercise (tree only).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Monte Carlo seed.")
@_FORMAT
@_OUTPUT
def greeks(spot, strike, maturity, rate, vol, dividend, kind, style, method, paths, steps,
           american, seed, fmt, output_file):
    """Price and Greeks of a European or Asian option.

    \b
    Example:
      sciad greeks --spot 42 --strike 40 --maturity 0.5 --rate 0.1 --vol 0.2 --method tree
    """
    from sciad.models import run_model
    from sciad.models.schema import build_model

    if american and method != "tree":
        raise click.UsageError("--american needs --method tree")
    analysis = {"type": "greeks", "method": method, "n_paths": paths, "american": american}
    if steps is not None:
        analysis["n_steps" if method == "mc" else "steps"] = steps
    # the title names what was priced: a tree with early exercise is an American option
    raw = {"name": f"{'american' if american else style}-{kind}", "kind": "option", "seed": seed,
           "contract": {"style": style, "kind": kind, "strike": strike, "maturity": maturity},
           "market": {"spot": spot, "rate": rate, "vol": vol, "dividend": dividend},
           "analysis": [analysis]}
    emit(run_model(build_model(raw, "command line")), fmt, output_file)
