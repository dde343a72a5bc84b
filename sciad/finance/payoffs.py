"""Monte Carlo payoffs: European, Asian, Barrier, Digital, Lookback.

A payoff sees the path one step at a time: ``start(spot)`` makes its running state (a running
sum, extremum or survival weight), ``update(state, s)`` folds in the spot at each monitoring date,
``finish(state, s_T)`` gives the undiscounted payoff per path. Discontinuous payoffs (barrier,
digital) use a smoothed indicator of a given width, because the pathwise derivative of a jump is
zero almost everywhere; the width trades bias (grows with it) for variance (falls with it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._inputs import OptionInputError, check_positive, check_scalar_fields, option_sign

__all__ = ["European", "Asian", "Barrier", "Digital", "Lookback"]


def _smooth_step(x):
    """A smooth Heaviside: 1/(1+e^{-x}), written with tanh so that it never overflows."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def _check_terms(payoff, where):
    """Kind, maturity and (where the payoff has them) strike and barrier, checked."""
    check_scalar_fields(payoff, where)
    option_sign(payoff.kind)
    check_positive("maturity (years)", payoff.maturity, where)
    for name in ("strike", "barrier"):
        if getattr(payoff, name, None) is not None:
            check_positive(name, getattr(payoff, name), where)


@dataclass(frozen=True)
class European:
    """Vanilla European option ``max(w (S_T - K), 0)``.

    Parameters
    ----------
    strike : float
        K (> 0).
    maturity : float
        Years to expiry (> 0).
    kind : {"call", "put"}
    """

    strike: float
    maturity: float
    kind: str = "call"

    def __post_init__(self):
        _check_terms(self, "European")

    def start(self, spot):
        return None

    def update(self, state, spot):
        return state

    def finish(self, state, spot):
        return np.maximum(option_sign(self.kind) * (spot - self.strike), 0.0)


@dataclass(frozen=True)
class Asian:
    """Arithmetic-average-price option ``max(w (mean(S_t1..S_tn) - K), 0)`` over the steps.

    Parameters
    ----------
    strike, maturity, kind
        As for :class:`European`; the average runs over the ``n_steps`` simulation dates.
    """

    strike: float
    maturity: float
    kind: str = "call"

    def __post_init__(self):
        _check_terms(self, "Asian")

    def start(self, spot):
        return (0.0, 0)

    def update(self, state, spot):
        total, count = state
        return (total + spot, count + 1)

    def finish(self, state, spot):
        total, count = state
        return np.maximum(option_sign(self.kind) * (total / count - self.strike), 0.0)


@dataclass(frozen=True)
class Barrier:
    """Knock-out or knock-in European option, monitored at every step, smoothed.

    The indicator of "not yet knocked out" at a date is ``sigmoid((B - S) / width)`` (up) or
    ``sigmoid((S - B) / width)`` (down); knock-in is vanilla minus knock-out (in-out parity).

    Parameters
    ----------
    strike, barrier, maturity : float
    kind : {"call", "put"}
    direction : {"up", "down"}
    knock : {"out", "in"}
    width : float or None
        Smoothing width in price units; None: 1% of the barrier. Smaller is less biased and
        noisier.
    """

    strike: float
    barrier: float
    maturity: float
    kind: str = "call"
    direction: str = "up"
    knock: str = "out"
    width: float | None = None

    def __post_init__(self):
        _check_terms(self, "Barrier")
        if self.direction not in ("up", "down"):
            raise OptionInputError(f"Barrier: direction must be 'up' or 'down', got "
                                   f"{self.direction!r}")
        if self.knock not in ("out", "in"):
            raise OptionInputError(f"Barrier: knock must be 'out' or 'in', got {self.knock!r}")
        check_positive("width", self._width, "Barrier")

    @property
    def _width(self) -> float:
        return 0.01 * self.barrier if self.width is None else self.width

    def start(self, spot):
        return 1.0

    def update(self, survival, spot):
        distance = self.barrier - spot if self.direction == "up" else spot - self.barrier
        return survival * _smooth_step(distance / self._width)

    def finish(self, survival, spot):
        vanilla = np.maximum(option_sign(self.kind) * (spot - self.strike), 0.0)
        weight = survival if self.knock == "out" else 1.0 - survival
        return vanilla * weight


@dataclass(frozen=True)
class Digital:
    """Cash-or-nothing digital, ``cash * 1{w (S_T - K) > 0}``, smoothed.

    Parameters
    ----------
    strike, maturity, kind
        As for :class:`European`.
    cash : float
        The amount paid in the money.
    width : float or None
        Width of the logistic that replaces the jump, in price units; None: 1% of the strike.
    """

    strike: float
    maturity: float
    kind: str = "call"
    cash: float = 1.0
    width: float | None = None

    def __post_init__(self):
        _check_terms(self, "Digital")
        check_positive("width", self._width, "Digital")

    @property
    def _width(self) -> float:
        return 0.01 * self.strike if self.width is None else self.width

    def start(self, spot):
        return None

    def update(self, state, spot):
        return state

    def finish(self, state, spot):
        return self.cash * _smooth_step(option_sign(self.kind) * (spot - self.strike) / self._width)


@dataclass(frozen=True)
class Lookback:
    """Lookback option on the extremum of the monitored spots (including S0).

    ``strike=None`` (floating strike): call ``S_T - min S``, put ``max S - S_T``. With a strike
    (fixed strike): call ``max(max S - K, 0)``, put ``max(K - min S, 0)``.

    Parameters
    ----------
    maturity : float
        Years to expiry (> 0).
    kind : {"call", "put"}
    strike : float or None
        None for a floating strike.
    """

    maturity: float
    kind: str = "call"
    strike: float | None = None

    def __post_init__(self):
        _check_terms(self, "Lookback")

    def _tracks_maximum(self) -> bool:
        call = self.kind == "call"
        return call if self.strike is not None else not call

    def start(self, spot):
        return spot

    def update(self, extremum, spot):
        return np.maximum(extremum, spot) if self._tracks_maximum() else np.minimum(extremum, spot)

    def finish(self, extremum, spot):
        w = option_sign(self.kind)
        if self.strike is None:
            return w * (spot - extremum)
        return np.maximum(w * (extremum - self.strike), 0.0)
