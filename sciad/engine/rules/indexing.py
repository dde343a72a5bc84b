"""Indexing: ``x[index]``, assignment ``x[index] = v``, dtype casts, and the functions that are
indexing in disguise.

The cotangent of ``x[index]`` is scattered back with ``scatter_add``, itself a primitive whose
rule is ``getitem``, so indexing differentiates to any order. Repeated fancy indices accumulate.
``take_along_axis``, ``compress``, ``extract``, ``choose``, ``select`` and ``unique`` are
recorded as the indexing (or ``np.where``) they perform; ``put_along_axis`` and ``putmask`` as
assignments (on a Tensor, such as one made by ``np.zeros_like(x)``). ``bincount`` is
differentiable in its ``weights``. ``unique`` differentiates each value as its first
occurrence. Index computations (argmax, argsort, nonzero, searchsorted ...) return plain arrays.
"""

import numpy as np

from ...errors import NotDifferentiableError
from .. import tensor as tensor_module
from ..graph import Primitive, Tensor, apply
from ..registry import (FUNCTION_RULES, defvjp, dtype_of, function_name, nondifferentiable,
                        shape_of, unbroadcast)

_BEFORE = set(FUNCTION_RULES)


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
    result_dtype = np.result_type(dtype, dtype_of(g))
    if (len(shape) == 1 and type(index) is np.ndarray and index.dtype.kind in "iu"
            and result_dtype == np.float64 and np.all(index >= 0)):
        # a vector gathered by integer positions: bincount sums repeats far faster than add.at
        return np.bincount(index.ravel(), weights=np.ravel(g), minlength=shape[0])
    if (len(shape) > 1 and type(index) is np.ndarray and index.dtype.kind in "iu"
            and result_dtype == np.float64 and index.size and np.all(index >= 0)):
        # rows gathered by integer positions (x[pairs] in particle codes): add.at is ~10x slower
        # than one bincount over flattened (row, column) positions here
        width = int(np.prod(shape[1:]))
        flat = (index.reshape(-1, 1) * width + np.arange(width)).ravel()
        summed = np.bincount(flat, weights=np.ravel(g), minlength=shape[0] * width)
        return summed.reshape(shape)
    out = np.zeros(shape, result_dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


SCATTER_ADD = Primitive("scatter_add (the adjoint of indexing)", _scatter_add,
                        lambda argnum, g, ans, args, kwargs: g[args[1]])


def _getitem_vjp(argnum, g, ans, args, kwargs):
    x = args[0]
    index = kwargs["index"]
    if (type(index) in (slice, int) and type(g) is np.ndarray and type(x) is np.ndarray
            and g.dtype is x.dtype):
        # x[1:], x[i] of a float array (every Rosenbrock-like objective): a slice or an int
        # never repeats an entry, so the scatter is a write into zeros, without the general
        # path's dtype promotion and index checks (which cost as much as the write at 10^4)
        out = np.zeros(x.shape, x.dtype)
        out[index] = g
        return out
    return _scatter_add(g, index, shape_of(x), dtype_of(x))


def _getitem_add_into(buffer, owned, g, args, kwargs):
    """Add x[index]'s cotangent into x's cotangent buffer in place, for a slice or an int of a
    plain float array: a Rosenbrock-like x[1:] and x[:-1] then cost one pass each instead of
    zeros, a write and an addition. None (take the general rule) otherwise."""
    x = args[0]
    index = kwargs["index"]
    if (type(index) not in (slice, int) or type(g) is not np.ndarray or type(x) is not np.ndarray
            or g.dtype is not x.dtype):
        return None
    if buffer is None:
        buffer = np.zeros(x.shape, x.dtype)
        buffer[index] = g
        return buffer
    if type(buffer) is not np.ndarray or buffer.dtype is not x.dtype or buffer.shape != x.shape:
        return None
    if not owned:
        buffer = buffer.copy()  # someone else's array (a forward value, a read-only view)
    buffer[index] += g
    return buffer


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
    gathered = g[index]
    if not _is_basic(index):
        # a repeated fancy index is written several times and the last write wins, so only
        # that copy of the value reaches the output
        gathered = np.where(_last_writes(shape_of(x), index), gathered, np.zeros((), dtype_of(g)))
    return unbroadcast(gathered, shape_of(value), dtype_of(value))


def _last_writes(shape, index):
    """True at the entries of ``x[index]`` whose assignment survives ``x[index] = v``
    (found by repeating the assignment with entry numbers, so NumPy's own order decides)."""
    writer = np.full(shape, -1, np.intp)
    selected_shape = np.shape(writer[index])
    numbers = np.arange(int(np.prod(selected_shape)), dtype=np.intp).reshape(selected_shape)
    writer[index] = numbers
    return writer[index] == numbers


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


tensor_module.GETITEM = Primitive("numpy.ndarray.__getitem__", _getitem, _getitem_vjp,
                                  add_into=_getitem_add_into,
                                  reads=((False,), (frozenset(),)))  # x's shape and dtype only
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


# --- functions that are indexing in disguise: recorded as x[index], no rule of their own ------
def _along_axis_index(arr_shape, indices, axis):
    """The fancy index that ``take_along_axis``/``put_along_axis`` apply (as NumPy builds it)."""
    ndim = len(arr_shape)
    index = []
    for dim in range(ndim):
        if dim == axis:
            index.append(indices)
        else:
            shape = [1] * ndim
            shape[dim] = arr_shape[dim]
            index.append(np.arange(arr_shape[dim]).reshape(shape))
    return tuple(index)


def _raw(x):
    while type(x) is Tensor:
        x = x._value
    return x


def _take_along_axis(arr, indices, axis=-1):
    indices = np.asarray(_raw(indices))
    if axis is None:
        return np.reshape(arr, (-1,))[indices]
    axis = axis % len(shape_of(arr))
    return arr[_along_axis_index(shape_of(arr), indices, axis)]


def _require_tensor(arr, func):
    """In-place functions update a Tensor functionally (like ``y[i] = v``); a plain ndarray
    cannot hold a derivative."""
    if type(arr) is not Tensor:
        raise NotDifferentiableError(
            f"{function_name(func)} would write a traced value into a plain ndarray and drop its "
            "derivative; create the array with np.zeros_like(x) (or copy a Tensor) first")


def _put_along_axis(arr, indices, values, axis):
    _require_tensor(arr, np.put_along_axis)
    indices = np.asarray(_raw(indices))
    if axis is None:
        flat = np.reshape(arr, (-1,))
        flat[indices] = values
        arr[...] = np.reshape(flat, shape_of(arr))
    else:
        arr[_along_axis_index(shape_of(arr), indices, axis % len(shape_of(arr)))] = values


def _putmask(a, mask, values):
    _require_tensor(a, np.putmask)
    positions = np.nonzero(np.broadcast_to(np.asarray(_raw(mask), bool), shape_of(a)))
    if shape_of(values) == shape_of(a):
        a[positions] = values[positions]
    else:  # NumPy repeats the values cyclically: a.flat[i] takes values.flat[i % values.size]
        flat_positions = np.ravel_multi_index(positions, shape_of(a))
        a[positions] = np.reshape(values, (-1,))[flat_positions % int(np.size(_raw(values)))]


def _compress(condition, a, axis=None, out=None):
    if out is not None:
        raise NotDifferentiableError("np.compress(..., out=...) would drop the derivative; "
                                     "assign the result instead")
    positions = np.flatnonzero(np.asarray(_raw(condition)))
    if axis is None:
        return np.reshape(a, (-1,))[positions]
    axis = axis % len(shape_of(a))
    return a[(slice(None),) * axis + (positions,)]


def _extract(condition, arr):
    positions = np.flatnonzero(np.asarray(_raw(condition)))
    return np.reshape(arr, (-1,))[positions]


def _select(condlist, choicelist, default=0):
    # the first true condition wins, so apply them from the last to the first
    if len(condlist) != len(choicelist):
        raise ValueError("np.select: condlist and choicelist must have the same length")
    shape = np.broadcast_shapes(*(np.shape(_raw(c)) for c in condlist),
                                *(shape_of(c) for c in choicelist), shape_of(default))
    result = np.broadcast_to(default, shape) if type(default) is Tensor else default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = np.where(_raw(condition), choice, result)
    return np.broadcast_to(result, shape) if shape_of(result) != shape else result


def _choose(a, choices, out=None, mode="raise"):
    if out is not None:
        raise NotDifferentiableError("np.choose(..., out=...) would drop the derivative; assign "
                                     "the result instead")
    a = np.asarray(_raw(a))
    choices = list(choices)
    count = len(choices)
    if mode == "wrap":
        a = a % count
    elif mode == "clip":
        a = np.clip(a, 0, count - 1)
    elif np.any((a < 0) | (a >= count)):
        raise ValueError("invalid entry in choice array")
    shape = np.broadcast_shapes(a.shape, *(shape_of(c) for c in choices))
    stacked = np.stack([np.broadcast_to(c, shape) for c in choices])
    return _take_along_axis(stacked, np.broadcast_to(a, shape)[None], axis=0)[0]


def _unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
            **kwargs):
    # the unique values are entries of ar: each is differentiated as its first occurrence
    if axis is not None:
        raise NotImplementedError("sciad differentiates np.unique(x) with axis=None only")
    raw = _raw(ar)
    found = np.unique(raw, return_index=True, return_inverse=return_inverse,
                      return_counts=return_counts, **kwargs)
    values = np.reshape(ar, (-1,))[found[1]]
    extras = ((found[1],) if return_index else ()) + tuple(found[2:])
    return (values,) + extras if extras else values


