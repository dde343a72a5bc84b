"""The computation graph: nodes, trace levels, primitive application and the backward pass.

Every differentiable operation is a :class:`Primitive`: a NumPy function plus one vector-Jacobian
rule. Applying a primitive to :class:`~sciad.engine.tensor.Tensor` arguments records a
:class:`Node` that remembers the rule, the (unboxed) arguments and the answer. The backward pass
walks the recorded nodes in reverse topological order and calls each rule once.

Nested transforms (``grad(grad(f))``) use trace *levels*: every transform opens a fresh, higher
level, and a primitive only records at the highest level among its arguments. Lower-level boxes
stay boxed inside the computation, so the rules, which are written with NumPy calls, are
themselves recorded one level down. That gives derivatives of any order and keeps the
perturbations of different levels apart (no perturbation confusion).
"""

from __future__ import annotations

import heapq
import itertools
import threading

import numpy as np

from ..errors import NotDifferentiableError

__all__ = ["Primitive", "Node", "Parts", "apply", "apply_binary", "apply_unary", "apply_multi", "backward", "new_level",
           "grad_enabled", "set_grad_enabled"]

_next_seq = itertools.count().__next__
_levels = itertools.count(1)  # level 0 belongs to the object API (requires_grad tensors)
# Recording switch, read on every operation: a one-element list is the cheapest global to read.
# Like torch.no_grad it is per thread: threads other than the one in no_grad() keep recording.
_recording = [True]
_recording_thread = [None]


def new_level() -> int:
    """A trace level higher than every level handed out before."""
    return next(_levels)


def grad_enabled() -> bool:
    return _recording[0] or _recording_thread[0] != threading.get_ident()


def set_grad_enabled(flag: bool) -> bool:
    previous = grad_enabled()
    _recording[0] = flag
    _recording_thread[0] = None if flag else threading.get_ident()
    return previous


class Primitive:
    """A differentiable operation: ``fn`` computes the value, ``vjp`` pulls a cotangent back.

    ``vjp(argnum, g, ans, args, kwargs)`` returns the cotangent of positional argument
    ``argnum`` given the output cotangent ``g``; ``None`` means zero. ``by_arg``, when given,
    holds the same rule split per argument as ``rule(g, ans, args)``: the backward pass calls it
    directly, one Python call fewer on the hottest path (elementwise operations).
    """

    __slots__ = ("name", "fn", "vjp", "by_arg")

    def __init__(self, name: str, fn, vjp, by_arg=None):
        self.name = name
        self.fn = fn
        self.vjp = vjp
        self.by_arg = by_arg

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


class Node:
    """One recorded application of a primitive (or a leaf when ``prim`` is None)."""

    __slots__ = ("seq", "prim", "args", "kwargs", "ans", "parents", "argnums", "owner",
                 "__weakref__")

    def __init__(self, prim, args, kwargs, ans, parents, argnums, owner=None):
        self.seq = _next_seq()  # creation order: consumers always have larger numbers
        self.prim = prim
        self.args = args
        self.kwargs = kwargs
        self.ans = ans
        self.parents = parents
        self.argnums = argnums
        self.owner = owner  # the Tensor of an object-API leaf, to receive .grad

    @classmethod
    def leaf(cls, owner=None) -> "Node":
        return cls(None, (), None, None, (), (), owner)


def _strip(x):
    """The raw NumPy value under any number of boxes."""
    while isinstance(x, Tensor):
        x = x._value
    return x


def apply(prim: Primitive, args: tuple, kwargs: dict):
    """Apply ``prim`` to ``args``, recording a node at the highest trace level among them."""
    top = -1
    for a in args:
        if type(a) is Tensor:
            level = a._level
            if level > top:
                top = level
    if top < 0 or not _recording[0] and grad_enabled() is False:
        # Nothing to differentiate: the fast path, no node. Constant boxes (object API tensors
        # without requires_grad) stay boxed so that method chaining keeps working.
        value = prim.fn(*[_strip(a) for a in args], **kwargs)
        return Tensor(value) if _is_float_array(value) else value
    unboxed = list(args)
    parents = []
    argnums = []
    for i, a in enumerate(args):
        if type(a) is Tensor:
            level = a._level
            if level == top:
                unboxed[i] = a._value
                parents.append(a._node)
                argnums.append(i)
            elif level < 0:
                unboxed[i] = a._value
    value = prim.fn(*unboxed, **kwargs)
    return Tensor(value, Node(prim, unboxed, kwargs, value, parents, argnums), top)


