"""Indexing, assignment and index-computing functions against finite differences and exact
values. Every function the indexing module registers needs a row in ``CASES``."""

import numpy as np
import pytest

import sciad
from rule_table import (Case, case_ids, check_against_finite_differences,
                        check_float32_preserved, functions_without_rows)
from sciad.engine.rules import indexing

rng = np.random.default_rng(3)
X = rng.normal(size=(3, 4))
X3 = rng.normal(size=(2, 3, 4))
V = rng.normal(size=6)
LABELS = np.array([0, 2, 2, 5, 1, 2])


def _scale_positive(x):
    y = x * 1.0
    y[y > 0] *= 2
    return y


def _fill_zeros_like(x):
    out = np.zeros_like(x)
    out[1:, ::2] = np.sin(x[:2, ::2])
    out[0] = x[0] ** 2
    return out


def _assign_fancy(x):
    y = x * 1.0
    y[[0, 2], [1, 3]] = x[1, :2] ** 2
    return y * x


def _assign_repeated(x):
    y = np.zeros_like(x)
    y[[0, 0, 2], [1, 1, 0]] += x[1, 2] * x[[0, 0, 2], [1, 1, 0]]  # the last write wins
    return y


def _put_along_axis(x):
    y = np.zeros_like(x)
    np.put_along_axis(y, np.array([[0], [2], [1]]), x[:, :1] ** 2, axis=1)
    return y + x


def _putmask(x):
    y = x * 1.0
    np.putmask(y, x > 0, np.exp(x))
    return y


def _putmask_cyclic(x):
    y = x * 1.0
    np.putmask(y, x > 0, x[0, :2] * 3.0)
    return y


CASES = [
    Case(np.ndarray.__getitem__, "basic slices", lambda x: x[1:, ::-2], (X,)),
    Case(np.ndarray.__getitem__, "integer, None, Ellipsis", lambda x: x[None, ..., 1], (X3,)),
    Case(np.ndarray.__getitem__, "repeated fancy indices accumulate",
         lambda x: x[[0, 0, 2], [1, 1, 3]] ** 2, (X,)),
    Case(np.ndarray.__getitem__, "boolean mask", lambda x: x[x > 0] ** 3, (X,)),
    Case(np.ndarray.__getitem__, "mixed fancy and slice", lambda x: x[[2, 0], 1:3] ** 2, (X,)),
    Case(np.ndarray.__getitem__, "mixed, batched", lambda x: x[:, [1, 1, 0], -1] ** 2, (X3,)),
    Case(np.ndarray.__setitem__, "y[mask] *= 2", _scale_positive, (X,), order=1),
    Case(np.ndarray.__setitem__, "into np.zeros_like", _fill_zeros_like, (X,)),
    Case(np.ndarray.__setitem__, "fancy", _assign_fancy, (X,)),
    Case(np.ndarray.__setitem__, "repeated fancy, last write wins", _assign_repeated, (X,)),
    Case(np.copy, "copy", lambda x: np.copy(x) * x, (X,)),
    Case(np.take, "axis=-1, repeated", lambda x: np.take(x, [3, 0, 3], axis=-1) ** 2, (X,)),
    Case(np.take, "flat", lambda x: np.take(x, [[5, 5], [0, 11]]), (X,), order=1),
    Case(np.take_along_axis, "argsort order",
         lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0) ** 2, (X,)),
    Case(np.take_along_axis, "axis=None",
         lambda x: np.take_along_axis(x, np.array([1, 1, 7]), axis=None), (X,), order=1),
    Case(np.put_along_axis, "axis=1", _put_along_axis, (X,)),
    Case(np.putmask, "same shape", _putmask, (X,), order=1),
    Case(np.putmask, "cyclic values", _putmask_cyclic, (X,), order=1),
    Case(np.compress, "axis=0", lambda x: np.compress([True, False, True], x, axis=0) ** 2, (X,)),
    Case(np.compress, "flat", lambda x: np.compress([True, False, True], x), (X,), order=1),
    Case(np.extract, "mask", lambda x: np.extract(x > 0, x) ** 2, (X,)),
    Case(np.select, "first match wins", lambda x: np.select(
        [x < -0.5, x > 0.5, x > -1.0], [x ** 2, np.sin(x), x * 4.0], default=x * 3), (X,)),
    Case(np.choose, "broadcast", lambda x: np.choose(np.array([[0, 1, 2, 1]]),
                                                      [x, x ** 2, np.cos(x)]), (X,)),
    Case(np.choose, "mode=wrap", lambda x: np.choose(np.array([0, 3, 1, 4]), [x, x * x],
                                                      mode="wrap"), (X,), order=1),
    Case(np.unique, "values", lambda x: np.unique(np.concatenate([x, x[:2]])) ** 2, (V,)),
    Case(np.bincount, "weights keyword", lambda w: np.bincount(LABELS, weights=w ** 2,
                                                                minlength=8), (V,)),
    Case(np.bincount, "weights positional", lambda w: np.bincount(LABELS, w), (V,), order=1),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_matches_finite_differences(case):
    check_against_finite_differences(case)


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_float32_preserved(case):
    check_float32_preserved(case)


