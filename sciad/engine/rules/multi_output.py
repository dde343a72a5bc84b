"""Ufuncs with several outputs: ``np.modf``, ``np.divmod``, ``np.frexp``.

* ``modf(x) = (x - trunc(x), trunc(x))``: the fractional part has derivative 1, the integral
  part 0 (piecewise constant, as ``trunc``).
* ``divmod(x, y) = (floor_divide(x, y), remainder(x, y))``: the quotient has derivative 0, the
  remainder ``x - y floor(x / y)`` has 1 in x and ``-floor(x / y)`` in y (the ``remainder`` rule).
* ``frexp(x) = (m, e)`` with ``x = m 2**e``: ``e`` is an integer array, piecewise constant, and
  comes back as a plain array (a traced integer would only make ``np.ldexp(m, e)`` refuse its
  second argument); ``m = x 2**-e`` has derivative ``2**-e``.

modf and divmod are multiple-output primitives (``defvjp_multi``): their outputs are recorded
once and the rule receives one cotangent per output. They are registered in FUNCTION_RULES keyed
by the ufunc, because Tensor.__array_ufunc__'s table of ufuncs holds single-output primitives.
"""

from __future__ import annotations

import numpy as np

from ..control import stop_gradient
from ..graph import Primitive, apply
from ..registry import FUNCTION_RULES, defvjp_multi, dtype_of, shape_of, unbroadcast
from ..tensor import Tensor

_BEFORE = set(FUNCTION_RULES)


def _values(ufunc):
    """The primitive's function. Under nested transforms it receives lower-level boxes, which
    NumPy would hand to Tensor.__array_ufunc__ (no entry for several outputs): it calls the rule
    itself, so the lower level records the call too."""
    def fn(*args, **kwargs):
        if any(type(a) is Tensor for a in args):
            return FUNCTION_RULES[ufunc](args, kwargs)
        return ufunc(*args, **kwargs)
    return fn


def _modf_vjp(argnum, g, ans, args, kwargs):
    fractional = g[0]  # the integral part's cotangent meets a zero derivative
    if fractional is None:
        return None
    return unbroadcast(fractional, shape_of(args[0]), dtype_of(args[0]))


def _divmod_vjp(argnum, g, ans, args, kwargs):
    remainder = g[1]  # the quotient floor(x / y) is piecewise constant
    if remainder is None:
        return None
    x = args[argnum]
    if argnum == 0:
        return unbroadcast(remainder, shape_of(x), dtype_of(x))
    return unbroadcast(-remainder * ans[0], shape_of(x), dtype_of(x))


defvjp_multi(np.modf, _modf_vjp, fn=_values(np.modf))
defvjp_multi(np.divmod, _divmod_vjp, fn=_values(np.divmod))


def _mantissa(x, **kwargs):
    if type(x) is Tensor:  # a lower level's box (see _values)
        return _frexp((x,), kwargs)[0]
    return np.frexp(x, **kwargs)[0]


def _mantissa_vjp(argnum, g, ans, args, kwargs):
    x = args[0]
    exponent = np.frexp(stop_gradient(x))[1]
    return unbroadcast(g * np.ldexp(np.ones((), dtype_of(x)), -exponent), shape_of(x),
                       dtype_of(x))


MANTISSA = Primitive("numpy.frexp", _mantissa, _mantissa_vjp)


def _frexp(args, kwargs):
    x = args[0]
    return apply(MANTISSA, (x,), kwargs), np.frexp(stop_gradient(x), **kwargs)[1]


FUNCTION_RULES[np.frexp] = _frexp

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
