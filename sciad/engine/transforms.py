"""Function transforms, named as in JAX: grad, value_and_grad, vjp, jvp, jacobian, hessian, hvp.

Each transform opens a fresh trace level, boxes the differentiated arguments as
:class:`~sciad.engine.tensor.Tensor` leaves, runs the user's function once, and pulls cotangents
back through the recorded graph. Because every derivative rule is itself NumPy code, transforms
nest to any order: ``grad(grad(f))``, ``jacobian(grad(f))``.
"""

from __future__ import annotations

import functools
import gc
from typing import Callable, Sequence

import numpy as np

from .graph import Node, Primitive, backward, close_tape, new_level, open_tape
from .pytree import _LEAF, tree_flatten, tree_leaves, tree_map, tree_unflatten
from .tensor import Tensor

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp"]


class _Trace:
    """One run of a function with some arguments boxed at a fresh level."""

    def __init__(self, fun, args, kwargs, argnums):
        self.level = level = new_level()
        self.argnums = argnums
        args = list(args)
        self.nodes: list[Node] = []
        self.leaf_specs = []  # per argnum: (treedef, [(shape, dtype, was_python_scalar)])
        for i in argnums:
            if i >= len(args):
                raise TypeError(f"argnums={i} but the function was called with {len(args)} "
                                "positional arguments")
            leaf = args[i]
            if type(leaf) is np.ndarray and leaf.dtype.kind in "fc":
                # one float array, the usual argument: no tree walk and no conversion
                node = Node(None, (), None, None, ())
                args[i] = Tensor(leaf, node, level)
                self.nodes.append(node)
                self.leaf_specs.append((_LEAF, ((leaf.shape, leaf.dtype, False),)))
                continue
            leaves, treedef = _flatten(leaf)
            boxes, specs = [], []
            for leaf in leaves:
                value = _differentiable_value(leaf, i)
                node = Node.leaf()
                boxes.append(Tensor(value, node, level))
                self.nodes.append(node)
                specs.append((value.shape, value.dtype, isinstance(leaf, (float, int))))
            args[i] = boxes[0] if treedef is _LEAF else tree_unflatten(treedef, boxes)
            self.leaf_specs.append((treedef, specs))
        self.tape = open_tape(level)
        try:
            self.out = fun(*args, **kwargs)
        finally:
            close_tape(level)

    def value(self, out):
        """The output with this level's boxes removed."""
        if type(out) is Tensor:
            return out._value if out._level == self.level else out
        return tree_map(self._unbox, out)

    def _unbox(self, x):
        if type(x) is Tensor and x._level == self.level:
            return x._value
        return x

    def pull_back(self, out_leaf, cotangent, keep_graph):
        """Cotangents of every boxed input leaf, zeros where the output does not depend on it."""
        if type(out_leaf) is Tensor and out_leaf._level == self.level:
            found = backward(out_leaf._node, cotangent, keep_graph=keep_graph, tape=self.tape)
        else:
            found = {}
        return [found.get(node) for node in self.nodes]

    def pull_back_all(self, seeds, keep_graph):
        """:meth:`pull_back` of several ``(output leaf, cotangent)`` pairs in one backward pass.

        A pass per output walks the parts of the graph that the outputs share (most of it, for
        a function and its derivative) once per output; one pass from a node that fans out to
        every output walks it once and sums the cotangents on the way."""
        seeds = [(leaf, ct) for leaf, ct in seeds
                 if type(leaf) is Tensor and leaf._level == self.level]
        if len(seeds) <= 1:
            return self.pull_back(*seeds[0], keep_graph) if seeds else [None] * len(self.nodes)
        fan_out = Node(_FAN_OUT, (), None, None,
                       tuple((i, leaf._node) for i, (leaf, _) in enumerate(seeds)))
        found = backward(fan_out, [ct for _, ct in seeds], keep_graph=keep_graph,
                         tape=self.tape + [fan_out])
        return [found.get(node) for node in self.nodes]

    def structure(self, flat_grads, single, out_shape=()):
        """Put flat per-leaf cotangents back into the argument structure."""
        if single and len(flat_grads) == 1 and self.leaf_specs[0][0] is _LEAF:
            shape, dtype, scalar = self.leaf_specs[0][1][0]  # one array: no structure to build
            return _finish(flat_grads[0], out_shape + shape, dtype, scalar)
        grads, k = [], 0
        for treedef, specs in self.leaf_specs:
            leaves = []
            for shape, dtype, scalar in specs:
                leaves.append(_finish(flat_grads[k], out_shape + shape, dtype, scalar))
                k += 1
            grads.append(leaves[0] if treedef is _LEAF else tree_unflatten(treedef, leaves))
        return grads[0] if single else tuple(grads)