def test_every_registered_indexing_function_has_a_row():
    assert functions_without_rows(indexing.REGISTERED, CASES) == []


# --- exact values -----------------------------------------------------------------------------
def test_repeated_fancy_indices_accumulate_exactly():
    grad = sciad.grad(lambda x: np.sum(x[[0, 0, 0, 2]]))(np.zeros(3))
    np.testing.assert_array_equal(grad, [3.0, 0.0, 1.0])
    # an integer array into a vector (the bincount path), negative positions (the add.at path)
    for positions in (np.array([0, 0, 0, 2]), np.array([0, 0, 0, -1])):
        grad = sciad.grad(lambda x: np.sum(x[positions] * np.arange(1.0, 5.0)))(np.zeros(3))
        np.testing.assert_array_equal(grad, [6.0, 0.0, 4.0])


def test_overwritten_entries_get_no_gradient_from_the_old_value():
    def f(x):
        y = x * 1.0
        y[1] = 5.0 * x[0]
        return np.sum(y)
    np.testing.assert_array_equal(sciad.grad(f)(np.ones(3)), [6.0, 0.0, 1.0])


def test_assignment_with_repeated_indices_differentiates_the_last_write():
    # y[[0, 0, 2]] = v writes v[1] to y[0] (NumPy: the last write wins); v[0] is lost
    def f(v):
        y = np.zeros(3)
        y = y + 0.0 * v[0]
        y[[0, 0, 2]] = v
        return np.sum(y * np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(sciad.grad(f)(np.array([1.0, 2.0, 3.0])), [0.0, 1.0, 100.0])


def test_bincount_gradient_gathers_the_bin_cotangent():
    weights_grad = sciad.grad(lambda w: np.sum(np.bincount(LABELS, w) * np.arange(6.0)))(V)
    np.testing.assert_array_equal(weights_grad, LABELS.astype(float))


def test_unique_differentiates_the_first_occurrence():
    x = np.array([2.0, 1.0, 2.0])
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sum(np.unique(x)))(x), [1, 1, 0])
    values, inverse = np.unique(sciad.tensor(x), return_inverse=True)
    np.testing.assert_array_equal(inverse, [1, 0, 1])


def test_assignment_into_a_plain_array_raises_clear_error():
    def f(x):
        out = np.zeros(3)
        out[:1] = x[:1]
        return np.sum(out)
    with pytest.raises(sciad.NotDifferentiableError, match="drop its derivative"):
        sciad.grad(f)(np.ones(3))
    with pytest.raises(sciad.NotDifferentiableError, match="zeros_like"):
        sciad.grad(lambda x: np.put_along_axis(np.zeros(3), np.array([0]), x, 0))(np.ones(1))


INDEX_HELPERS = [
    lambda x: np.argmax(x), lambda x: np.argmin(x, axis=0), lambda x: np.argsort(x),
    lambda x: np.nonzero(x > 0)[0], lambda x: np.flatnonzero(x), lambda x: np.argwhere(x > 0),
    lambda x: np.searchsorted(np.sort(x), 0.0), lambda x: np.shape(x), lambda x: np.ndim(x),
    lambda x: np.size(x), lambda x: np.count_nonzero(x > 0), lambda x: np.result_type(x, 1),
    lambda x: np.any(x > 0), lambda x: np.all(x > 0), lambda x: np.isclose(x, 0.5),
    lambda x: np.digitize(x, [0.0]), lambda x: np.isin(x, [1.0]),
]


@pytest.mark.parametrize("helper", INDEX_HELPERS, ids=range(len(INDEX_HELPERS)))
def test_index_helpers_return_plain_values_on_traced_arrays(helper):
    expected = helper(V)
    seen = []
    sciad.grad(lambda x: (seen.append(helper(x)), np.sum(x))[1])(V)
    result = seen[0]
    assert not isinstance(result, sciad.Tensor)
    if isinstance(expected, tuple):
        assert result == expected
    else:
        np.testing.assert_array_equal(result, expected)
