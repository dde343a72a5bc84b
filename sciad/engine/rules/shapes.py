"""Shape operations: they move entries around, so their rules move the cotangent back.

Primitives with their own rule: reshape, ravel, transpose, moveaxis, swapaxes, expand_dims,
squeeze, broadcast_to, concatenate, stack, split/array_split, tile, repeat, flip, roll, rot90,
triu, tril, pad (constant mode, and the modes that copy entries: edge, reflect, symmetric,
wrap, whose cotangent folds each pad back onto the entries it copies), sort. Composites, built
from those and from indexing: hstack, vstack, dstack, column_stack, atleast_1d/2d/3d,
hsplit/vsplit/dsplit, fliplr, flipud, diag, diagonal, trace.
``sort`` is differentiated as the permutation that ``argsort`` finds (ties: the stable order).

Every primitive here reads only its arguments' shapes and dtypes (and its own keywords), never
their values nor its result, and declares so (``SHAPE_ONLY``): a node keeps no large array
for them (see :func:`sciad.engine.graph._unread_dropped`).
"""

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..control import stop_gradient
from ..graph import Primitive, apply
from ..registry import (FUNCTION_RULES, composite, defvjp, defvjp_multi, dtype_of, shape_of,
                        unbroadcast, variadic)
from ..tensor import Tensor

_BEFORE = set(FUNCTION_RULES)


class _EveryArgument:
    """One entry of a read set, the same for every argument position: ``concatenate`` and
    ``stack`` take any number of arrays, so a tuple indexed by position cannot list them."""

    __slots__ = ("entry",)

    def __init__(self, entry):
        self.entry = entry

    def __getitem__(self, argnum):
        return self.entry


# Primitive.reads of a rule that reads no argument's value and not the result
SHAPE_ONLY = (_EveryArgument(False), _EveryArgument(frozenset()))


def _shape_rule(func, vjp, register=defvjp):
    """Register ``func`` (through ``register``) with a rule that reads shapes only."""
    register(func, vjp).reads = SHAPE_ONLY


def _reshape_vjp(g, ans, x, shape=None, order="C", **_):
    return np.reshape(g, shape_of(x), order=order)


def _ravel_vjp(g, ans, x, order="C"):
    return np.reshape(g, shape_of(x), order=order)


def _transpose_vjp(g, ans, x, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort([a % len(axes) for a in axes]))


def _concatenate_vjp(argnum, g, ans, arrays, axis=0, **_):
    if axis is None:
        sizes = [int(np.prod(shape_of(a))) for a in arrays]
        start = sum(sizes[:argnum])
        return np.reshape(g[start:start + sizes[argnum]], shape_of(arrays[argnum]))
    axis = axis % len(shape_of(g))  # g has the result's shape; the result is not kept
    start = sum(shape_of(a)[axis] for a in arrays[:argnum])
    index = (slice(None),) * axis + (slice(start, start + shape_of(arrays[argnum])[axis]),)
    return g[index]


def _stack_vjp(argnum, g, ans, arrays, axis=0, **_):
    return np.take(g, argnum, axis=axis % len(shape_of(g)))


def _same_shape_as_input(g, ans, x, *args, **kwargs):
    # expand_dims and squeeze only add or drop axes of length 1
    return np.reshape(g, shape_of(x))


def _broadcast_to_vjp(g, ans, x, shape, **_):
    return unbroadcast(g, shape_of(x), dtype_of(x))


_shape_rule(np.reshape, _reshape_vjp)
_shape_rule(np.ravel, _ravel_vjp)
_shape_rule(np.transpose, _transpose_vjp)
_shape_rule(np.concatenate, _concatenate_vjp, variadic)
_shape_rule(np.stack, _stack_vjp, variadic)
_shape_rule(np.expand_dims, _same_shape_as_input)
_shape_rule(np.squeeze, _same_shape_as_input)
_shape_rule(np.broadcast_to, _broadcast_to_vjp)
_shape_rule(np.swapaxes, lambda g, ans, x, axis1, axis2: np.swapaxes(g, axis1, axis2))
_shape_rule(np.moveaxis, lambda g, ans, x, source, destination:
            np.moveaxis(g, destination, source))
