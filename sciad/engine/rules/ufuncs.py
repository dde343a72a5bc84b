"""NumPy's elementwise functions, by their partial derivatives.

Each line reads ``elementwise(f, df/dx[, df/dy])`` with ``d(ans, x[, y])``; ``ans`` is f's value.
A plain number (``1.0``) passes the cotangent straight through, scaled.

Conventions at kinks: ``abs``, ``fabs`` and ``hypot`` have derivative 0 at 0; ``maximum``,
``minimum``, ``fmax``, ``fmin`` split the cotangent evenly between tied arguments; ``clip`` passes
the cotangent to ``x`` inside ``[low, high]``, edges included, and to the active bound outside;
``sqrt`` and ``cbrt`` have an infinite derivative at 0 (as in calculus, JAX and PyTorch);
``floor``, ``ceil``, ``trunc``, ``rint``, ``round``, ``sign`` have derivative 0; ``x ** 0`` has
derivative 0 in ``x`` everywhere. ``d(x ** y)/dy`` is ``nan`` for ``x < 0`` (not real-valued).
``interp`` takes the slope of the segment to the right of a knot (the last one at ``xp[-1]``).

Complex arguments follow the convention cotangent(z) = dL/dRe z + i dL/dIm z: holomorphic
functions multiply the cotangent by the conjugate derivative (``elementwise`` does that);
``abs``, ``angle``, ``real``, ``imag``, ``conj`` have their own rules.

``divmod``, ``modf`` and ``frexp`` (several outputs) have their rules in :mod:`.multi_output`.
"""

import math

import numpy as np
import scipy.special

from ...errors import NotDifferentiableError
from ..graph import apply
from ..registry import (FUNCTION_RULES, composite, defvjp, defvjp_argnum, dtype_of, elementwise,
                        filled_value, nondifferentiable, shape_of, unbroadcast)

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_DEGREE = math.pi / 180.0
_PI2 = math.pi ** 2


def _is_complex(x) -> bool:
    return dtype_of(x).kind == "c"


def _safe_divide(x, y):
    """x / y, and 0 where y == 0 (used where x == 0 there too: abs, hypot at the origin)."""
    return x / np.where(y == 0, 1.0, y)


def _tie_split(x, y):
    """1 where x wins, 1/2 where tied, 0 where y wins (max(x, y) picks x).

    Comparisons give plain arrays even of traced values, and the share is piecewise constant,
    so it is built in place (several times faster than nested np.where)."""
    share = np.asarray(x > y, dtype=np.float64)
    share[np.asarray(x == y)] = 0.5
    return share


def _abs_derivative(ans, x):
    if _is_complex(x):
        return np.conj(_safe_divide(x, ans))  # conjugated again by elementwise(): g * z / |z|
    return np.sign(x)


def _power_dx(ans, x, y):
    if type(y) in (int, float):  # the common x ** 2: no guard needed
        if y == 0:
            return 0.0 * x
        return 2.0 * x if y == 2 else y * np.power(x, y - 1)
    # y * x**(y-1) is 0 * inf at x = y = 0, where x**0 = 1 has derivative 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & (y == 0), 0.0, y * np.power(x, y - 1))


def _power_dy(ans, x, y):
    # ans * log(x); where x == 0 the power is constant 0 (y > 0), so the derivative is 0
    with np.errstate(invalid="ignore"):
        return ans * np.log(np.where(x == 0, 1.0, x))


def _float_power_dx(ans, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & (y == 0), 0.0, y * np.float_power(x, y - 1))


# arithmetic
elementwise(np.add, 1.0, 1.0)
elementwise(np.subtract, 1.0, -1.0)
elementwise(np.multiply, lambda ans, x, y: y, lambda ans, x, y: x)
elementwise(np.true_divide, lambda ans, x, y: 1.0 / y, lambda ans, x, y: -ans / y)
elementwise(np.negative, -1.0)
elementwise(np.positive, 1.0)
elementwise(np.reciprocal, lambda ans, x: -ans * ans)
_square = elementwise(np.square, lambda ans, x: 2.0 * x)


