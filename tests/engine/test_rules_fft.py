"""numpy.fft rules against central finite differences, plus closed forms of the conventions.

Complex outputs are checked through their real and imaginary parts; complex inputs are built
from two real arrays, so the checks exercise the cotangent convention dL/dRe + i dL/dIm.
Every function under ``numpy.fft`` with a rule needs a row in ``CASES``."""

import numpy as np
import pytest

import sciad
from rule_table import Case, case_ids, check_float32_preserved, functions_without_rows
from sciad.engine.registry import FUNCTION_RULES, NONDIFFERENTIABLE, function_name

rng = np.random.default_rng(5)
FFT = np.fft
X = rng.normal(size=(3, 6))
Y = rng.normal(size=(3, 6))
X5 = rng.normal(size=(3, 5))
NORMS = (None, "ortho", "forward")


def _parts(z):
    return np.stack([np.real(z), np.imag(z)])


def _rows(func, label, fun, args, order=1):
    """One row per ``norm``: fun(norm) builds the function to check."""
    return [Case(func, f"{label},norm={norm}", fun(norm), args, order) for norm in NORMS]


CASES = [
    *_rows(FFT.fft, "real input", lambda norm: lambda x: _parts(FFT.fft(x, norm=norm)), (X,)),
    *_rows(FFT.fft, "complex input, n=8, axis=0",
           lambda norm: lambda x, y: _parts(FFT.fft(x + 1j * y, n=8, axis=0, norm=norm)), (X, Y)),
    *_rows(FFT.fft, "n=4 truncates",
           lambda norm: lambda x: _parts(FFT.fft(x, n=4, norm=norm)), (X,)),
    *_rows(FFT.ifft, "complex input",
           lambda norm: lambda x, y: _parts(FFT.ifft(x + 1j * y, norm=norm)), (X, Y)),
    *_rows(FFT.ifft, "n=7, axis=-2",
           lambda norm: lambda x: _parts(FFT.ifft(x, n=7, axis=-2, norm=norm)), (X,)),
    *_rows(FFT.rfft, "odd length", lambda norm: lambda x: _parts(FFT.rfft(x, norm=norm)), (X5,)),
    *_rows(FFT.rfft, "n=7, axis=0",
           lambda norm: lambda x: _parts(FFT.rfft(x, n=7, axis=0, norm=norm)), (X5,)),
    *_rows(FFT.irfft, "even n", lambda norm: lambda x, y: FFT.irfft(x + 1j * y, norm=norm),
           (X, Y)),
    *_rows(FFT.irfft, "odd n=9", lambda norm: lambda x, y: FFT.irfft(x + 1j * y, n=9, norm=norm),
           (X, Y)),
    *_rows(FFT.irfft, "n=5 truncates, axis=0",
           lambda norm: lambda x: FFT.irfft(x, n=5, axis=0, norm=norm), (X,)),
    *_rows(FFT.fft2, "real", lambda norm: lambda x: _parts(FFT.fft2(x, norm=norm)), (X,)),
    *_rows(FFT.ifft2, "complex, s=(4, 4)",
           lambda norm: lambda x, y: _parts(FFT.ifft2(x + 1j * y, s=(4, 4), norm=norm)), (X, Y)),
    *_rows(FFT.fftn, "axes=(1,)",
           lambda norm: lambda x: _parts(FFT.fftn(x, axes=(1,), norm=norm)), (X,)),
    *_rows(FFT.ifftn, "s=(4, 7)",
           lambda norm: lambda x, y: _parts(FFT.ifftn(x + 1j * y, s=(4, 7), axes=(0, 1),
                                                       norm=norm)), (X, Y)),
    *_rows(FFT.rfftn, "s=(4, 7)",
           lambda norm: lambda x: _parts(FFT.rfftn(x, s=(4, 7), axes=(0, 1), norm=norm)), (X,)),
    *_rows(FFT.rfft2, "odd", lambda norm: lambda x: _parts(FFT.rfft2(x, norm=norm)), (X5,)),
    *_rows(FFT.irfftn, "s=(4, 7)",
           lambda norm: lambda x, y: FFT.irfftn(x + 1j * y, s=(4, 7), axes=(0, 1), norm=norm),
           (X, Y)),
    *_rows(FFT.irfft2, "default", lambda norm: lambda x, y: FFT.irfft2(x + 1j * y, norm=norm),
           (X, Y)),
    *_rows(FFT.hfft, "default", lambda norm: lambda x, y: FFT.hfft(x + 1j * y, norm=norm),
           (X, Y)),
    *_rows(FFT.ihfft, "n=4", lambda norm: lambda x: _parts(FFT.ihfft(x, 4, norm=norm)), (X,)),
    Case(FFT.fftshift, "axes=1", lambda x: FFT.fftshift(x, axes=1) * np.arange(6.0), (X,)),
    Case(FFT.fftshift, "all axes, odd", lambda x: FFT.fftshift(x) * np.arange(5.0), (X5,)),
    Case(FFT.ifftshift, "all axes, odd", lambda x: FFT.ifftshift(x) * np.arange(5.0), (X5,)),
    Case(FFT.fft, "power spectrum, second order",
         lambda x: np.sum(np.abs(FFT.fft(x)) ** 2 * np.arange(6.0)), (X,), order=2),
    Case(FFT.irfft, "second order", lambda x: np.sum(FFT.irfft(x * x) ** 3), (X[0],), order=2),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_matches_finite_differences(case):
    sciad.check_grads(case.fun, case.args, order=case.order)


FLOAT32 = [case for case in CASES if "norm=ortho" in case.label or "shift" in case.label]


@pytest.mark.parametrize("case", FLOAT32, ids=case_ids(FLOAT32))
def test_float32_preserved(case):
    check_float32_preserved(case)


def test_every_fft_rule_has_a_row():
    registered = [f for f in FUNCTION_RULES if function_name(f).startswith("numpy.fft.")]
    assert functions_without_rows(registered, CASES) == []


# --- conventions, against closed forms ---------------------------------------------------------
def test_parseval_gradient_of_power_spectrum():
    # sum |fft(x)|^2 = n sum x^2 (Parseval), so the gradient is 2 n x
    x = rng.normal(size=8)
    grad = sciad.grad(lambda x: np.sum(np.abs(FFT.fft(x)) ** 2))(x)
    np.testing.assert_allclose(grad, 2 * 8 * x, rtol=1e-12)


def test_complex_cotangent_convention():
    # L = Re(fft(z)[k]) = sum_j Re(z_j) cos(2 pi jk/n) + Im(z_j) sin(2 pi jk/n)
    # dL/dRe + i dL/dIm = exp(2 pi i jk/n)
    n, k = 6, 2
    z = rng.normal(size=n) + 1j * rng.normal(size=n)
    grad = sciad.grad(lambda z: np.real(FFT.fft(z)[k]))(z)
    np.testing.assert_allclose(grad, np.exp(2j * np.pi * np.arange(n) * k / n), atol=1e-12)


def test_irfft_reads_the_middle_bins_twice():
    # irfft(c)[0] = (c_0 + 2 Re c_1 + ... + c_{n/2}) / n; imaginary parts of c_0, c_{n/2} ignored
    c = rng.normal(size=4) + 1j * rng.normal(size=4)
    grad = sciad.grad(lambda c: FFT.irfft(c)[0])(c)
    np.testing.assert_allclose(grad, np.array([1.0, 2.0, 2.0, 1.0]) / 6, atol=1e-15)


def test_frequency_helpers_carry_no_derivative():
    assert {FFT.fftfreq, FFT.rfftfreq} <= NONDIFFERENTIABLE
