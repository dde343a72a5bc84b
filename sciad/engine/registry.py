"""The rule table: how NumPy functions and ufuncs map to differentiable primitives.

Rule modules in :mod:`sciad.engine.rules` fill these tables with the helpers below, one line (or
one small function) per primitive, so that each module reads like a table of derivatives:

    elementwise(np.sin, lambda ans, x: np.cos(x))            # d sin(x)/dx
    elementwise(np.multiply, lambda ans, x, y: y, lambda ans, x, y: x)
    defvjp(np.sum, _sum_vjp)                                # g, ans, x, axis=None, ... -> dx

Rules are written with NumPy calls, so the engine can differentiate them again (higher order).
"""

from __future__ import annotations

import dis
import inspect

import numpy as np

from ..errors import NotDifferentiableError
from .graph import PASS, Parts, Primitive, apply, apply_multi, filled

__all__ = [
    "UFUNC_RULES", "FUNCTION_RULES", "NONDIFFERENTIABLE", "elementwise", "defvjp",
    "defvjp_argnum", "defvjp_multi", "Parts", "filled_value", "variadic", "composite", "nondifferentiable", "unbroadcast", "shape_of", "dtype_of",
    "function_name", "supported_functions",
]

UFUNC_RULES: dict = {}       # ufunc -> Primitive
FUNCTION_RULES: dict = {}    # numpy function -> handler(args, kwargs)
NONDIFFERENTIABLE: set = set()  # functions and ufuncs whose outputs carry no derivative


def function_name(func) -> str:
    """``numpy.sin``, ``scipy.special.ndtr``, ``numpy.linalg.solve`` ..."""
    module = getattr(func, "__module__", None) or ""
    name = getattr(func, "__name__", repr(func))
    if isinstance(func, np.ufunc):
        module = "scipy.special" if name in _scipy_special_names() else "numpy"
    elif module.startswith("numpy"):
        module = "numpy" + module[len("numpy"):].replace("._core", "").replace(".core", "")
        for private in (".fromnumeric", ".numeric", ".multiarray", ".shape_base", ".function_base",
                        "._linalg", ".linalg.linalg", "._pocketfft", ".lib._function_base_impl",
                        ".lib._shape_base_impl", ".lib._twodim_base_impl", ".lib._nanfunctions_impl",
                        ".einsumfunc", ".lib._arraypad_impl", ".lib._index_tricks_impl"):
            module = module.replace(private, "")
        if module.startswith("numpy.linalg") or module.startswith("numpy.fft"):
            module = module.split("._")[0]
    return f"{module}.{name}" if module else name


_special_names = None


def _scipy_special_names():
    global _special_names
    if _special_names is None:
        import scipy.special as sc
        _special_names = {n for n in dir(sc) if isinstance(getattr(sc, n), np.ufunc)
                          and not hasattr(np, n)}
    return _special_names


def shape_of(x) -> tuple:
    shape = getattr(x, "shape", None)
    return () if shape is None else shape


def dtype_of(x):
    dtype = getattr(x, "dtype", None)
    return np.result_type(x) if dtype is None else dtype


def unbroadcast(g, shape, dtype=None):
    """Sum ``g`` down to ``shape`` (undo NumPy broadcasting) and drop an imaginary part that
    a real argument cannot receive."""
    if dtype is not None and dtype.kind != "c" and dtype_of(g).kind == "c":
        g = np.real(g)
    gshape = shape_of(g)
    if gshape == shape:
        return _match_precision(g, dtype)
    extra = len(gshape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and gshape[extra + i] != 1)
    if type(g) is np.ndarray:
        # a plain cotangent: the ufunc method and the array method, without np.sum's and
        # np.reshape's Python wrappers (which cost more than the sum of a small array)
        if axes:
            g = np.add.reduce(g, axis=axes)
        return _match_precision(g.reshape(shape), dtype)
    if axes:
        g = np.sum(g, axis=axes)
    return _match_precision(np.reshape(g, shape), dtype)


def _match_precision(g, dtype):
    # float32 arguments get float32 cotangents, even where a rule's constants are float64
    if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
        gdtype = dtype_of(g)
        if gdtype != dtype and gdtype.kind == "f":
            return g.astype(dtype)
    return g


def _is_complex(x) -> bool:
    return dtype_of(x).kind == "c"


# The dtypes of the backward pass's common case, compared by identity (NumPy's builtin dtypes
# are singletons): cheaper than ``==`` and a miss only takes the general path.
_FLOAT64 = np.dtype(np.float64)
_FLOAT32 = np.dtype(np.float32)


# A cotangent of at least this many entries that repeats one number (a sum's or a mean's, see
# reductions.restore_reduced) is a zero-stride view of that number.
FILLED_MIN = 2048
_ndarray = np.ndarray


