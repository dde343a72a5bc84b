"""NumPy's elementwise functions, by their partial derivatives.

Each line reads ``elementwise(f, df/dx[, df/dy])`` with ``d(ans, x[, y])``; ``ans`` is f's value.
Conventions at kinks: ``abs`` has derivative 0 at 0; ``maximum``/``minimum`` split the cotangent
evenly between tied arguments; ``sqrt`` and ``cbrt`` have an infinite derivative at 0 (as in
calculus, JAX and PyTorch); ``floor``, ``ceil``, ``round``, ``sign`` have derivative 0.
"""

import numpy as np

from ..registry import defvjp, elementwise, nondifferentiable, shape_of, dtype_of, unbroadcast

_LN2 = np.log(2.0)
_LN10 = np.log(10.0)


def _positive_part_log(x):
    # log x where x > 0; 0 elsewhere, so that d(x**y)/dy = 0 where x**y is constant 0
    return np.log(np.where(x > 0, x, 1.0))


def _tie_split(x, y):
    """1 where x wins, 1/2 where tied, 0 where y wins (max(x, y) picks x)."""
    return np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0))


def _abs_derivative(ans, x):
    if dtype_of(x).kind == "c":
        return np.conj(x / np.where(ans == 0, 1.0, ans))  # conj undone by elementwise()
    return np.sign(x)


# arithmetic
elementwise(np.add, lambda ans, x, y: 1.0, lambda ans, x, y: 1.0)
elementwise(np.subtract, lambda ans, x, y: 1.0, lambda ans, x, y: -1.0)
elementwise(np.multiply, lambda ans, x, y: y, lambda ans, x, y: x)
elementwise(np.true_divide, lambda ans, x, y: 1.0 / y, lambda ans, x, y: -ans / y)
elementwise(np.negative, -1.0)
elementwise(np.positive, 1.0)
elementwise(np.reciprocal, lambda ans, x: -ans * ans)
elementwise(np.square, lambda ans, x: 2.0 * x)
elementwise(np.sqrt, lambda ans, x: 0.5 / ans)
elementwise(np.cbrt, lambda ans, x: 1.0 / (3.0 * ans * ans))
elementwise(np.power, lambda ans, x, y: y * np.power(x, y - 1),
            lambda ans, x, y: ans * _positive_part_log(x))
elementwise(np.float_power, lambda ans, x, y: y * np.float_power(x, y - 1),
            lambda ans, x, y: ans * _positive_part_log(x))
elementwise(np.absolute, _abs_derivative)
elementwise(np.fabs, lambda ans, x: np.sign(x))
elementwise(np.remainder, lambda ans, x, y: 1.0, lambda ans, x, y: -np.floor_divide(x, y))
elementwise(np.fmod, lambda ans, x, y: 1.0, lambda ans, x, y: -np.trunc(np.true_divide(x, y)))
elementwise(np.copysign, lambda ans, x, y: np.copysign(1.0, x) * np.copysign(1.0, y), None)

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
elementwise(np.arctan2, lambda ans, y, x: x / (x * x + y * y), lambda ans, y, x: -y / (x * x + y * y))
elementwise(np.hypot, lambda ans, x, y: x / ans, lambda ans, x, y: y / ans)
elementwise(np.sinh, lambda ans, x: np.cosh(x))
elementwise(np.cosh, lambda ans, x: np.sinh(x))
elementwise(np.tanh, lambda ans, x: 1.0 - ans * ans)
elementwise(np.arcsinh, lambda ans, x: 1.0 / np.sqrt(x * x + 1.0))
elementwise(np.arccosh, lambda ans, x: 1.0 / np.sqrt(x * x - 1.0))
elementwise(np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x))
elementwise(np.deg2rad, np.pi / 180.0)
elementwise(np.rad2deg, 180.0 / np.pi)

# comparisons that select an argument
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
    return np.real(g) + 0j if dtype_of(x).kind == "c" else np.real(g)


def _imag_vjp(g, ans, x):
    return 1j * np.real(g) if dtype_of(x).kind == "c" else np.zeros(shape_of(x), dtype_of(x))


defvjp(np.conjugate, _conj_vjp)
defvjp(np.conj, _conj_vjp) if np.conj is not np.conjugate else None
defvjp(np.real, _real_vjp)
defvjp(np.imag, _imag_vjp)


# np.where and np.clip are functions, not ufuncs, but read as elementwise selections
def _where_vjp(branch):
    def vjp(g, ans, condition, x=None, y=None):
        chosen = np.where(condition, g, 0.0) if branch == 0 else np.where(condition, 0.0, g)
        arg = x if branch == 0 else y
        return unbroadcast(chosen, shape_of(arg), dtype_of(arg))
    return vjp


defvjp(np.where, None, _where_vjp(0), _where_vjp(1))


def _clip_bounds(args, kwargs):
    low = args[0] if args else kwargs.get("a_min", kwargs.get("min"))
    high = args[1] if len(args) > 1 else kwargs.get("a_max", kwargs.get("max"))
    return low, high


def _clip_vjp(argnum, g, ans, args, kwargs):
    # inside [low, high], edges included, the cotangent goes to x; outside, to the active bound
    x = args[0]
    low, high = _clip_bounds(args[1:], kwargs)
    below = np.zeros(shape_of(ans), bool) if low is None else (x < low)
    above = np.zeros(shape_of(ans), bool) if high is None else (x > high)
    if argnum == 0:
        return unbroadcast(np.where(below | above, 0.0, g), shape_of(x), dtype_of(x))
    mask = below if argnum == 1 else above
    bound = args[argnum]
    return unbroadcast(np.where(mask, g, 0.0), shape_of(bound), dtype_of(bound))


def _clip(x, *bounds, **kwargs):
    return np.clip(x, *bounds, **kwargs)


from ..registry import defvjp_argnum  # noqa: E402

defvjp_argnum(np.clip, _clip_vjp, fn=_clip)

nondifferentiable(
    np.sign, np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.heaviside, np.signbit,
    np.isnan, np.isinf, np.isfinite, np.isnat, np.less, np.less_equal, np.greater,
    np.greater_equal, np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_xor,
    np.logical_not, np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift,
    np.right_shift, np.nextafter, np.spacing, np.isclose, np.allclose, np.array_equal,
    np.array_equiv, np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj, np.isscalar,
    np.round, np.around, np.fix, np.gcd, np.lcm,
)
