"""Products: matmul, dot, vdot, inner, outer, tensordot, einsum, kron, cross, and NumPy 2's
vecdot, matvec, vecmat. (numpy.linalg's array-API spellings, which call these, are registered
with the linalg rules.)

A product is linear in each operand, so the cotangent of one operand is the output cotangent
contracted with the other operands, conjugated for complex values (cotangent convention
dL/dRe z + i dL/dIm z; ``vdot``, ``vecdot`` and ``vecmat`` conjugate their first operand, so
theirs is the conjugate). Rules are products themselves, so they differentiate again; broadcast
(batch) dimensions are summed back with ``unbroadcast``.
"""

import string
from collections import Counter

import numpy as np

from ..registry import defvjp_argnum, dtype_of, shape_of, unbroadcast


def _conj(x):
    return np.conj(x) if dtype_of(x).kind == "c" else x


def _fit(cot, x):
    """The cotangent of ``x``: broadcast dimensions summed, real for a real ``x``."""
    return unbroadcast(cot, shape_of(x), dtype_of(x))


def _no_axes(name, kwargs):
    if any(key in kwargs for key in ("axes", "axis", "keepdims")):
        raise NotImplementedError(
            f"sciad's rule for numpy.{name} does not take axes=, axis= or keepdims=; move the "
            "axes into place with np.moveaxis before the product instead")


# --- matmul, matvec, vecmat: matrices in the last two axes, batch axes broadcast -------------
def _as_matrices(g, a, b):
    """Promote 1-D operands to matrices as matmul does, and the cotangent with them."""
    if len(shape_of(b)) == 1:
        g = np.expand_dims(g, -1)
        b = np.reshape(b, (-1, 1))
    if len(shape_of(a)) == 1:
        g = np.expand_dims(g, -2)
        a = np.reshape(a, (1, -1))
    return g, a, b


def _matmul_vjp(argnum, g, ans, args, kwargs):
    _no_axes("matmul", kwargs)
    a, b = args
    g, a2, b2 = _as_matrices(g, a, b)
    if argnum == 0:
        cot = np.matmul(g, _conj(np.swapaxes(b2, -1, -2)))
        return np.reshape(unbroadcast(cot, shape_of(a2), dtype_of(a)), shape_of(a))
    cot = np.matmul(_conj(np.swapaxes(a2, -1, -2)), g)
    return np.reshape(unbroadcast(cot, shape_of(b2), dtype_of(b)), shape_of(b))


def _matvec_vjp(argnum, g, ans, args, kwargs):
    # out[m] = sum_n A[m, n] x[n]
    _no_axes("matvec", kwargs)
    matrix, vector = args
    if argnum == 0:
        return _fit(np.expand_dims(g, -1) * np.expand_dims(_conj(vector), -2), matrix)
    return _fit(np.matvec(_conj(np.swapaxes(matrix, -1, -2)), g), vector)


def _vecmat_vjp(argnum, g, ans, args, kwargs):
    # out[m] = sum_n conj(x[n]) A[n, m]
    _no_axes("vecmat", kwargs)
    vector, matrix = args
    if argnum == 0:
        return _fit(np.matvec(matrix, _conj(g)), vector)
    return _fit(np.expand_dims(vector, -1) * np.expand_dims(g, -2), matrix)


def _vecdot_vjp(argnum, g, ans, args, kwargs):
    # out = sum_n conj(x1[n]) x2[n] along ``axis``
    if "axes" in kwargs:
        raise NotImplementedError("sciad's rule for numpy.vecdot takes axis=, not axes=")
    axis = kwargs.get("axis", -1)
    x = args[argnum]
    g = np.moveaxis(g, axis, -1) if kwargs.get("keepdims") else np.expand_dims(g, -1)
    first, second = (np.moveaxis(v, axis, -1) for v in args)
    cot = _conj(g) * second if argnum == 0 else g * first
    moved = first if argnum == 0 else second
    return np.moveaxis(unbroadcast(cot, shape_of(moved), dtype_of(x)), -1, axis)


