"""Product rules (matmul, dot, tensordot, einsum, kron, cross ...), table-driven.

Each row calls a product on operands of the given shapes; every operand is differentiated and
checked against central finite differences to second order (products are bilinear, so the
second derivative checks the rule of the rule). ``test_every_registered_product_has_a_row``
re-imports :mod:`sciad.engine.rules.products` into empty tables and fails on any function
registered there without a row.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import sciad
from sciad.engine import registry
from sciad.engine.rules import products

# rows with 2-component vectors exercise np.cross's deprecated (but supported) form
pytestmark = pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")


@dataclass
class Row:
    name: str
    func: Callable   # the registered function, for the coverage check
    call: Callable   # call(*operands)
    shapes: tuple    # one shape per differentiated operand


R = Row
ROWS = [
    R("matmul", np.matmul, np.matmul, ((3, 4), (4, 2))),
    R("matmul-batch-broadcast", np.matmul, np.matmul, ((2, 1, 2, 3), (3, 3, 2))),
    R("matmul-vector-vector", np.matmul, np.matmul, ((3,), (3,))),
    R("matmul-vector-batch", np.matmul, np.matmul, ((3,), (2, 3, 2))),
    R("matmul-batch-vector", np.matmul, np.matmul, ((2, 2, 3), (3,))),
    R("matmul-operator", np.matmul, lambda a, b: a @ b, ((2, 3), (3, 2))),
    R("matvec", np.matvec, np.matvec, ((2, 2, 3), (3,))),
    R("vecmat", np.vecmat, np.vecmat, ((2, 4), (4, 3))),
    R("vecdot", np.vecdot, np.vecdot, ((2, 3), (3,))),
    R("vecdot-axis0", np.vecdot, lambda a, b: np.vecdot(a, b, axis=0), ((3, 2), (3, 1))),
    R("vecdot-keepdims", np.vecdot, lambda a, b: np.vecdot(a, b, axis=0, keepdims=True),
      ((3, 2), (3, 1))),
    R("dot-vectors", np.dot, np.dot, ((4,), (4,))),
    R("dot-matrices", np.dot, np.dot, ((2, 3), (3, 4))),
    R("dot-nd", np.dot, np.dot, ((2, 2, 3), (2, 3, 2))),
    R("dot-matrix-vector", np.dot, np.dot, ((2, 3), (3,))),
    R("dot-scalar", np.dot, np.dot, ((), (2, 3))),
    R("dot-method", np.dot, lambda a, b: a.dot(b), ((3,), (3, 2))),
    R("inner", np.inner, np.inner, ((2, 3), (4, 3))),
    R("inner-vectors", np.inner, np.inner, ((3,), (3,))),
    R("inner-scalar", np.inner, np.inner, ((2,), ())),
    R("vdot", np.vdot, np.vdot, ((2, 3), (3, 2))),
    R("outer", np.outer, np.outer, ((2, 2), (3,))),
    R("tensordot-int", np.tensordot, lambda a, b: np.tensordot(a, b, 1), ((2, 3), (3, 4))),
    R("tensordot-default", np.tensordot, np.tensordot, ((2, 3, 2), (3, 2, 2))),
    R("tensordot-pairs", np.tensordot,
      lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])), ((3, 2, 2), (2, 2, 3))),
    R("tensordot-negative", np.tensordot,
      lambda a, b: np.tensordot(a, b, axes=(-1, 0)), ((2, 3), (3, 2))),
    R("tensordot-zero", np.tensordot, lambda a, b: np.tensordot(a, b, axes=0), ((2,), (3,))),
    R("einsum-matmul", np.einsum, lambda a, b: np.einsum("ij,jk->ik", a, b), ((2, 3), (3, 2))),
    R("einsum-diagonal", np.einsum, lambda a: np.einsum("ii->i", a), ((3, 3),)),
    R("einsum-trace", np.einsum, lambda a: np.einsum("ii", a), ((3, 3),)),
    R("einsum-sum", np.einsum, lambda a: np.einsum("ij->", a), ((2, 3),)),
    R("einsum-row-sums", np.einsum, lambda a: np.einsum("ij->i", a), ((2, 3),)),
    R("einsum-repeated-and-summed", np.einsum, lambda a: np.einsum("iij->j", a), ((2, 2, 3),)),
    R("einsum-transpose", np.einsum, lambda a: np.einsum("ij->ji", a), ((2, 3),)),
    R("einsum-implicit", np.einsum, lambda a, b: np.einsum("ba,ac", a, b), ((2, 3), (3, 2))),
    R("einsum-implicit-inner", np.einsum, lambda a, b: np.einsum("i,i", a, b), ((3,), (3,))),
    R("einsum-outer", np.einsum, lambda a, b: np.einsum("i,j->ij", a, b), ((2,), (3,))),
    R("einsum-hadamard", np.einsum, lambda a, b: np.einsum("ij,ij->ij", a, b), ((2, 3), (2, 3))),
    R("einsum-three", np.einsum, lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c),
      ((2, 3), (3, 2), (2, 2))),
    R("einsum-ellipsis-broadcast", np.einsum,
      lambda a, b: np.einsum("...ij,...jk->...ik", a, b), ((2, 1, 2, 3), (3, 3, 2))),
    R("einsum-ellipsis-implicit", np.einsum, lambda a: np.einsum("...ii", a), ((2, 3, 3),)),
    R("einsum-interleaved", np.einsum, lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]),
      ((2, 3), (3, 2))),
    R("einsum-interleaved-implicit", np.einsum,
      lambda a, b: np.einsum(a, [Ellipsis, 1], b, [1]), ((2, 3), (3,))),
    R("kron", np.kron, np.kron, ((2, 3), (2, 2))),
    R("kron-mixed-ndim", np.kron, np.kron, ((3,), (2, 2))),
    R("cross", np.cross, np.cross, ((2, 3), (3,))),
    R("cross-2d", np.cross, np.cross, ((3, 2), (3, 2))),
    R("cross-mixed", np.cross, np.cross, ((2,), (2, 3))),
    R("cross-axes", np.cross, lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0),
      ((3, 2), (2, 3))),
    R("cross-axis", np.cross, lambda a, b: np.cross(a, b, axis=0), ((3, 2), (3, 1))),
]


def _operands(row: Row, seed: int, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape).astype(dtype) for shape in row.shapes]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_product_matches_finite_differences(row):
    operands = _operands(row, 0)
    assert np.all(np.isfinite(row.call(*operands)))
    # the second-order check costs (inputs x outputs) backward passes: keep the suite fast
    inputs, outputs = sum(x.size for x in operands), np.size(row.call(*operands))
    sciad.check_grads(row.call, operands, order=2 if inputs * outputs <= 150 else 1)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_float32_operands_get_float32_gradients(row):
    operands = _operands(row, 1)
    weights = np.random.default_rng(2).normal(size=np.shape(row.call(*operands)))
    argnums = tuple(range(len(operands)))
    expected = sciad.grad(lambda *xs: np.sum(row.call(*xs) * weights), argnums)(*operands)
    # the object API hands back the raw cotangent, so a float64 rule output would show here
    leaves = [sciad.tensor(x.astype(np.float32), requires_grad=True) for x in operands]
    np.sum(row.call(*leaves) * weights.astype(np.float32)).backward()
    for leaf, reference in zip(leaves, expected):
        assert leaf.grad.dtype == np.float32
        np.testing.assert_allclose(leaf.grad, reference, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_jvp_differentiates_the_rule_in_its_cotangent(row):
    # sciad.jvp transposes the vjp, so every rule must itself be differentiable in g
    operands, tangents = _operands(row, 0), _operands(row, 9)
    _, tangent_out = sciad.jvp(row.call, operands, tangents)
    step = 1e-6
    forward = row.call(*[x + step * t for x, t in zip(operands, tangents)])
    backward = row.call(*[x - step * t for x, t in zip(operands, tangents)])
    np.testing.assert_allclose(tangent_out, (forward - backward) / (2 * step), rtol=1e-6,
                               atol=1e-8)


def test_every_registered_product_has_a_row():
    saved = registry.UFUNC_RULES, registry.FUNCTION_RULES
    registry.UFUNC_RULES, registry.FUNCTION_RULES = {}, {}
    try:
        importlib.reload(products)
        registered = set(registry.UFUNC_RULES) | set(registry.FUNCTION_RULES)
    finally:
        registry.UFUNC_RULES, registry.FUNCTION_RULES = saved
    untested = {registry.function_name(f) for f in registered - {row.func for row in ROWS}}
    assert not untested, f"product rules without a row in ROWS: {sorted(untested)}"


# --- closed forms, written out --------------------------------------------------------------
def test_einsum_trace_and_diagonal_closed_forms():
    a = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(sciad.grad(lambda a: np.einsum("ii", a))(a), np.eye(3))
    w = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(sciad.grad(lambda a: np.sum(np.einsum("ii->i", a) * w))(a),
                                  np.diag(w))


def test_quadratic_form_hessian_through_einsum_and_dot():
    # f(x) = x^T A x has Hessian A + A^T
    a = np.array([[2.0, 1.0, 0.0], [-1.0, 3.0, 0.5], [0.0, 2.0, 1.0]])
    x = np.array([0.3, -0.7, 1.1])
    for f in (lambda x: np.einsum("i,ij,j", x, a, x), lambda x: np.dot(x, np.dot(a, x)),
              lambda x: np.vecdot(x, np.matvec(a, x))):
        np.testing.assert_allclose(sciad.hessian(f)(x), a + a.T, rtol=1e-12)


def test_cross_product_gradient_closed_form():
    # d/da [w . (a x b)] = b x w
    a, b, w = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 2.0]), np.array([0.3, -0.2, 1.0])
    np.testing.assert_allclose(sciad.grad(lambda a: np.dot(w, np.cross(a, b)))(a),
                               np.cross(b, w), rtol=1e-14)


def test_axes_options_without_rules_raise():
    a, b = np.ones((2, 3)), np.ones((3, 2))
    with pytest.raises(NotImplementedError, match="np.moveaxis"):
        sciad.grad(lambda a: np.sum(np.matmul(a, b, axes=[(0, 1), (0, 1), (0, 1)])))(a)


# --- complex operands: cotangent(z) = dL/dRe z + i dL/dIm z -------------------------------------
COMPLEX = [
    ("matmul", np.matmul, ((2, 3), (3, 2))),
    ("matvec", np.matvec, ((2, 3), (3,))),
    ("vecmat", np.vecmat, ((3,), (3, 2))),
    ("vecdot", np.vecdot, ((2, 3), (3,))),
    ("vdot", np.vdot, ((2, 2), (4,))),
    ("dot", np.dot, ((2, 3), (3,))),
    ("inner", np.inner, ((2, 3), (3,))),
    ("outer", np.outer, ((2,), (3,))),
    ("tensordot", lambda a, b: np.tensordot(a, b, axes=([0], [1])), ((3, 2), (2, 3))),
    ("einsum", lambda a, b: np.einsum("ij,jk->ik", a, b), ((2, 3), (3, 2))),
    ("einsum-trace", lambda a, b: np.einsum("ii,i", a, b), ((2, 2), (2,))),
    ("kron", np.kron, ((2,), (2, 2))),
    ("cross", np.cross, ((2, 3), (3,))),
]


@pytest.mark.parametrize("name, call, shapes", COMPLEX, ids=[c[0] for c in COMPLEX])
@pytest.mark.parametrize("argnum", [0, 1])
def test_complex_cotangent_convention(name, call, shapes, argnum):
    rng = np.random.default_rng(5)
    operands = [rng.normal(size=s) + 1j * rng.normal(size=s) for s in shapes]
    out_shape = np.shape(call(*operands))
    a, b = rng.normal(size=out_shape), rng.normal(size=out_shape)

    def loss(*zs):
        w = call(*zs) + 0j
        return np.sum(a * np.real(w) + b * np.imag(w))

    def loss_of_parts(parts):
        zs = list(operands)
        zs[argnum] = parts[0] + 1j * parts[1]
        return loss(*zs)

    z = operands[argnum]
    expected = sciad.numerical_jacobian(loss_of_parts, np.stack([z.real, z.imag]))
    np.testing.assert_allclose(sciad.grad(loss, argnum)(*operands),
                               expected[0] + 1j * expected[1], rtol=1e-6, atol=1e-8)


def test_real_operand_with_complex_partner_gets_real_cotangent():
    x = np.array([0.5, -1.0, 2.0])
    z = np.array([1 + 2j, -0.5j, 3.0])
    g = sciad.grad(lambda x: np.real(np.vdot(z, x) * (1 - 1j)))(x)
    # vdot(z, x) = sum(conj(z) x): d/dx Re((1 - i) conj(z) x) = Re((1 - i) conj(z))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, np.real((1 - 1j) * np.conj(z)), rtol=1e-14)
