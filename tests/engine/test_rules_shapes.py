"""Shape rules against central finite differences, plus exact tests of where cotangents go."""

import numpy as np
import pytest

import sciad
from rule_table import Case, rule_tests
from sciad.engine.rules import shapes

rng = np.random.default_rng(3)
V = rng.normal(size=4)
M = rng.normal(size=(3, 4))
M2 = rng.normal(size=(3, 2))
SQ = rng.normal(size=(3, 3))
T = rng.normal(size=(2, 3, 4))
S = np.array(1.5)


def _weighted(f):
    """f's output times fixed weights, so that a wrong placement of entries shows in the sum."""
    def fun(*args):
        out = f(*args)
        return out * np.linspace(0.5, 2.0, np.size(out)).reshape(np.shape(out))
    return fun


CASES = [
    Case(np.reshape, "-1", lambda x: np.reshape(x, (-1,)), (M,)),
    Case(np.reshape, "order=F", _weighted(lambda x: np.reshape(x, (4, 3), order="F")), (M,)),
    Case(np.ravel, "C", _weighted(lambda x: np.ravel(x)), (T,)),
    Case(np.ravel, "order=F", _weighted(lambda x: np.ravel(x, order="F")), (M,)),
    Case(np.transpose, "default", _weighted(lambda x: np.transpose(x)), (T,)),
    Case(np.transpose, "negative axes", _weighted(lambda x: np.transpose(x, (-1, 0, 1))), (T,)),
    Case(np.moveaxis, "tuple", _weighted(lambda x: np.moveaxis(x, (0, -1), (-1, 1))), (T,)),
    Case(np.swapaxes, "-1,0", _weighted(lambda x: np.swapaxes(x, -1, 0)), (T,)),
    Case(np.expand_dims, "tuple", lambda x: np.expand_dims(x, (0, -1)) ** 2, (M,)),
    Case(np.squeeze, "axis", lambda x: np.squeeze(x[:, None], axis=1) ** 2, (M,)),
    Case(np.broadcast_to, "new and unit axes",
         _weighted(lambda x: np.broadcast_to(x[:, None, :1], (2, 3, 5, 1))), (M,)),
    Case(np.concatenate, "axis=-1", _weighted(lambda a, b: np.concatenate([a, b], -1)), (M, M2)),
    Case(np.concatenate, "axis=None", _weighted(lambda a, b: np.concatenate((a, b), None)),
         (M, M2)),
    Case(np.stack, "axis=-1", _weighted(lambda a, b: np.stack([a, b], axis=-1)), (M, 2 * M)),
    Case(np.hstack, "2-D", _weighted(lambda a, b: np.hstack([a, b])), (M, M2)),
    Case(np.hstack, "1-D and scalar", _weighted(lambda a, s: np.hstack([a, s])), (V, S)),
    Case(np.vstack, "1-D rows", _weighted(lambda a, b: np.vstack([a, b])), (V, M)),
    Case(np.dstack, "2-D", _weighted(lambda a, b: np.dstack([a, b])), (M, -M)),
    Case(np.column_stack, "1-D and 2-D", _weighted(lambda a, b: np.column_stack([a, b])),
         (V[:3], M)),
    Case(np.atleast_1d, "scalar", lambda s: np.atleast_1d(s) * 2.0, (S,)),
    Case(np.atleast_2d, "1-D", _weighted(lambda v: np.atleast_2d(v)), (V,)),
    Case(np.atleast_3d, "two arrays",
         lambda v, m: np.sum(np.atleast_3d(v, m)[0] ** 2) + np.sum(np.atleast_3d(v, m)[1]),
         (V, M)),
    Case(np.split, "sections", lambda x: np.split(x, 2, axis=-1)[1] ** 2, (M,)),
    Case(np.split, "indices", _weighted(lambda x: np.concatenate(np.split(x, [1, 3], -1)[::2], -1)),
         (T,)),
    Case(np.array_split, "uneven", lambda x: np.array_split(x, 3, axis=1)[0] * 3.0, (M,)),
    Case(np.hsplit, "2", lambda x: np.hsplit(x, 2)[0] ** 2, (M,)),
    Case(np.vsplit, "3", lambda x: np.vsplit(x, 3)[2] ** 2, (M,)),
    Case(np.dsplit, "2", lambda x: np.dsplit(x, 2)[1] ** 2, (T,)),
    Case(np.tile, "int", _weighted(lambda x: np.tile(x, 2)), (M,)),
    Case(np.tile, "more reps than dims", _weighted(lambda x: np.tile(x, (2, 1, 3))), (M,)),
    Case(np.tile, "fewer reps than dims", _weighted(lambda x: np.tile(x, (2, 1))), (T,)),
    Case(np.repeat, "int, axis=None", _weighted(lambda x: np.repeat(x, 2)), (M,)),
    Case(np.repeat, "counts, axis=-1", _weighted(lambda x: np.repeat(x, [2, 0, 1, 3], axis=-1)),
         (M,)),
    Case(np.repeat, "int, axis=0", _weighted(lambda x: np.repeat(x, 3, axis=0)), (T,)),
    Case(np.repeat, "int, cubed", _weighted(lambda x: np.repeat(x, 2, axis=1) ** 3), (M,)),
    Case(np.flip, "axis=None", _weighted(lambda x: np.flip(x)), (T,)),
    Case(np.flip, "tuple", _weighted(lambda x: np.flip(x, (0, -1))), (T,)),
    Case(np.fliplr, "2-D", _weighted(lambda x: np.fliplr(x)), (M,)),
    Case(np.flipud, "1-D", _weighted(lambda x: np.flipud(x)), (V,)),
    Case(np.roll, "axis=None", _weighted(lambda x: np.roll(x, 5)), (M,)),
    Case(np.roll, "tuple", _weighted(lambda x: np.roll(x, (1, -1), axis=(1, -1))), (T,)),
    Case(np.rot90, "k=1", _weighted(lambda x: np.rot90(x)), (M,)),
    Case(np.rot90, "k=3, axes", _weighted(lambda x: np.rot90(x, 3, axes=(2, 0))), (T,)),
    Case(np.diag, "vector -> matrix", _weighted(lambda v: np.diag(v)), (V,)),
    Case(np.diag, "vector, k=-2", _weighted(lambda v: np.diag(v, k=-2)), (V,)),
    Case(np.diag, "matrix -> diagonal, k=1", lambda m: np.diag(m, 1) ** 2, (M,)),
    Case(np.diag, "matrix, k=-1", lambda m: np.diag(m, k=-1) ** 2, (M,)),
    Case(np.diagonal, "3-D, axes", lambda x: np.diagonal(x, 1, axis1=-1, axis2=1) ** 2, (T,)),
    Case(np.trace, "2-D", lambda m: np.trace(m) ** 2, (SQ,)),
    Case(np.trace, "3-D, offset", lambda x: np.trace(x, -1, 1, 2) ** 2, (T,)),
    Case(np.triu, "k=1", _weighted(lambda x: np.triu(x, 1)), (M,)),
    Case(np.tril, "batched, k=-1", _weighted(lambda x: np.tril(x, -1)), (T,)),
    Case(np.pad, "constant", _weighted(lambda x: np.pad(x, ((1, 0), (2, 1)))), (M,)),
    Case(np.pad, "constant_values", _weighted(lambda x: np.pad(x, 2, constant_values=3.0)), (V,)),
    Case(np.pad, "edge", _weighted(lambda x: np.pad(x, ((1, 2), (0, 3)), mode="edge")), (M,)),
    Case(np.pad, "reflect", _weighted(lambda x: np.pad(x, 2, mode="reflect")), (M,)),
    Case(np.pad, "symmetric", _weighted(lambda x: np.pad(x, (3, 1), mode="symmetric")), (V,)),
    Case(np.pad, "wrap", _weighted(lambda x: np.pad(x, 1, mode="wrap")), (T,)),
    Case(np.pad, "reflect, wider than the axis",
         _weighted(lambda x: np.pad(x, ((5, 7), (0, 2)), mode="reflect")), (M2,)),
    # cubed: the second derivative sends a traced cotangent through the fold (and its rule)
    Case(np.pad, "edge, cubed", _weighted(lambda x: np.pad(x, ((2, 1), (1, 3)), "edge") ** 3),
         (M2,)),
    Case(np.pad, "symmetric, cubed", _weighted(lambda x: np.pad(x, 3, "symmetric") ** 3), (V,)),
    Case(np.sort, "axis=-1", _weighted(lambda x: np.sort(x)), (M,)),
    Case(np.sort, "axis=0", _weighted(lambda x: np.sort(x, axis=0)), (T,)),
    Case(np.sort, "axis=None", _weighted(lambda x: np.sort(x, axis=None)), (M,)),
    Case(np.sort, "middle axis", _weighted(lambda x: np.sort(x, axis=1)), (T,)),
    Case(np.sort, "cubed", _weighted(lambda x: np.sort(x, axis=0) ** 3), (M,)),
    Case(np.copy, "copy", lambda x: np.copy(x) ** 2, (M,)),
]