for _func, _implementation in ((np.take_along_axis, _take_along_axis),
                               (np.put_along_axis, _put_along_axis), (np.putmask, _putmask),
                               (np.compress, _compress), (np.extract, _extract),
                               (np.select, _select), (np.choose, _choose),
                               (np.unique, _unique)):
    FUNCTION_RULES[_func] = (lambda implementation: lambda args, kwargs:
                             implementation(*args, **kwargs))(_implementation)


# --- bincount: a scatter-add of the weights ---------------------------------------------------
def _bincount(x, weights, minlength=0):
    return np.bincount(x, weights, minlength=minlength)


def _bincount_vjp(argnum, g, ans, args, kwargs):
    if argnum != 1:
        return None
    x = args[0]
    return g[x]


BINCOUNT = Primitive("numpy.bincount", _bincount, _bincount_vjp)


def _bincount_handler(args, kwargs):
    names = ("weights", "minlength")
    options = dict(zip(names, args[1:]), **kwargs)
    x = np.asarray(_raw(args[0]))
    weights, minlength = options.get("weights"), options.get("minlength", 0)
    if weights is None:
        return np.bincount(x, minlength=minlength)
    return apply(BINCOUNT, (x, weights), {"minlength": minlength})


FUNCTION_RULES[np.bincount] = _bincount_handler

# Index computations on traced arrays: integer or boolean results, no derivative to carry.
nondifferentiable(
    np.argmax, np.argmin, np.nanargmax, np.nanargmin, np.argsort, np.argpartition, np.lexsort,
    np.nonzero, np.flatnonzero, np.argwhere, np.searchsorted, np.digitize, np.shape, np.ndim,
    np.size, np.count_nonzero, np.result_type, np.any, np.all, np.isin, np.isclose,
    np.allclose, np.array_equal, np.min_scalar_type, np.can_cast, np.may_share_memory,
    np.shares_memory,
)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