def _square_float64(g, ans, args):
    """square's rule on a float64 array (its float64 form). Under a sum the cotangent is one
    number c in every entry (a zero-stride view), and 2 c x takes one pass instead of two:
    a least-squares objective is sum(r ** 2)."""
    c = filled_value(g)
    if c is not None:
        return args[0] * (2.0 * c)
    return g * (2.0 * args[0])


_square.float64_form.by_arg = (_square_float64,)
elementwise(np.sqrt, lambda ans, x: 0.5 / ans)
elementwise(np.cbrt, lambda ans, x: 1.0 / (3.0 * ans * ans))
elementwise(np.power, _power_dx, _power_dy)
elementwise(np.float_power, _float_power_dx, _power_dy)
elementwise(np.absolute, _abs_derivative)
elementwise(np.fabs, lambda ans, x: np.sign(x))
elementwise(np.remainder, 1.0, lambda ans, x, y: -np.floor_divide(x, y))
elementwise(np.fmod, 1.0, lambda ans, x, y: -np.trunc(np.true_divide(x, y)))
# copysign(x, y) = |x| sign(y): piecewise constant in y, so its y-derivative is 0 (a.e.)
elementwise(np.copysign, lambda ans, x, y: np.copysign(1.0, x) * np.copysign(1.0, y), 0.0)
elementwise(np.ldexp, lambda ans, x, n: np.ldexp(1.0, n), None)  # x * 2**n, n an integer

# exponentials and logarithms
elementwise(np.exp, lambda ans, x: ans)
elementwise(np.exp2, lambda ans, x: ans * _LN2)
elementwise(np.expm1, lambda ans, x: ans + 1.0)
elementwise(np.log, lambda ans, x: 1.0 / x)
elementwise(np.log2, lambda ans, x: 1.0 / (x * _LN2))
elementwise(np.log10, lambda ans, x: 1.0 / (x * _LN10))
elementwise(np.log1p, lambda ans, x: 1.0 / (1.0 + x))
elementwise(np.logaddexp, lambda ans, x, y: np.exp(x - ans), lambda ans, x, y: np.exp(y - ans))
elementwise(np.logaddexp2, lambda ans, x, y: np.exp2(x - ans), lambda ans, x, y: np.exp2(y - ans))

# trigonometric and hyperbolic
elementwise(np.sin, lambda ans, x: np.cos(x))
elementwise(np.cos, lambda ans, x: -np.sin(x))
elementwise(np.tan, lambda ans, x: 1.0 + ans * ans)
elementwise(np.arcsin, lambda ans, x: 1.0 / np.sqrt(1.0 - x * x))
elementwise(np.arccos, lambda ans, x: -1.0 / np.sqrt(1.0 - x * x))
elementwise(np.arctan, lambda ans, x: 1.0 / (1.0 + x * x))
elementwise(np.arctan2, lambda ans, y, x: x / (x * x + y * y),
            lambda ans, y, x: -y / (x * x + y * y))
elementwise(np.hypot, lambda ans, x, y: _safe_divide(x, ans),
            lambda ans, x, y: _safe_divide(y, ans))
elementwise(np.sinh, lambda ans, x: np.cosh(x))
elementwise(np.cosh, lambda ans, x: np.sinh(x))
elementwise(np.tanh, lambda ans, x: 1.0 - ans * ans)
elementwise(np.arcsinh, lambda ans, x: 1.0 / np.sqrt(x * x + 1.0))
# sqrt(x - 1) sqrt(x + 1), not sqrt(x**2 - 1): the principal branch for complex x
elementwise(np.arccosh, lambda ans, x: 1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)))
elementwise(np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x))
elementwise(np.deg2rad, _DEGREE)
elementwise(np.radians, _DEGREE)
elementwise(np.rad2deg, 1.0 / _DEGREE)
elementwise(np.degrees, 1.0 / _DEGREE)