# The node that hands each output of a vjp its own cotangent: its "cotangent" is the list of them.
_FAN_OUT = Primitive("vjp outputs", None, lambda argnum, g, ans, args, kwargs: g[argnum])


def _flatten(tree):
    """:func:`tree_flatten`, without its walk for the common single array or number."""
    if isinstance(tree, (dict, list, tuple)) or tree is None:
        return tree_flatten(tree)
    return [tree], _LEAF


def _pausing_cyclic_gc(transformed):
    """Run ``transformed`` with Python's cyclic garbage collector paused.

    A transform allocates thousands of short-lived objects (graph nodes, boxes, tuples), which
    trigger generation-0 (and now and then full) collections that find nothing: the graph holds
    no reference cycles and reference counting frees it. Pausing saves 10-20% of a gradient of
    small arrays. Cyclic garbage that the user's function makes is collected after the
    transform returns; nested transforms and other threads that find the collector paused leave
    it as they found it."""

    @functools.wraps(transformed)
    def run(*args, **kwargs):
        if not gc.isenabled():
            return transformed(*args, **kwargs)
        gc.disable()
        try:
            return transformed(*args, **kwargs)
        finally:
            gc.enable()

    return run


def _differentiable_value(leaf, argnum):
    if type(leaf) is Tensor:
        if leaf._node is None:
            leaf = leaf._value  # a constant box
        else:
            return leaf  # a value traced at an outer level: nest inside it
    value = np.asarray(leaf)
    if value.dtype.kind in "fc":
        return value
    if value.dtype.kind in "iub":
        return value.astype(np.float64)
    raise TypeError(f"cannot differentiate with respect to argument {argnum}: its leaves must "
                    f"be numbers or float arrays, got {value.dtype} {type(leaf).__name__}")


def _finish(g, shape, dtype, scalar):
    if g is None:
        return np.zeros(shape, dtype)
    if type(g) is Tensor:
        return g
    g = np.asarray(g)
    if g.shape != shape:
        g = np.broadcast_to(g, shape)
    if not g.flags.writeable or g.base is not None and not g.flags.owndata:
        g = np.array(g)
    if g.dtype != dtype and dtype.kind == "f" and g.dtype.kind == "f":
        g = g.astype(dtype)
    return g[()] if scalar and g.ndim == 0 else g


def _argnums(argnums) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    return tuple(argnums), False


def _split_aux(out, has_aux):
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError("has_aux=True needs the function to return a pair (output, aux)")
    return out[0], out[1]


_ONE = np.ones(())


