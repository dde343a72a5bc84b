"""Rules of statistics.py (median, quantiles, nan-reductions), signal.py (convolve, correlate) and
multi_output.py (modf, divmod, frexp) against central finite differences, plus their conventions
checked exactly."""

import numpy as np
import pytest

import sciad
from rule_table import Case, rule_tests
from test_engine_doc_pages import _agrees, _shown_and_real
from sciad.engine.registry import FUNCTION_RULES
from sciad.engine.rules import multi_output, signal, statistics

rng = np.random.default_rng(11)
X = rng.uniform(0.5, 1.5, (3, 4))            # distinct values: no ties unless a test wants them
X3 = rng.uniform(0.5, 1.5, (2, 3, 2))
X5 = rng.uniform(0.5, 1.5, 5)
WITH_NAN = X.copy()
WITH_NAN[0, 1] = WITH_NAN[2, 3] = np.nan
WITH_NAN3 = X3.copy()
WITH_NAN3[1, 0, 1] = WITH_NAN3[0, 2, 0] = np.nan
A, V = rng.normal(size=6), rng.normal(size=3)
WIDE = rng.uniform(-6.0, 6.0, (3, 4))          # several integer parts and signs
DIVISOR = np.array([0.7, -1.3, 2.1, -0.45])
W4 = rng.uniform(0.5, 1.5, 4)
FREQUENCIES = np.array([1, 3, 2, 1])
COORDINATES = np.cumsum(rng.uniform(0.3, 1.0, 6))   # uneven sample points
NON_FINITE = np.array([1.2, np.nan, np.inf, -0.4, -np.inf])
PHASES = np.angle(np.exp(1j * np.cumsum(rng.uniform(0.5, 2.5, 8))))   # wrapped into (-pi, pi]
PHASES2 = np.remainder(np.cumsum(rng.uniform(0.5, 1.5, (6, 2)), axis=0), 4.0) - 2.0


def _call(ufunc, *args):
    """A multi-output ufunc applied through its rule (the way Tensor dispatch will reach it)."""
    return FUNCTION_RULES[ufunc](args, {})


def _axis_variants(func, *extra):
    """axis None, int, negative, tuple, keepdims: the variants every reduction must take."""
    return [
        Case(func, "axis=None", lambda x: func(x, *extra), (X,)),
        Case(func, "axis=0", lambda x: func(x, *extra, axis=0), (X,)),
        Case(func, "axis=-1,keepdims", lambda x: func(x, *extra, axis=-1, keepdims=True), (X,)),
        Case(func, "axis=(0,2)", lambda x: func(x, *extra, axis=(0, 2)), (X3,)),
        Case(func, "axis=(-1,0),keepdims",
             lambda x: func(x, *extra, axis=(-1, 0), keepdims=True), (X3,)),
    ]


def _nan_variants(func, *extra):
    return [
        Case(func, "nan,axis=None", lambda x: func(x, *extra), (WITH_NAN,)),
        Case(func, "nan,axis=1", lambda x: func(x, *extra, axis=1), (WITH_NAN,)),
        Case(func, "nan,axis=(0,-1),keepdims",
             lambda x: func(x, *extra, axis=(0, -1), keepdims=True), (WITH_NAN3,)),
    ]