_shape_rule(np.flip, lambda g, ans, x, axis=None: np.flip(g, axis))
_shape_rule(np.roll, lambda g, ans, x, shift, axis=None: np.roll(g, np.negative(shift), axis))
_shape_rule(np.rot90, lambda g, ans, x, k=1, axes=(0, 1): np.rot90(g, -k, axes))
_shape_rule(np.triu, lambda g, ans, x, k=0: np.triu(g, k))
_shape_rule(np.tril, lambda g, ans, x, k=0: np.tril(g, k))


# --- split: several outputs ------------------------------------------------------------------
def _split_vjp(argnum, g, ans, args, kwargs):
    """Concatenate the pieces' cotangents, zeros for pieces that received none."""
    x = args[0]
    axis = args[2] if len(args) > 2 else kwargs.get("axis", 0)
    pieces = [part if part is not None else np.zeros(shape_of(piece), dtype_of(x))
              for part, piece in zip(g.items, ans)]
    return np.concatenate(pieces, axis=axis)


defvjp_multi(np.split, _split_vjp)
defvjp_multi(np.array_split, _split_vjp)


def _hsplit(ary, indices_or_sections):
    return np.split(ary, indices_or_sections, axis=1 if len(shape_of(ary)) > 1 else 0)


def _split_along(axis, least_ndim, name):
    def split(ary, indices_or_sections):
        if len(shape_of(ary)) < least_ndim:
            raise ValueError(f"{name} only works on arrays of {least_ndim} or more dimensions")
        return np.split(ary, indices_or_sections, axis=axis)
    return split


composite(np.hsplit, _hsplit)
composite(np.vsplit, _split_along(0, 2, "vsplit"))
composite(np.dsplit, _split_along(2, 3, "dsplit"))


# --- tile and repeat -------------------------------------------------------------------------
def _tile_vjp(g, ans, x, reps):
    reps = tuple(np.atleast_1d(reps))
    shape = shape_of(x)
    ndim = max(len(shape), len(reps))
    sizes = (1,) * (ndim - len(shape)) + shape
    counts = (1,) * (ndim - len(reps)) + reps
    # output axis i holds counts[i] copies of a block of sizes[i]: split it, sum the copies
    blocks = np.reshape(g, tuple(n for pair in zip(counts, sizes) for n in pair))
    return np.reshape(np.sum(blocks, axis=tuple(range(0, 2 * ndim, 2))), shape)


def _segment_sum(g, counts, axis):
    """Sums of ``g`` over consecutive runs of ``counts[i]`` entries along ``axis``: the adjoint
    of ``np.repeat(x, counts, axis)`` (and repeat is its adjoint, so both nest to any order)."""
    if type(g) is Tensor:  # a higher-order pass: record the sum one level down
        return apply(SEGMENT_SUM, (g,), {"counts": counts, "axis": axis})
    shape = list(g.shape)
    shape[axis] = len(counts)
    if len(counts) and counts[0] > 0 and np.all(counts == counts[0]):
        return _uniform_segment_sum(g, shape, int(counts[0]), axis)
    out = np.zeros(shape, g.dtype)
    filled = counts > 0  # reduceat would copy an entry for an empty run, so skip those
    if np.any(filled):
        starts = (np.cumsum(counts) - counts)[filled]
        where = (slice(None),) * axis + (np.flatnonzero(filled),)
        out[where] = np.add.reduceat(g, starts, axis=axis)
    return out


def _uniform_segment_sum(g, shape, count, axis):
    """:func:`_segment_sum` for runs of one length (``np.repeat(x, 2, axis)``): the runs as an
    axis of their own, summed (reduceat along an axis is 10-20x slower). Short runs add their
    copies as strided slices; a reduction over an axis of 2 or 3 is slower still."""
    copies = g.reshape(tuple(shape[:axis + 1]) + (count,) + tuple(shape[axis + 1:]))
    if count > 8:
        return np.add.reduce(copies, axis=axis + 1)
    before = (slice(None),) * (axis + 1)
    out = copies[before + (0,)].copy()
    for j in range(1, count):
        out += copies[before + (j,)]
    return out