# --- tensordot and what reduces to it: dot, inner ---------------------------------------------
def _tensordot_axes(axes, ndim_a, ndim_b):
    """``axes`` (an int, or a pair of ints or sequences) as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        return list(range(ndim_a - axes, ndim_a)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    return [i % ndim_a for i in axes_a], [i % ndim_b for i in axes_b]


def _contract_back(argnum, g, a, b, axes_a, axes_b):
    """Cotangent of ``a`` or ``b`` in ``tensordot(a, b, (axes_a, axes_b))``."""
    ndim_a, ndim_b = len(shape_of(a)), len(shape_of(b))
    free_a = [i for i in range(ndim_a) if i not in axes_a]
    free_b = [i for i in range(ndim_b) if i not in axes_b]
    # g's axes are free_a followed by free_b
    if argnum == 0:
        g_axes = list(range(len(free_a), len(free_a) + len(free_b)))
        cot = np.tensordot(g, _conj(b), axes=(g_axes, free_b))
        # cot's axes: free_a, then b's contracted axes in increasing order (their partners in a)
        order = free_a + [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
        x = a
    else:
        cot = np.tensordot(_conj(a), g, axes=(free_a, list(range(len(free_a)))))
        order = [axes_b[axes_a.index(i)] for i in sorted(axes_a)] + free_b
        x = b
    return _fit(np.transpose(cot, np.argsort(order)), x)


def _tensordot_vjp(argnum, g, ans, args, kwargs):
    a, b = args[:2]
    axes = args[2] if len(args) > 2 else kwargs.get("axes", 2)
    axes_a, axes_b = _tensordot_axes(axes, len(shape_of(a)), len(shape_of(b)))
    return _contract_back(argnum, g, a, b, axes_a, axes_b)


def _contract_last_axis(partner_axis):
    """The rule of a product that contracts a's last axis with b's ``partner_axis(b.ndim)``
    (dot, inner); a 0-d operand makes it an elementwise multiplication."""

    def vjp(argnum, g, ans, args, kwargs):
        a, b = args[:2]
        ndim_a, ndim_b = len(shape_of(a)), len(shape_of(b))
        if ndim_a == 0 or ndim_b == 0:
            return _fit(g * _conj(args[1 - argnum]), args[argnum])
        return _contract_back(argnum, g, a, b, [ndim_a - 1], [partner_axis(ndim_b)])

    return vjp


# dot contracts with b's second-to-last axis (its only one for a vector), inner with its last
_dot_vjp = _contract_last_axis(lambda ndim: max(ndim - 2, 0))
_inner_vjp = _contract_last_axis(lambda ndim: ndim - 1)


def _vdot_vjp(argnum, g, ans, args, kwargs):
    # vdot(a, b) = sum(conj(a.ravel()) * b.ravel())
    a, b = args
    if argnum == 0:
        return _fit(_conj(g) * np.reshape(b, shape_of(a)), a)
    return _fit(g * np.reshape(a, shape_of(b)), b)


def _outer_vjp(argnum, g, ans, args, kwargs):
    a, b = (np.ravel(v) for v in args[:2])
    if argnum == 0:
        return _fit(np.reshape(np.matmul(g, _conj(b)), shape_of(args[0])), args[0])
    return _fit(np.reshape(np.matmul(_conj(a), g), shape_of(args[1])), args[1])


# --- kron and cross -------------------------------------------------------------------------
def _kron_vjp(argnum, g, ans, args, kwargs):
    # kron(a, b) reshaped to (a0, b0, a1, b1, ...) is the outer product a[:, None] * b[None, :]
    # taken axis by axis
    a, b = args
    ndim = max(len(shape_of(a)), len(shape_of(b)))
    shape_a = (1,) * (ndim - len(shape_of(a))) + tuple(shape_of(a))
    shape_b = (1,) * (ndim - len(shape_of(b))) + tuple(shape_of(b))
    g = np.reshape(g, tuple(n for pair in zip(shape_a, shape_b) for n in pair))
    if argnum == 0:
        other = np.reshape(_conj(b), tuple(n for m in shape_b for n in (1, m)))
        cot = np.sum(g * other, axis=tuple(range(1, 2 * ndim, 2)))
    else:
        other = np.reshape(_conj(a), tuple(n for m in shape_a for n in (m, 1)))
        cot = np.sum(g * other, axis=tuple(range(0, 2 * ndim, 2)))
    x = args[argnum]
    return _fit(np.reshape(cot, shape_of(x)), x)


def _as_3_vectors(v):
    """Vectors of 2 components get a zero third one (the z = 0 plane, as np.cross reads them)."""
    if shape_of(v)[-1] == 3:
        return v
    return np.concatenate([v, np.zeros(shape_of(v)[:-1] + (1,), dtype_of(v))], axis=-1)


def _cross_vjp(argnum, g, ans, args, kwargs):
    # c = a x b: cotangent of a is conj(b) x g, of b is g x conj(a)
    options = dict(zip(("axisa", "axisb", "axisc", "axis"), args[2:]), **kwargs)
    axis = options.get("axis")
    axes = (axis,) * 3 if axis is not None else tuple(
        options.get(key, -1) for key in ("axisa", "axisb", "axisc"))
    a, b = (np.moveaxis(v, ax, -1) for v, ax in zip(args[:2], axes))
    if shape_of(a)[-1] == 2 and shape_of(b)[-1] == 2:  # the output is the z component alone
        zeros = np.zeros(shape_of(g), dtype_of(g))
        g = np.stack([zeros, zeros, g], axis=-1)
    else:
        g = np.moveaxis(g, axes[2], -1)
    if argnum == 0:
        cot, moved = np.cross(_conj(_as_3_vectors(b)), g), a
    else:
        cot, moved = np.cross(g, _conj(_as_3_vectors(a))), b
    cot = unbroadcast(cot[..., :shape_of(moved)[-1]], shape_of(moved), dtype_of(moved))
    return np.moveaxis(cot, -1, axes[argnum])


# --- einsum ---------------------------------------------------------------------------------
_LABELS = string.ascii_uppercase + string.ascii_lowercase  # in ASCII order, as NumPy sorts


def _einsum_parts(args):
    """(input subscripts, output subscripts, operands, position of each operand in args) in
    explicit form, ellipses spelled out with unused letters (right-aligned, as they broadcast).
    Accepts the string form and the interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if isinstance(args[0], str):
        subscripts = args[0].replace(" ", "")
        operands, positions = args[1:], range(1, len(args))
    else:
        def letters(sublist):
            return "".join("..." if s is Ellipsis else _LABELS[s] for s in sublist)
        pairs = len(args) // 2
        operands, positions = args[0:2 * pairs:2], range(0, 2 * pairs, 2)
        subscripts = ",".join(letters(s) for s in args[1:2 * pairs:2])
        if len(args) % 2:
            subscripts += "->" + letters(args[-1])
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    unused = [c for c in _LABELS if c not in subscripts]
    ellipsis_ndims = [len(shape_of(op)) - len(s.replace("...", "")) if "..." in s else 0
                      for s, op in zip(inputs, operands)]
    count = max(ellipsis_ndims, default=0)
    spelled = "".join(unused[:count])
    inputs = [s.replace("...", spelled[count - n:]) for s, n in zip(inputs, ellipsis_ndims)]
    if arrow:
        output = output.replace("...", spelled)
    else:  # implicit output: ellipsis axes, then the letters used once, in alphabetical order
        counts = Counter("".join(inputs))
        output = spelled + "".join(sorted(c for c, n in counts.items()
                                          if n == 1 and c not in spelled))
    return inputs, output, list(operands), list(positions)


