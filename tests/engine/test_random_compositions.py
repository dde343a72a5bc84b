"""Hypothesis: random compositions of operations, differentiated and checked against finite
differences (first and second order)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sciad

# Smooth operations, safe on all of R^n (so that finite differences are reliable everywhere).
UNARY = {
    "sin": np.sin,
    "tanh": np.tanh,
    "exp_tanh": lambda a: np.exp(np.tanh(a)),
    "log1p_sq": lambda a: np.log1p(a * a),
    "sqrt1p_sq": lambda a: np.sqrt(1.0 + a ** 2),
    "arctan": np.arctan,
    "scale": lambda a: -0.7 * a,
    "cumsum": lambda a: np.cumsum(a) / len(a),
    "flip": lambda a: np.flip(a),
    "roll": lambda a: np.roll(a, 1),
    "sort": lambda a: np.sort(a),
    "matvec": lambda a: np.reshape(np.arange(len(a) ** 2) % 3 - 1.0, (len(a), len(a))) @ a / 3,
    "softmax": lambda a: np.exp(a - np.max(a)) / np.sum(np.exp(a - np.max(a))),
    "center": lambda a: a - np.mean(a),
    "reshape_t": lambda a: np.reshape(np.transpose(np.reshape(a, (2, -1))), (-1,)),
    "setitem": lambda a: _setitem(a),
}
BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "hypot1": lambda a, b: np.hypot(a, 1.0 + b * b),
    "div": lambda a, b: a / (2.0 + np.sin(b)),
    "where": lambda a, b: np.where(np.arange(len(a)) % 2 == 0, a, b),
    "stack_sum": lambda a, b: np.sum(np.stack([a, b * 2.0]), axis=0),
    "concat_half": lambda a, b: np.concatenate([a[: len(a) // 2], b[len(b) // 2:]]),
    "outer_row": lambda a, b: np.outer(a, np.tanh(b))[0] + a,
}
REDUCE = {
    "sum": np.sum,
    "mean_sq": lambda a: np.mean(a ** 2),
    "logsumexp_like": lambda a: np.log(np.sum(np.exp(np.tanh(a)))),
    "prod_tanh": lambda a: np.prod(1.5 + np.tanh(a)),
    "dot_self": lambda a: a @ a,
}


def _setitem(a):
    out = a * 1.0
    out[1] = a[0] * a[1]
    return out


step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 100)),
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 100),
              st.integers(0, 100)),
)


def build(program, reducer):
    def f(x):
        values = [x]
        for item in program:
            if item[0] == "unary":
                values.append(UNARY[item[1]](values[item[2] % len(values)]))
            else:
                values.append(BINARY[item[1]](values[item[2] % len(values)],
                                              values[item[3] % len(values)]))
        return REDUCE[reducer](values[-1])
    return f


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.lists(step, min_size=1, max_size=6),
       reducer=st.sampled_from(sorted(REDUCE)),
       x=st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4))
def test_random_composition_gradient(program, reducer, x):
    x = np.array(x) + np.array([0.0, 0.013, 0.029, 0.047])  # break exact ties for sort
    f = build(program, reducer)
    analytic = sciad.grad(f)(x)
    numeric = sciad.numerical_jacobian(f, x, eps=1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.lists(step, min_size=1, max_size=4),
       reducer=st.sampled_from(sorted(REDUCE)),
       x=st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4))
def test_random_composition_hessian(program, reducer, x):
    x = np.array(x) + np.array([0.0, 0.013, 0.029, 0.047])
    f = build(program, reducer)
    hessian = sciad.hessian(f)(x)
    numeric = sciad.numerical_jacobian(sciad.grad(f), x, eps=1e-5)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-9, atol=1e-10)
