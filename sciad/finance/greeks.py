"""Option Greeks from the engine: every sensitivity of a closed-form price, to third order.

The price functions of :mod:`sciad.finance.closed_form` are differentiated by reverse mode.
Options are independent of each other, so one backward pass with a cotangent of ones gives the
derivative of every option at once (the gradient of the sum of prices is the vector of
per-option derivatives); second-order Greeks are reverse-over-reverse, speed is third order.
Large books go through in blocks of options, which bounds the memory the nested passes hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.transforms import value_and_grad, vjp
from ._inputs import OptionInputError, option_sign
from .closed_form import bachelier, black76, black_scholes

__all__ = ["Greeks", "greeks", "MODELS"]

MODELS = {"black_scholes": black_scholes, "black76": black76, "bachelier": bachelier}

# Names of the Greeks by order; "speed" is the only third-order one.
FIRST_ORDER = ("delta", "vega", "theta", "rho", "epsilon")
SECOND_ORDER = ("gamma", "vanna", "volga", "charm")
THIRD_ORDER = ("speed",)

_RAW_UNITS = {
    "price": "price",
    "delta": "price per 1 unit of underlying",
    "gamma": "delta per 1 unit of underlying",
    "speed": "gamma per 1 unit of underlying",
    "vega": "price per 1.00 (100%) volatility",
    "vanna": "delta per 1.00 volatility",
    "volga": "vega per 1.00 volatility",
    "theta": "price per year",
    "charm": "delta per year",
    "rho": "price per 1.00 (100%) rate",
    "epsilon": "price per 1.00 dividend yield",
}


def _market_scales(days_per_year: float) -> dict[str, tuple[float, str]]:
    day = "calendar day" if days_per_year == 365 else f"day (1/{days_per_year:g} year)"
    return {
        "vega": (0.01, "price per 1% volatility"),
        "vanna": (0.01, "delta per 1% volatility"),
        "volga": (1e-4, "vega (per 1% vol) per 1% volatility"),
        "theta": (1.0 / days_per_year, f"price per {day}"),
        "charm": (1.0 / days_per_year, f"delta per {day}"),
        "rho": (0.01, "price per 1% rate"),
        "epsilon": (0.01, "price per 1% dividend yield"),
    }


@dataclass
class Greeks:
    """Price and Greeks of a set of options, with the units they are expressed in.

    Every array has the broadcast shape of the inputs. Greeks not computed (``order`` too low,
    or ``epsilon`` for models without a dividend yield) are None.
    """

    model: str
    kind: str
    price: np.ndarray
    delta: np.ndarray | None = None
    gamma: np.ndarray | None = None
    vega: np.ndarray | None = None
    theta: np.ndarray | None = None
    rho: np.ndarray | None = None
    epsilon: np.ndarray | None = None
    vanna: np.ndarray | None = None
    volga: np.ndarray | None = None
    charm: np.ndarray | None = None
    speed: np.ndarray | None = None
    units: dict[str, str] = field(default_factory=dict)
    convention: str = "raw"

    def __post_init__(self):
        # one type for every field: ndarray for a book of options, numpy float for one option
        for name in ("price",) + FIRST_ORDER + SECOND_ORDER + THIRD_ORDER:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, np.asarray(value)[()])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: arrays become (nested) lists, scalars floats; units travel along."""
        out: dict[str, Any] = {"model": self.model, "kind": self.kind,
                               "convention": self.convention, "units": dict(self.units)}
        for name in ("price",) + FIRST_ORDER + SECOND_ORDER + THIRD_ORDER:
            value = getattr(self, name)
            if value is not None:
                out[name] = np.asarray(value).tolist()
        return out


def greeks(S, K, T, r, sigma, q=0.0, kind: str = "call", model: str = "black_scholes",
           order: int = 3, units: str = "raw", days_per_year: float = 365) -> Greeks:
    """Price and Greeks of European options, from the engine's derivatives of the closed form.

    Parameters
    ----------
    S, K, T, r, sigma, q : array_like
        As in :func:`~sciad.finance.black_scholes` (broadcast together). For ``model="black76"``
        and ``"bachelier"``, ``S`` is the forward and ``q`` must be 0; for ``"bachelier"``,
        ``sigma`` is the normal volatility.
    kind : {"call", "put"}
    model : {"black_scholes", "black76", "bachelier"}
    order : {1, 2, 3}
        1: delta, vega, theta, rho, epsilon. 2: also gamma, vanna, volga, charm. 3: also speed.
    units : {"raw", "market"}
        ``"raw"``: per 1.0 of each input, theta = -dV/dT per year. ``"market"``: vega, vanna,
        rho, epsilon per 1% (volga per 1% twice), theta and charm per day.
    days_per_year : float
        Days in a year for market theta and charm: 365 (calendar) or 252 (trading days).

    Returns
    -------
    Greeks
        Arrays of the broadcast input shape; ``result.units`` names the unit of each.

    Examples
    --------
    Hull, Example 19.1 (S=49, K=50, r=5%, sigma=20%, T=20 weeks):

    >>> g = greeks(49.0, 50.0, 0.3846, 0.05, 0.2)
    >>> round(float(g.delta), 3), round(float(g.gamma), 3), round(float(g.vega), 1)
    (0.522, 0.066, 12.1)
    """
    option_sign(kind)
    if model not in MODELS:
        raise OptionInputError(f"unknown model {model!r}; use one of {sorted(MODELS)}")
    if order not in (1, 2, 3):
        raise OptionInputError(f"order must be 1, 2 or 3, got {order!r}")
    if units not in ("raw", "market"):
        raise OptionInputError(f"units must be 'raw' or 'market', got {units!r}")
    has_dividend = model == "black_scholes"
    if not has_dividend and np.any(np.asarray(q) != 0):
        raise OptionInputError(f"model {model!r} has no dividend yield; pass q=0 (the forward "
                               "already accounts for carry)")
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in (S, K, T, r, sigma, q)])
    params = dict(zip(("S", "K", "T", "r", "sigma", "q"), arrays))
    if not has_dividend:
        del params["q"]
    price_fn = _price_function(MODELS[model], kind)

    values = _in_blocks(_ORDERS[order], price_fn, params, arrays[0].shape)
    result = Greeks(model=model, kind=kind, price=values["price"], delta=values["S"],
                    vega=values["sigma"], theta=values["theta"], rho=values["r"],
                    epsilon=values.get("q"), gamma=values.get("gamma"),
                    vanna=values.get("vanna"), volga=values.get("volga"),
                    charm=values.get("charm"), speed=values.get("speed"))
    return _apply_units(result, units, days_per_year)


