"""``odeint``: the states at given times, as one differentiable primitive of the engine.

Inside ``sciad.grad`` the call records a single graph node whose arguments are ``y0`` and the
parameter leaves; its derivative rule runs the adjoint (or forward sensitivities) on raw NumPy
values. When the rule itself is being differentiated (second derivatives: its arguments or the
cotangent are traced at a lower level), it switches to a formulation made of differentiable
pieces: forward sensitivities computed by ``odeint`` of the augmented system, contracted with
the cotangent. The engine then differentiates that ``odeint`` call in turn.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..engine.graph import Primitive, apply
from ..engine.pytree import tree_flatten, tree_unflatten
from ..errors import NotDifferentiableError
from ._adjoint import BackwardOptions, adjoint_gradient
from ._forward import augmented_initial, augmented_rhs, solve_forward, split_augmented
from ._integrate import check_method, integrate_keeping_dense
from ._rhs import Rhs, is_traced, raw, shape_of, stack_components

__all__ = ["odeint"]

_ADJOINTS = ("checkpoint", "interpolate", "forward", "backsolve")
DENSE_BUDGET = 128 * 2 ** 20  # bytes of interpolants adjoint="checkpoint" keeps by default


def odeint(fun: Callable, y0, t, params: Any = None, *, method: str = "RK45",
           rtol: float = 1e-6, atol: float = 1e-9, adjoint: str = "checkpoint",
           adjoint_method: str | None = None, adjoint_rtol: float | None = None,
           adjoint_atol: float | None = None, checkpoints: int = 0,
           dense_budget: float = DENSE_BUDGET, jac_sparsity=None, max_step: float = np.inf):
    """The states at the times ``t``, differentiable with respect to ``y0`` and ``params``.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, params)`` in plain NumPy, returning ``dy/dt`` (an array or a list of
        components); ``fun(t, y)`` when ``params`` is None.
    y0 : array_like, shape (n,)
        The initial state at ``t[0]``.
    t : array_like, shape (n_t,)
        Increasing times; the first is the initial time.
    params : pytree, optional
        Parameters (a dict of named numbers and arrays, say). Gradients come back in the same
        structure.
    method : str
        scipy's method: "RK45", "RK23", "DOP853", "Radau", "BDF" or "LSODA". The implicit ones
        get the Jacobian ``df/dy`` from the engine.
    rtol, atol : float
        Tolerances of the forward solve.
    adjoint : {"checkpoint", "interpolate", "forward", "backsolve"}
        How the derivative is computed. "checkpoint": adjoint over the forward solve's dense
        output while it fits in ``dense_budget`` bytes; beyond that, states kept only at ``t``
        (and ``checkpoints`` extra times) and each segment re-solved with dense output on the
        way back. "interpolate": adjoint over the forward solve's dense output, kept whatever
        its size.
        "forward": forward sensitivities (cheapest for a few parameters and states).
        "backsolve": state re-integrated backwards (least memory, least accurate; unstable on
        stiff or strongly dissipative problems).
    adjoint_method, adjoint_rtol, adjoint_atol : optional
        Method and tolerances of the backward pass (default: those of the forward solve).
    checkpoints : int
        Extra, evenly spaced checkpoint times for ``adjoint="checkpoint"`` (used when the dense
        output is over budget).
    dense_budget : float
        Bytes of the forward solve's dense output that ``adjoint="checkpoint"`` may keep
        (default 128 MiB); 0 always re-solves the segments (least memory).
    jac_sparsity : array_like, optional
        Sparsity pattern of ``df/dy``: the implicit methods then get a sparse Jacobian computed
        with one reverse pass per colour of a row colouring.
    max_step : float
        Largest step of every solve.

    Returns
    -------
    ndarray, shape (n_t, n)
        ``y(t_k)`` in row ``k`` (a traced Tensor inside ``sciad.grad``).

    Raises
    ------
    sciad.SolverError
        A solve failed; the message names the method, the time and the pass.

    Examples
    --------
    >>> decay = lambda t, y, p: -p["k"] * y
    >>> t = np.array([0.0, 1.0, 2.0])
    >>> grad_k = sciad.grad(lambda p: odeint(decay, np.array([1.0]), t, p)[-1, 0])
    >>> round(float(grad_k({"k": 0.5})["k"]), 6)   # d/dk exp(-2k) = -2 exp(-1)
    -0.735759
    """
    check_method(method)
    if adjoint not in _ADJOINTS:
        raise ValueError(f"adjoint={adjoint!r}; choose one of {', '.join(_ADJOINTS)}")
    check_method(adjoint_method or method)
    if not isinstance(checkpoints, (int, np.integer)) or checkpoints < 0:
        raise ValueError(f"checkpoints={checkpoints!r}: give the number of extra checkpoint "
                         "times, an integer >= 0")
    if not dense_budget >= 0:
        raise ValueError(f"dense_budget={dense_budget!r}: give a number of bytes >= 0")
    y0 = stack_components(y0)
    y0 = y0 if is_traced(y0) else np.atleast_1d(np.asarray(y0, dtype=float))
    if len(shape_of(y0)) != 1:
        raise ValueError(f"y0 must be a 1-D state vector, got shape {shape_of(y0)}")
    if is_traced(t):
        raise NotDifferentiableError("odeint differentiates with respect to y0 and params, not "
                                     "the times t: pass t as a constant (sciad.stop_gradient)")
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or len(t) < 1 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a 1-D array of strictly increasing times (the first is the "
                         f"initial time), got {np.array2string(t, threshold=6)}")
    rhs = Rhs(fun, shape_of(y0)[0], params)
    rhs.check_params(rhs.flatten_params(params))
    options = {"method": method, "rtol": rtol, "atol": atol, "adjoint": adjoint,
               "adjoint_method": adjoint_method, "adjoint_rtol": adjoint_rtol,
               "adjoint_atol": adjoint_atol, "checkpoints": checkpoints,
               "dense_budget": dense_budget,
               "jac_sparsity": jac_sparsity, "max_step": max_step}
    leaves = tree_flatten(params)[0]
    if not is_traced(y0, *leaves):
        return _forward_pass(rhs, y0, rhs.flatten_params(params), t, options, record={})
    return apply(ODEINT, (y0, *leaves), {"rhs": rhs, "t": t, "options": options, "record": {}})


def _odeint_value(y0, *leaves, rhs, t, options, record):
    if is_traced(y0, *leaves):  # differentiated at a higher level: record one level down
        params = tree_unflatten(rhs.treedef, leaves) if rhs.takes_params else None
        return odeint(rhs.fun, y0, t, params, **options)
    return _forward_pass(rhs, y0, rhs.flatten_params(list(leaves)), t, options, record)


def _forward_pass(rhs: Rhs, y0, theta, t, options, record):
    """The states at ``t``; keeps in ``record`` what the chosen derivative will need."""
    n = rhs.n
    if len(t) == 1:
        return np.reshape(np.array(y0, dtype=float), (1, n))
    solve = {"method": options["method"], "rtol": options["rtol"], "atol": options["atol"],
             "max_step": options["max_step"]}
    span = (t[0], t[-1])
    mode = options["adjoint"]
    if mode == "forward":
        result = solve_forward(rhs, y0, theta, span, t_eval=t, stage="the forward pass "
                               "(with sensitivities)", jac_sparsity=options["jac_sparsity"],
                               **solve)
        states, dy_dy0, dy_dp = split_augmented(rhs, result.y)
        record["sensitivities"] = (dy_dy0, dy_dp)
        return np.ascontiguousarray(states.T)
    grid = t
    if mode == "checkpoint" and options["checkpoints"]:
        grid = np.union1d(t, np.linspace(t[0], t[-1], options["checkpoints"] + 2))
    # "interpolate" keeps the whole dense output; "checkpoint" keeps it while it fits in the
    # budget, which spares the adjoint a second forward solve; "backsolve" needs none
    budget = {"interpolate": np.inf, "checkpoint": options["dense_budget"]}.get(mode, 0)
    grid_states, dense = integrate_keeping_dense(
        rhs.numpy_fun(theta), grid, np.asarray(y0, float), dense_budget=budget,
        jac=rhs.jac_fun(theta, options["jac_sparsity"]), stage="the forward pass", **solve)
    record.update(grid=grid, grid_states=grid_states, dense=dense)
    return grid_states[np.searchsorted(grid, t)]


def _odeint_vjp(argnum, g, ans, args, kwargs):
    record = kwargs["record"]
    cached = record.get("cotangents")
    # The engine asks the rule once per argument with the same g: solve once, hand out the
    # parts. The key is g's identity and its values, because a cotangent buffer can be refilled
    # in place between two backward passes (vjp_fn called twice with one array).
    if cached is None or cached[0] is not g or not np.array_equal(cached[1], raw(g)):
        rhs, t, options = kwargs["rhs"], kwargs["t"], kwargs["options"]
        y0, leaves = args[0], list(args[1:])
        if is_traced(g, *args):
            cot_y0, cot_theta = _differentiable_cotangents(rhs, y0, leaves, t, g, options)
        else:
            cot_y0, cot_theta = _raw_cotangents(rhs, leaves, t, np.asarray(g), options, record)
        cached = (g, np.array(raw(g), copy=True), [cot_y0] + rhs.split(cot_theta))
        record["cotangents"] = cached
    return cached[2][argnum]


def _raw_cotangents(rhs: Rhs, leaves, t, g, options, record):
    p = rhs.n_params
    if len(t) == 1:
        return g[0], np.zeros(p)
    if options["adjoint"] == "forward":
        dy_dy0, dy_dp = record["sensitivities"]  # (n, n, n_t), (n, P, n_t)
        return (np.einsum("ki,ijk->j", g, dy_dy0), np.einsum("ki,ijk->j", g, dy_dp))
    backward = BackwardOptions(
        method=options["adjoint_method"] or options["method"],
        rtol=options["adjoint_rtol"] or options["rtol"],
        atol=options["adjoint_atol"] or options["atol"],
        forward_method=options["method"], forward_rtol=options["rtol"],
        forward_atol=options["atol"], max_step=options["max_step"],
        jac_sparsity=options["jac_sparsity"])
    return adjoint_gradient(rhs, rhs.flatten_params(leaves), t, g, backward,
                            mode=options["adjoint"], dense=record.get("dense"),
                            grid=record["grid"], grid_states=record["grid_states"])


def _differentiable_cotangents(rhs: Rhs, y0, leaves, t, g, options):
    """``g . dy/d(y0, theta)`` from sensitivities that are themselves an ``odeint`` output,
    so that an outer transform can differentiate the derivative (second order)."""
    n, m = rhs.n, rhs.n + rhs.n_params
    theta = rhs.flatten_params(leaves)
    if len(t) == 1:
        return g[0], np.zeros(rhs.n_params)
    augmented_options = dict(options, jac_sparsity=None)  # the pattern is for f, not the system
    z = odeint(lambda t_, z_, th: augmented_rhs(rhs, t_, z_, th), augmented_initial(rhs, y0),
               t, theta, **augmented_options)
    columns = np.reshape(z, (len(t), m + 1, n))[:, 1:, :]  # dy_i(t_k)/d(y0, theta)_j at [k, j, i]
    cot = np.sum(np.sum(columns * np.reshape(g, (len(t), 1, n)), axis=2), axis=0)
    return cot[:n], cot[n:]


ODEINT = Primitive("sciad.ode.odeint", _odeint_value, _odeint_vjp)
