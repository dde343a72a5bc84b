"""numpy.fft: every transform is linear, so its rule is its adjoint, itself an FFT.

Cotangents of complex values follow the convention dL/dRe + i dL/dIm, under which the adjoint
of a complex-linear map is its conjugate transpose: the adjoint of ``fft(norm=N)`` is
``ifft`` with the opposite scaling (``"backward"`` <-> ``"forward"``, ``"ortho"`` stays), and
a real input keeps the real part of its cotangent. ``n=``/``s=`` pad or truncate the input, so
the cotangent is truncated or zero-padded back to the input's length.

- ``rfft(x)`` is the first ``n//2 + 1`` entries of ``fft(x)``: its adjoint zero-pads the
  cotangent to length n and applies the adjoint of ``fft``.
- ``irfft(c)`` reads each of ``c[1:n//2]`` twice (as c_k and its mirror conj(c_k)) and ignores
  the imaginary parts of ``c[0]`` and (n even) ``c[n//2]``: its adjoint is ``rfft`` with the
  opposite scaling, weighted by 2 at the twice-read entries.
- ``hfft`` and ``ihfft`` are recorded as the ``irfft``/``rfft`` calls NumPy makes for them.
"""

import numpy as np

from ..registry import FUNCTION_RULES, defvjp, dtype_of, nondifferentiable, shape_of

__all__: list = []

_OPPOSITE_NORM = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _fit(x, axis, length):
    """``x`` truncated or zero-padded along ``axis`` to ``length`` (differentiably)."""
    current = shape_of(x)[axis]
    axis = axis % len(shape_of(x))
    if current > length:
        return x[(slice(None),) * axis + (slice(0, length),)]
    if current < length:
        pad_shape = list(shape_of(x))
        pad_shape[axis] = length - current
        return np.concatenate([x, np.zeros(pad_shape, dtype_of(x))], axis=axis)
    return x


def _fit_all(x, axes, shape):
    for axis in axes:
        x = _fit(x, axis, shape[axis])
    return x


def _real_if_real(cotangent, a):
    return np.real(cotangent) if dtype_of(a).kind != "c" else cotangent


def _transform_axes(a, s, axes, default_axes):
    """The axes a multi-dimensional transform runs over, as NumPy chooses them."""
    if axes is None:
        if default_axes is not None:
            axes = default_axes
        elif s is not None:
            axes = tuple(range(-len(s), 0))
        else:
            axes = tuple(range(len(shape_of(a))))
    return tuple(axis % len(shape_of(a)) for axis in axes)


def _irfft_weights(length, n, dtype):
    """2 at the entries irfft reads twice, 1 at c[0] and (n even) c[n//2]."""
    weights = np.full(length, 2.0, np.result_type(dtype, np.float32))
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return weights


def _along(weights, axis, ndim):
    return np.reshape(weights, tuple(-1 if i == axis else 1 for i in range(ndim)))


# --- one-dimensional transforms ---------------------------------------------------------------
def _complex_vjp(adjoint):
    def vjp(g, ans, a, n=None, axis=-1, norm=None, out=None):
        cot = adjoint(g, axis=axis, norm=_OPPOSITE_NORM[norm])
        return _real_if_real(_fit(cot, axis, shape_of(a)[axis]), a)
    return vjp


def _rfft_vjp(g, ans, a, n=None, axis=-1, norm=None, out=None):
    full_length = shape_of(a)[axis] if n is None else n
    cot = np.fft.ifft(_fit(g, axis, full_length), axis=axis, norm=_OPPOSITE_NORM[norm])
    return np.real(_fit(cot, axis, shape_of(a)[axis]))


