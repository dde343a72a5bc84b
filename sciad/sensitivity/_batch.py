"""Run a model over many sample rows: in chunks, on any ``concurrent.futures.Executor``, with
progress reporting and checks that every output is a finite number.

Chunks are handed out as module-level functions bound with :func:`functools.partial`, so a Dask
``distributed`` client's executor can ship them to other processes or machines.
"""

from __future__ import annotations

import functools
import sys
from concurrent.futures import Executor, as_completed
from typing import Any, Callable, Sequence

import numpy as np

from ..engine.transforms import vjp
from ..errors import SciadError
from ._problem import ProblemError

__all__ = ["SampleError", "ModelOutputError", "run_rows", "model_values", "model_gradients",
           "finite_rows", "check_rows_independent"]


class SampleError(SciadError, ValueError):
    """The model returned NaN or infinity at some samples."""


class ModelOutputError(SciadError, TypeError):
    """The model returned something other than one real number per sample."""


def _as_outputs(out: Any, rows: int, vectorized: bool) -> np.ndarray:
    """The model's output as a float array of shape ``(rows,)``, or a clear error."""
    try:
        values = np.asarray(out)
    except Exception:  # a traced value or an object NumPy cannot read
        values = np.asarray(None)
    if values.dtype.kind not in "fiub":
        wanted = f"an array of {rows} numbers" if vectorized else "one real number"
        raise ModelOutputError(f"the model must return {wanted} per call, got "
                               f"{type(out).__name__} {str(out)[:60]!r}")
    expected = (rows,) if vectorized else ()
    if values.shape != expected and values.size != (rows if vectorized else 1):
        raise ModelOutputError(
            f"the model returned shape {values.shape}, expected {expected}: "
            + ("with vectorized=True it takes X of shape (n, D) and returns n values"
               if vectorized else "it must return one scalar per input vector (use a dict of "
               "outputs with sensitivity.local, or vectorized=True for a batch)"))
    return values.reshape(rows).astype(np.float64)


def model_values(fun: Callable, vectorized: bool, rows: np.ndarray) -> np.ndarray:
    """``fun`` at each row of ``rows``, shape ``(n,)``."""
    if vectorized:
        return _as_outputs(fun(rows), len(rows), True)
    return np.array([_as_outputs(fun(row), 1, False)[0] for row in rows])


def model_gradients(fun: Callable, vectorized: bool, rows: np.ndarray) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """``fun`` and its exact gradient at each row: shapes ``(n,)`` and ``(n, D)``.

    A vectorized model's rows are independent, so one reverse pass with a cotangent of ones
    gives every row's gradient at once.
    """
    if not vectorized:
        pairs = [_value_and_gradient(fun, False, row) for row in rows]
        return (np.array([v[0] for v, _ in pairs]),
                np.array([g for _, g in pairs]).reshape(rows.shape))
    return _value_and_gradient(fun, True, rows)


def _value_and_gradient(fun: Callable, vectorized: bool, x: np.ndarray):
    out, pull_back = vjp(fun, x)
    values = _as_outputs(out, len(x) if vectorized else 1, vectorized)  # checked before pulling
    (grads,) = pull_back(np.ones(np.shape(out)))
    return values, np.asarray(grads, dtype=np.float64)


def check_rows_independent(fun: Callable, rows: np.ndarray, values: np.ndarray,
                           probe: int = 8) -> None:
    """Raise :class:`ModelOutputError` when a vectorized model mixes its rows.

    Batched gradients (one reverse pass with a cotangent of ones) and batched Sobol runs are
    right only if output ``k`` depends on row ``k`` alone. Such a model gives the same values
    for its first ``probe`` rows whether it sees them alone or within the whole batch; a model
    that normalises, sorts or averages across the batch does not. One plain (untraced) call on
    a handful of rows. The tolerance (1e-6 relative) lets through what only moves values at the
    level of a solver's tolerance, such as adaptive steps shared by a batch of ODEs.
    """
    head = rows[:probe]
    alone = _as_outputs(fun(head), len(head), True)
    within = values[:len(head)]
    scale = np.max(np.abs(within[np.isfinite(within)]), initial=0.0)
    if not np.allclose(alone, within, rtol=1e-6, atol=1e-9 * scale, equal_nan=True):
        raise ModelOutputError(
            "with vectorized=True, output k must depend on row k of X alone, but this model "
            f"gives other values for the first {len(head)} rows on their own than within the "
            "whole batch (does it normalise, sort or average across rows?); batched gradients "
            "and indices would be wrong: make it row-wise, or use vectorized=False")


def run_rows(task: Callable, fun: Callable, vectorized: bool, rows: np.ndarray, *,
             executor: Executor | None, chunk_size: int | None, progress: Any,
             label: str) -> list[np.ndarray]:
    """``task(fun, vectorized, chunk)`` over chunks of ``rows``, outputs joined in row order.

    ``task`` returns an array or a tuple of arrays per chunk; the result is a list with one
    concatenated array per returned item.
    """
    n = len(rows)
    if chunk_size is None:
        chunk_size = n if executor is None else max(1, -(-n // 32))
    starts = list(range(0, n, max(1, int(chunk_size))))
    chunks = [rows[s:s + chunk_size] for s in starts]
    report = _reporter(progress, label, n)
    bound = functools.partial(task, fun, vectorized)
    results: list[Any] = [None] * len(chunks)
    done = 0
    if executor is None:
        for k, chunk in enumerate(chunks):
            results[k] = bound(chunk)
            done += len(chunk)
            report(done)
    else:
        futures = {executor.submit(bound, chunk): k for k, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            k = futures[future]
            results[k] = future.result()
            done += len(chunks[k])
            report(done)
    report(None)
    parts = [r if isinstance(r, tuple) else (r,) for r in results]
    return [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]


def _reporter(progress: Any, label: str, total: int) -> Callable[[int | None], None]:
    """``progress``: False/None (silent), True (a line on stderr), "auto" (a line when stderr is
    a terminal), or a callable ``progress(done, total)``."""
    if callable(progress):
        return lambda done: None if done is None else progress(done, total)
    if progress == "auto":
        progress = sys.stderr.isatty()
    if not progress:
        return lambda done: None

    def line(done):
        if done is None:
            sys.stderr.write("\n")
        else:
            sys.stderr.write(f"\r{label}: {done}/{total} samples ({100 * done // total}%)")
        sys.stderr.flush()

    return line


def finite_rows(values: np.ndarray, names: Sequence[str], inputs: np.ndarray,
                nan_policy: str, what: str) -> np.ndarray:
    """A mask of rows to keep; raises :class:`SampleError` for NaN/inf unless ``nan_policy``
    is ``"omit"``. ``values`` has one row per sample (extra axes are reduced)."""
    if nan_policy not in ("raise", "omit"):
        raise ProblemError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")
    finite = np.all(np.isfinite(values.reshape(len(values), -1)), axis=1)
    bad = np.flatnonzero(~finite)
    if bad.size == 0:
        return finite
    if nan_policy == "omit" and bad.size < len(values) - 1:
        return finite
    first = ", ".join(f"{n}={v:.6g}" for n, v in zip(names, inputs[bad[0]]))
    raise SampleError(
        f"the model's {what} is NaN or infinite at {bad.size} of {len(values)} samples (rows "
        f"{bad[:10].tolist()}{' ...' if bad.size > 10 else ''}); the first is at {first}. "
        "sciad never averages these silently: fix the model or narrow the bounds there, or pass "
        "nan_policy='omit' to drop those samples (the result records how many).")
