"""Elementwise rules (NumPy ufuncs and scipy.special), table-driven.

Every function that :mod:`sciad.engine.rules.ufuncs` or :mod:`sciad.engine.rules.special`
registers needs a row in ``CASES``: ``test_every_registered_rule_has_a_row`` re-imports the two
modules into empty tables and fails on any function without one. Each row is checked against
central finite differences (first and, for smooth functions, second order), with broadcasting
between arguments of different shapes, and with float32 inputs (float32 gradients).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import scipy.special as sc
from scipy.special import _ufuncs

import sciad
from sciad.engine import registry
from sciad.engine.rules import special, ufuncs


# --- input domains: each draws values where the function is smooth --------------------------
def real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def unit(rng, shape):  # inside (-1, 1): arcsin, arctanh, erfinv
    return rng.uniform(-0.9, 0.9, shape)


def probability(rng, shape):  # inside (0, 1): logit, ndtri, erfcinv - 1
    return rng.uniform(0.1, 0.9, shape)


def above_one(rng, shape):  # arccosh
    return rng.uniform(1.2, 3.0, shape)


def nonzero(rng, shape):  # away from the kinks of abs, sign, copysign
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)


def negative(rng, shape):  # ndtri_exp takes log-probabilities
    return rng.uniform(-3.0, -0.2, shape)


def below(rng, shape):  # clip's lower bound, mostly inside real()'s range
    return rng.uniform(-1.5, -0.5, shape)


def above(rng, shape):  # clip's upper bound
    return rng.uniform(0.5, 1.5, shape)


def erfc_range(rng, shape):  # erfcinv's domain (0, 2)
    return rng.uniform(0.2, 1.8, shape)


@dataclass(frozen=True)
class Fixed:
    """An argument held constant (an order, a condition): it is not differentiated."""

    value: object


class NoDerivative(Fixed):
    """An argument the rule has no derivative for (an order): differentiating must raise."""


@dataclass
class Case:
    func: Callable
    domains: tuple
    order: int = 2
    call: Callable | None = None   # how to call func, when not func(*args)
    f32_rtol: float = 2e-3
    ids: str = field(default="")

    def __post_init__(self):
        self.call = self.call or self.func
        self.ids = self.ids or getattr(self.func, "__name__", str(self.func))


def case(func, *domains, **options) -> Case:
    return Case(func, domains, **options)


INTERP_XP = np.array([-1.2, 0.1, 1.3])  # sample points, with x drawn on both sides of them
ORDERS = NoDerivative(np.array([0.0, 1.0, 2.5]))  # Bessel orders, broadcast against (2, 3)

CASES = [
    # arithmetic
    case(np.add, real, real),
    case(np.subtract, real, real),
    case(np.multiply, real, real),
    case(np.true_divide, real, nonzero),
    case(np.negative, real),
    case(np.positive, real),
    case(np.reciprocal, nonzero),
    case(np.square, real),
    case(np.sqrt, positive),
    case(np.cbrt, nonzero),
    case(np.power, positive, real),
    case(np.float_power, positive, real),
    case(np.absolute, nonzero),
    case(np.fabs, nonzero),
    case(np.remainder, positive, positive),
    case(np.fmod, real, positive),
    case(np.copysign, nonzero, nonzero),
    case(np.ldexp, real, Fixed(np.array([-1, 0, 3]))),  # integer exponents
    # exponentials and logarithms
    case(np.exp, real),
    case(np.exp2, real),
    case(np.expm1, real),
    case(np.log, positive),
    case(np.log2, positive),
    case(np.log10, positive),
    case(np.log1p, positive),
    case(np.logaddexp, real, real),
    case(np.logaddexp2, real, real),
    # trigonometric and hyperbolic
    case(np.sin, real),
    case(np.cos, real),
    case(np.tan, unit),
    case(np.arcsin, unit),
    case(np.arccos, unit),
    case(np.arctan, real),
    case(np.arctan2, nonzero, nonzero),
    case(np.hypot, nonzero, nonzero),
    case(np.sinh, real),
    case(np.cosh, real),
    case(np.tanh, real),
    case(np.arcsinh, real),
    case(np.arccosh, above_one),
    case(np.arctanh, unit),
    case(np.deg2rad, real),
    case(np.radians, real),
    case(np.rad2deg, real),
    case(np.degrees, real),
    case(np.maximum, real, real),
    case(np.minimum, real, real),
    case(np.fmax, real, real),
    case(np.fmin, real, real),
    # complex parts and non-ufunc elementwise functions, on real inputs here (complex below)
    case(np.conjugate, real),
    case(np.real, real),
    case(np.imag, real),
    case(np.angle, nonzero),
    case(np.sinc, real),
    case(np.i0, real),
    case(np.where, Fixed(np.array([True, False, True])), real, real),
    case(np.interp, real, real, call=lambda x, fp: np.interp(x, INTERP_XP, fp)),
    case(np.polyval, real, real, call=lambda x, p: np.polyval(p, x)),
    case(np.clip, real, below, above),
    # scipy.special: normal distribution and error functions
    case(sc.ndtr, real),
    case(sc.log_ndtr, real),
    case(sc.ndtri, probability),
    case(sc.ndtri_exp, negative),
    case(sc.erf, real),
    case(sc.erfc, real),
    case(sc.erfcx, real),
    case(sc.erfi, real),
    case(sc.erfinv, unit),
    case(sc.erfcinv, erfc_range),
    case(sc.dawsn, real),
    case(sc.expit, real),
    case(sc.logit, probability),
    case(sc.log_expit, real),
    # gamma, beta, zeta
    case(sc.gamma, positive),
    case(sc.gammaln, positive),
    case(sc.loggamma, positive),
    case(sc.rgamma, positive),
    case(sc.digamma, positive),
    case(_ufuncs._zeta, NoDerivative(np.array([2.0, 3.0, 4.5])), positive, call=sc.zeta,
         ids="zeta"),
    case(_ufuncs._riemann_zeta, NoDerivative(np.array([2.0, 3.0])), call=sc.zeta,
         ids="riemann_zeta"),
    case(sc.betaln, positive, positive),
    case(sc.beta, positive, positive),
    case(sc.gammainc, NoDerivative(np.array([0.5, 1.0, 3.0])), positive),
    case(sc.gammaincc, NoDerivative(np.array([0.5, 1.0, 3.0])), positive),
    # x log y, entropies, exponential integrals
    case(sc.xlogy, real, positive),
    case(sc.xlog1py, real, positive),
    case(sc.entr, positive),
    case(sc.rel_entr, positive, positive),
    case(sc.kl_div, positive, positive),
    case(sc.exp1, positive),
    case(sc.expi, positive),
    case(sc.expm1, real),
    case(sc.log1p, positive),
    case(sc.cosm1, real),
    # Bessel functions
    case(sc.jv, ORDERS, positive),
    case(sc.yv, ORDERS, positive),
    case(sc.iv, ORDERS, positive),  # a negative x needs an integer order
    case(sc.kv, ORDERS, positive),
    case(sc.ive, ORDERS, positive),
    case(sc.kve, ORDERS, positive),
    case(sc.j0, real),
    case(sc.j1, real),
    case(sc.y0, positive),
    case(sc.y1, positive),
    case(sc.i0, real),
    case(sc.i1, real),
    case(sc.i0e, nonzero),
    case(sc.i1e, nonzero),
    case(sc.k0, positive),
    case(sc.k1, positive),
    case(sc.k0e, positive),
    case(sc.k1e, positive),
    case(sc.boxcox, positive, real),
    case(sc.boxcox1p, positive, real),
]


def _shapes(count):
    """Shapes of the differentiated arguments: they broadcast against each other."""
    return {1: [(2, 3)], 2: [(2, 1), (3,)], 3: [(2, 3), (3,), (2, 1)]}[count]


def _draw(row: Case, rng):
    """(differentiated arguments, function of them) for one row."""
    traced = [d for d in row.domains if not isinstance(d, Fixed)]
    shapes = iter(_shapes(len(traced)))
    values = [None if isinstance(d, Fixed) else d(rng, next(shapes)) for d in row.domains]

    def fun(*xs):
        it = iter(xs)
        return row.call(*[d.value if isinstance(d, Fixed) else next(it) for d in row.domains])

    return [v for v in values if v is not None], fun


DIFFERENTIABLE = [row for row in CASES
                  if any(not isinstance(d, Fixed) for d in row.domains)]
WITHOUT_DERIVATIVE = [(row, i) for row in CASES for i, d in enumerate(row.domains)
                      if isinstance(d, NoDerivative)]


@pytest.mark.parametrize("row", DIFFERENTIABLE, ids=lambda row: row.ids)
def test_rule_matches_finite_differences(row):
    args, fun = _draw(row, np.random.default_rng(0))
    # finite differences skip nan entries: the domain must keep every value finite
    assert np.all(np.isfinite(fun(*args))), f"{row.ids}: the input domain gives non-finite values"
    sciad.check_grads(fun, args, order=row.order, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("row", DIFFERENTIABLE, ids=lambda row: row.ids)
def test_float32_inputs_get_float32_gradients(row):
    args, fun = _draw(row, np.random.default_rng(1))
    weights = np.random.default_rng(2).uniform(0.5, 1.5, np.shape(fun(*args)))
    expected = sciad.grad(lambda *xs: np.sum(fun(*xs) * weights), tuple(range(len(args))))(*args)
    # the object API hands back the raw cotangent, so a float64 rule output would show here
    leaves = [sciad.tensor(a.astype(np.float32), requires_grad=True) for a in args]
    np.sum(fun(*leaves) * weights.astype(np.float32)).backward()
    for leaf, reference in zip(leaves, expected):
        assert leaf.grad.dtype == np.float32
        np.testing.assert_allclose(leaf.grad, reference, rtol=row.f32_rtol, atol=1e-4)


@pytest.mark.parametrize("row", DIFFERENTIABLE, ids=lambda row: row.ids)
def test_jvp_differentiates_the_rule_in_its_cotangent(row):
    # sciad.jvp transposes the vjp, so every rule must itself be differentiable in g
    args, fun = _draw(row, np.random.default_rng(0))
    tangents = [np.random.default_rng(5).normal(size=np.shape(a)) for a in args]
    _, tangent_out = sciad.jvp(fun, args, tangents)
    step = 1e-6
    forward = fun(*[a + step * t for a, t in zip(args, tangents)])
    backward = fun(*[a - step * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(tangent_out, (forward - backward) / (2 * step), rtol=1e-5,
                               atol=1e-6)


def _registered_by(module) -> set:
    """The functions ``module`` registers: re-import it into empty rule tables."""
    saved = registry.UFUNC_RULES, registry.FUNCTION_RULES
    registry.UFUNC_RULES, registry.FUNCTION_RULES = {}, {}
    try:
        importlib.reload(module)
        return set(registry.UFUNC_RULES) | set(registry.FUNCTION_RULES)
    finally:
        registry.UFUNC_RULES, registry.FUNCTION_RULES = saved


def test_every_registered_rule_has_a_row():
    registered = _registered_by(ufuncs) | _registered_by(special)
    untested = {registry.function_name(f) for f in registered - {row.func for row in CASES}}
    assert not untested, f"rules without a row in CASES: {sorted(untested)}"


# --- zero-derivative functions ---------------------------------------------------------------
@pytest.mark.parametrize("func", [np.sign, np.floor, np.ceil, np.trunc, np.rint, np.round,
                                  np.fix, np.spacing, lambda x: np.heaviside(x, 0.5)])
def test_piecewise_constant_functions_have_zero_derivative(func):
    x = np.array([-1.7, -0.2, 0.4, 2.6])
    # d/dx [f(x) * x] = f(x) when f' = 0
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(func(x) * x))(x), func(x))


# --- conventions at kinks, exactly -----------------------------------------------------------
def test_abs_fabs_hypot_have_zero_derivative_at_zero():
    assert sciad.grad(np.abs)(0.0) == 0.0
    assert sciad.grad(np.fabs)(0.0) == 0.0
    assert sciad.grad(np.abs)(0j) == 0.0
    assert sciad.grad(np.hypot, (0, 1))(0.0, 0.0) == (0.0, 0.0)


@pytest.mark.parametrize("func", [np.maximum, np.minimum, np.fmax, np.fmin])
def test_ties_split_the_cotangent_evenly(func):
    assert sciad.grad(func, (0, 1))(1.5, 1.5) == (0.5, 0.5)


def test_maximum_off_ties_and_fmax_skip_nan():
    assert sciad.grad(np.maximum, (0, 1))(2.0, 1.0) == (1.0, 0.0)
    assert sciad.grad(np.minimum, (0, 1))(2.0, 1.0) == (0.0, 1.0)
    assert sciad.grad(np.fmax, (0, 1))(2.0, np.nan) == (1.0, 0.0)
    assert sciad.grad(np.fmin, (0, 1))(np.nan, 2.0) == (0.0, 1.0)


def test_clip_edges_belong_to_x():
    x = np.array([-2.0, -1.0, 0.3, 1.0, 4.0])
    gx, glow, ghigh = sciad.grad(lambda x, lo, hi: np.sum(np.clip(x, lo, hi)), (0, 1, 2))(
        x, -1.0, 1.0)
    np.testing.assert_array_equal(gx, [0.0, 1.0, 1.0, 1.0, 0.0])
    assert (glow, ghigh) == (1.0, 1.0)  # one element below, one above
    # keyword bounds and one-sided clipping
    g = sciad.grad(lambda x, lo: np.sum(np.clip(x, min=lo)), (0, 1))(x, 0.0)
    np.testing.assert_array_equal(g[0], [0.0, 0.0, 1.0, 1.0, 1.0])
    assert g[1] == 2.0
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(x.clip(None, 1.0)))(x),
                                  [1.0, 1.0, 1.0, 1.0, 0.0])


def test_where_selects_and_its_one_argument_form_gives_indices():
    x = np.array([0.0, 1.5, -2.0])
    # sum(x[nonzero]) + sum(where(x > 0, x, 0)): gradients [0, 1, 1] + [0, 1, 0]
    g = sciad.grad(lambda x: np.sum(x[np.where(x)[0]]) + np.sum(np.where(x > 0, x, 0.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 2.0, 1.0])


def test_interp_slopes_at_knots_and_outside():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([1.0, 3.0, 2.0])
    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    # at a knot the segment to the right counts, at the last knot the last segment; outside, 0
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.interp(x, xp, fp)))(x),
                                  [0.0, 2.0, -0.5, -0.5, -0.5, 0.0])
    # d/dfp: hat-function weights; fp[0] and fp[-1] also get the points outside
    np.testing.assert_allclose(sciad.grad(lambda fp: np.sum(np.interp(x, xp, fp)))(fp),
                               [2.0, 1.5, 2.5])
    # explicit left/right values take the outside points instead (positional or keyword)
    g = sciad.grad(lambda fp, lo, hi: np.sum(np.interp(x, xp, fp, lo, right=hi)), (0, 1, 2))(
        fp, -5.0, 5.0)
    np.testing.assert_allclose(g[0], [1.0, 1.5, 1.5])
    assert g[1:] == (1.0, 1.0)
    with pytest.raises(sciad.NotDifferentiableError, match="sample points xp"):
        sciad.grad(lambda xp: np.sum(np.interp(x, xp, fp)))(xp)


def test_sqrt_and_cbrt_are_infinitely_steep_at_zero():
    with np.errstate(divide="ignore"):
        assert sciad.grad(np.sqrt)(0.0) == np.inf
        assert sciad.grad(np.cbrt)(0.0) == np.inf


def test_power_at_zero_and_negative_base():
    assert sciad.grad(lambda x: x ** 0)(0.0) == 0.0
    assert sciad.grad(lambda x: x ** 2)(0.0) == 0.0
    assert sciad.grad(np.power, (0, 1))(0.0, np.float64(0.0)) == (0.0, 0.0)
    assert sciad.grad(lambda y: 0.0 ** y)(2.0) == 0.0
    assert sciad.grad(lambda x: x ** 3)(-2.0) == pytest.approx(12.0)
    # d/dy (-2)**y is not real: nan, never a silent 0
    assert np.isnan(sciad.grad(lambda y: (-2.0) ** y)(3.0))


def test_sinc_derivatives_at_zero_from_its_series():
    # sinc(x) = 1 - (pi x)^2/6 + (pi x)^4/120 - ...: sinc'(0) = 0, sinc''(0) = -pi^2/3
    assert sciad.grad(np.sinc)(0.0) == 0.0
    assert sciad.grad(sciad.grad(np.sinc))(0.0) == pytest.approx(-np.pi ** 2 / 3, rel=1e-12)
    x = np.array([-3e-4, 2e-3, 0.7])
    sciad.check_grads(np.sinc, (x,), order=2)


def test_xlogy_convention_at_zero():
    # xlogy(0, y) = 0 for all y: d/dy = 0; d/dx = log y
    gx, gy = sciad.grad(sc.xlogy, (0, 1))(0.0, 0.5)
    assert gx == pytest.approx(np.log(0.5)) and gy == 0.0
    # the mixed derivative d^2/dx dy = 1/y holds at x = 0 too
    assert sciad.grad(lambda x: sciad.grad(sc.xlogy, 1)(x, 0.5))(0.0) == pytest.approx(2.0)


# --- complex inputs: cotangent(z) = dL/dRe z + i dL/dIm z ---------------------------------------
HOLOMORPHIC_AND_PARTS = [np.exp, np.log, np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh,
                         np.sqrt, np.square, np.reciprocal, np.expm1, np.log1p, np.log10,
                         np.arcsin, np.arccos, np.arctan, np.arcsinh, np.arccosh, np.arctanh,
                         np.log2, np.negative, np.exp2, np.cosh, np.positive,
                         lambda z: z ** 3, lambda z: z ** 0.5, lambda z: 1.5 ** z, lambda z: z ** (0.5 * z),
                         lambda z: z / (2.0 - 1.0j * z), np.abs, np.real, np.imag, np.conj,
                         np.angle, lambda z: np.angle(z, deg=True), sc.erf, sc.gamma,
                         sc.loggamma, sc.expm1]


@pytest.mark.parametrize("func", HOLOMORPHIC_AND_PARTS)
def test_complex_cotangent_convention(func):
    rng = np.random.default_rng(3)
    # both half planes: branches of sqrt, arccosh ... differ there
    z = np.array([1.0, -1.0, -1.0]) * rng.uniform(0.2, 0.8, 3) + 1j * rng.uniform(-0.6, 0.6, 3)
    a, b = rng.normal(size=3), rng.normal(size=3)

    def loss(z):
        w = func(z) + 0j
        return np.sum(a * np.real(w) + b * np.imag(w))

    def loss_of_parts(parts):
        return loss(parts[0] + 1j * parts[1])

    expected = sciad.numerical_jacobian(loss_of_parts, np.stack([z.real, z.imag]))
    np.testing.assert_allclose(sciad.grad(loss)(z), expected[0] + 1j * expected[1],
                               rtol=1e-6, atol=1e-8)


# --- arguments without a derivative, and stable tails -------------------------------------------
@pytest.mark.parametrize("row, argnum", WITHOUT_DERIVATIVE,
                         ids=[f"{row.ids}-{i}" for row, i in WITHOUT_DERIVATIVE])
def test_arguments_without_derivative_raise(row, argnum):
    # an order or a gammainc shape parameter traced: an error, never a silent zero
    args = [d.value if isinstance(d, Fixed) else d(np.random.default_rng(4), (3,))
            for d in row.domains]
    with pytest.raises(sciad.NotDifferentiableError, match=f"argument {argnum}"):
        sciad.grad(lambda *xs: np.sum(row.call(*xs)), argnum)(*args)


def test_log_ndtr_derivative_in_the_far_tails():
    # Mills ratio, x -> -inf: Phi(x)/phi(x) = 1/|x| (1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8 ...)
    x = np.array([-40.0, -200.0, -1e4])
    mills = (1 - x ** -2.0 + 3 * x ** -4.0 - 15 * x ** -6.0 + 105 * x ** -8.0) / np.abs(x)
    g = sciad.grad(lambda x: np.sum(sc.log_ndtr(x)))(x)
    np.testing.assert_allclose(g, 1.0 / mills, rtol=1e-10)
    # right tail: d log Phi/dx = phi(x)/Phi(x) -> phi(x)
    np.testing.assert_allclose(sciad.grad(sc.log_ndtr)(10.0),
                               np.exp(-50.0) / np.sqrt(2 * np.pi), rtol=1e-10)


def test_erfcx_derivative_for_large_x_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    for x in (10.0, 49.0, 51.0, 1e3, 1e6):
        reference = mpmath.diff(lambda t: mpmath.exp(t * t) * mpmath.erfc(t), mpmath.mpf(x))
        assert sciad.grad(sc.erfcx)(x) == pytest.approx(float(reference), rel=1e-11)


def test_polygamma_through_zeta_and_softplus_compose_from_rules():
    # scipy's polygamma converts its input to an array; written with zeta it differentiates:
    # polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x), and d/dx polygamma(n, x) = polygamma(n+1, x)
    x = np.array([0.7, 2.5])
    np.testing.assert_allclose(sciad.grad(lambda x: np.sum(sc.digamma(x)))(x),
                               sc.polygamma(1, x), rtol=1e-12)
    for n in (1, 2, 3):
        polygamma = lambda x: (-1.0) ** (n + 1) * sc.factorial(n) * sc.zeta(n + 1.0, x)  # noqa
        np.testing.assert_allclose(sciad.grad(lambda x: np.sum(polygamma(x)))(x),
                                   sc.polygamma(n + 1, x), rtol=1e-10)
    third = sciad.grad(sciad.grad(sciad.grad(sc.gammaln)))
    assert third(1.7) == pytest.approx(sc.polygamma(2, 1.7), rel=1e-10)
    np.testing.assert_allclose(sciad.grad(lambda x: np.sum(sc.softplus(x)))(x), sc.expit(x),
                               rtol=1e-12)


def test_boxcox_lambda_derivative_across_zero():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40  # the closed form cancels near lmbda = 0: evaluate it in 40 digits
    x = 3.0
    # d/dl (x^l - 1)/l at l = 0 is log(x)^2 / 2
    assert sciad.grad(sc.boxcox, 1)(x, 0.0) == pytest.approx(np.log(x) ** 2 / 2, rel=1e-14)
    for lmbda in (-2e-2, -9e-3, 1e-6, 9e-3, 2e-2, 0.8):
        reference = mpmath.diff(lambda l: (mpmath.mpf(x) ** l - 1) / l, mpmath.mpf(lmbda))
        assert sciad.grad(sc.boxcox, 1)(x, lmbda) == pytest.approx(float(reference), rel=1e-12)
    mpmath.mp.dps = 15