def filled_value(g):
    """The number in every entry of ``g`` when ``g`` is a zero-stride cotangent of at least
    FILLED_MIN entries (a sum's), else None."""
    if type(g) is _ndarray and g.size >= FILLED_MIN and not any(g.strides):
        return g[(0,) * g.ndim]
    return None


def _filled_times_number(c, value, shape):
    """``g * value`` for a zero-stride cotangent ``g`` of ``shape`` holding the number ``c``
    (see :func:`filled_value`) and a 0-d ``value``: another zero-stride view, without a pass
    over memory (NumPy's loop over a zero-stride and a 0-d operand is its slow general one:
    2.5x the time of an ordinary product)."""
    if c.dtype is value.dtype is _FLOAT64:
        return filled(float(c) * float(value), shape, _FLOAT64)  # no NumPy scalar math
    product = c * value
    return filled(product, shape, product.dtype)


def _elementwise_rule(d, argnum, nargs):
    """The cotangent rule ``(g, ans, args) -> g * conj(d)`` of one argument, specialised on the
    kind of derivative and on the number of arguments so that the backward pass does as little
    as possible per node (this is its hottest code)."""
    if d is None:
        return None
    if type(d) is float:
        # one Python call per cotangent: the shape/dtype check is written out here
        identity, negation = d == 1.0, d == -1.0

        def constant_rule(g, ans, args):
            # -g: NumPy's negation skips the Python-float conversion that g * -1.0 pays
            cot = g if identity else -g if negation else g * d
            x = args[argnum]
            if (type(cot) is np.ndarray and type(x) is np.ndarray and x.dtype is cot.dtype
                    and cot.shape == x.shape):
                return cot
            return unbroadcast(cot, shape_of(x), dtype_of(x))
        return constant_rule

    def finish(g, value, cot, x):
        # g * value is real and matches x exactly in the common case; otherwise a complex
        # derivative is conjugated and the cotangent summed over broadcast axes
        if type(cot) is np.ndarray and type(x) is np.ndarray:
            dtype = cot.dtype
            if (dtype is _FLOAT64 or dtype is _FLOAT32) and x.dtype is dtype and cot.shape == x.shape:
                return cot
        if type(value) is not float and _is_complex(value):
            cot = g * np.conj(value)
        return unbroadcast(cot, shape_of(x), dtype_of(x))

    selected = _returned_parameter(d)
    if selected is not None and nargs <= 2:
        # d returns one of its parameters (exp: ans; multiply: the other factor): read it
        # directly instead of calling d, the one Python call this rule would make
        def rule(g, ans, args):
            x = args[argnum]
            value = ans if selected == 0 else args[selected - 1]
            c = filled_value(g) if type(value) is _ndarray and not value.shape else None
            if c is None:
                cot = g * value
            else:  # sum(100.0 * r ** 2)'s 100
                cot = _filled_times_number(c, value, g.shape)
            if type(cot) is np.ndarray and type(x) is np.ndarray:
                dtype = cot.dtype
                if ((dtype is _FLOAT64 or dtype is _FLOAT32) and x.dtype is dtype
                        and cot.shape == x.shape):
                    return cot
            return finish(g, value, cot, x)
    elif nargs == 1:
        def rule(g, ans, args):
            x = args[0]
            value = d(ans, x)
            cot = g * value
            # finish()'s common case inlined; no shape check: g has the result's shape (every
            # cotangent has its node's), which a one-argument ufunc's argument shares
            if type(cot) is np.ndarray and type(x) is np.ndarray:
                dtype = cot.dtype
                if (dtype is _FLOAT64 or dtype is _FLOAT32) and x.dtype is dtype:
                    return cot
            return finish(g, value, cot, x)
    elif nargs == 2:
        def rule(g, ans, args):
            x = args[argnum]
            value = d(ans, args[0], args[1])
            cot = g * value
            if type(cot) is np.ndarray and type(x) is np.ndarray:
                dtype = cot.dtype
                if ((dtype is _FLOAT64 or dtype is _FLOAT32) and x.dtype is dtype
                        and cot.shape == x.shape):
                    return cot
            return finish(g, value, cot, x)
    else:
        def rule(g, ans, args):
            value = d(ans, *args)
            return finish(g, value, g * value, args[argnum])
    return rule


def _parameters_read(d, n_parameters) -> frozenset:
    """The positions of the parameters whose values the derivative ``d`` reads (all of them when
    that cannot be told from its code). Numbers and None read nothing."""
    if d is None or type(d) is float:
        return frozenset()
    everything = frozenset(range(n_parameters))
    code = getattr(d, "__code__", None)
    if (code is None or code.co_argcount != n_parameters or code.co_cellvars
            or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)):
        return everything  # a C function, a partial, or parameters reachable some other way
    loaded = set()
    for instruction in dis.get_instructions(d):
        if instruction.opname.startswith("LOAD_FAST"):
            value = instruction.argval
            loaded.update(value if isinstance(value, tuple) else (value,))
    return frozenset(i for i, name in enumerate(code.co_varnames[:n_parameters]) if name in loaded)