SEGMENT_SUM = Primitive("segment sum (the adjoint of numpy.repeat)", _segment_sum,
                        lambda argnum, g, ans, args, kwargs: np.repeat(g, kwargs["counts"],
                                                                       axis=kwargs["axis"]),
                        reads=SHAPE_ONLY)


def _repeat_vjp(g, ans, x, repeats, axis=None):
    shape = shape_of(x)
    if axis is None:
        counts = np.broadcast_to(np.asarray(repeats), (int(np.prod(shape)),))
        return np.reshape(_segment_sum(g, counts, 0), shape)
    axis = axis % len(shape)
    counts = np.broadcast_to(np.asarray(repeats), (shape[axis],))
    return _segment_sum(g, counts, axis)


_shape_rule(np.tile, _tile_vjp)
_shape_rule(np.repeat, _repeat_vjp)


# --- stacking helpers, built on reshape and concatenate -------------------------------------
def _at_least(ndim, *arrays):
    """numpy's atleast_{1,2,3}d placement: 1-D (n,) becomes (1, n) or (1, n, 1)."""
    shaped = []
    for a in arrays:
        a = a if isinstance(a, (np.ndarray, Tensor)) else np.asarray(a)
        shape = shape_of(a)
        if len(shape) < ndim:
            if ndim == 3:
                shape = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]
            else:
                shape = (1,) * (ndim - len(shape)) + shape
            a = np.reshape(a, shape)
        shaped.append(a)
    return shaped[0] if len(shaped) == 1 else tuple(shaped)


def _stacked(arrays, axis, dtype):
    return np.concatenate(arrays, axis=axis, **({} if dtype is None else {"dtype": dtype}))


def _hstack(tup, *, dtype=None, casting="same_kind"):
    arrays = [_at_least(1, a) for a in tup]
    return _stacked(arrays, 0 if len(shape_of(arrays[0])) == 1 else 1, dtype)


def _vstack(tup, *, dtype=None, casting="same_kind"):
    return _stacked([_at_least(2, a) for a in tup], 0, dtype)


def _dstack(tup):
    return _stacked([_at_least(3, a) for a in tup], 2, None)


def _column_stack(tup):
    columns = [np.reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in tup]
    return _stacked(columns, 1, None)


composite(np.atleast_1d, lambda *arrays: _at_least(1, *arrays))
composite(np.atleast_2d, lambda *arrays: _at_least(2, *arrays))
composite(np.atleast_3d, lambda *arrays: _at_least(3, *arrays))
composite(np.hstack, _hstack)
composite(np.vstack, _vstack)
composite(np.dstack, _dstack)
composite(np.column_stack, _column_stack)
composite(np.fliplr, lambda m: np.flip(m, 1))
composite(np.flipud, lambda m: np.flip(m, 0))


# --- diagonals: indexing with the diagonal's coordinates ------------------------------------
def _diagonal_coordinates(rows, cols, offset):
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    return np.arange(length) + max(-offset, 0), np.arange(length) + max(offset, 0)


def _diagonal(a, offset=0, axis1=0, axis2=1):
    moved = np.moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = _diagonal_coordinates(*shape_of(moved)[-2:], offset)
    return moved[..., rows, cols]


def _diag(v, k=0):
    shape = shape_of(v)
    if len(shape) == 2:
        return _diagonal(v, k)
    if len(shape) != 1:
        raise ValueError("np.diag: input must be 1-d (build a matrix) or 2-d (take a diagonal)")
    n = shape[0] + abs(k)
    matrix = np.zeros_like(v, shape=(n, n))  # a constant box when v is traced: records the write
    matrix[_diagonal_coordinates(n, n, k)] = v
    return matrix


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.sum(_diagonal(a, offset, axis1, axis2), axis=-1)


