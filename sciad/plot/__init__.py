"""Figures of sciad's results, following matplotlib's conventions.

Every function takes ``ax=None`` (the current Axes when omitted), returns the Axes, labels the
axes with names and units, never calls ``plt.show()``, and works with the Agg backend.

- sensitivity: :func:`tornado`, :func:`heatmap`, :func:`dgsm_bars`, :func:`sobol_bars`
- other adapters: :func:`over_time` (ODE sensitivities), :func:`greeks_profile` (finance),
  :func:`convergence` (optimisation), :func:`mode_spectrum` (physics normal modes)
"""

from .adapters import convergence, greeks_profile, mode_spectrum, over_time
from .sensitivity import dgsm_bars, heatmap, sobol_bars, tornado

__all__ = ["tornado", "heatmap", "dgsm_bars", "sobol_bars", "over_time", "greeks_profile",
           "convergence", "mode_spectrum"]
