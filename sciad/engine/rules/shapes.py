"""Shape operations: they move entries around, so their rules move the cotangent back."""

import numpy as np

from ..registry import defvjp, dtype_of, shape_of, unbroadcast, variadic


def _reshape_vjp(g, ans, x, *args, **kwargs):
    return np.reshape(g, shape_of(x))


def _transpose_vjp(g, ans, x, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort([a % len(axes) for a in axes]))


def _concatenate_vjp(argnum, g, ans, arrays, axis=0, **_):
    if axis is None:
        sizes = [int(np.prod(shape_of(a))) for a in arrays]
        start = sum(sizes[:argnum])
        return np.reshape(g[start:start + sizes[argnum]], shape_of(arrays[argnum]))
    axis = axis % len(shape_of(ans))
    start = sum(shape_of(a)[axis] for a in arrays[:argnum])
    index = (slice(None),) * axis + (slice(start, start + shape_of(arrays[argnum])[axis]),)
    return g[index]


def _stack_vjp(argnum, g, ans, arrays, axis=0, **_):
    return np.take(g, argnum, axis=axis % len(shape_of(ans)))


defvjp(np.reshape, _reshape_vjp)
defvjp(np.transpose, _transpose_vjp)
variadic(np.concatenate, _concatenate_vjp)
variadic(np.stack, _stack_vjp)


def _expand_dims_vjp(g, ans, x, axis):
    return np.reshape(g, shape_of(x))


def _squeeze_vjp(g, ans, x, axis=None):
    return np.reshape(g, shape_of(x))


def _broadcast_to_vjp(g, ans, x, shape, **_):
    return unbroadcast(g, shape_of(x), dtype_of(x))


def _swapaxes_vjp(g, ans, x, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


def _moveaxis_vjp(g, ans, x, source, destination):
    return np.moveaxis(g, destination, source)


defvjp(np.expand_dims, _expand_dims_vjp)
defvjp(np.squeeze, _squeeze_vjp)
defvjp(np.broadcast_to, _broadcast_to_vjp)
defvjp(np.swapaxes, _swapaxes_vjp)
defvjp(np.moveaxis, _moveaxis_vjp)