CASES = [
    *_axis_variants(np.median),
    Case(np.median, "odd count", lambda x: np.median(x), (X5,)),
    *_axis_variants(np.quantile, 0.3),
    Case(np.quantile, "q array,axis=1", lambda x: np.quantile(x, [0.0, 0.25, 0.9, 1.0], axis=1),
         (X,)),
    Case(np.quantile, "q 2-D,axis=(0,1),keepdims",
         lambda x: np.quantile(x, [[0.1], [0.65]], axis=(0, 1), keepdims=True), (X3,)),
    *[Case(np.quantile, f"method={method}", lambda x, m=method: np.quantile(x, 0.37, axis=-1,
                                                                            method=m), (X,))
      for method in ("lower", "higher", "nearest", "midpoint", "hazen", "weibull",
                     "median_unbiased", "inverted_cdf")],
    Case(np.quantile, "traced q", lambda x, q: np.quantile(x, q, axis=1),
         (X, np.array([0.23, 0.61]))),
    Case(np.quantile, "traced q,method=nearest",
         lambda x, q: np.quantile(x, q, axis=0, method="nearest"), (X, 0.4)),
    Case(np.percentile, "traced q,keepdims",
         lambda x, q: np.percentile(x, q, axis=(0, 2), keepdims=True), (X3, 37.0)),
    Case(np.nanquantile, "traced q", lambda x, q: np.nanquantile(x, q, axis=1),
         (WITH_NAN, np.array([0.3, 0.8]))),
    *_axis_variants(np.percentile, 70.0),
    Case(np.percentile, "q array,method=midpoint",
         lambda x: np.percentile(x, [10.0, 55.0], axis=0, method="midpoint"), (X,)),
    *_nan_variants(np.nanmedian),
    *_nan_variants(np.nanquantile, [0.2, 0.8]),
    *_nan_variants(np.nanpercentile, 40.0),
    Case(np.nanquantile, "no nan,axis=0", lambda x: np.nanquantile(x, 0.5, axis=0), (X,)),
    *_nan_variants(np.nanmax),
    *_nan_variants(np.nanmin),
    *_nan_variants(np.nanprod),
    Case(np.nanprod, "initial", lambda x: np.nanprod(x, axis=0, initial=1.5), (WITH_NAN,)),
    *_nan_variants(np.nanvar),
    Case(np.nanvar, "ddof=1", lambda x: np.nanvar(x, axis=1, ddof=1), (WITH_NAN,)),
    Case(np.nanvar, "no nan", lambda x: np.nanvar(x, axis=(0, 2)), (X3,)),
    *_nan_variants(np.nanstd),
    Case(np.nanstd, "correction=1", lambda x: np.nanstd(x, axis=0, correction=1), (WITH_NAN,)),
    Case(np.nancumsum, "axis=None", lambda x: np.nancumsum(x), (WITH_NAN,)),
    Case(np.nancumsum, "axis=-1", lambda x: np.nancumsum(x, axis=-1), (WITH_NAN3,)),
    Case(np.nancumprod, "axis=None", lambda x: np.nancumprod(x), (WITH_NAN,)),
    Case(np.nancumprod, "axis=1", lambda x: np.nancumprod(x, axis=1), (WITH_NAN,)),
    *[Case(func, f"{mode},{order}", lambda a, v, f=func, m=mode: f(a, v, m), args)
      for func in (np.convolve, np.correlate) for mode in ("full", "same", "valid")
      for order, args in (("a longer", (A, V)), ("v longer", (V[:2], A[:5])),
                          ("equal", (A[:3], V)))],
    Case(np.convolve, "default mode,scalar v", lambda a, v: np.convolve(a, v), (A, 0.7)),
    Case(np.correlate, "default mode", lambda a, v: np.correlate(a, v), (A, V)),
    Case(np.cov, "rows", lambda x: np.cov(x), (X,)),
    Case(np.cov, "columns,bias", lambda x: np.cov(x, rowvar=False, bias=True), (X,)),
    Case(np.cov, "1-D and y,ddof=2", lambda x, y: np.cov(x, y, ddof=2), (X5, X5[::-1] ** 2)),
    Case(np.cov, "fweights,aweights", lambda x, w: np.cov(x, fweights=FREQUENCIES, aweights=w),
         (X, W4)),
    Case(np.corrcoef, "rows", lambda x: np.corrcoef(x), (X3[0],)),
    Case(np.corrcoef, "x and y,columns", lambda x, y: np.corrcoef(x, y, rowvar=False), (X, X5[:3])),
    Case(np.gradient, "1-D", lambda f: np.gradient(f), (A,)),
    Case(np.gradient, "spacing,edge_order=2", lambda f, h: np.gradient(f, h, edge_order=2),
         (A, 0.4)),
    Case(np.gradient, "coordinates", lambda f, x: np.gradient(f, x), (A, COORDINATES)),
    Case(np.gradient, "coordinates,edge_order=2",
         lambda f, x: np.gradient(f, x, edge_order=2), (A, COORDINATES)),
    Case(np.gradient, "2-D, both axes", lambda f: np.stack(np.gradient(f, 0.5, 2.0)), (X,)),
    Case(np.gradient, "axis=-1,coordinates", lambda f, x: np.gradient(f, x, axis=-1),
         (X, COORDINATES[:4])),
    Case(np.ediff1d, "2-D", lambda x: np.ediff1d(x), (X,)),
    Case(np.ediff1d, "to_begin,to_end", lambda x, e: np.ediff1d(x, to_end=e, to_begin=e[:1]),
         (X5, V)),
    Case(np.nan_to_num, "defaults,nan only", lambda x: np.nan_to_num(x), (WITH_NAN,)),
    Case(np.nan_to_num, "given values", lambda x: np.nan_to_num(x, nan=1.5, posinf=4.0,
                                                                 neginf=-4.0), (NON_FINITE,)),
    Case(np.nan_to_num, "traced replacement", lambda x, v: np.nan_to_num(x, nan=v, posinf=v * 2,
                                                                         neginf=-v), (NON_FINITE, 0.7)),
    Case(np.polyadd, "lengths 6 and 3", lambda a, b: np.polyadd(a, b), (A, V)),
    Case(np.polysub, "lengths 3 and 6", lambda a, b: np.polysub(a, b), (V, A)),
    Case(np.polymul, "lengths 6 and 3", lambda a, b: np.polymul(a, b), (A, V)),
    Case(np.polyder, "m=2", lambda p: np.polyder(p, 2), (A,)),
    Case(np.polyint, "m=2,k", lambda p, k: np.polyint(p, 2, k), (A, V[:2])),
    Case(np.polyint, "scalar k", lambda p, k: np.polyint(p, 3, k), (V, 0.4)),
    Case(np.vander, "N=4", lambda x: np.vander(x, 4), (X5,)),
    Case(np.vander, "increasing", lambda x: np.vander(x, increasing=True), (V,)),
    Case(np.polyfit, "deg 2", lambda x, y: np.polyfit(x, y, 2), (COORDINATES, A)),
    Case(np.polyfit, "weights, 2-D y", lambda x, y, w: np.polyfit(x, y, 2, w=w),
         (COORDINATES, np.stack([A, A[::-1] ** 2], axis=1), COORDINATES[::-1])),
    Case(np.poly, "roots", lambda r: np.poly(r), (X5,)),
    Case(np.unwrap, "phases", lambda p: np.unwrap(p), (PHASES,)),
    Case(np.unwrap, "period,axis=0", lambda p: np.unwrap(p, period=4.0, axis=0), (PHASES2,)),
    Case(np.modf, "fractional", lambda x: _call(np.modf, x)[0], (WIDE,)),
    Case(np.modf, "both parts", lambda x: _call(np.modf, x)[0] ** 2 * _call(np.modf, x)[1],
         (WIDE,)),
    Case(np.divmod, "remainder", lambda x, y: _call(np.divmod, x, y)[1], (WIDE, DIVISOR)),
    Case(np.divmod, "both, broadcast", lambda x, y: _call(np.divmod, x, y)[1] ** 2
         + _call(np.divmod, x, y)[0], (WIDE, DIVISOR[:1])),
    Case(np.frexp, "mantissa", lambda x: _call(np.frexp, x)[0] ** 2, (WIDE,)),
]