# comparisons that select an argument (fmax/fmin: a nan argument loses)
elementwise(np.maximum, lambda ans, x, y: _tie_split(x, y), lambda ans, x, y: _tie_split(y, x))
elementwise(np.minimum, lambda ans, x, y: _tie_split(y, x), lambda ans, x, y: _tie_split(x, y))
elementwise(np.fmax, lambda ans, x, y: np.where(np.isnan(y), 1.0, _tie_split(x, y)),
            lambda ans, x, y: np.where(np.isnan(x), 1.0, _tie_split(y, x)))
elementwise(np.fmin, lambda ans, x, y: np.where(np.isnan(y), 1.0, _tie_split(y, x)),
            lambda ans, x, y: np.where(np.isnan(x), 1.0, _tie_split(x, y)))


# complex parts (cotangent convention: dL/dRe z + i dL/dIm z)
def _conj_vjp(g, ans, x):
    return np.conj(g)


def _real_vjp(g, ans, x):
    return np.real(g) + 0j if _is_complex(x) else np.real(g)


def _imag_vjp(g, ans, x):
    return 1j * np.real(g) if _is_complex(x) else np.zeros(shape_of(x), dtype_of(x))


def _angle_vjp(g, ans, z, deg=False):
    # angle = atan2(Im z, Re z): gradient (-Im z, Re z) / |z|^2, i.e. i z / |z|^2; a real
    # argument has a piecewise-constant angle (0 or pi)
    if not _is_complex(z):
        return np.zeros(shape_of(z), dtype_of(z))
    scale = 1.0 / _DEGREE if deg else 1.0
    return np.real(g) * scale * 1j * _safe_divide(z, np.real(z * np.conj(z)))


defvjp(np.conjugate, _conj_vjp)
defvjp(np.real, _real_vjp)
defvjp(np.imag, _imag_vjp)
defvjp(np.angle, _angle_vjp)


# elementwise functions that are not ufuncs
def _sinc_vjp(g, ans, x):
    # d sinc(x)/dx = (cos(pi x) - sinc(x)) / x; near 0 its Taylor polynomial, which also gets
    # the higher derivatives at 0 right (sinc''(0) = -pi**2/3)
    small = np.abs(x) < 1e-3
    safe_x = np.where(small, 1.0, x)
    closed = (np.cos(np.pi * safe_x) - np.sinc(safe_x)) / safe_x
    x2 = x * x
    series = x * (-_PI2 / 3.0 + x2 * (_PI2 * _PI2 / 30.0 - x2 * _PI2 ** 3 / 840.0))
    derivative = np.where(small, series, closed)
    # holomorphic: a complex argument's cotangent is g * conj(derivative)
    return g * (np.conj(derivative) if dtype_of(x).kind == "c" else derivative)


defvjp(np.sinc, _sinc_vjp)
defvjp(np.i0, lambda g, ans, x: g * scipy.special.i1(x))


def _polyval(p, x):
    """Horner's scheme, as numpy.polyval, with coefficients and points both differentiable."""
    value = 0.0 * x
    for coefficient in p:
        value = value * x + coefficient
    return value


composite(np.polyval, _polyval)


# np.interp(x, xp, fp, left, right): piecewise linear in x, linear in fp, left and right
def _interp_vjp(argnum, g, ans, args, kwargs):
    x, xp, fp, left, right = args
    if argnum == 1:
        raise NotDifferentiableError(
            "sciad has no derivative of numpy.interp with respect to the sample points xp; "
            "pass them as a constant (sciad.stop_gradient), or interpolate by hand with np.where")
    below, above = x < xp[0], x > xp[-1]
    if argnum == 3:
        return unbroadcast(np.sum(np.where(below, g, 0.0)), shape_of(left), dtype_of(left))
    if argnum == 4:
        return unbroadcast(np.sum(np.where(above, g, 0.0)), shape_of(right), dtype_of(right))
    # the segment [xp[i], xp[i+1]] holding x (the right-hand one at a knot)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, shape_of(xp)[0] - 2)
    inside = ~(below | above)
    x0, width = xp[i], xp[i + 1] - xp[i]
    if argnum == 0:
        slope = (fp[i + 1] - fp[i]) / width
        return unbroadcast(g * np.where(inside, slope, 0.0), shape_of(x), dtype_of(x))
    t = (x - x0) / width
    # outside [xp[0], xp[-1]] the value is fp[0] or fp[-1] unless left or right is given
    low = np.where(inside, 1.0 - t, 1.0 if left is None else 0.0) * np.where(above, 0.0, 1.0)
    high = np.where(inside, t, 1.0 if right is None else 0.0) * np.where(below, 0.0, 1.0)
    n = shape_of(fp)[0]
    cot = (np.bincount(np.ravel(i), weights=np.ravel(g * low), minlength=n)
           + np.bincount(np.ravel(i) + 1, weights=np.ravel(g * high), minlength=n))
    return unbroadcast(cot, shape_of(fp), dtype_of(fp))