def _returned_parameter(d):
    """The position of the parameter that ``d`` returns unchanged (``lambda ans, x, y: y`` gives
    2), or None when ``d`` computes something."""
    code = getattr(d, "__code__", None)
    if code is None or d.__closure__ or d.__defaults__:
        return None
    ops = [i for i in dis.get_instructions(d) if i.opname not in ("RESUME", "NOP")]
    if len(ops) == 2 and ops[0].opname == "LOAD_FAST" and ops[1].opname == "RETURN_VALUE":
        position = code.co_varnames.index(ops[0].argval)
        return position if position < code.co_argcount else None
    return None


# Forms of the binary ufuncs that the Tensor operators record when shapes and dtypes are known
# to match, so that their rules skip the checks of the general ones (a third of the backward
# pass of a chain of small operations). Every cotangent has its node's shape and dtype, so:
# ufunc -> (x (op) c, c (op) x) for a float64 array x and a 0-d float64 constant c
# (``y * 0.5``, ``1.0 - x``): the result has x's shape and dtype;
CONSTANT_OPERAND_FORMS: dict = {}
# Two traced float64 arrays of one shape (``a * b``, ``np.hypot(a, b)``) record the ufunc's
# Primitive.float64_form.


def _unchecked_rule(d, argnum, nargs, other_is_constant=False):
    """The cotangent rule ``g * d`` of argument ``argnum`` of a ufunc of ``nargs`` arguments,
    for float64 arguments of the result's shape and dtype (the other one a 0-d constant, if so
    marked)."""
    if d is None:
        return None
    if type(d) is float:
        if d == 1.0:
            return PASS
        return (lambda g, ans, args: -g) if d == -1.0 else (lambda g, ans, args: g * d)
    selected = _returned_parameter(d)
    if selected == 0:
        return lambda g, ans, args: g * ans
    if selected is not None:
        k = selected - 1
        if not other_is_constant:
            return lambda g, ans, args: g * args[k]

        def times_constant(g, ans, args):
            c = args[k]
            # filled_value(g) written out: this is every constant product's rule
            if type(g) is _ndarray and g.size >= FILLED_MIN and not any(g.strides):
                return _filled_times_number(g[(0,) * g.ndim], c, g.shape)  # sum(100.0 * r ** 2)
            return g * c
        return times_constant
    if nargs == 1:
        return lambda g, ans, args: g * d(ans, args[0])
    return lambda g, ans, args: g * d(ans, args[0], args[1])


def _float64_in_float64_out(ufunc, nargs) -> bool:
    """Whether NumPy runs ``ufunc`` on float64 arguments in float64: the unchecked forms rely
    on a real result of the arguments' dtype (no conjugate, no projection onto the reals)."""
    try:
        dtypes = ufunc.resolve_dtypes((_FLOAT64,) * nargs + (None,) * ufunc.nout)
    except (TypeError, ValueError):  # no float64 loop, or not a NumPy ufunc
        return False
    return all(dtype == _FLOAT64 for dtype in dtypes)


def _unchecked_forms(prim, derivatives):
    rules = [_unchecked_rule(d, argnum, 2) for argnum, d in enumerate(derivatives)]
    if None in rules or not _float64_in_float64_out(prim.fn, 2):
        return  # an argument without a derivative (the general rules refuse it), or complex
    prim.float64_form = Primitive(prim.name, prim.fn, prim.vjp, by_arg=tuple(rules),
                                  reads=prim.reads)
    forms = []
    for traced in (0, 1):
        by_arg = [None, None]
        by_arg[traced] = _unchecked_rule(derivatives[traced], traced, 2, other_is_constant=True)
        forms.append(Primitive(prim.name, prim.fn, prim.vjp, by_arg=tuple(by_arg),
                               reads=prim.reads))
    CONSTANT_OPERAND_FORMS[prim.fn] = tuple(forms)


