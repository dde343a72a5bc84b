"""``option`` models: a contract and a market, priced with :mod:`sciad.finance`.

``method = "analytic"`` differentiates the Black-Scholes closed form (European only),
``"tree"`` a CRR binomial tree (European, or American with ``american = true``), ``"mc"``
Monte Carlo with adjoint (pathwise) Greeks and their standard errors (European or Asian).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ModelFileError
from .results import AnalysisResult, row
from .schema import Analysis, Model

__all__ = ["greeks", "option_price", "GREEK_INPUTS"]

#: The input each Greek differentiates by (the CSV's ``parameter`` column).
GREEK_INPUTS = {"delta": "spot", "gamma": "spot", "speed": "spot", "vega": "vol",
                "volga": "vol", "vanna": "spot,vol", "theta": "maturity", "charm": "spot,maturity",
                "rho": "rate", "epsilon": "dividend"}
_ORDER = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga",
          "charm", "speed")


def _inputs(model: Model, values: dict | None = None) -> dict:
    values = values or model.values()
    return {"S": values["spot"], "K": values["strike"], "T": values["maturity"],
            "r": values["rate"], "sigma": values["vol"], "q": values["dividend"]}


def option_price(model: Model):
    """``free -> price`` by the closed form (European; used by ``sciad check``)."""
    from ..finance import black_scholes

    if model.sections["style"] != "european":
        raise ModelFileError(f"{model.path}: contract.style: the closed form (and so "
                             "'sciad check') covers European options only")
    fixed = {name: p.value for name, p in model.parameters.items() if p.fixed}
    return lambda free: {"price": black_scholes(**_inputs(model, {**fixed, **free}),
                                                kind=model.sections["kind"])}


def greeks(model: Model, analysis: Analysis, *, seed: int = 0, **_: Any) -> AnalysisResult:
    """Price and Greeks by the analysis' method (analytic, tree or mc)."""
    from .. import finance

    method, style, kind = analysis.options["method"], model.sections["style"], model.sections["kind"]
    inputs = _inputs(model)
    if method not in ("analytic", "tree", "mc"):
        raise ModelFileError(f"{model.path}: {analysis.where}.method: must be analytic, tree or "
                             f"mc, not {method!r}")
    if style == "asian" and method != "mc":
        raise ModelFileError(f"{model.path}: {analysis.where}.method: an Asian option has no "
                             f"{method} pricer here; use method = \"mc\"")
    plot, errors = None, {}
    if method == "analytic":
        result = finance.greeks(**inputs, kind=kind, order=3)
        values, units = _greek_values(result), result.units
        plot = _profile_plot(inputs, kind)
    elif method == "tree":
        result = finance.binomial_greeks(**inputs, kind=kind, steps=analysis.options["steps"],
                                         american=analysis.options["american"])
        values, units = _greek_values(result), result.units
    else:
        model_ = finance.GBM(inputs["S"], inputs["sigma"], inputs["r"], inputs["q"])
        payoff = (finance.European if style == "european" else finance.Asian)(
            inputs["K"], inputs["T"], kind)
        result = finance.monte_carlo_greeks(model_, payoff, analysis.options["n_paths"],
                                            analysis.options["n_steps"], seed=seed)
        values = {"price": result.price, **result.greeks}
        units, errors = result.units, result.standard_errors
    rows = []
    for name in sorted(values, key=lambda n: _ORDER.index(n) if n in _ORDER else len(_ORDER)):
        rows.append(row("price", GREEK_INPUTS.get(name, ""), name, values[name],
                        units.get(name, "")))
        if name in errors:
            rows.append(row("price", GREEK_INPUTS.get(name, ""), f"{name}_stderr", errors[name],
                            units.get(name, "")))
    return AnalysisResult("greeks", analysis.where, rows,
                          {"method": method, "style": style, "kind": kind}, plot=plot)


def _greek_values(result: Any) -> dict[str, float]:
    names = ("price",) + tuple(GREEK_INPUTS)
    return {n: float(np.asarray(getattr(result, n))) for n in names
            if getattr(result, n, None) is not None}


def _profile_plot(inputs: dict, kind: str):
    """Delta against spot over +-50 % of the spot, for the figure."""
    from ..finance import greeks as closed_form_greeks
    from ..plot import greeks_profile

    def plot(ax):
        spots = np.linspace(0.5, 1.5, 101) * inputs["S"]
        sweep = closed_form_greeks(**{**inputs, "S": spots}, kind=kind, order=2)
        return greeks_profile(sweep, spots, ax=ax, greek="delta", against="spot")
    return plot