test_row, test_every_registered_function_has_a_row = rule_tests(
    CASES, statistics.REGISTERED + signal.REGISTERED + multi_output.REGISTERED)


# --- values: the same as NumPy's ------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: np.median(x, axis=(0, 2), keepdims=True),
    lambda x: np.quantile(x, [0.1, 0.5], axis=-1, method="hazen"),
    lambda x: np.nanpercentile(x, 30.0, axis=1),
    lambda x: np.nanvar(x, axis=1, ddof=1, keepdims=True),
    lambda x: np.nanstd(x),
    lambda x: np.nanprod(x, axis=-1),
    lambda x: np.nanmin(x, axis=2),
    lambda x: np.nancumsum(x, axis=1),
])
def test_values_match_numpy(call):
    out, _ = sciad.vjp(call, WITH_NAN3)
    np.testing.assert_allclose(out, call(WITH_NAN3), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("call", [
    lambda x: np.cov(x, aweights=W4, ddof=1),
    lambda x: np.cov(x[0], x[1], bias=True),
    lambda x: np.corrcoef(x, rowvar=False),
    lambda x: np.gradient(x, 0.5, COORDINATES[:4], edge_order=2)[1],
    lambda x: np.gradient(x[1], COORDINATES[:4]),
    lambda x: np.ediff1d(x, to_begin=[0.5]),
])
def test_cov_gradient_values_match_numpy(call):
    out, _ = sciad.vjp(call, X)
    np.testing.assert_allclose(out, call(X), rtol=1e-13, atol=1e-15)


def test_convolution_values_match_numpy():
    for a, v in ((A, V), (V[:2], A)):
        for mode in ("full", "same", "valid"):
            for func in (np.convolve, np.correlate):
                out, _ = sciad.vjp(lambda a: func(a, v, mode), a)
                np.testing.assert_allclose(out, func(a, v, mode), rtol=1e-13, atol=1e-15)


# --- conventions, checked exactly ------------------------------------------------------------
def test_median_of_even_count_splits_between_the_middle_entries():
    np.testing.assert_array_equal(sciad.grad(np.median)(np.array([4.0, 1.0, 3.0, 2.0])),
                                  [0.0, 0.0, 0.5, 0.5])


@pytest.mark.parametrize("x, expected", [
    ([1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),              # the median value is held twice
    ([2.0, 2.0, 2.0, 2.0], [0.25, 0.25, 0.25, 0.25]),
    ([5.0, 1.0, 1.0, 1.0], [0.0, 1 / 3, 1 / 3, 1 / 3]),
])
def test_ties_split_evenly_as_for_max(x, expected):
    np.testing.assert_allclose(sciad.grad(np.median)(np.array(x)), expected, rtol=1e-15)


def test_quantile_weights_closed_form():
    # linear method, n = 5: q = 0.3 sits at 1.2 -> 0.8 s[1] + 0.2 s[2]
    x = np.array([9.0, 1.0, 5.0, 3.0, 7.0])       # sorted: 1 3 5 7 9
    np.testing.assert_allclose(sciad.grad(lambda x: np.quantile(x, 0.3))(x),
                               [0.0, 0.0, 0.2, 0.8, 0.0])
    np.testing.assert_allclose(sciad.grad(lambda x: np.percentile(x, 100.0))(x),
                               [1.0, 0.0, 0.0, 0.0, 0.0])


def test_nan_in_slice_takes_the_cotangent_and_nan_versions_skip_it():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.median(x, axis=1)))(x),
                                  [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.nanmedian(x, axis=1)))(x),
                                  [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
def test_all_nan_slice_gives_nan_value_and_zero_gradient():
    x = np.array([[np.nan, np.nan], [1.0, 2.0]])
    for func in (np.nanmedian, np.nanvar):
        with pytest.warns(RuntimeWarning):
            value = func(x, axis=1)
        assert np.isnan(value[0])
        grad = sciad.grad(lambda x: np.nansum(func(x, axis=1)))(x)
        np.testing.assert_array_equal(grad[0], [0.0, 0.0])


def test_nanstd_of_constant_has_zero_gradient():
    x = np.array([2.0, np.nan, 2.0])
    np.testing.assert_array_equal(sciad.grad(np.nanstd)(x), [0.0, 0.0, 0.0])


def test_modf_divmod_frexp_closed_forms():
    x = np.array([-2.75, 0.5, 3.25])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(_call(np.modf, x)[0]))(x), 1.0)
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(_call(np.modf, x)[1]))(x), 0.0)
    y = np.array([1.5, -2.0, 2.0])
    quotient = np.floor_divide(x, y)
    dx, dy = sciad.grad(lambda x, y: np.sum(_call(np.divmod, x, y)[1]), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, 1.0)
    np.testing.assert_array_equal(dy, -quotient)
    mantissa, exponent = _call(np.frexp, x)
    assert isinstance(exponent, np.ndarray) and exponent.dtype.kind == "i"
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(_call(np.frexp, x)[0]))(x),
                                  2.0 ** -np.frexp(x)[1])
    # m * 2**e rebuilds x, so its derivative is exactly 1
    np.testing.assert_array_equal(
        sciad.grad(lambda x: np.sum(np.ldexp(*_call(np.frexp, x))))(x), 1.0)


