"""1-D convolution and correlation (``np.convolve``, ``np.correlate``), modes full/same/valid.

One primitive, the full convolution ``c[k] = sum_i a[i] v[k - i]``, whose cotangents are
correlations: ``da = correlate(g, v, 'valid')`` and ``dv = correlate(g, a, 'valid')`` (the
conjugate of the other factor, sciad's complex convention, is what ``correlate`` applies). The
modes are slices of the full result and ``correlate(a, v)`` is ``convolve(a, conj(v[::-1]))``,
so both functions, in every mode, differentiate to any order through that one rule.
(``np.interp``, ``np.polyval`` and ``np.cross`` live in :mod:`.ufuncs` and :mod:`.products`.)
"""

from __future__ import annotations

import numpy as np

from ..graph import Primitive, apply
from ..registry import FUNCTION_RULES, composite, dtype_of, shape_of, unbroadcast

_BEFORE = set(FUNCTION_RULES)


def _full_convolution_vjp(argnum, g, ans, args, kwargs):
    other = args[1 - argnum]
    # len(g) = len(a) + len(v) - 1 >= len(other): 'valid' leaves exactly len(args[argnum])
    cot = np.correlate(g, other, "valid")
    return unbroadcast(cot, shape_of(args[argnum]), dtype_of(args[argnum]))


FULL_CONVOLUTION = Primitive("numpy.convolve (full)", lambda a, v: np.convolve(a, v, "full"),
                             _full_convolution_vjp)


def _as_signals(name, a, v):
    if len(shape_of(a)) > 1 or len(shape_of(v)) > 1:
        raise ValueError(f"{name}: object too deep for desired array")
    if name == "correlate" and (len(shape_of(a)) == 0 or len(shape_of(v)) == 0):
        raise ValueError("correlate: object of too small depth for desired array")  # as NumPy
    a = np.reshape(a, (-1,)) if len(shape_of(a)) == 0 else a
    v = np.reshape(v, (-1,)) if len(shape_of(v)) == 0 else v
    if shape_of(a)[0] == 0 or shape_of(v)[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty")
    return a, v


def _mode_slice(full, n, m, mode, offset_same):
    """The part of the full result (length n + m - 1) that ``mode`` returns."""
    if mode == "full":
        return full
    if mode == "same":
        start, length = offset_same, max(n, m)
    elif mode == "valid":
        start, length = min(n, m) - 1, max(n, m) - min(n, m) + 1
    else:
        raise ValueError(f"mode must be one of 'full', 'same' or 'valid', not {mode!r}")
    return full[start:start + length]


def _convolve(a, v, mode="full"):
    a, v = _as_signals("convolve", a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = apply(FULL_CONVOLUTION, (a, v), {})
    return _mode_slice(full, n, m, mode, (min(n, m) - 1) // 2)


def _correlate(a, v, mode="valid"):
    a, v = _as_signals("correlate", a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    reversed_v = np.flip(np.conj(v) if dtype_of(v).kind == "c" else v, 0)
    full = apply(FULL_CONVOLUTION, (a, reversed_v), {})
    # NumPy centres 'same' one place later when v is the longer signal (it swaps the two)
    return _mode_slice(full, n, m, mode, (min(n, m) - 1) // 2 if n >= m else min(n, m) // 2)


composite(np.convolve, _convolve)
composite(np.correlate, _correlate)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
