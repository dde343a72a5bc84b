"""Large arrays that no rule reads are not kept on the graph (graph._unread_dropped).

The rule tables use small arrays, below the size at which the engine drops unread values, so
here they run again with every float array treated as large: a rule that reads a value its
primitive declared unread (or that `registry._parameters_read` missed) then computes with a
zero-stride stand-in of zeros and fails its finite-difference check.
"""

import numpy as np
import pytest

import sciad
from sciad.engine import graph
from sciad.engine.registry import UFUNC_RULES, _parameters_read
from rule_table import case_ids, check_against_finite_differences, check_float32_preserved

# the table tests of the families whose primitives declare what they read, run again here
from test_random_compositions import (  # noqa: F401
    test_random_composition_gradient, test_random_composition_hessian)
from test_rules_elementwise import (  # noqa: F401
    test_float32_inputs_get_float32_gradients, test_jvp_differentiates_the_rule_in_its_cotangent,
    test_rule_matches_finite_differences)
from test_rules_indexing import test_matches_finite_differences  # noqa: F401
from test_rules_reductions import test_row  # noqa: F401
from test_rules_shapes import test_row as test_shapes_row  # noqa: F401
from test_rules_extras import CASES as EXTRAS_CASES
from test_rules_last_missing import CASES as LAST_MISSING_CASES


# rows of other tables built on primitives that declare reads: sliding_window_view (shape
# only), and piecewise (indexing, assignment), tensorinv/tensorsolve and polyfit's full outputs
# (reshape, vander's concatenate and repeat); the slower polyfit rows are left to their file
MORE_ROWS = [case for case in EXTRAS_CASES + LAST_MISSING_CASES
             if case.func in (np.lib.stride_tricks.sliding_window_view, np.piecewise,
                              np.linalg.tensorinv, np.linalg.tensorsolve)
             or case.label == "full=True"]


@pytest.mark.parametrize("case", MORE_ROWS, ids=case_ids(MORE_ROWS))
def test_more_rows(case):
    check_against_finite_differences(case)
    check_float32_preserved(case)


@pytest.fixture(autouse=True)
def _drop_every_unread_array(monkeypatch):
    monkeypatch.setattr(graph, "STRIP_SIZE", 0)


def test_parameters_read_from_the_derivatives_code():
    assert _parameters_read(lambda ans, x, y: y, 3) == {2}
    assert _parameters_read(lambda ans, x: 2.0 * x * ans, 2) == {0, 1}
    assert _parameters_read(lambda ans, x: 1.0, 2) == set()
    assert _parameters_read(-1.0, 2) == set() and _parameters_read(None, 2) == set()
    assert _parameters_read(np.cos, 2) == {0, 1}            # C code: assume everything
    assert _parameters_read(lambda ans, *a: a[0], 2) == {0, 1}  # varargs: everything
    assert _parameters_read(lambda ans, x: (lambda: x)(), 2) == {0, 1}  # x in a closure cell
    reads_ans, reads_args = UFUNC_RULES[np.multiply].reads
    assert reads_ans == (False, False) and reads_args == ({1}, {0})


def test_large_arrays_kept_only_where_a_rule_reads_them(monkeypatch):
    monkeypatch.setattr(graph, "STRIP_SIZE", 1 << 15)
    x = np.linspace(0.5, 1.5, 40_000)  # 320 kB: above the default size
    level = graph.new_level()
    tape = graph.open_tape(level)
    try:
        box = sciad.Tensor(x, graph.Node.leaf(), level)
        y = np.exp(box)
        z = np.sin(y) + box * 2.0
    finally:
        graph.close_tape(level)
    exp_node, sin_node, times_node, plus_node = tape
    assert exp_node.ans is y._value and exp_node.args[0].strides == (0,)  # exp' = exp: reads ans
    assert sin_node.ans is None and sin_node.args[0] is y._value          # sin' = cos: reads x
    assert times_node.ans is None and times_node.args[0].strides == (0,)  # x * 2: reads the 2
    assert plus_node.ans is None and all(a.strides == (0,) for a in plus_node.args)
    stand_in = plus_node.args[1]
    assert stand_in.shape == x.shape and stand_in.dtype == x.dtype and not stand_in.flags.writeable
    del z


def test_gradient_through_dropped_values_at_the_default_size(monkeypatch):
    monkeypatch.setattr(graph, "STRIP_SIZE", 1 << 15)
    x = np.linspace(0.5, 1.5, 40_000)

    def f(x):
        y = np.exp(x)
        z = y * 3.0 + x
        return np.sum(z * z) + np.mean(x[1:] - x[:-1] ** 2)

    expected = 2 * (3 * np.exp(x) + x) * (3 * np.exp(x) + 1)
    n = x.size - 1
    expected[1:] += 1.0 / n
    expected[:-1] -= 2.0 * x[:-1] / n
    np.testing.assert_allclose(sciad.grad(f)(x), expected, rtol=1e-13)


def test_shape_nodes_keep_no_large_array(monkeypatch):
    monkeypatch.setattr(graph, "STRIP_SIZE", 1 << 15)
    x = np.linspace(0.5, 1.5, 40_000)
    level = graph.new_level()
    tape = graph.open_tape(level)
    try:
        box = sciad.Tensor(x, graph.Node.leaf(), level)
        # the third array of a variadic primitive: its read set answers for any position
        np.stack([x, 2.0 * x, box])
        np.concatenate([np.flip(box), np.tile(box, 2)])
    finally:
        graph.close_tape(level)
    shape_nodes = [node for node in tape if node.prim.name != "numpy.multiply"]
    assert [node.prim.name for node in shape_nodes] == [
        "numpy.stack", "numpy.flip", "numpy.tile", "numpy.concatenate"]
    for node in shape_nodes:
        arrays = [a for a in node.args if isinstance(a, np.ndarray)]  # not tile's reps
        assert node.ans is None and arrays, node.prim
        assert all(a.strides == (0,) * a.ndim for a in arrays), node.prim
