"""Indexing: ``x[index]``, assignment ``x[index] = v``, and dtype casts.

The cotangent of ``x[index]`` is scattered back with ``scatter_add``, itself a primitive whose
rule is ``getitem``, so indexing differentiates to any order. Repeated fancy indices accumulate.
"""

import numpy as np

from .. import tensor as tensor_module
from ..graph import Primitive, Tensor, apply
from ..registry import defvjp, dtype_of, shape_of, unbroadcast


def _getitem(x, index):
    return x[index]


def _is_basic(index) -> bool:
    """Basic indices (ints, slices, ..., None) never repeat an entry."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


def _scatter_add(g, index, shape, dtype):
    """zeros(shape) with g added at index (repeated fancy indices accumulate)."""
    if type(g) is Tensor:  # a higher-order pass: record the scatter one level down
        return apply(SCATTER_ADD, (g, index, shape, dtype), {})
    out = np.zeros(shape, np.result_type(dtype, dtype_of(g)))
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


SCATTER_ADD = Primitive("scatter_add (the adjoint of indexing)", _scatter_add,
                        lambda argnum, g, ans, args, kwargs: g[args[1]])


def _getitem_vjp(argnum, g, ans, args, kwargs):
    x = args[0]
    return _scatter_add(g, kwargs["index"], shape_of(x), dtype_of(x))


def _setitem(x, value, index):
    if type(value) is Tensor and type(x) is not Tensor:
        x = Tensor(np.asarray(x))  # a constant box, so that assigning a traced value records it
    out = x.copy()
    out[index] = value
    return out


def _setitem_vjp(argnum, g, ans, args, kwargs):
    index = kwargs["index"]
    x = args[0]
    if argnum == 0:
        overwritten = np.zeros(shape_of(x), bool)
        overwritten[index] = True
        return np.where(overwritten, np.zeros((), dtype_of(g)), g)
    value = args[1]
    return unbroadcast(g[index], shape_of(value), dtype_of(value))


def _astype(x, dtype):
    return x.astype(dtype)


def _astype_vjp(argnum, g, ans, args, kwargs):
    x = args[0]
    if dtype_of(x).kind not in "fc":
        return None
    if dtype_of(x).kind == "f" and dtype_of(g).kind == "c":
        g = np.real(g)
    return g.astype(dtype_of(x))


def _copy_vjp(g, ans, x, *args, **kwargs):
    return g


tensor_module.GETITEM = Primitive("numpy.ndarray.__getitem__", _getitem, _getitem_vjp)
tensor_module.SETITEM = Primitive("numpy.ndarray.__setitem__", _setitem, _setitem_vjp)
tensor_module.ASTYPE = Primitive("numpy.ndarray.astype", _astype, _astype_vjp)
defvjp(np.copy, _copy_vjp)


def _take_vjp(g, ans, a, indices, axis=None, **_):
    if axis is None:
        flat = _scatter_add(g, np.asarray(indices), (int(np.prod(shape_of(a))),), dtype_of(a))
        return np.reshape(flat, shape_of(a))
    axis = axis % len(shape_of(a))
    return _scatter_add(g, (slice(None),) * axis + (indices,), shape_of(a), dtype_of(a))


defvjp(np.take, _take_vjp)
