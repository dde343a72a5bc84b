"""scipy.special ufuncs, by their partial derivatives (DLMF numbers in the comments).

Each line reads ``elementwise(f, df/dx[, df/dy])`` with ``d(ans, x[, y])``, as in
:mod:`sciad.engine.rules.ufuncs`. Arguments that have no derivative here (an order ``v`` of a
Bessel function, ``a`` of ``gammainc``, ``s`` of ``zeta``) are marked None: differentiating with
respect to them raises :class:`~sciad.NotDifferentiableError` instead of giving a silent zero.

Derivatives use stable forms: ``log_ndtr``'s through ``erfcx`` (no 0/0 far in the left tail),
``gammainc``'s through ``xlogy``/``gammaln`` in log space, ``boxcox``'s in ``lmbda`` through a
series near ``lmbda log x = 0``. ``scipy.special.polygamma`` converts its input to an array and
cannot be traced; write ``(-1)**(n+1) * factorial(n) * zeta(n + 1, x)`` instead, which
differentiates to any order through the rule of ``zeta`` in ``q``.
"""

import math

import numpy as np
import scipy.special as sc
from scipy.special import _ufuncs

from ..graph import Primitive, apply
from ..registry import elementwise
from ..tensor import Tensor

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _safe_ratio(x, y):
    """x / y, and 0 where x == y == 0 (the convention of xlogy: 0 * anything = 0)."""
    return x / np.where((x == 0) & (y == 0), 1.0, y)


def _erfcx_derivative(ans, x):
    """2 x erfcx(x) - 2/sqrt(pi), which cancels for large x; there (x > 50, where the closed form
    has lost 4 digits) the asymptotic series -1/(sqrt(pi) x**2) (1 - 3/2 x**-2 + ...) of
    DLMF 7.12.1, differentiated, is exact to double precision."""
    large = x > 50.0
    inv_x2 = 1.0 / np.square(np.where(large, x, 50.0))
    series = (-1.0 / _SQRT_PI) * inv_x2 * (
        1.0 + inv_x2 * (-1.5 + inv_x2 * (3.75 + inv_x2 * (-13.125 + inv_x2 * 59.0625))))
    return np.where(large, series, 2.0 * x * ans - 2.0 / _SQRT_PI)


def _normal_density_values(x):
    """exp(-x**2 / 2) / sqrt(2 pi) of plain values: one fresh array, updated in place (four
    operations, one allocation: this runs once per ndtr in every backward pass)."""
    if type(x) is not np.ndarray or x.ndim == 0:
        return np.exp(-0.5 * x * x) / _SQRT_2PI
    density = np.multiply(x, x)
    density *= -0.5
    np.exp(density, out=density)
    density /= _SQRT_2PI  # not * 1/sqrt(2 pi): bit for bit the expression above
    return density


def _normal_density_vjp(argnum, g, ans, args, kwargs):
    # d/dx phi(x) = -x phi(x)
    x = args[0]
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape and x.ndim:
        cot = np.multiply(x, ans)
        cot *= g
        np.negative(cot, out=cot)
        return cot
    return g * -(x * ans)


# The derivative of ndtr as one primitive: differentiating ndtr's rule again (second-order Greeks,
# Hessians) records one node whose own rule is three passes, instead of the four operations of
# the expression and their rules.
_NORMAL_DENSITY = Primitive("normal density (derivative of scipy.special.ndtr)",
                            _normal_density_values, _normal_density_vjp)


def _normal_density(x):
    if type(x) is Tensor:
        return apply(_NORMAL_DENSITY, (x,), {})
    return _normal_density_values(x)