_INTERP = defvjp_argnum(np.interp, _interp_vjp)


def _interp_handler(args, kwargs):
    # left and right become positional, so that traced values are seen as arguments
    options = dict(zip(("left", "right", "period"), args[3:]), **kwargs)
    if options.get("period") is not None:
        raise NotImplementedError("sciad's rule for numpy.interp does not take period=; wrap x "
                                  "into one period with np.remainder first")
    return apply(_INTERP, (*args[:3], options.get("left"), options.get("right")), {})


FUNCTION_RULES[np.interp] = _interp_handler


# np.where and np.clip are functions, not ufuncs, but read as elementwise selections
def _where_vjp(branch):
    def vjp(g, ans, condition, x=None, y=None):
        chosen = np.where(condition, g, 0.0) if branch == 0 else np.where(condition, 0.0, g)
        arg = x if branch == 0 else y
        return unbroadcast(chosen, shape_of(arg), dtype_of(arg))
    return vjp


_WHERE = defvjp(np.where, None, _where_vjp(0), _where_vjp(1))
_WHERE.reads = ((False,) * 3, (frozenset({0}),) * 3)  # the condition; x and y for their shapes


def _where_handler(args, kwargs):
    if len(args) == 1 and not kwargs:  # np.where(condition) is np.nonzero: indices, no derivative
        return np.nonzero(args[0])
    return apply(_WHERE, args, kwargs)


FUNCTION_RULES[np.where] = _where_handler


def _clip_vjp(argnum, g, ans, args, kwargs):
    # inside [low, high], edges included, the cotangent goes to x; outside, to the active bound
    x, low, high = args
    below = np.zeros(shape_of(ans), bool) if low is None else (x < low)
    above = np.zeros(shape_of(ans), bool) if high is None else (x > high)
    if argnum == 0:
        return unbroadcast(np.where(below | above, 0.0, g), shape_of(x), dtype_of(x))
    mask = below if argnum == 1 else above
    bound = args[argnum]
    return unbroadcast(np.where(mask, g, 0.0), shape_of(bound), dtype_of(bound))


_CLIP = defvjp_argnum(np.clip, _clip_vjp, fn=lambda x, low, high, **kwargs:
                      np.clip(x, low, high, **kwargs))


def _clip_handler(args, kwargs):
    # bounds given by keyword (a_min=, min=, ...) become positional, so that traced bounds are
    # seen as arguments (and np.clip is not re-dispatched on them)
    kwargs = dict(kwargs)
    low = args[1] if len(args) > 1 else kwargs.pop("a_min", kwargs.pop("min", None))
    high = args[2] if len(args) > 2 else kwargs.pop("a_max", kwargs.pop("max", None))
    for key in ("a_min", "min", "a_max", "max"):
        kwargs.pop(key, None)
    return apply(_CLIP, (args[0], low, high), kwargs)


FUNCTION_RULES[np.clip] = _clip_handler

nondifferentiable(
    np.sign, np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.heaviside, np.signbit,
    np.isnan, np.isinf, np.isfinite, np.isnat, np.less, np.less_equal, np.greater,
    np.greater_equal, np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_xor,
    np.logical_not, np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift,
    np.right_shift, np.bitwise_count, np.nextafter, np.spacing, np.isclose, np.allclose,
    np.array_equal, np.array_equiv, np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj,
    np.isscalar, np.round, np.around, np.fix, np.gcd, np.lcm,
)