composite(np.diagonal, _diagonal)
composite(np.diag, _diag)
composite(np.trace, _trace)


# --- pad ---------------------------------------------------------------------------------------
def _pad_widths(array, pad_width):
    return np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape_of(array)), 2))


def _pad_constant_vjp(argnum, g, ans, args, kwargs):
    x = args[0]
    widths = _pad_widths(x, args[1])
    return g[tuple(slice(before, before + n) for (before, _), n in zip(widths, shape_of(x)))]


_PAD_CONSTANT = Primitive("numpy.pad", lambda array, pad_width, **kwargs:
                          np.pad(array, pad_width, "constant", **kwargs), _pad_constant_vjp,
                          reads=SHAPE_ONLY)
_COPYING_MODES = ("edge", "reflect", "symmetric", "wrap")


def _copied_spans(n, before, after, mode, options):
    """Where a padded axis's pads come from: ``(start, stop, first, step)`` per run of padded
    entries ``start:stop`` that copy input entries ``first, first + step, ...`` (step 1 or -1;
    0 repeats one entry, as edge mode does). NumPy's padding of the positions ``arange(n)``
    says which entry each padded one copies; runs turn that into a few slice additions."""
    positions = np.pad(np.arange(n), (before, after), mode, **options).tolist()
    spans = []
    for start, stop in ((0, before), (before + n, before + n + after)):
        j = start
        while j < stop:
            k, step = j + 1, (positions[j + 1] - positions[j] if j + 1 < stop else 0)
            if step not in (-1, 0, 1):
                step = 0
            while k < stop and positions[k] - positions[k - 1] == step:
                k += 1
            spans.append((j, k, positions[j], step))
            j = k
    return spans


def _pad_fold(g, widths, mode, options):
    """The adjoint of padding by copies: the middle of ``g``, with the cotangent of every
    padded entry added onto the entry it copies."""
    if type(g) is Tensor:  # a higher-order pass: record the fold one level down
        return apply(_PAD_FOLD, (g,), {"widths": widths, "mode": mode, "options": options})
    return _folded(g, widths, mode, options, 0)


def _folded(g, widths, mode, options, axis):
    """``g`` with the pads of ``axis`` and the axes after it folded back: a new array.

    Folding commutes with slicing along another axis, so the middle of ``axis`` and its two
    pads are folded along the later axes apart, and the folded pads added into the folded
    middle: the one array of the result's size is the middle's copy (an axis at a time, each
    fold made one more)."""
    if axis == len(widths):
        return g.copy()
    before, after = widths[axis]
    if before == after == 0:
        return _folded(g, widths, mode, options, axis + 1)
    along = (slice(None),) * axis  # index along ``axis``, the axes before it whole
    n = g.shape[axis] - before - after
    core = _folded(g[along + (slice(before, before + n),)], widths, mode, options, axis + 1)
    pads = [(start, _folded(g[along + (slice(start, stop),)], widths, mode, options, axis + 1))
            for start, stop in ((0, before), (before + n, before + n + after)) if stop > start]
    for start, stop, first, step in _copied_spans(n, before, after, mode, options):
        offset, pad = pads[0] if start < before else pads[-1]
        source = pad[along + (slice(start - offset, stop - offset),)]
        if step == 0:
            core[along + (first,)] += np.sum(source, axis=axis)
        else:
            last = first + step * (stop - start - 1)
            targets = (slice(first, last + 1) if step > 0
                       else slice(first, last - 1 if last > 0 else None, -1))
            core[along + (targets,)] += source
    return core


def _pad_copying(array, widths, mode, options):
    if type(array) is Tensor:
        return apply(_PAD_COPYING, (array,), {"widths": widths, "mode": mode, "options": options})
    return np.pad(array, widths, mode, **options)


_PAD_COPYING = Primitive("numpy.pad (modes that copy entries)", _pad_copying,
                         lambda argnum, g, ans, args, kwargs: _pad_fold(g, **kwargs),
                         reads=SHAPE_ONLY)
