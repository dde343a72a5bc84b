"""Monte Carlo prices and every first-order Greek by the adjoint (pathwise) method.

Each batch of paths is simulated once with the model parameters and the maturity as traced
inputs, *one copy per path*; one backward pass of the summed discounted payoff then gives every
path's derivative with respect to every parameter (Giles and Glasserman's "smoking adjoints").
Means over paths are the Greeks; their spread gives standard errors. Batches bound the memory
(the tape holds ``batch_size x n_steps`` values), get independent random streams spawned from the
seed (so results are reproducible and do not depend on how batches are scheduled), and can run on
any ``concurrent.futures.Executor`` (threads, processes, or a Dask ``distributed`` client's
``client.get_executor()``).

References
----------
M. Giles, P. Glasserman, "Smoking adjoints: fast Monte Carlo Greeks", Risk (2006).
P. Glasserman, *Monte Carlo Methods in Financial Engineering*, Springer (2003), ch. 7.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.transforms import value_and_grad
from ._inputs import OptionInputError

__all__ = ["MonteCarloResult", "monte_carlo_greeks", "monte_carlo_price"]


@dataclass
class MonteCarloResult:
    """A Monte Carlo price and Greeks, each with its standard error.

    ``greeks`` maps names (delta, vega, rho, epsilon, theta; for Heston dv0, dkappa, dlong_var,
    dvol_of_vol, dcorrelation) to estimates in raw units (per 1.0 of the input; theta = -dV/dT
    per year); ``standard_errors`` has the same keys plus ``price``.
    """

    price: float
    greeks: dict[str, float]
    standard_errors: dict[str, float]
    units: dict[str, str]
    n_paths: int
    n_steps: int
    seed: int | None
    antithetic: bool
    model: str
    payoff: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"price": self.price, "greeks": dict(self.greeks),
                "standard_errors": dict(self.standard_errors), "units": dict(self.units),
                "n_paths": self.n_paths, "n_steps": self.n_steps, "seed": self.seed,
                "antithetic": self.antithetic, "model": self.model, "payoff": self.payoff}


def monte_carlo_greeks(model, payoff, n_paths: int = 100_000, n_steps: int = 100,
                       seed: int | None = 0, antithetic: bool = True,
                       batch_size: int = 50_000, executor: Executor | None = None
                       ) -> MonteCarloResult:
    """Price and all first-order Greeks of ``payoff`` under ``model``, pathwise by the adjoint.

    Parameters
    ----------
    model : GBM or Heston
    payoff : European, Asian, Barrier, Digital or Lookback
    n_paths : int
        Number of paths (rounded up to whole antithetic pairs).
    n_steps : int
        Time steps (monitoring dates for path-dependent payoffs).
    seed : int or None
        Seed of the random streams; the result depends only on it, ``n_paths``, ``n_steps``,
        ``antithetic`` and ``batch_size``.
    antithetic : bool
        Pair every path with its mirror (-Z); standard errors use the pair averages.
    batch_size : int
        Paths per batch; memory is about ``batch_size * n_steps * 100`` bytes.
    executor : concurrent.futures.Executor, optional
        Runs batches in parallel; a ProcessPoolExecutor needs picklable model and payoff (the
        built-in ones are). For Dask: ``executor=distributed.Client(...).get_executor()``.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> from sciad.finance import GBM, European
    >>> res = monte_carlo_greeks(GBM(100.0, 0.2, 0.05), European(100.0, 1.0), 20_000, 10)
    >>> abs(res.greeks["delta"] - 0.6368) < 4 * res.standard_errors["delta"]
    True
    """
    return _run(model, payoff, n_paths, n_steps, seed, antithetic, batch_size, executor, True)


def monte_carlo_price(model, payoff, n_paths: int = 100_000, n_steps: int = 100,
                      seed: int | None = 0, antithetic: bool = True, batch_size: int = 50_000,
                      executor: Executor | None = None) -> MonteCarloResult:
    """The price alone, from the same paths as :func:`monte_carlo_greeks`.

    Parameters
    ----------
    model, payoff, n_paths, n_steps, seed, antithetic, batch_size, executor
        As for :func:`monte_carlo_greeks`; with the same values the paths are the same, so
        bumped prices differ by the bump only (common random numbers).

    Returns
    -------
    MonteCarloResult
        ``greeks`` is empty; ``standard_errors`` has ``price``.

    Examples
    --------
    >>> from sciad.finance import GBM, European
    >>> res = monte_carlo_price(GBM(100.0, 0.2, 0.05), European(100.0, 1.0), 20_000, 10)
    >>> abs(res.price - 10.4506) < 4 * res.standard_errors["price"]
    True
    """
    return _run(model, payoff, n_paths, n_steps, seed, antithetic, batch_size, executor, False)


_MODEL_NEEDS = ("n_factors", "greek_names", "parameters", "simulate")
_PAYOFF_NEEDS = ("maturity", "start", "update", "finish")


def _check_model_and_payoff(model, payoff, with_greeks):
    for thing, role, needs, examples in ((model, "model", _MODEL_NEEDS, "GBM(...) or Heston(...)"),
                                         (payoff, "payoff", _PAYOFF_NEEDS,
                                          "European, Asian, Barrier, Digital or Lookback")):
        missing = [name for name in needs if not hasattr(thing, name)]
        if missing:
            raise OptionInputError(f"monte_carlo: the {role} {type(thing).__name__} lacks "
                                   f"{', '.join(missing)}; pass {examples} from sciad.finance")
    if with_greeks and abs(getattr(model, "correlation", 0.0)) == 1.0:
        raise OptionInputError(
            "monte_carlo_greeks: the pathwise dcorrelation does not exist at |correlation| = 1 "
            "(sqrt(1 - correlation^2) has an infinite slope there); use |correlation| < 1 for "
            "Greeks, or monte_carlo_price for the price alone")


def _run(model, payoff, n_paths, n_steps, seed, antithetic, batch_size, executor, with_greeks):
    _check_model_and_payoff(model, payoff, with_greeks)
    for name, value in (("n_paths", n_paths), ("n_steps", n_steps), ("batch_size", batch_size)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise OptionInputError(f"monte_carlo: {name} must be a positive integer, got {value!r}")
    group = 2 if antithetic else 1
    batch_size = max(group, batch_size - batch_size % group)
    n_paths = -(-n_paths // group) * group
    sizes = [batch_size] * (n_paths // batch_size)
    if n_paths % batch_size:
        sizes.append(n_paths % batch_size)
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = [(model, payoff, size, n_steps, stream, antithetic, with_greeks)
            for size, stream in zip(sizes, streams)]
    if executor is None:
        partials = [_simulate_batch(*job) for job in jobs]
    else:
        partials = [f.result() for f in [executor.submit(_simulate_batch, *job) for job in jobs]]
    return _combine(partials, model, payoff, n_paths, n_steps, seed, antithetic)


def _simulate_batch(model, payoff, size, n_steps, stream, antithetic, with_greeks):
    """Sums and sums of squares over the independent samples (paths, or antithetic pairs)."""
    rng = np.random.default_rng(stream)
    independent = size // 2 if antithetic else size
    normals = rng.standard_normal((model.n_factors, n_steps, independent))
    if antithetic:
        normals = np.concatenate([normals, -normals], axis=2)
    inputs = {**model.parameters(), "maturity": float(payoff.maturity)}
    per_path = {name: np.full(size, value) for name, value in inputs.items()}

    def total_payoff(x):
        discounted = _discounted_payoff(model, payoff, x, normals)
        return np.sum(discounted), discounted

    if with_greeks:
        (_, values), derivatives = value_and_grad(total_payoff, has_aux=True)(per_path)
        samples = {"price": values, **derivatives}
    else:
        samples = {"price": total_payoff(per_path)[1]}
    if antithetic:
        half = size // 2
        samples = {k: 0.5 * (v[:half] + v[half:]) for k, v in samples.items()}
    return {k: (float(np.sum(v)), float(np.sum(v * v)), v.size) for k, v in samples.items()}


def _discounted_payoff(model, payoff, p, normals):
    maturity = p["maturity"]
    state = payoff.start(p["spot"])
    spot = None
    for spot in model.simulate(p, maturity, normals):
        state = payoff.update(state, spot)
    return np.exp(-p["rate"] * maturity) * payoff.finish(state, spot)


def _combine(partials, model, payoff, n_paths, n_steps, seed, antithetic) -> MonteCarloResult:
    estimates, errors = {}, {}
    for name in partials[0]:
        total = sum(p[name][0] for p in partials)
        squares = sum(p[name][1] for p in partials)
        count = sum(p[name][2] for p in partials)
        mean = total / count
        variance = max(squares / count - mean * mean, 0.0) * count / max(count - 1, 1)
        estimates[name] = mean
        errors[name] = float(np.sqrt(variance / count))
    price = estimates.pop("price")
    greeks, standard_errors = {}, {"price": errors.pop("price")}
    units = {"price": "price"}
    for name, value in estimates.items():
        if name == "maturity":  # theta is the decay as time passes: -dV/dT
            greeks["theta"], standard_errors["theta"] = -value, errors[name]
            units["theta"] = "price per year"
        else:
            greek = model.greek_names[name]
            greeks[greek], standard_errors[greek] = value, errors[name]
            units[greek] = f"price per 1.0 of {name}"
    return MonteCarloResult(price=price, greeks=greeks, standard_errors=standard_errors,
                            units=units, n_paths=n_paths, n_steps=n_steps, seed=seed,
                            antithetic=antithetic, model=type(model).__name__,
                            payoff=type(payoff).__name__)