test_row, test_every_registered_function_has_a_row = rule_tests(CASES, shapes.REGISTERED)


# --- exact placements ------------------------------------------------------------------------
def test_sort_sends_cotangent_back_through_the_permutation():
    x = np.array([3.0, 1.0, 2.0])
    # sorted: [1, 2, 3] weighted by [10, 20, 30] -> x[1] gets 10, x[2] 20, x[0] 30
    grad = sciad.grad(lambda x: np.sum(np.sort(x) * np.array([10.0, 20.0, 30.0])))(x)
    np.testing.assert_array_equal(grad, [30.0, 10.0, 20.0])


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_sort_gradient_and_value_are_the_argsort_permutation(axis):
    # the rule keeps the permutation as flat positions: against take/put_along_axis directly
    x = rng.normal(size=(4, 5, 3))
    weights = rng.normal(size=x.size).reshape(np.sort(x, axis=axis).shape)
    out, pull = sciad.vjp(lambda x: np.sort(x, axis=axis), x)
    np.testing.assert_array_equal(out, np.sort(x, axis=axis))
    flat, along = (x.ravel(), 0) if axis is None else (x, axis)
    expected = np.empty_like(flat)
    np.put_along_axis(expected, np.argsort(flat, axis=along), weights, axis=along)
    np.testing.assert_array_equal(pull(weights)[0], expected.reshape(x.shape))