def test_multi_output_ufuncs_dispatch_from_numpy():
    x = np.array([-2.75, 0.5, 3.25])
    y = np.array([2.0, -0.75, 1.5])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.modf(x)[0]))(x), 1.0)
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.modf(x)[1]))(x), 0.0)
    dx, dy = sciad.grad(lambda x, y: np.sum(divmod(x, y)[1]), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, 1.0)
    np.testing.assert_array_equal(dy, -np.floor_divide(x, y))
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(divmod(3.0, x)[1]))(y),
                                  -np.floor_divide(3.0, y))
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.frexp(x)[0]))(x),
                                  2.0 ** -np.frexp(x)[1])
    sciad.check_grads(lambda x: np.sum(np.modf(x)[0] ** 3), (x,), order=2)


@pytest.mark.parametrize("call, message", [
    (lambda x: np.quantile(x, 0.5, weights=np.ones(4), method="inverted_cdf"), "weights="),
    (lambda x: np.nanvar(x, where=np.ones(4, bool)), "where="),
    (lambda x: np.convolve(np.outer(x, x), x), "too deep"),
])
def test_unsupported_options_raise_clearly(call, message):
    with pytest.raises((NotImplementedError, ValueError), match=message):
        sciad.grad(lambda x: np.sum(call(x)))(X5[:4])


