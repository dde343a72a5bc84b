"""`Tensor`: an array that remembers how it was computed.

A Tensor boxes a value (an ndarray, or at a nested trace level another Tensor) together with the
graph node that produced it. It implements NumPy's dispatch protocols
(``__array_ufunc__``, ``__array_function__``), so plain NumPy code and scipy.special ufuncs
accept it and return Tensors. Conversions that would silently drop a derivative
(``float(t)``, ``np.asarray(t)``, ``math.exp(t)``) raise :class:`NotDifferentiableError`.
"""

from __future__ import annotations

import operator as operator_module
import sys

import numpy as np

from ..errors import NotDifferentiableError

__all__ = ["Tensor", "tensor"]

_NO_KWARGS: dict = {}
_POWER_SHORTCUTS = {2: np.square, 0.5: np.sqrt, -1: np.reciprocal}


class Tensor:
    """An array value with a place in the computation graph.

    Create one with :func:`sciad.tensor`. Inside :func:`sciad.grad` and the other transforms,
    your function receives Tensors in place of its array arguments; treat them as ndarrays.
    """

    __slots__ = ("_value", "_node", "_level", "_grad", "__weakref__")
    __array_priority__ = 100.0

    def __init__(self, value, node=None, level=-1):
        self._value = value
        self._node = node
        self._level = level  # -1: constant, 0: object API, >=1: a transform's trace

    @property
    def grad(self):
        """d(loss)/d(self) after ``loss.backward()`` for a ``requires_grad`` leaf, else None."""
        try:
            return self._grad
        except AttributeError:  # never set: recording an operation stores one slot fewer
            return None

    @grad.setter
    def grad(self, value):
        self._grad = value

    # --- array attributes -------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._value.shape))

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def T(self):
        return np.transpose(self)

    @property
    def mT(self):
        return np.swapaxes(self, -1, -2)

    @property
    def real(self):
        return np.real(self)

    @property
    def imag(self):
        return np.imag(self)

    def __len__(self) -> int:
        return len(self._value)

    def __iter__(self):
        if not self._value.shape:
            raise TypeError("iteration over a 0-d Tensor")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __repr__(self) -> str:
        raw = _raw(self)
        body = np.array2string(np.asarray(raw), separator=", ", prefix="Tensor(")
        if self._level == 0:
            extra = ", requires_grad=True"
        elif self._level > 0:
            extra = f", traced at level {self._level}"
        else:
            extra = ""
        return f"Tensor({body}{extra})"

    __hash__ = object.__hash__  # __eq__ is elementwise, as for ndarray

    # --- NumPy protocols ---------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:
            # the common call, np.sin(x) or np.add(x, y), straight to the recording
            prim = UFUNC_RULES.get(ufunc)
            if prim is not None:
                if len(inputs) == 1:  # then the input is self
                    level = self._level
                    if level >= 0 and _recording[0]:
                        x = self._value
                        if type(x) is _ndarray and x.dtype is _FLOAT64:
                            form = prim.float64_form  # rules without checks, when there are
                            if form is not None:
                                prim = form
                        return _record(prim, (x,), _NO_KWARGS, prim.fn(x), ((0, self._node),),
                                       level)
                    return apply_unary(prim, self)
                if len(inputs) == 2:
                    return apply_binary(prim, inputs[0], inputs[1])
        return self._ufunc_other(ufunc, method, inputs, kwargs)

    def _ufunc_other(self, ufunc, method, inputs, kwargs):
        if "out" in kwargs:
            raise NotDifferentiableError(
                f"numpy.{ufunc.__name__}(..., out=...) writes into an existing array, which would "
                "drop the derivative; assign the result instead (y = f(x))")
        if method == "__call__":
            prim = UFUNC_RULES.get(ufunc)
            if prim is not None:
                return apply(prim, inputs, kwargs)
            handler = FUNCTION_RULES.get(ufunc)  # several outputs: modf, divmod, frexp
            if handler is not None:
                return handler(inputs, kwargs)
            if ufunc in NONDIFFERENTIABLE:
                return ufunc(*[_raw(a) for a in inputs], **kwargs)
            raise NotImplementedError(f"sciad has no derivative rule for {function_name(ufunc)}")
        reduction = _UFUNC_METHODS.get((ufunc, method))
        if reduction is not None:
            return reduction(*inputs, **kwargs)
        if method == "outer" and len(inputs) == 2:
            a, b = inputs
            return ufunc(np.reshape(a, np.shape(a) + (1,) * np.ndim(b)), b, **kwargs)
        if ufunc in NONDIFFERENTIABLE:
            return getattr(ufunc, method)(*[_raw(a) for a in inputs], **kwargs)
        raise NotImplementedError(
            f"sciad has no derivative rule for {function_name(ufunc)}.{method}"
            + ("; for an indexed update write y[idx] += v on a Tensor" if method == "at" else ""))

    def __array_function__(self, func, types, args, kwargs):
        handler = FUNCTION_RULES.get(func)
        if handler is not None:
            return handler(args, kwargs)
        if func in NONDIFFERENTIABLE:
            return func(*_raw_tree(args), **_raw_tree(kwargs))
        raise NotImplementedError(f"sciad has no derivative rule for {function_name(func)}")

    def __array__(self, dtype=None, copy=None):
        if self._node is None:
            return np.asarray(self._value, dtype=dtype)
        raise NotDifferentiableError(
            _replacement_hint() +
            "a traced sciad Tensor was converted to a NumPy array (np.asarray, np.array, or "
            "assignment into an ndarray), which would drop its derivative. Use NumPy functions on "
            "the Tensor itself; build arrays with np.stack([...]) or by assigning into "
            "np.zeros_like(x); or call sciad.stop_gradient(x) if you mean it to be a constant")

    # --- conversions that would drop a derivative -------------------------------------------
    def _scalar(self, kind):
        if self._node is None:
            return kind(_raw(self))
        raise NotDifferentiableError(
            f"{kind.__name__}() of a traced sciad Tensor would drop its derivative (this also "
            "happens in math.* functions and np.float64(x)). Keep it an array and use NumPy "
            "functions (np.exp, not math.exp), or call sciad.stop_gradient(x) first if you mean "
            "it to be a constant")

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        return self._scalar(int)

    def __bool__(self):
        return bool(_raw(self))  # control flow on values is fine; no derivative passes through it

    def item(self):
        if self._node is None:
            return _raw(self).item()
        return self._scalar(float)

    def tolist(self):
        if self._node is None:
            return np.asarray(_raw(self)).tolist()
        raise NotDifferentiableError("tolist() of a traced sciad Tensor would drop its "
                                     "derivative; iterate over the Tensor instead")

    # --- object API (PyTorch / NumPower style) ------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self._node is None:
            self._value = _as_float(self._value)
            self._node = Node.leaf(owner=self)
            self._level = 0
        elif not flag:
            if self._node is not None and self._node.owner is not self:
                raise ValueError("requires_grad can only be switched off on a leaf tensor; "
                                 "use .detach() for a computed one")
            self._node, self._level = None, -1

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self) -> bool:
        return self._node is None or self._node.owner is self

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every ``requires_grad`` leaf.

        ``gradient`` is the cotangent (the vector in a vector-Jacobian product); it may be
        omitted only for a single-element tensor, as in PyTorch.
        """
        if self._node is None:
            raise RuntimeError("backward() on a tensor that does not require grad: create the "
                               "inputs with sciad.tensor(data, requires_grad=True)")
        if self._level != 0:
            raise RuntimeError("backward() is for the object API; inside sciad.grad and the "
                               "other transforms the gradient is returned to you")
        value = self._value
        if gradient is None:
            if value.size != 1:
                raise RuntimeError(
                    f"backward() of a tensor of shape {value.shape} needs an explicit cotangent: "
                    "t.backward(gradient) with an array of the same shape (or reduce it first, "
                    "e.g. t.sum().backward())")
            gradient = np.ones(value.shape, dtype=value.dtype)
        else:
            gradient = np.asarray(_raw(gradient), dtype=np.result_type(value.dtype, np.float32))
            if gradient.shape != value.shape:
                raise ValueError(f"backward(gradient): gradient has shape {gradient.shape}, "
                                 f"the tensor has shape {value.shape}")
        if self._node.prim is None and self._node.owner is None:
            raise RuntimeError("the graph of this tensor was already freed by a backward() "
                               "call; pass retain_graph=True to the first call to reuse it")
        leaves = backward(self._node, gradient, keep_graph=retain_graph)
        for node, g in leaves.items():
            owner = node.owner
            if owner is not None:
                g = np.asarray(g)
                owner.grad = g.copy() if owner.grad is None else owner.grad + g

    def detach(self) -> "Tensor":
        """The same value, cut from the graph."""
        return Tensor(_raw(self))

    def numpy(self) -> np.ndarray:
        """The value as an ndarray (detached)."""
        if self._level > 0:
            raise NotDifferentiableError(
                ".numpy() on a value traced by a transform would drop its derivative; use "
                "sciad.stop_gradient(x) if you mean it to be a constant")
        return np.asarray(_raw(self))

    def zero_grad(self) -> None:
        self.grad = None

    # --- operators ---------------------------------------------------------------------------
    # + - * / are installed by bind_operators() once the rule table is filled

    def __pow__(self, other):
        # ndarray's own fast paths for constant exponents, recorded as those primitives
        special = _POWER_SHORTCUTS.get(other) if type(other) in (int, float) else None
        if special is not None:
            return apply_unary(UFUNC_RULES[special], self)
        return apply_binary(UFUNC_RULES[np.power], self, other)

    def __rpow__(self, other):
        return np.power(other, self)

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    def __floordiv__(self, other):
        return np.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return np.floor_divide(other, self)

    def __divmod__(self, other):
        return np.divmod(self, other)

    def __rdivmod__(self, other):
        return np.divmod(other, self)

    def __mod__(self, other):
        return np.remainder(self, other)

    def __rmod__(self, other):
        return np.remainder(other, self)

    def __neg__(self):
        return apply_unary(UFUNC_RULES[np.negative], self)

    def __pos__(self):
        return self

    def __abs__(self):
        return np.absolute(self)

    def __lt__(self, other):
        return np.less(self, other)

    def __le__(self, other):
        return np.less_equal(self, other)

    def __gt__(self, other):
        return np.greater(self, other)

    def __ge__(self, other):
        return np.greater_equal(self, other)

    def __eq__(self, other):
        return np.equal(self, other)

    def __ne__(self, other):
        return np.not_equal(self, other)

    def __getitem__(self, index):
        if type(index) is slice or type(index) is int:  # x[1:], x[0]: recorded directly
            level = self._level
            if level >= 0 and _recording[0]:
                x = self._value
                return _record(GETITEM, (x,), {"index": index}, x[index], ((0, self._node),),
                               level)
        return apply(GETITEM, (self,), {"index": _raw_index(index)})

    def __setitem__(self, index, value):
        """Functional update: the box now holds ``x`` with ``x[index] = value``; gradients flow
        to the old contents (except the overwritten part) and to ``value``."""
        result = apply(SETITEM, (self, value), {"index": _raw_index(index)})
        if type(result) is Tensor:
            self._value, self._node, self._level = result._value, result._node, result._level
        else:
            self._value = result

    # --- ndarray methods ---------------------------------------------------------------------
    def reshape(self, *shape, order="C"):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return np.transpose(self, axes or None)

    def astype(self, dtype, copy=True):
        return apply(ASTYPE, (self,), {"dtype": np.dtype(dtype)})

    def ravel(self, order="C"):
        return np.reshape(self, (-1,), order=order)

    flatten = ravel

    def copy(self):
        return self + 0.0 if self._node is not None else Tensor(np.copy(_raw(self)))

    def conj(self):
        return np.conj(self)

    conjugate = conj


_FLOAT64 = np.dtype(np.float64)
_ndarray = np.ndarray
_CONSTANTS: dict = {}  # Python float -> read-only 0-d float64 array


def _constant(c: float):
    """``c`` as a 0-d float64 array, cached: NumPy multiplies an array by a 0-d array ~40%
    faster than by a Python float, whose conversion it repeats on every call; the same
    constant then also serves the backward pass (``g * 0.5``)."""
    array = _CONSTANTS.get(c)
    if array is None:
        if len(_CONSTANTS) >= 1024:  # literals in user code are few; values computed on the fly
            _CONSTANTS.clear()       # (and NaN, never equal to itself) must not grow it
        array = _CONSTANTS[c] = np.array(c)
        array.flags.writeable = False
    return array


def _binary_operator(prim, constant_prim, same_shape_prim, op, reflected: bool):
    """``self (op) other`` (``other (op) self`` when reflected), recorded. The common cases are
    inlined: a float ``other`` with a float64 array (``y * 0.5``), recorded as ``constant_prim``
    with the float as a cached 0-d array, and two boxes of one level (``a + b``), recorded as
    ``same_shape_prim`` when both are float64 arrays of one shape (these forms' rules need no
    shape or dtype checks: registry.CONSTANT_OPERAND_FORMS, Primitive.float64_form);
    :func:`apply_binary` takes the rest. ``op`` is the Python operator, which NumPy runs faster
    than a call of the ufunc object (no argument parsing)."""

    def operator(self, other):
        level = self._level
        if level >= 0 and _recording[0]:
            x = self._value
            if type(other) is float and type(x) is _ndarray and x.dtype is _FLOAT64:
                c = _CONSTANTS.get(other)
                if c is None:
                    c = _constant(other)
                if reflected:
                    return _record(constant_prim, (c, x), _NO_KWARGS, op(c, x),
                                   ((1, self._node),), level)
                return _record(constant_prim, (x, c), _NO_KWARGS, op(x, c), ((0, self._node),),
                               level)
            if type(other) is not Tensor:
                if reflected:
                    return _record(prim, (other, x), _NO_KWARGS, op(other, x),
                                   ((1, self._node),), level)
                return _record(prim, (x, other), _NO_KWARGS, op(x, other), ((0, self._node),),
                               level)
            if other._level == level and not reflected:
                y = other._value
                if (type(x) is _ndarray and type(y) is _ndarray and x.dtype is _FLOAT64
                        and y.dtype is _FLOAT64 and x.shape == y.shape):
                    return _record(same_shape_prim, (x, y), _NO_KWARGS, op(x, y),
                                   ((0, self._node), (1, other._node)), level)
                return _record(prim, (x, y), _NO_KWARGS, op(x, y),
                               ((0, self._node), (1, other._node)), level)
        return apply_binary(prim, other, self) if reflected else apply_binary(prim, self, other)
    return operator


def bind_operators() -> None:
    """Install ``+ - * /`` (and their reflections) with their primitives bound in.

    Called once the rule table is filled; the operators then skip the table lookup, which is a
    measurable share of an operation on small arrays."""
    for name, ufunc in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                        ("truediv", np.true_divide)):
        prim = UFUNC_RULES[ufunc]
        forms = CONSTANT_OPERAND_FORMS[ufunc]
        op = getattr(operator_module, name)
        for dunder, reflected in ((f"__{name}__", False), (f"__r{name}__", True)):
            operator = _binary_operator(prim, forms[reflected], prim.float64_form, op,
                                        reflected)
            operator.__name__ = operator.__qualname__ = dunder
            setattr(Tensor, dunder, operator)


def _method(func):
    def method(self, *args, **kwargs):
        return func(self, *args, **kwargs)

    method.__name__ = func.__name__
    method.__doc__ = f"Same as numpy.{func.__name__}(self, ...)."
    return method


for _func in (np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std, np.cumsum, np.cumprod,
              np.squeeze, np.dot, np.clip, np.round, np.trace, np.diagonal, np.repeat,
              np.swapaxes, np.take, np.argmax, np.argmin, np.argsort, np.nonzero, np.all, np.any,
              np.sort, np.ptp):
    setattr(Tensor, _func.__name__, _method(_func))
Tensor.max = _method(np.max)
Tensor.min = _method(np.min)


# Library functions (not ufuncs) that convert their arguments to plain arrays, keyed by
# "module.function", with a sentence saying what to call instead; rule modules add entries.
REPLACEMENTS: dict = {}


def _replacement_hint() -> str:
    """The advice for the first known converting function on the call stack, if any."""
    frame = sys._getframe(1)
    while frame is not None and REPLACEMENTS:
        hint = REPLACEMENTS.get(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}")
        if hint is not None:
            return hint + " "
        frame = frame.f_back
    return ""


def _as_float(value):
    value = np.asarray(value)
    return value if value.dtype.kind in "fc" else value.astype(np.float64)


def _raw(x):
    while type(x) is Tensor:
        x = x._value
    return x


def _raw_tree(x):
    if type(x) is Tensor:
        return _raw(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_raw_tree(v) for v in x)
    if isinstance(x, dict):
        return {k: _raw_tree(v) for k, v in x.items()}
    return x


def _raw_index(index):
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Create a :class:`Tensor` (PyTorch's ``torch.tensor``, NumPower's ``Tensor``).

    With ``requires_grad=True`` the tensor is a leaf of the graph: after ``loss.backward()`` its
    ``.grad`` holds d(loss)/d(tensor). Integer data becomes float64 then.
    """
    value = np.array(_raw(data), dtype=dtype)
    t = Tensor(value)
    if requires_grad:
        t.requires_grad = True
    return t


from .graph import Node, _record, _recording, apply, apply_binary, apply_unary, backward  # noqa: E402
from .registry import (CONSTANT_OPERAND_FORMS, FUNCTION_RULES, NONDIFFERENTIABLE,  # noqa: E402
                       UFUNC_RULES, function_name)


def _ufunc_reductions():
    def default_axis0(func):
        def reduce(x, axis=0, dtype=None, out=None, keepdims=False, **_):
            return func(x, axis=axis, keepdims=keepdims)
        return reduce

    def accumulate(func):
        def acc(x, axis=0, dtype=None, out=None):
            return func(x, axis=axis)
        return acc

    return {
        (np.add, "reduce"): default_axis0(np.sum),
        (np.multiply, "reduce"): default_axis0(np.prod),
        (np.maximum, "reduce"): default_axis0(np.max),
        (np.minimum, "reduce"): default_axis0(np.min),
        (np.add, "accumulate"): accumulate(np.cumsum),
        (np.multiply, "accumulate"): accumulate(np.cumprod),
    }


_UFUNC_METHODS = _ufunc_reductions()

# Set by sciad.engine.rules.indexing (the indexing primitives live with their rules).
GETITEM = SETITEM = ASTYPE = None
