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

__all__ = ["Primitive", "PASS", "Node", "Parts", "apply", "apply_binary", "apply_unary", "apply_multi", "backward", "new_level",
           "open_tape", "close_tape", "grad_enabled", "set_grad_enabled"]

_levels = itertools.count(1)  # level 0 belongs to the object API (requires_grad tensors)
# level -> the nodes recorded at that level, in creation order, while a transform's function
# runs. Creation order is a topological order, so the backward pass of a transform walks its tape
# backwards instead of sorting the graph (the object API, level 0, has no tape and sorts).
_tapes: dict = {}


class _NoTape:
    """The object API's tape (level 0): it keeps nothing. Its graph is sorted when needed."""

    __slots__ = ()

    def append(self, node):
        pass


_tapes[0] = _NoTape()
# Recording switch, read on every operation: a one-element list is the cheapest global to read.
# Like torch.no_grad it is per thread: threads other than the one in no_grad() keep recording.
_recording = [True]
_recording_thread = [None]


def new_level() -> int:
    """A trace level higher than every level handed out before."""
    return next(_levels)


def open_tape(level: int) -> list:
    """Start recording every node created at ``level`` into a list (the level's tape)."""
    tape = _tapes[level] = []
    return tape


def close_tape(level: int) -> None:
    """Stop recording ``level``'s nodes; the tape itself stays valid for backward passes."""
    _tapes.pop(level, None)


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
    directly, one Python call fewer on the hottest path (elementwise operations). A None entry
    there means the cotangent passes through unchanged (up to broadcasting, which ``vjp``
    handles).
    ``add_into``, when given, is ``add_into(buffer, owned, g, args, kwargs)``: it adds the
    cotangent of argument 0 into ``buffer`` (the parent's cotangent so far, or None) and returns
    the buffer, which the pass then owns, or returns None to fall back to ``vjp``. Indexing uses
    it: ``x[1:]``'s cotangent is added into x's buffer instead of into a fresh array of zeros.

    A ``by_arg`` entry :data:`PASS` hands the cotangent on as it is, unchecked: for primitives
    recorded only where the argument is known to have the result's shape and dtype.

    ``reads``, when given, says what each argument's rule reads besides shapes and dtypes:
    ``(reads_ans, reads_args)``, per argument a bool and a set of argument positions. Large
    arrays that no rule of a recorded node reads are then not kept on the graph (see
    :func:`_record`).

    ``float64_form``, for an elementwise primitive: the primitive to record instead when every
    argument is a float64 array of the result's shape (one float64 array, or two of one shape),
    whose rules need no shape or dtype checks (see registry.elementwise).
    """

    __slots__ = ("name", "fn", "vjp", "by_arg", "add_into", "reads", "float64_form")

    def __init__(self, name: str, fn, vjp, by_arg=None, add_into=None, reads=None):
        self.name = name
        self.fn = fn
        self.vjp = vjp
        self.by_arg = by_arg
        self.add_into = add_into
        self.reads = reads
        self.float64_form = None

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


PASS = "pass"  # a by_arg entry: the argument's cotangent is the result's, unchanged


class Node:
    """One recorded application of a primitive (or a leaf when ``prim`` is None)."""

    __slots__ = ("prim", "args", "kwargs", "ans", "links", "__weakref__")
    owner = None  # the Tensor of an object-API leaf, to receive .grad (see _OwnedLeaf)

    def __init__(self, prim, args, kwargs, ans, links):
        self.prim = prim
        self.args = args
        self.kwargs = kwargs
        self.ans = ans
        self.links = links  # (argnum, parent node) per traced argument: what the rule pulls back to

    @staticmethod
    def leaf(owner=None) -> "Node":
        if owner is None:
            return Node(None, (), None, None, ())
        node = _OwnedLeaf(None, (), None, None, ())
        node.owner = owner
        return node


class _OwnedLeaf(Node):
    """A leaf of the object API: ``owner`` is its tensor. Other nodes read the class's None, so
    recording an operation stores one slot fewer."""

    __slots__ = ("owner",)


_new = object.__new__


def _record(prim, args, kwargs, value, links, level):
    """The boxed result of one primitive application, with its node on the level's tape.

    Runs once per recorded operation, so both objects are made with ``object.__new__`` and slot
    stores: calling a class whose ``__init__`` is Python code costs CPython 3.11 a C-to-Python
    transition per object, over twice the time of these stores."""
    node = _new(Node)
    node.prim = prim
    if type(value) is _ndarray and value.size >= STRIP_SIZE and prim.reads is not None:
        args, node.ans = _unread_dropped(prim.reads, args, value, links)
    else:
        node.ans = value
    node.args = args
    node.kwargs = kwargs
    node.links = links
    try:
        _tapes[level].append(node)
    except KeyError:
        pass  # a transform's level after its function returned (a box that escaped it)
    box = _new(Tensor)
    box._value = value
    box._node = node
    box._level = level
    return box


# Arrays of at least this many entries (256 kB of float64) that no rule of their node reads are
# not kept on the graph (below it, making the stand-ins costs more than the memory saves: 30%
# of a gradient of Rosenbrock on 10,000 entries). Entries, not bytes: .size is the cheaper check
# on every recorded operation.
STRIP_SIZE = 1 << 15
_ndarray = np.ndarray
_FLOAT64 = np.dtype(np.float64)


def _unread_dropped(reads, args, value, links):
    """``(args, ans)`` to keep on a node: the result as None and large arguments as zero-stride
    stand-ins (same shape and dtype, no memory) where no linked argument's rule reads them.

    A graph otherwise holds every intermediate array until its backward pass: a Monte Carlo
    path or a second-order Greek then needs fresh memory, and its page faults, for arrays that
    only a shape check looks at (the arguments of an addition, the result of a product)."""
    reads_ans, reads_args = reads
    keep_ans = False
    needed = set()
    for argnum, _ in links:
        keep_ans = keep_ans or reads_ans[argnum]
        needed |= reads_args[argnum]
    kept = list(args)
    for i, a in enumerate(args):
        if (i not in needed and type(a) is np.ndarray and a.size >= STRIP_SIZE
                and a.dtype.kind in "fc"):
            kept[i] = filled(0, a.shape, a.dtype)
    return tuple(kept), value if keep_ans else None


_FILLED: dict = {}  # (number, shape, dtype) -> its zero-stride array


def filled(number, shape: tuple, dtype) -> np.ndarray:
    """A read-only array of ``shape`` and ``dtype`` whose every entry is ``number``: zero
    strides, so no memory and no pass over it (np.broadcast_to does the same ~6x slower).

    Cached, since making one costs ~2 us and a gradient makes the same ones on every call (a
    sum's cotangent, 100 times it in ``sum(100.0 * r ** 2)``). Zero is not cached: 0.0 and -0.0
    are one key, and the sign of a zero cotangent is kept."""
    key = (number, shape, dtype)
    view = _FILLED.get(key) if number != 0 else None
    if view is None:
        view = np.ndarray(shape, dtype, np.array(number, dtype), 0, (0,) * len(shape))
        view.flags.writeable = False
        if number != 0:
            if len(_FILLED) >= 256:  # computed cotangents (and NaN, never equal) must not grow it
                _FILLED.clear()
            _FILLED[key] = view
    return view


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
    links = []
    for i, a in enumerate(args):
        if type(a) is Tensor:
            level = a._level
            if level == top:
                unboxed[i] = a._value
                links.append((i, a._node))
            elif level < 0:
                unboxed[i] = a._value
    value = prim.fn(*unboxed, **kwargs)
    return _record(prim, unboxed, kwargs, value, links, top)


def apply_binary(prim: Primitive, a, b):
    """:func:`apply` for the operators (``x * 0.5``, ``x + y``): the same result, with the common
    cases (one traced operand, or two at the same level) handled without the general loop."""
    if _recording[0]:
        if type(b) is not Tensor:
            level = a._level if type(a) is Tensor else -1
            if level >= 0:
                x = a._value
                value = prim.fn(x, b)
                return _record(prim, (x, b), _NO_KWARGS, value, ((0, a._node),), level)
        elif type(a) is not Tensor:
            level = b._level
            if level >= 0:
                y = b._value
                value = prim.fn(a, y)
                return _record(prim, (a, y), _NO_KWARGS, value, ((1, b._node),), level)
        elif a._level == b._level >= 0:
            x, y, level = a._value, b._value, a._level
            if (type(x) is _ndarray and type(y) is _ndarray and x.dtype is _FLOAT64
                    and y.dtype is _FLOAT64 and x.shape == y.shape
                    and prim.float64_form is not None):
                prim = prim.float64_form
            return _record(prim, (x, y), _NO_KWARGS, prim.fn(x, y),
                           ((0, a._node), (1, b._node)), level)
    return apply(prim, (a, b), _NO_KWARGS)


def apply_unary(prim: Primitive, a):
    """:func:`apply` for one argument (``np.sin(x)``), without the general loop."""
    level = a._level
    if level >= 0 and _recording[0]:
        x = a._value
        if type(x) is _ndarray and x.dtype is _FLOAT64 and prim.float64_form is not None:
            prim = prim.float64_form
        return _record(prim, (x,), _NO_KWARGS, prim.fn(x), ((0, a._node),), level)
    return apply(prim, (a,), _NO_KWARGS)


_NO_KWARGS: dict = {}


def _is_float_array(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc"


def backward(root: Node, cotangent, targets=None, keep_graph: bool = True, tape=None) -> dict:
    """Propagate ``cotangent`` from ``root`` to every node it depends on.

    Returns ``{node: cotangent}`` for the leaves in ``targets`` (all leaves reached when
    ``targets`` is None). ``tape`` is the list of ``root``'s level's nodes in creation order (a
    transform's); without it the graph is sorted first. Iterative, so chains of any length work.
    Cotangents of a node are summed in place once the pass owns the buffer, and dropped as soon
    as the node has been processed.
    """
    # A node is processed only after every consumer has added its cotangent: consumers are
    # created after the nodes they use, so reverse creation order (the tape read backwards) and
    # reverse topological order (the sort) both guarantee it. Leaves are on neither list: their
    # cotangents stay in ``grads`` and are the result.
    grads = {root: cotangent}
    owned = set()  # nodes whose cotangent buffer was allocated by this pass (safe to add into)
    order = _reverse_topological(root) if tape is None else reversed(tape)
    pop, get = grads.pop, grads.get
    for node in order:
        g = pop(node, None)
        if g is None:
            continue  # recorded at this level, but root does not depend on it
        prim, ans, args = node.prim, node.ans, node.args
        by_arg = prim.by_arg
        for argnum, parent in node.links:
            try:
                if by_arg is not None:
                    rule = by_arg[argnum]
                    if rule is PASS:
                        cot = g
                    elif rule is not None:
                        cot = rule(g, ans, args)
                    else:
                        # the cotangent passes through (add, subtract's first argument), here
                        # without a call when it already has the argument's shape and dtype
                        x = args[argnum]
                        if (type(x) is np.ndarray and type(g) is np.ndarray
                                and g.shape == x.shape and g.dtype is x.dtype):
                            cot = g
                        else:
                            cot = prim.vjp(argnum, g, ans, args, node.kwargs)
                else:
                    if prim.add_into is not None:
                        buffer = prim.add_into(get(parent), parent in owned, g, args, node.kwargs)
                        if buffer is not None:
                            grads[parent] = buffer
                            owned.add(parent)
                            continue
                    cot = prim.vjp(argnum, g, ans, args, node.kwargs)
            except NotDifferentiableError:
                raise
            except Exception as exc:  # say which rule failed, not just where in NumPy
                exc.add_note(f"sciad: raised by the derivative rule of {prim.name} "
                             f"(argument {argnum})")
                raise
            if cot is None:
                continue
            previous = get(parent)
            if previous is None:
                grads[parent] = cot
            elif parent in owned:
                grads[parent] = _accumulate_inplace(previous, cot)
            else:
                grads[parent] = previous + cot
                owned.add(parent)
        if not keep_graph:
            # Let go of the forward values as soon as they are used: their memory is reused by
            # the cotangents that follow. Freeing the whole graph only at the end made the heap's
            # top free block large enough for glibc to hand it back to the OS, and the next
            # call page-faulted it all back in (3x slower on 10,000-element arrays).
            node.args = node.ans = None
            if tape is None:
                # the object API keeps tensors (and so nodes) alive: cut them from the graph
                node.prim = node.kwargs = None
                node.links = ()
    # A leaf's cotangent may be a read-only view (a sum's is) or an array that a rule also
    # holds: the transforms and Tensor.backward copy what they hand to the caller.
    if targets is None:
        return grads
    return {node: g for node, g in grads.items() if node in targets}


def _reverse_topological(root: Node) -> list:
    """The non-leaf nodes ``root`` depends on, each listed after all of its consumers (Kahn's
    algorithm on the consumer counts, without recursion)."""
    consumers = {}
    stack = [root]
    while stack:
        for _, parent in stack.pop().links:
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                stack.append(parent)
    order = []
    ready = [root] if root.links else []
    while ready:
        node = ready.pop()
        order.append(node)
        for _, parent in node.links:
            consumers[parent] -= 1
            if consumers[parent] == 0 and parent.links:
                ready.append(parent)
    return order


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