def _einsum_vjp(argnum, g, ans, args, kwargs):
    inputs, output, operands, positions = _einsum_parts(args)
    k = positions.index(argnum)
    x, subs = operands[k], inputs[k]
    sizes = {}
    for s, op in zip(inputs, operands):
        for c, n in zip(s, shape_of(op)):
            sizes[c] = max(sizes.get(c, 1), n)
    others = [i for i in range(len(operands)) if i != k]
    elsewhere = set(output).union(*(inputs[i] for i in others))
    distinct = "".join(dict.fromkeys(subs))
    kept = "".join(c for c in distinct if c in elsewhere)
    spec = ",".join([output] + [inputs[i] for i in others]) + "->" + kept
    # the caller's optimize= choice, else a contraction path as soon as there are three operands
    optimize = kwargs.get("optimize", len(others) > 1)
    cot = np.einsum(spec, g, *[_conj(operands[i]) for i in others], optimize=optimize)
    if len(kept) < len(distinct):
        # letters summed inside x alone ('ij->i'): the cotangent is constant along them
        cot = np.reshape(cot, tuple(sizes[c] if c in kept else 1 for c in distinct))
        cot = np.broadcast_to(cot, tuple(sizes[c] for c in distinct))
    if len(distinct) < len(subs):
        # a letter repeated in x ('ii->i', a trace): the cotangent lives on the diagonal
        spare = iter(c for c in _LABELS if c not in subs)
        seen, renamed, deltas = set(), "", []
        for c in subs:
            if c in seen:
                fresh = next(spare)
                deltas.append(c + fresh)
                renamed += fresh
            else:
                seen.add(c)
                renamed += c
        eyes = [np.eye(sizes[d[0]], dtype=dtype_of(cot)) for d in deltas]
        cot = np.einsum(",".join([distinct] + deltas) + "->" + renamed, cot, *eyes)
    shape = shape_of(x)
    broadcast = tuple(i for i, c in enumerate(subs) if shape[i] == 1 and sizes[c] != 1)
    if broadcast:
        cot = np.sum(cot, axis=broadcast, keepdims=True)
    return _fit(cot, x)


defvjp_argnum(np.matmul, _matmul_vjp)
defvjp_argnum(np.matvec, _matvec_vjp)
defvjp_argnum(np.vecmat, _vecmat_vjp)
defvjp_argnum(np.vecdot, _vecdot_vjp)
defvjp_argnum(np.dot, _dot_vjp)
defvjp_argnum(np.inner, _inner_vjp)
defvjp_argnum(np.vdot, _vdot_vjp)
defvjp_argnum(np.outer, _outer_vjp)
defvjp_argnum(np.tensordot, _tensordot_vjp)
defvjp_argnum(np.kron, _kron_vjp)
defvjp_argnum(np.cross, _cross_vjp)
defvjp_argnum(np.einsum, _einsum_vjp)

