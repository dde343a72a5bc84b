"""Option pricing and Greeks: closed forms, implied volatility, binomial trees, Monte Carlo.

Every Greek comes from the engine's derivatives of plain-NumPy pricing code. See docs/finance.md.
"""

from ._inputs import ArbitrageBoundsError, OptionInputError
from .closed_form import bachelier, black76, black_scholes
from .greeks import Greeks, greeks
from .implied_vol import implied_volatility
from .models import GBM, Heston
from .montecarlo import MonteCarloResult, monte_carlo_greeks, monte_carlo_price
from .payoffs import Asian, Barrier, Digital, European, Lookback
from .trees import binomial_greeks, binomial_price

__all__ = [
    "black_scholes", "black76", "bachelier", "greeks", "Greeks", "implied_volatility",
    "binomial_price", "binomial_greeks", "GBM", "Heston", "European", "Asian", "Barrier",
    "Digital", "Lookback", "monte_carlo_greeks", "monte_carlo_price", "MonteCarloResult",
    "OptionInputError", "ArbitrageBoundsError",
]