def test_sort_of_empty_and_0d_arrays_as_numpy():
    for x in (np.zeros((2, 0, 3)), np.zeros(0)):
        assert sciad.grad(lambda x: np.sum(np.sort(x, axis=0)))(x).shape == x.shape
    with pytest.raises(np.exceptions.AxisError):
        sciad.grad(lambda x: np.sum(np.sort(x)))(np.array(1.5))
    np.testing.assert_array_equal(sciad.grad(lambda x: np.sort(x, axis=None)[0])(np.array(1.5)),
                                  1.0)


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("x, widths", [
    (V, (2, 3)), (V, (9, 0)), (V, 11),             # pads wider than the axis: several rounds
    (M, ((1, 2), (0, 5))), (M2, ((4, 4), (3, 1))),
    (T, ((0, 0), (2, 1), (6, 3))),
])
def test_copying_pad_gradient_is_the_sum_over_the_copies(mode, x, widths):
    # reference: pad the entries' flat positions and count every copy of each entry
    weights = rng.normal(size=np.pad(x, widths, mode).shape)
    positions = np.pad(np.arange(x.size).reshape(x.shape), widths, mode)
    expected = np.bincount(positions.ravel(), weights.ravel(), x.size).reshape(x.shape)
    out, pull = sciad.vjp(lambda x: np.pad(x, widths, mode=mode), x)
    np.testing.assert_array_equal(out, np.pad(x, widths, mode))
    np.testing.assert_allclose(pull(weights)[0], expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("count", [1, 2, 3, 9, 12])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_repeat_by_one_count_sums_the_copies(count, axis):
    # one count for every entry takes its own path (runs as an axis): against np.add.at
    x = rng.normal(size=(3, 4))
    weights = rng.normal(size=np.repeat(x, count, axis=axis).shape)
    flat, along = (x.ravel(), 0) if axis is None else (x, axis % 2)
    expected = np.zeros_like(np.moveaxis(flat, along, 0))
    np.add.at(expected, np.repeat(np.arange(flat.shape[along]), count),
              np.moveaxis(weights, along, 0))
    _, pull = sciad.vjp(lambda x: np.repeat(x, count, axis=axis), x)
    np.testing.assert_allclose(pull(weights)[0],
                               np.moveaxis(expected, 0, along).reshape(x.shape), rtol=1e-14)


def test_repeat_with_counts_sums_the_copies():
    weights = np.arange(1.0, 7.0)           # repeat([a, b, c], [2, 0, 4]) has 6 entries
    grad = sciad.grad(lambda x: np.sum(np.repeat(x, [2, 0, 4]) * weights))(np.ones(3))
    np.testing.assert_array_equal(grad, [1 + 2, 0.0, 3 + 4 + 5 + 6])


def test_split_piece_without_cotangent_gets_zeros():
    grad = sciad.grad(lambda x: np.sum(np.split(x, 3)[1] * 2.0))(np.arange(6.0))
    np.testing.assert_array_equal(grad, [0, 0, 2, 2, 0, 0])


def test_pad_modes_add_up_copied_entries():
    # reflect of [a, b, c] by 2: [c, b, a, b, c, b, a] -> counts a:2, b:3, c:2
    grad = sciad.grad(lambda x: np.sum(np.pad(x, 2, mode="reflect")))(np.ones(3))
    np.testing.assert_array_equal(grad, [2.0, 3.0, 2.0])
    grad = sciad.grad(lambda x: np.sum(np.pad(x, 2, constant_values=5.0)))(np.ones(3))
    np.testing.assert_array_equal(grad, np.ones(3))


def test_diag_round_trip_and_trace_method():
    m = np.arange(12.0).reshape(3, 4)
    expected = np.zeros((3, 4))
    expected[[0, 1, 2], [1, 2, 3]] = 1.0
    np.testing.assert_array_equal(sciad.grad(lambda m: np.sum(np.diag(m, 1)))(m), expected)
    np.testing.assert_array_equal(sciad.grad(lambda m: m.trace())(np.ones((2, 2))), np.eye(2))
    np.testing.assert_array_equal(sciad.grad(lambda m: m.diagonal().sum())(np.ones((2, 2))),
                                  np.eye(2))


def test_tensor_methods_route_through_the_rules():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        sciad.grad(lambda x: np.sum(x.reshape(3, 2)[0] + x.T[0] + x.ravel()[5]))(x),
        [[2, 1, 0], [1, 0, 2]])  # x[1, 2] broadcast over both entries
    np.testing.assert_array_equal(
        sciad.grad(lambda x: np.sum(x.repeat(2, axis=1)))(x), np.full((2, 3), 2.0))


@pytest.mark.parametrize("call, message", [
    (lambda x: np.pad(x, 1, mode="mean"), "mode='mean'"),
    (lambda x: np.pad(x, 1, mode="reflect", reflect_type="odd"), "reflect_type"),
])
def test_unsupported_pad_modes_raise_clearly(call, message):
    with pytest.raises(NotImplementedError, match=message):
        sciad.grad(lambda x: np.sum(call(x)))(V)