_PAD_FOLD = Primitive("fold of the pads (the adjoint of numpy.pad)", _pad_fold,
                      lambda argnum, g, ans, args, kwargs: _pad_copying(g, **kwargs),
                      reads=SHAPE_ONLY)


def _pad(array, pad_width, mode="constant", **kwargs):
    """np.pad: constant mode by its own rule; the modes whose every entry copies an input entry
    by NumPy's own pad, whose cotangent folds the pads back onto the entries they copy."""
    if mode == "constant":
        if type(kwargs.get("constant_values")) is Tensor:
            raise NotImplementedError("sciad: np.pad with traced constant_values has no rule; "
                                      "pad with 0 and add the constant times a padded mask")
        return apply(_PAD_CONSTANT, (array, pad_width), kwargs)
    if mode not in _COPYING_MODES or kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError(
            f"sciad has no derivative rule for numpy.pad(mode={mode!r}, {kwargs}); supported "
            f"modes are 'constant' and {', '.join(map(repr, _COPYING_MODES))} (reflect_type "
            "'even'); build other paddings with np.concatenate")
    widths = tuple(map(tuple, _pad_widths(array, pad_width).tolist()))
    return _pad_copying(array, widths, mode, kwargs)


composite(np.pad, _pad)


# --- sort: a data-dependent permutation ------------------------------------------------------
# The permutation is kept as flat positions into the C-ordered input: gathering with them is
# one 1-D np.take, and the cotangent goes back by writing to them (each position once), where
# take_along_axis builds a fancy index per call and the inverse permutation needs an argsort.
def _flat_positions(order, axis):
    """Flat positions in an array of ``order``'s shape of ``take_along_axis(., order, axis)``."""
    shape = order.shape
    length, inner = shape[axis], int(np.prod(shape[axis + 1:]))
    if order.size == 0:
        return order
    blocks = order.reshape(-1, length, inner)
    starts = np.arange(blocks.shape[0])[:, None, None] * (length * inner) + np.arange(inner)
    # a new array, not added into argsort's: that one is freed early and its memory serves the
    # gathered values (added in place, a gradient of a 1000x200 sort touched 1936 fresh pages
    # instead of 1187)
    return (blocks * inner + starts if inner > 1 else blocks + starts).reshape(shape)


def _gather(x, positions):
    """``x`` permuted: entry i of the result is ``x.flat[positions.flat[i]]``."""
    if type(x) is Tensor:
        return apply(_GATHER, (x,), {"positions": positions})
    return np.take(np.reshape(x, (-1,)), positions)


def _scatter(g, positions):
    """The adjoint (and inverse) of :func:`_gather`: entry ``positions.flat[i]`` of the result
    is ``g.flat[i]``."""
    if type(g) is Tensor:
        return apply(_SCATTER, (g,), {"positions": positions})
    out = np.empty(g.size, g.dtype)
    out[positions.reshape(-1)] = g.reshape(-1)
    return out.reshape(g.shape)


_GATHER = Primitive("permutation along an axis (numpy.sort)", _gather,
                    lambda argnum, g, ans, args, kwargs: _scatter(g, kwargs["positions"]),
                    reads=SHAPE_ONLY)
_SCATTER = Primitive("inverse permutation (the adjoint of numpy.sort's)", _scatter,
                     lambda argnum, g, ans, args, kwargs: _gather(g, kwargs["positions"]),
                     reads=SHAPE_ONLY)


def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        raise NotImplementedError("sciad: np.sort(order=...) applies to structured arrays, "
                                  "which carry no derivative")
    if axis is None:
        a, axis = np.reshape(a, (-1,)), 0
    value = stop_gradient(a)
    axis = normalize_axis_index(axis, np.ndim(value))  # NumPy's AxisError for a 0-d array
    permutation = np.argsort(value, axis=axis, kind=kind, stable=stable)
    return _gather(a, _flat_positions(permutation, axis))


composite(np.sort, _sort)

REGISTERED = tuple(f for f in FUNCTION_RULES if f not in _BEFORE)  # for the test's table check