# normal distribution and error functions (DLMF 7.2, 7.10)
elementwise(sc.ndtr, lambda ans, x: _normal_density(x))
# phi(x) / Phi(x) = sqrt(2/pi) / erfcx(-x/sqrt 2): finite for very negative x, where
# phi and Phi both underflow
elementwise(sc.log_ndtr, lambda ans, x: _SQRT_2_OVER_PI / sc.erfcx(-_SQRT_HALF * x))
elementwise(sc.ndtri, lambda ans, x: _SQRT_2PI * np.exp(0.5 * ans * ans))
elementwise(sc.ndtri_exp, lambda ans, y: _SQRT_2PI * np.exp(y + 0.5 * ans * ans))
elementwise(sc.erf, lambda ans, x: (2.0 / _SQRT_PI) * np.exp(-x * x))
elementwise(sc.erfc, lambda ans, x: (-2.0 / _SQRT_PI) * np.exp(-x * x))
elementwise(sc.erfcx, lambda ans, x: _erfcx_derivative(ans, x))
elementwise(sc.erfi, lambda ans, x: (2.0 / _SQRT_PI) * np.exp(x * x))
elementwise(sc.erfinv, lambda ans, x: (0.5 * _SQRT_PI) * np.exp(ans * ans))
elementwise(sc.erfcinv, lambda ans, x: (-0.5 * _SQRT_PI) * np.exp(ans * ans))
elementwise(sc.dawsn, lambda ans, x: 1.0 - 2.0 * x * ans)  # DLMF 7.5.1, 7.10

# logistic function
elementwise(sc.expit, lambda ans, x: ans * (1.0 - ans))
elementwise(sc.logit, lambda ans, x: 1.0 / (x * (1.0 - x)))
elementwise(sc.log_expit, lambda ans, x: sc.expit(-x))

# gamma, beta and zeta (DLMF 5.2, 5.15, 5.12, 25.11.17)
elementwise(sc.gamma, lambda ans, x: ans * sc.digamma(x))
elementwise(sc.gammaln, lambda ans, x: sc.digamma(x))
elementwise(sc.loggamma, lambda ans, x: sc.digamma(x))
elementwise(sc.rgamma, lambda ans, x: -ans * sc.digamma(x))
elementwise(sc.digamma, lambda ans, x: sc.zeta(2.0, x), name="scipy.special.digamma")
elementwise(_ufuncs._zeta, None, lambda ans, s, q: -s * sc.zeta(s + 1.0, q),
            name="scipy.special.zeta")
elementwise(_ufuncs._riemann_zeta, None, name="scipy.special.zeta (Riemann)")
elementwise(sc.betaln, lambda ans, a, b: sc.digamma(a) - sc.digamma(a + b),
            lambda ans, a, b: sc.digamma(b) - sc.digamma(a + b))
elementwise(sc.beta, lambda ans, a, b: ans * (sc.digamma(a) - sc.digamma(a + b)),
            lambda ans, a, b: ans * (sc.digamma(b) - sc.digamma(a + b)))


def _gamma_density(a, x):
    # x**(a-1) exp(-x) / Gamma(a), in log space so that large a and x do not overflow
    return np.exp(sc.xlogy(a - 1.0, x) - x - sc.gammaln(a))


elementwise(sc.gammainc, None, lambda ans, a, x: _gamma_density(a, x))
elementwise(sc.gammaincc, None, lambda ans, a, x: -_gamma_density(a, x))

# x log y and entropies
elementwise(sc.xlogy, lambda ans, x, y: np.log(y), lambda ans, x, y: _safe_ratio(x, y))
elementwise(sc.xlog1py, lambda ans, x, y: np.log1p(y), lambda ans, x, y: _safe_ratio(x, 1.0 + y))
elementwise(sc.entr, lambda ans, x: -np.log(x) - 1.0)
elementwise(sc.rel_entr, lambda ans, x, y: np.log(x / y) + 1.0, lambda ans, x, y: -x / y)
elementwise(sc.kl_div, lambda ans, x, y: np.log(x / y), lambda ans, x, y: 1.0 - x / y)

# exponential integrals and friends (DLMF 6.2)
elementwise(sc.exp1, lambda ans, x: -np.exp(-x) / x)
elementwise(sc.expi, lambda ans, x: np.exp(x) / x)
elementwise(sc.expm1, lambda ans, x: ans + 1.0, name="scipy.special.expm1")
elementwise(sc.log1p, lambda ans, x: 1.0 / (1.0 + x), name="scipy.special.log1p")
elementwise(sc.cosm1, lambda ans, x: -np.sin(x))

