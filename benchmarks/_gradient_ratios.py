"""The table the rule-family benchmarks print: per workload, the plain function's time, the time
of ``sciad.grad`` and their ratio, and the same ratio for HIPS autograd when it is installed.

Not a benchmark itself: ``elementwise_products.py`` and ``linalg_fft_indexing.py`` import it
(run them as ``python benchmarks/X.py``, which puts this folder on the path). The functions are
timed interleaved, round by round, in CPU time, by engine.py's ``_interleaved``; a ratio is the
median of the per-round ratios.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
import scipy.special

import sciad
from engine import _interleaved  # the engine benchmark's timing protocol

# what autograd raises for a function it has no rule for
_PEER_LACKS_FUNCTION = (AttributeError, NotImplementedError, TypeError, ValueError)


def _autograd_modules():
    """``(autograd, autograd.numpy, autograd.scipy.special)``, or None when not installed."""
    try:
        import autograd
        import autograd.numpy as anp
        import autograd.scipy.special as asc
    except ImportError:
        return None
    return autograd, anp, asc


def _symmetric_part(g):
    return 0.5 * (g + g.T)


def print_table(workloads: dict[str, tuple[Callable, np.ndarray]], repeat: int, *,
                atol: float = 1e-8, symmetric_only: Collection[str] = ()) -> None:
    """Time and print every workload.

    ``workloads`` maps a name to ``(make, x)``: ``make(np_module, special_module)`` returns the
    scalar function of ``x``, written once against the NumPy and scipy.special namespaces it is
    given (autograd's wrappers for the peer). Before the peer is timed its gradient must agree
    with sciad's (rtol 1e-6, ``atol``): times of two different answers mean nothing. Workloads in
    ``symmetric_only`` are compared by their gradients' symmetric parts. The autograd column
    shows '-' where autograd lacks a function of the workload.
    """
    peer = _autograd_modules()
    print(f"{'workload':28s} {'f (ms)':>9s} {'grad (ms)':>10s} {'ratio':>7s} {'autograd':>9s}")
    for name, (make, x) in workloads.items():
        plain = make(np, scipy.special)
        gradient = sciad.grad(plain)
        timed = {"f": lambda: plain(x), "sciad": lambda: gradient(x)}
        if peer is not None:
            autograd, anp, asc = peer
            try:
                peer_gradient = autograd.grad(make(anp, asc))
                reference = peer_gradient(x)
            except _PEER_LACKS_FUNCTION:
                reference = None
            if reference is not None:
                ours = gradient(x)
                if name in symmetric_only:
                    ours, reference = _symmetric_part(ours), _symmetric_part(reference)
                np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=atol, err_msg=name)
                timed["autograd"] = lambda: peer_gradient(x)
        times, ratios = _interleaved(timed, repeat)
        peer_ratio = f"{ratios['autograd']:9.1f}" if "autograd" in ratios else "-"
        print(f"{name:28s} {times['f'] * 1e3:9.3f} {times['sciad'] * 1e3:10.3f} "
              f"{ratios['sciad']:7.1f} {peer_ratio:>9s}")
