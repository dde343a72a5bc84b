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

import itertools
import threading

import numpy as np

from ..errors import NotDifferentiableError

__all__ = ["Primitive", "Node", "Parts", "apply", "apply_multi", "backward", "new_level",
           "grad_enabled", "set_grad_enabled"]

_levels = itertools.count(1)  # level 0 belongs to the object API (requires_grad tensors)
_state = threading.local()


def new_level() -> int:
    """A trace level higher than every level handed out before."""
    return next(_levels)


def grad_enabled() -> bool:
    return getattr(_state, "grad_enabled", True)


def set_grad_enabled(flag: bool) -> bool:
    previous = grad_enabled()
    _state.grad_enabled = flag
    return previous


class Primitive:
    """A differentiable operation: ``fn`` computes the value, ``vjp`` pulls a cotangent back.

    ``vjp(argnum, g, ans, args, kwargs)`` returns the cotangent of positional argument
    ``argnum`` given the output cotangent ``g``; ``None`` means zero.
    """

    __slots__ = ("name", "fn", "vjp")

    def __init__(self, name: str, fn, vjp):
        self.name = name
        self.fn = fn
        self.vjp = vjp

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


class Node:
    """One recorded application of a primitive (or a leaf when ``prim`` is None)."""

    __slots__ = ("prim", "args", "kwargs", "ans", "parents", "argnums", "owner", "__weakref__")

    def __init__(self, prim, args, kwargs, ans, parents, argnums, owner=None):
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
        if type(a) is Tensor and a._level > top:
            top = a._level
    if top < 0 or not grad_enabled():
        # Nothing to differentiate: the fast path, no node. Constant boxes (object API tensors
        # without requires_grad) stay boxed so that method chaining keeps working.
        value = prim.fn(*[_strip(a) for a in args], **kwargs)
        return Tensor(value) if _is_float_array(value) else value
    unboxed = []
    parents = []
    argnums = []
    for i, a in enumerate(args):
        if type(a) is Tensor:
            level = a._level
            if level == top:
                unboxed.append(a._value)
                parents.append(a._node)
                argnums.append(i)
            elif level < 0:
                unboxed.append(a._value)
            else:
                unboxed.append(a)
        else:
            unboxed.append(a)
    value = prim.fn(*unboxed, **kwargs)
    return Tensor(value, Node(prim, unboxed, kwargs, value, parents, argnums), top)


def _is_float_array(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc"


def backward(root: Node, cotangent, targets=None, keep_graph: bool = True) -> dict:
    """Propagate ``cotangent`` from ``root`` to every node it depends on.

    Returns ``{node: cotangent}`` for the nodes in ``targets`` (all leaves when ``targets`` is
    None). Iterative, so chains of any length work. Cotangents of a node are summed in place once
    the pass owns the buffer, and dropped as soon as the node has been processed.
    """
    # Count, for every reachable node, how many reachable nodes consume it.
    consumers = {root: 0}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                stack.append(parent)

    grads = {root: cotangent}
    owned = set()  # nodes whose cotangent buffer was allocated by this pass
    results = {}
    ready = [root]
    while ready:
        node = ready.pop()
        g = grads.pop(node, None)
        if not node.parents:
            if g is not None and (targets is None or node in targets):
                results[node] = g
            continue
        prim = node.prim
        for argnum, parent in zip(node.argnums, node.parents):
            if g is not None:
                try:
                    cot = prim.vjp(argnum, g, node.ans, node.args, node.kwargs)
                except NotDifferentiableError:
                    raise
                except Exception as exc:  # say which rule failed, not just where in NumPy
                    exc.add_note(f"sciad: raised by the derivative rule of {prim.name} "
                                 f"(argument {argnum})")
                    raise
                if cot is not None:
                    previous = grads.get(parent)
                    if previous is None:
                        grads[parent] = cot
                    elif parent in owned:
                        grads[parent] = _accumulate_inplace(previous, cot)
                    else:
                        grads[parent] = previous + cot
                        owned.add(parent)
            remaining = consumers[parent] - 1
            consumers[parent] = remaining
            if remaining == 0:
                ready.append(parent)
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