# Bessel functions (DLMF 10.6.1, 10.29.1, 10.6.2, 10.29.3); the order v gets no derivative
elementwise(sc.jv, None, lambda ans, v, x: 0.5 * (sc.jv(v - 1.0, x) - sc.jv(v + 1.0, x)))
elementwise(sc.yv, None, lambda ans, v, x: 0.5 * (sc.yv(v - 1.0, x) - sc.yv(v + 1.0, x)))
elementwise(sc.iv, None, lambda ans, v, x: 0.5 * (sc.iv(v - 1.0, x) + sc.iv(v + 1.0, x)))
elementwise(sc.kv, None, lambda ans, v, x: -0.5 * (sc.kv(v - 1.0, x) + sc.kv(v + 1.0, x)))
# exponentially scaled: ive = iv exp(-|x|), kve = kv exp(x)
elementwise(sc.ive, None, lambda ans, v, x:
            0.5 * (sc.ive(v - 1.0, x) + sc.ive(v + 1.0, x)) - np.sign(x) * ans)
elementwise(sc.kve, None, lambda ans, v, x:
            ans - 0.5 * (sc.kve(v - 1.0, x) + sc.kve(v + 1.0, x)))
elementwise(sc.j0, lambda ans, x: -sc.j1(x))
elementwise(sc.j1, lambda ans, x: 0.5 * (sc.j0(x) - sc.jv(2.0, x)))
elementwise(sc.y0, lambda ans, x: -sc.y1(x))
elementwise(sc.y1, lambda ans, x: 0.5 * (sc.y0(x) - sc.yv(2.0, x)))
elementwise(sc.i0, lambda ans, x: sc.i1(x), name="scipy.special.i0")
elementwise(sc.i1, lambda ans, x: 0.5 * (sc.i0(x) + sc.iv(2.0, x)))
elementwise(sc.i0e, lambda ans, x: sc.i1e(x) - np.sign(x) * ans)
elementwise(sc.i1e, lambda ans, x: 0.5 * (sc.i0e(x) + sc.ive(2.0, x)) - np.sign(x) * ans)
elementwise(sc.k0, lambda ans, x: -sc.k1(x))
elementwise(sc.k1, lambda ans, x: -0.5 * (sc.k0(x) + sc.kv(2.0, x)))
elementwise(sc.k0e, lambda ans, x: ans - sc.k1e(x))
elementwise(sc.k1e, lambda ans, x: ans - 0.5 * (sc.k0e(x) + sc.kve(2.0, x)))


# Box-Cox transform: (x**l - 1) / l, log x at l = 0
def _boxcox_dlmbda(log_x, lmbda):
    """d/dl of (x**l - 1)/l = log(x)**2 * (u e**u - expm1(u)) / u**2 with u = l log x.

    The closed form cancels catastrophically for small u; there (|u| < 1e-2) the Taylor series
    sum of (n - 1)/n! u**(n-2), n >= 2, up to u**5 (next term below 1e-16) is used instead.
    """
    u = lmbda * log_x
    small = np.abs(u) < 1e-2
    safe_u = np.where(small, 1.0, u)
    closed = (safe_u * np.exp(safe_u) - np.expm1(safe_u)) / (safe_u * safe_u)
    series = 0.5 + u * (1.0 / 3.0 + u * (1.0 / 8.0 + u * (1.0 / 30.0 + u * (1.0 / 144.0
                                                                 + u / 840.0))))
    return log_x * log_x * np.where(small, series, closed)


elementwise(sc.boxcox, lambda ans, x, lmbda: np.power(x, lmbda - 1.0),
            lambda ans, x, lmbda: _boxcox_dlmbda(np.log(x), lmbda))
elementwise(sc.boxcox1p, lambda ans, x, lmbda: np.power(1.0 + x, lmbda - 1.0),
            lambda ans, x, lmbda: _boxcox_dlmbda(np.log1p(x), lmbda))