def elementwise(ufunc, *derivatives, name=None):
    """Register a ufunc by its partial derivatives ``d(ans, *args) -> df/dargs[i]``.

    A derivative may be a number (1.0 or -1.0 pass the cotangent straight through) or None
    (the argument gets no derivative). The cotangent is ``g * conj(d)`` summed over broadcast
    axes, so complex arguments follow the convention dL/dRe + i dL/dIm.
    """

    def refuse(argnum):
        def rule(g, ans, args):
            raise NotDifferentiableError(
                f"sciad has no derivative of {prim.name} with respect to argument {argnum}; "
                "pass that argument as a constant (sciad.stop_gradient)")
        return rule

    rules = tuple(_elementwise_rule(d, argnum, len(derivatives)) or refuse(argnum)
                  for argnum, d in enumerate(derivatives))

    def vjp(argnum, g, ans, args, kwargs):
        return rules[argnum](g, ans, args)

    passes = tuple(type(d) is float and d == 1.0 for d in derivatives)
    by_arg = tuple(None if passing else rule for passing, rule in zip(passes, rules))
    read = [_parameters_read(d, 1 + len(derivatives)) for d in derivatives]  # 0: ans, i + 1: args[i]
    reads = (tuple(0 in r for r in read), tuple(frozenset(i - 1 for i in r if i) for r in read))
    prim = Primitive(name or function_name(ufunc), ufunc, vjp, by_arg=by_arg, reads=reads)
    UFUNC_RULES[ufunc] = prim
    if (len(derivatives) == 1 and derivatives[0] is not None
            and _float64_in_float64_out(ufunc, 1)):
        prim.float64_form = Primitive(prim.name, ufunc, vjp, reads=reads,
                                      by_arg=(_unchecked_rule(derivatives[0], 0, 1),))
    elif len(derivatives) == 2:
        _unchecked_forms(prim, derivatives)
    return prim


def defvjp(func, *vjps, name=None, fn=None):
    """Register ``func`` with one rule per positional argument:
    ``vjps[i](g, ans, *args, **kwargs) -> cotangent of args[i]`` (None: no derivative)."""

    def vjp(argnum, g, ans, args, kwargs):
        rule = vjps[argnum] if argnum < len(vjps) else None
        if rule is None:
            return None
        return rule(g, ans, *args, **kwargs)

    return defvjp_argnum(func, vjp, name=name, fn=fn)


def defvjp_argnum(func, vjp, name=None, fn=None):
    """Register ``func`` with a single rule ``vjp(argnum, g, ans, args, kwargs)``."""
    prim = Primitive(name or function_name(func), fn or func, vjp)
    if isinstance(func, np.ufunc):
        UFUNC_RULES[func] = prim
    else:
        FUNCTION_RULES[func] = lambda args, kwargs: apply(prim, args, kwargs)
    return prim


def defvjp_multi(func, vjp, name=None, fn=None):
    """Register a function with several outputs (a tuple such as eigh's ``(w, v)``).

    ``vjp(argnum, g, ans, args, kwargs)`` receives ``g`` as :class:`~sciad.engine.graph.Parts`,
    one cotangent per output, None for outputs that received none."""
    prim = Primitive(name or function_name(func), fn or func, vjp)
    FUNCTION_RULES[func] = lambda args, kwargs: apply_multi(prim, args, kwargs)
    return prim


def variadic(func, vjp, keywords=("axis",), name=None):
    """Register a function whose first argument is a sequence of arrays (``np.stack(arrays)``).

    ``vjp(argnum, g, ans, arrays, **kwargs)`` gives the cotangent of ``arrays[argnum]``; extra
    positional arguments are passed on as the named ``keywords``.
    """

    def fn(*arrays, **kwargs):
        return func(arrays, **kwargs)

    prim = Primitive(name or function_name(func), fn,
                     lambda argnum, g, ans, args, kwargs: vjp(argnum, g, ans, args, **kwargs))

    def handler(args, kwargs):
        kwargs = dict(kwargs)
        for key, value in zip(keywords, args[1:]):
            kwargs[key] = value
        return apply(prim, tuple(args[0]), kwargs)

    FUNCTION_RULES[func] = handler
    return prim


def composite(func, implementation):
    """Register ``func`` as ``implementation``, NumPy code built from other differentiable
    functions (``np.hstack`` from ``np.atleast_1d`` and ``np.concatenate``): it needs no rule of
    its own, and it differentiates to any order through the rules it calls."""
    FUNCTION_RULES[func] = lambda args, kwargs: implementation(*args, **kwargs)
    return implementation


def nondifferentiable(*funcs):
    """Functions whose results carry no derivative (comparisons, argmax, floor, shape ...).

    They run on the raw values and return plain NumPy results: the derivative is zero, which is
    exact almost everywhere (floor, sign) or meaningless (integers, booleans)."""
    NONDIFFERENTIABLE.update(funcs)


def supported_functions() -> dict:
    """Names of everything with a rule, by kind, for the docs."""
    return {
        "differentiable": sorted({p.name for p in UFUNC_RULES.values()}
                                 | {function_name(f) for f in FUNCTION_RULES}),
        "zero derivative": sorted(function_name(f) for f in NONDIFFERENTIABLE),
    }