def _ones_cotangent(value, what):
    if type(value) is np.float64 or (type(value) is np.ndarray and value.dtype is _ONE.dtype
                                     and not value.shape):
        return _ONE.copy()  # the usual float64 scalar: np.ones costs ~10x more
    if isinstance(value, (np.ndarray, np.generic)):
        shape, size, dtype = value.shape, value.size, value.dtype
    else:
        shape, dtype = np.shape(value), np.result_type(value)
        size = int(np.prod(shape))
    if size != 1:
        raise TypeError(f"{what} needs a scalar output, but the function returned shape {shape}; "
                        "use sciad.jacobian for vector outputs, or sciad.vjp with a cotangent")
    if dtype.kind == "c":
        raise TypeError(f"{what} needs a real scalar output, got {dtype}; take np.real or np.abs")
    if dtype.kind != "f":
        dtype = np.float64
    return np.ones(shape, dtype)


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """Like :func:`grad`, but the new function returns ``(value, gradient)``
    (``((value, aux), gradient)`` with ``has_aux``).

    Examples
    --------
    >>> value, g = sciad.value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    >>> float(value), g.tolist()
    (5.0, [2.0, 4.0])
    """
    nums, single = _argnums(argnums)

    @_pausing_cyclic_gc
    def value_and_grad_fun(*args, **kwargs):
        trace = _Trace(fun, args, kwargs, nums)
        out, aux = _split_aux(trace.out, has_aux)
        value = trace.value(out)
        if isinstance(out, (dict, list, tuple)):
            raise TypeError("grad needs a scalar output, but the function returned a "
                            f"{type(out).__name__}; use sciad.jacobian for several outputs")
        cotangent = _ones_cotangent(_raw_value(value), "grad")
        flat = trace.pull_back(out, cotangent, keep_graph=False)
        grads = trace.structure(flat, single)
        if has_aux:
            return (value, trace.value(aux)), grads
        return value, grads

    _name(value_and_grad_fun, "value_and_grad", fun)
    return value_and_grad_fun


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False):
    """The gradient of a scalar function, as a new function.

    Parameters
    ----------
    fun : callable
        Plain NumPy code returning a scalar.
    argnums : int or tuple of ints
        Which positional arguments to differentiate with respect to. Arguments may be pytrees
        (dicts, lists, tuples of arrays and numbers); gradients keep their structure.
    has_aux : bool
        ``fun`` returns ``(output, aux)``; aux is returned beside the gradient.

    Examples
    --------
    >>> g = sciad.grad(lambda x: np.sum(np.sin(x) ** 2))
    >>> g(np.array([0.0, np.pi / 4])).round(6).tolist()
    [0.0, 1.0]
    """
    value_and_grad_fun = value_and_grad(fun, argnums, has_aux)

    def grad_fun(*args, **kwargs):
        value, grads = value_and_grad_fun(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    _name(grad_fun, "grad", fun)
    return grad_fun


@_pausing_cyclic_gc
def vjp(fun: Callable, *primals, has_aux: bool = False):
    """Evaluate ``fun(*primals)`` and return ``(out, vjp_fn)`` (``(out, vjp_fn, aux)``).

    ``vjp_fn(cotangent)`` returns a tuple with one cotangent per primal. The forward pass is
    recorded once; ``vjp_fn`` can be called any number of times.
    """
    trace = _Trace(fun, primals, {}, tuple(range(len(primals))))
    out, aux = _split_aux(trace.out, has_aux)
    out_leaves, out_def = tree_flatten(out)
    value = trace.value(out)

    @_pausing_cyclic_gc
    def vjp_fn(cotangent):
        ct_leaves, ct_def = tree_flatten(cotangent)
        if len(ct_leaves) != len(out_leaves):
            raise ValueError(f"the cotangent has {len(ct_leaves)} leaves, the output has "
                             f"{len(out_leaves)}")
        seeds = [(leaf, _cotangent_like(leaf, ct)) for leaf, ct in zip(out_leaves, ct_leaves)]
        # An output whose cotangent is exactly zero adds nothing: leaving it out spares the
        # backward pass its whole subgraph (JAX's symbolic zeros). Only plain arrays qualify: a
        # traced zero cotangent still carries a derivative (jvp differentiates through it).
        seeds = [(leaf, ct) for leaf, ct in seeds if not _is_plain_zero(ct)]
        return trace.structure(trace.pull_back_all(seeds, keep_graph=True), single=False)

    if has_aux:
        return value, vjp_fn, trace.value(aux)
    return value, vjp_fn


def _raw_value(x):
    while type(x) is Tensor:
        x = x._value
    return x


def _is_plain_zero(ct) -> bool:
    return type(ct) is np.ndarray and not ct.any()


def _cotangent_like(out_leaf, ct):
    if type(ct) is Tensor:
        return ct
    shape = np.shape(_raw_value(out_leaf))
    ct = np.asarray(ct)
    if ct.shape != shape:
        raise ValueError(f"the cotangent has shape {ct.shape}, the output has shape {shape}")
    # a view: where it reaches an input unchanged (f(x) = x + 1), the result is then copied
    # (structure() copies views), so the caller's gradient never is the caller's cotangent
    return ct.view()


def jvp(fun: Callable, primals: Sequence, tangents: Sequence):
    """Forward-mode product: ``(fun(*primals), J @ tangents)``.

    Computed as the transpose of a vector-Jacobian product (the vjp is linear in its cotangent,
    so differentiating it once more gives J v), which needs no forward rules.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(fun, primals, tangents) takes a tuple of primals and a tuple of "
                        "tangents, one per argument of fun: jvp(f, (x,), (v,)), got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals and {len(tangents)} tangents")
    for p, t in zip(tree_leaves(primals), tree_leaves(tangents)):
        if np.shape(_raw_value(p)) != np.shape(_raw_value(t)):
            raise ValueError(f"a tangent has shape {np.shape(t)}, its primal {np.shape(p)}")
    out, vjp_fn = vjp(fun, *primals)

    def pairing(cotangent):
        pulled = tree_leaves(vjp_fn(cotangent))
        total = 0.0
        for c, t in zip(pulled, tree_leaves(tangents)):
            total = total + np.sum(np.real(c * t))
        return total

    zeros = tree_map(lambda o: np.zeros(np.shape(_raw_value(o)),
                                        np.result_type(_raw_value(o), np.float64)), out)
    return out, grad(pairing)(zeros)


def jacobian(fun: Callable, argnums: int | Sequence[int] = 0):
    """The Jacobian, ``out.shape + arg.shape`` per argument leaf (reverse mode).

    The forward pass is recorded once and reused for every output row. Outputs may be pytrees
    (a dict of named outputs gives a dict of Jacobians).
    """
    nums, single = _argnums(argnums)

    @_pausing_cyclic_gc
    def jacobian_fun(*args, **kwargs):
        trace = _Trace(fun, args, kwargs, nums)
        out_leaves, out_def = tree_flatten(trace.out)
        per_output = []
        for leaf in out_leaves:
            shape = np.shape(_raw_value(leaf))
            dtype = np.result_type(_raw_value(leaf), np.float64)
            rows = []
            for index in np.ndindex(*shape):
                ct = np.zeros(shape, dtype)
                ct[index] = 1.0
                rows.append(trace.pull_back(leaf, ct, keep_graph=True))
            per_output.append((_assemble(rows, shape, trace), shape))
        results = []
        for assembled, shape in per_output:
            results.append(trace.structure(assembled, single, shape))
        return tree_unflatten(out_def, results)

    _name(jacobian_fun, "jacobian", fun)
    return jacobian_fun


def _assemble(rows, out_shape, trace):
    """Stack per-row cotangents into out_shape + leaf_shape arrays, one per input leaf."""
    specs = [s for _, specs in trace.leaf_specs for s in specs]
    assembled = []
    for k, (shape, dtype, _) in enumerate(specs):
        column = [r[k] if r[k] is not None else np.zeros(shape, dtype) for r in rows]
        # np.broadcast_to costs microseconds per call: only for rows that need it
        column = [c if type(c) is Tensor or np.shape(c) == shape else np.broadcast_to(c, shape)
                  for c in column]
        if not column:
            assembled.append(np.zeros(out_shape + shape, dtype))
        else:
            assembled.append(np.reshape(np.stack(column), out_shape + shape))
    return assembled


def hessian(fun: Callable, argnums: int | Sequence[int] = 0):
    """The Hessian of a scalar function (``jacobian(grad(fun))``), shape ``x.shape * 2``."""
    h = jacobian(grad(fun, argnums), argnums)
    _name(h, "hessian", fun)
    return h


def hvp(fun: Callable):
    """Hessian-vector product without forming the Hessian: ``hvp(fun)(x, v, *args)``.

    Reverse-over-reverse: the gradient of ``<grad fun(x), v>``; costs a few gradient evaluations
    whatever the size of x. ``x`` and ``v`` may be pytrees of the same structure.
    """
    g = grad(fun)

    def pairing(x, v, *args, **kwargs):
        total = 0.0
        for a, b in zip(tree_leaves(g(x, *args, **kwargs)), tree_leaves(v)):
            total = total + np.sum(a * b)
        return total

    pairing_grad = grad(pairing)

    def hvp_fun(x, v, *args, **kwargs):
        x_leaves, v_leaves = tree_leaves(x), tree_leaves(v)
        if len(x_leaves) != len(v_leaves):
            raise ValueError(f"hvp: v has {len(v_leaves)} leaves, x has {len(x_leaves)}; "
                             "v must have the structure of x")
        for a, b in zip(x_leaves, v_leaves):
            if np.shape(_raw_value(a)) != np.shape(_raw_value(b)):
                raise ValueError(f"hvp: v has shape {np.shape(_raw_value(b))} where x has shape "
                                 f"{np.shape(_raw_value(a))}; v must have the shape of x")
        return pairing_grad(x, v, *args, **kwargs)

    _name(hvp_fun, "hvp", fun)
    return hvp_fun


def _name(wrapper, transform, fun):
    inner = getattr(fun, "__name__", "function")
    wrapper.__name__ = f"{transform}({inner})"
    wrapper.__qualname__ = wrapper.__name__
    wrapper.__doc__ = f"{transform} of {inner}, made by sciad."