def _irfft_vjp(g, ans, a, n=None, axis=-1, norm=None, out=None):
    n = shape_of(ans)[axis]
    cot = np.fft.rfft(g, axis=axis, norm=_OPPOSITE_NORM[norm])
    axis_index = axis % len(shape_of(g))
    cot = cot * _along(_irfft_weights(n // 2 + 1, n, dtype_of(g)), axis_index, len(shape_of(g)))
    return _real_if_real(_fit(cot, axis, shape_of(a)[axis]), a)


defvjp(np.fft.fft, _complex_vjp(np.fft.ifft))
defvjp(np.fft.ifft, _complex_vjp(np.fft.fft))
defvjp(np.fft.rfft, _rfft_vjp)
defvjp(np.fft.irfft, _irfft_vjp)


# --- n-dimensional transforms -----------------------------------------------------------------
def _complex_nd_vjp(adjoint, default_axes=None):
    def vjp(g, ans, a, s=None, axes=default_axes, norm=None, out=None):
        axes = _transform_axes(a, s, axes, default_axes)
        cot = adjoint(g, axes=axes, norm=_OPPOSITE_NORM[norm])
        return _real_if_real(_fit_all(cot, axes, shape_of(a)), a)
    return vjp


def _rfftn_vjp(default_axes=None):
    def vjp(g, ans, a, s=None, axes=default_axes, norm=None, out=None):
        axes = _transform_axes(a, s, axes, default_axes)
        last = axes[-1]
        full_length = shape_of(a)[last] if s is None else s[-1]
        cot = np.fft.ifftn(_fit(g, last, full_length), axes=axes, norm=_OPPOSITE_NORM[norm])
        return np.real(_fit_all(cot, axes, shape_of(a)))
    return vjp


def _irfftn_vjp(default_axes=None):
    def vjp(g, ans, a, s=None, axes=default_axes, norm=None, out=None):
        axes = _transform_axes(a, s, axes, default_axes)
        last = axes[-1]
        n = shape_of(ans)[last]
        cot = np.fft.rfftn(g, axes=axes, norm=_OPPOSITE_NORM[norm])
        cot = cot * _along(_irfft_weights(n // 2 + 1, n, dtype_of(g)), last, len(shape_of(g)))
        return _real_if_real(_fit_all(cot, axes, shape_of(a)), a)
    return vjp


defvjp(np.fft.fftn, _complex_nd_vjp(np.fft.ifftn))
defvjp(np.fft.ifftn, _complex_nd_vjp(np.fft.fftn))
defvjp(np.fft.fft2, _complex_nd_vjp(np.fft.ifftn, (-2, -1)))
defvjp(np.fft.ifft2, _complex_nd_vjp(np.fft.fftn, (-2, -1)))
defvjp(np.fft.rfftn, _rfftn_vjp())
defvjp(np.fft.rfft2, _rfftn_vjp((-2, -1)))
defvjp(np.fft.irfftn, _irfftn_vjp())
defvjp(np.fft.irfft2, _irfftn_vjp((-2, -1)))


# --- Hermitian transforms, recorded as NumPy computes them ------------------------------------
def _hermitian_args(args, kwargs):
    names = ("n", "axis", "norm")
    options = dict(zip(names, args[1:]), **kwargs)
    options.pop("out", None)
    return args[0], options.get("n"), options.get("axis", -1), options.get("norm")


def _hfft(args, kwargs):
    a, n, axis, norm = _hermitian_args(args, kwargs)
    n = (shape_of(a)[axis] - 1) * 2 if n is None else n
    return np.fft.irfft(np.conj(a), n, axis, norm=_OPPOSITE_NORM[norm])


def _ihfft(args, kwargs):
    a, n, axis, norm = _hermitian_args(args, kwargs)
    return np.conj(np.fft.rfft(a, n, axis, norm=_OPPOSITE_NORM[norm]))


FUNCTION_RULES[np.fft.hfft] = _hfft
FUNCTION_RULES[np.fft.ihfft] = _ihfft


# --- shifts: permutations, each the inverse (adjoint) of the other -----------------------------
def _fftshift_vjp(g, ans, x, axes=None):
    return np.fft.ifftshift(g, axes)


def _ifftshift_vjp(g, ans, x, axes=None):
    return np.fft.fftshift(g, axes)


defvjp(np.fft.fftshift, _fftshift_vjp)
defvjp(np.fft.ifftshift, _ifftshift_vjp)
nondifferentiable(np.fft.fftfreq, np.fft.rfftfreq)