def test_quantile_in_q_closed_form_and_step_methods():
    x = np.array([9.0, 1.0, 5.0, 3.0, 7.0])       # sorted: 1 3 5 7 9, spacing 2
    # linear: Q = s_lo + (4 q - lo)(s_hi - s_lo), so dQ/dq = 4 * 2
    assert sciad.grad(lambda q: np.quantile(x, q))(0.3) == pytest.approx(8.0, rel=1e-14)
    assert sciad.grad(lambda q: np.percentile(x, q))(30.0) == pytest.approx(0.08, rel=1e-14)
    tied = np.array([3.0, 7.0, 1.0, 3.0])         # sorted: 1 3 3 7 (the tie takes the dense path)
    assert sciad.grad(lambda q: np.quantile(tied, q))(0.4) == 0.0
    assert sciad.grad(lambda q: np.quantile(tied, q))(0.8) == pytest.approx(12.0, rel=1e-14)
    for method in ("lower", "nearest", "midpoint", "inverted_cdf"):
        assert sciad.grad(lambda q: np.quantile(x, q, method=method))(0.3) == 0.0
    with pytest.raises(sciad.NotDifferentiableError, match="only for method='linear'"):
        sciad.grad(lambda q: np.quantile(x, q, method="hazen"))(0.3)


def test_page_examples_show_their_real_output():
    examples = _shown_and_real("statistics_and_signal.md")
    assert sum(1 for _, shown, _ in examples if shown) >= 8
    for source, shown, real in examples:
        assert _agrees(shown, real), f"{source}\nshows {shown!r}\nbut gives {real!r}"