# Options per block. Reverse-over-reverse keeps every intermediate array of a block alive (about
# 100 arrays for second order): 1,000,000 options at once held 1.7 GB, all of it fresh memory
# (page faults) on every call. Blocks of 65,536 hold ~50 MB, most of it reused by the next block,
# for a Python overhead of ~1 ms per block: second order on 1M options went from 6.9x to
# 4.3-5.4x the price. 16,384-65,536 time the same for second order; 65,536 is best for first.
_BLOCK = 65536


def _in_blocks(greeks_fn, price_fn, params, shape):
    """``greeks_fn`` over the book in blocks of options (they are independent of each other);
    each result has the broadcast ``shape``."""
    # contiguous 1-d inputs, read only: views of the caller's arrays where they already are
    flat = {name: np.ravel(value) for name, value in params.items()}
    size = int(np.prod(shape))
    if size <= _BLOCK:
        values = greeks_fn(price_fn, flat)
        return {name: np.reshape(v, shape) for name, v in values.items()}
    out = {}
    for start in range(0, size, _BLOCK):
        block = slice(start, start + _BLOCK)
        try:
            values = greeks_fn(price_fn, {name: v[block] for name, v in flat.items()})
        except OptionInputError:
            price_fn(flat)  # the same check on the whole book: the message counts every bad option
            raise
        for name, value in values.items():
            if name not in out:
                out[name] = np.empty(size, np.result_type(value))
            out[name][block] = value
    return {name: np.reshape(v, shape) for name, v in out.items()}


def _price_function(model_fn, kind):
    def price(p):
        return model_fn(*p.values(), kind=kind)
    return price


def _first_order(price_fn, params):
    """Price and d price / d every input but the strike: one forward, one backward pass."""
    differentiated = {n: v for n, v in params.items() if n != "K"}

    def total(x):
        price = price_fn({**params, **x})
        return np.sum(price), price

    (_, price), grads = value_and_grad(total, has_aux=True)(differentiated)
    # theta = -dV/dT, negated here, block by block, not over the whole book afterwards
    theta = -grads.pop("T")
    return {"price": price, **grads, "theta": theta}


def _second_order(price_fn, params):
    """Adds gamma, vanna, charm (one backward pass from delta) and volga (one from vega)."""

    def first(S, T, sigma):
        values = _first_order(price_fn, {**params, "S": S, "T": T, "sigma": sigma})
        return (values["S"], values["sigma"]), values

    _, pull, values = vjp(first, params["S"], params["T"], params["sigma"], has_aux=True)
    ones, zeros = np.ones_like(params["S"]), np.zeros_like(params["S"])
    d_delta_dS, d_delta_dT, d_delta_dsigma = pull((ones, zeros))
    d_vega_dsigma = pull((zeros, ones))[2]
    return {**values, "gamma": d_delta_dS, "vanna": d_delta_dsigma, "charm": -d_delta_dT,
            "volga": d_vega_dsigma}


def _third_order(price_fn, params):
    """Adds speed = d gamma / dS by differentiating the second-order pass once more."""

    def second(S):
        values = _second_order(price_fn, {**params, "S": S})
        return values["gamma"], values

    _, pull, values = vjp(second, params["S"], has_aux=True)
    (speed,) = pull(np.ones_like(params["S"]))
    return {**values, "speed": speed}


_ORDERS = {1: _first_order, 2: _second_order, 3: _third_order}


def _apply_units(result: Greeks, units: str, days_per_year: float) -> Greeks:
    names = ("price",) + FIRST_ORDER + SECOND_ORDER + THIRD_ORDER
    result.units = {n: _RAW_UNITS[n] for n in names if getattr(result, n) is not None}
    if units == "raw":
        return result
    for name, (scale, unit) in _market_scales(days_per_year).items():
        value = getattr(result, name)
        if value is not None:
            setattr(result, name, value * scale)
            result.units[name] = unit
    result.convention = f"market ({days_per_year:g} days per year)"
    return result