def apply_binary(prim: Primitive, a, b):
    """:func:`apply` for the operators (``x * 0.5``, ``x + y``): the same result, with the common
    cases (one traced operand, or two at the same level) handled without the general loop."""
    if _recording[0]:
        if type(b) is not Tensor:
            level = a._level if type(a) is Tensor else -1
            if level >= 0:
                x = a._value
                value = prim.fn(x, b)
                return Tensor(value, Node(prim, (x, b), _NO_KWARGS, value, (a._node,), (0,)),
                              level)
        elif type(a) is not Tensor:
            level = b._level
            if level >= 0:
                y = b._value
                value = prim.fn(a, y)
                return Tensor(value, Node(prim, (a, y), _NO_KWARGS, value, (b._node,), (1,)),
                              level)
        elif a._level == b._level >= 0:
            x, y = a._value, b._value
            value = prim.fn(x, y)
            return Tensor(value, Node(prim, (x, y), _NO_KWARGS, value, (a._node, b._node), (0, 1)),
                          a._level)
    return apply(prim, (a, b), _NO_KWARGS)


def apply_unary(prim: Primitive, a):
    """:func:`apply` for one argument (``np.sin(x)``), without the general loop."""
    if _recording[0] and a._level >= 0:
        x = a._value
        value = prim.fn(x)
        return Tensor(value, Node(prim, (x,), _NO_KWARGS, value, (a._node,), (0,)), a._level)
    return apply(prim, (a,), _NO_KWARGS)


_NO_KWARGS: dict = {}


def _is_float_array(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc"


def backward(root: Node, cotangent, targets=None, keep_graph: bool = True) -> dict:
    """Propagate ``cotangent`` from ``root`` to every node it depends on.

    Returns ``{node: cotangent}`` for the nodes in ``targets`` (all leaves when ``targets`` is
    None). Iterative, so chains of any length work. Cotangents of a node are summed in place once
    the pass owns the buffer, and dropped as soon as the node has been processed.
    """
    # Node numbers grow in creation order, so every consumer of a node has a larger number than
    # the node: popping the largest number first visits nodes in reverse topological order, and a
    # node is popped only after all its consumers have added their cotangents.
    grads = {root: cotangent}
    owned = set()  # nodes whose cotangent buffer was allocated by this pass (safe to add into)
    results = {}
    heap = [(-root.seq, root)]
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        node = pop(heap)[1]
        g = grads.pop(node)
        parents = node.parents
        if not parents:
            if targets is None or node in targets:
                results[node] = g
            continue
        prim, ans, args, kwargs = node.prim, node.ans, node.args, node.kwargs
        by_arg = prim.by_arg
        for argnum, parent in zip(node.argnums, parents):
            try:
                if by_arg is not None:
                    cot = by_arg[argnum](g, ans, args)
                else:
                    cot = prim.vjp(argnum, g, ans, args, kwargs)
            except NotDifferentiableError:
                raise
            except Exception as exc:  # say which rule failed, not just where in NumPy
                exc.add_note(f"sciad: raised by the derivative rule of {prim.name} "
                             f"(argument {argnum})")
                raise
            if cot is None:
                continue
            previous = grads.get(parent)
            if previous is None:
                grads[parent] = cot
                push(heap, (-parent.seq, parent))
            elif parent in owned:
                grads[parent] = _accumulate_inplace(previous, cot)
            else:
                grads[parent] = previous + cot
                owned.add(parent)
        if not keep_graph:
            node.prim = node.args = node.ans = node.kwargs = None
            node.parents = node.argnums = ()
    return results


class Parts:
    """The cotangent of a multiple-output primitive (eigh, svd, qr, split ...): one entry per
    output, None where no cotangent arrived. Sums entrywise."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __add__(self, other):
        return Parts([b if a is None else a if b is None else a + b
                      for a, b in zip(self.items, other.items)])

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def _item(value, index):
    return value[index]


def _item_vjp(argnum, g, ans, args, kwargs):
    index = kwargs["index"]
    items = [None] * len(args[0])
    items[index] = g
    return Parts(items)


ITEM = Primitive("output item", _item, _item_vjp)


def apply_multi(prim: Primitive, args: tuple, kwargs: dict):
    """Apply a primitive that returns a tuple (or list) of arrays; returns one box per output.

    Its rule receives a :class:`Parts` cotangent."""
    out = apply(prim, args, kwargs)
    if type(out) is not Tensor:
        return out
    value = out._value
    items = [apply(ITEM, (out,), {"index": i}) for i in range(len(value))]
    if hasattr(value, "_make"):  # namedtuples such as EighResult keep their field names
        return type(value)._make(items)
    return type(value)(items) if isinstance(value, (tuple, list)) else tuple(items)


def _accumulate_inplace(buffer, cot):
    if (type(buffer) is np.ndarray and type(cot) is not Tensor
            and np.shape(cot) == buffer.shape and np.result_type(buffer, cot) == buffer.dtype):
        np.add(buffer, cot, out=buffer)
        return buffer
    return buffer + cot


from .tensor import Tensor  # noqa: E402  (circular: Tensor applies primitives)
