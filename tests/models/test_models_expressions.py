"""The formula language: what it rejects, what it computes, and its derivatives."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sciad
from sciad.models import ExpressionError, compile_expression

NAMES = ["x", "y", "k", "S", "I"]


@pytest.mark.parametrize("formula, message", [
    ("__import__('os').system('echo hacked')", "attribute access"),
    ("__import__('os')", "names starting with '_'"),
    ("__import__", "names starting with '_'"),
    ("x.__class__", "attribute access"),
    ("x.real", "attribute access"),
    ("(lambda: 1)()", "calling a lambda"),
    ("lambda: 1", "a lambda"),
    ("[x for x in range(3)]", "a comprehension"),
    ("sum(x for x in S)", "a generator expression"),
    ("{k: 1 for k in S}", "a comprehension"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exp(x=1)", "keyword or starred arguments"),
    ("exp(*S)", "keyword or starred arguments"),
    ("'text'", "the constant 'text'"),
    ("b'bytes'", "the constant b'bytes'"),
    ("1j", "the constant 1j"),
    ("(y := 2)", "an assignment"),
    ("f'{x}'", "an f-string"),
    ("S[x]", "indices are integer constants"),
    ("S[1.5]", "indices are integer constants"),
    ("x @ y", "the operator MatMult"),
    ("x in S", "the comparison 'in'/'is'"),
    ("[x, y]", "a list"),
    ("exp", "without a call"),
    ("q + 1", "unknown name 'q'"),
    ("exp(x, y)", "takes 1 argument"),
    ("x +", "does not parse"),
    ("", "empty"),
    ("-" * 200 + "x", "nested deeper"),
])
def test_rejected_formulas_raise_the_parsers_own_error(formula, message):
    with pytest.raises(ExpressionError, match=None) as info:
        compile_expression(formula, NAMES, where="m.toml: outputs.f")
    assert message in str(info.value)
    assert str(info.value).startswith("m.toml: outputs.f")


def test_a_rejected_formula_never_runs(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ExpressionError):
        compile_expression(f"__import__('pathlib').Path('{marker}').touch()", NAMES)
    assert not marker.exists()


@pytest.mark.parametrize("formula, env, expected", [
    ("2 * x + y ** 2 - 1", {"x": 3.0, "y": 2.0}, 9.0),
    ("x // 2 + x % 2", {"x": 7.0}, 4.0),
    ("-x if x < 0 else x", {"x": -3.0}, 3.0),
    ("where(S > 1, S, 0) ", {"S": np.array([0.5, 2.0, 3.0])}, np.array([0.0, 2.0, 3.0])),
    ("max(S) + min(S) + sum(S[1:]) + S[-1]", {"S": np.array([1.0, 2.0, 4.0])}, 15.0),
    ("0 < x < 2 and not x == 1", {"x": 1.5}, True),
    ("x < 0 or x > 2", {"x": 1.0}, False),
    ("erf(x) + hypot(x, y) + atan2(y, x)", {"x": 1.0, "y": 1.0},
     math.erf(1.0) + math.sqrt(2.0) + math.pi / 4),
    ("trapezoid(S, I)", {"S": np.ones(3), "I": np.array([0.0, 1.0, 3.0])}, 3.0),
    ("pi * e", {}, math.pi * math.e),
    ("10 ** 10 ** 10", {}, math.inf),   # floats: overflows to inf instead of hanging
])
def test_formula_values(formula, env, expected):
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(compile_expression(formula, NAMES)(env), expected)


@pytest.mark.parametrize("formula", [
    "x ** 2 * exp(-k * y) + sqrt(1 + x ** 2)",
    "where(x > 0.2, sin(x) * y, cos(y) / (1 + x ** 2))",
    "log1p(x ** 2) * tanh(y) + arctan(k * x) - erf(y - x)",
    "maximum(x, y) + minimum(x * k, 1) + abs(x - y)",
    "(x * y if x < y else x + y) + clip(k, 0, 0.5) * x",
])
def test_derivatives_of_compiled_formulas_match_finite_differences(formula):
    f = compile_expression(formula, NAMES)

    def vector_function(v):
        return f({"x": v[0], "y": v[1], "k": v[2]})
    point = np.array([0.7, 1.3, 0.4])
    exact = sciad.grad(vector_function)(point)
    approx = sciad.numerical_jacobian(vector_function, point)
    np.testing.assert_allclose(exact, approx, rtol=1e-6, atol=1e-8)


def test_second_derivative_of_a_formula_matches_closed_form():
    f = compile_expression("x ** 3 * exp(k * x)", NAMES)
    second = sciad.grad(sciad.grad(lambda x: f({"x": x, "k": 0.5})))(1.2)
    x, k = 1.2, 0.5
    closed = (6 * x + 6 * k * x ** 2 + k ** 2 * x ** 3) * math.exp(k * x)
    assert second == pytest.approx(closed, rel=1e-12)


def test_evaluation_errors_name_the_formula():
    f = compile_expression("S[5]", NAMES, where="m.toml: outputs.g")
    with pytest.raises(ExpressionError, match=r"m.toml: outputs.g: formula 'S\[5\]' failed"):
        f({"S": np.zeros(3)})


def test_names_lists_what_the_formula_reads():
    assert compile_expression("x * exp(-k * t)", ["x", "k", "t", "y"]).names == {"x", "k", "t"}


_FRAGMENTS = st.sampled_from(["x", "y", "S", "1", "2.5", "+", "-", "*", "/", "**", "(", ")",
                              "[", "]", ",", ".", "_", "__", "import", "lambda", ":", "for",
                              " in ", "exp", "sum", "where", "<", "==", " and ", " if ",
                              " else ", "'", "os", "system", "=", "@", "-1", "0"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(_FRAGMENTS, max_size=14).map("".join)))
def test_no_string_runs_code_or_crashes_with_a_foreign_error(text):
    env = {"x": 0.5, "y": 2.0, "S": np.array([1.0, 2.0, 3.0]), "k": 1.0, "I": 0.0}
    try:
        f = compile_expression(text, NAMES)
    except ExpressionError:
        return
    assert f.names <= set(NAMES)
    try:
        with np.errstate(all="ignore"):
            f(env)
    except ExpressionError:
        pass
