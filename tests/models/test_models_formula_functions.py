"""The formula language as a first user meets it: every function it offers differentiates (a
formula never stops an analysis with "no derivative rule", as ``diff`` did in an ODE model's
outputs), and a rejected formula says what to write instead (``x^2``, ``np.exp(x)``)."""

import math

import numpy as np
import pytest

import sciad
from sciad.models import load_model, run_model
from sciad.models.expressions import FUNCTIONS, ExpressionError, compile_expression

# one formula per function, over a vector ``v`` (entries in (0.2, 0.8), inside every domain)
# and scalars ``a``, ``b``; reductions and cumulative functions take the vector
_CALLS = {1: "{f}(v)", 2: "{f}(v, a)", 3: "{f}(v, a, b)"}
_SPECIAL = {"clip": "clip(v, 0.3, 0.7)", "where": "where(v > 0.5, v * a, b)",
            "trapezoid": "trapezoid(v * a, v)", "floor": "floor(v) * a", "ceil": "ceil(v) * a",
            "sign": "sign(v) * a"}
V = np.array([0.21, 0.43, 0.38, 0.77, 0.52])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_formula_function_matches_finite_differences(name):
    arity = FUNCTIONS[name][1][0]
    text = _SPECIAL.get(name, _CALLS[arity].format(f=name))
    formula = compile_expression(f"sum({text})" if name not in ("sum", "trapezoid") else text,
                                 ["v", "a", "b"])
    total = lambda v, a, b: formula({"v": v, "a": a, "b": b})  # noqa: E731
    sciad.check_grads(total, (V, 0.35, 0.6), order=1)


def test_ode_model_output_with_diff_has_the_closed_form_sensitivity(tmp_path):
    # y' = -k y, y(0) = 1 on [0, T]: sum(diff(y)) = y(T) - 1 = exp(-k T) - 1, so its
    # derivative in k is -T exp(-k T)
    path = tmp_path / "decay.toml"
    path.write_text("""
name = "decay"
kind = "ode"
[parameters]
k = 0.7
[states]
y = { initial = 1.0, rhs = "-k * y" }
[time]
span = [0.0, 2.0]
points = 21
[solver]
rtol = 1e-10
atol = 1e-12
[outputs]
drop = "sum(diff(y))"
second = "sum(diff(y) ** 2)"
[[analysis]]
type = "sensitivity"
""")
    rows = {(r["output"], r["parameter"]): r["value"]
            for r in run_model(load_model(str(path))).analyses[0].rows}
    assert rows["drop", "k"] == pytest.approx(-2.0 * math.exp(-1.4), rel=1e-7)
    # second: sum_j (y_{j+1} - y_j)^2 with y_j = exp(-k t_j), t_j = j h
    h, k = 0.1, 0.7
    t = np.arange(21) * h
    dy = np.diff(np.exp(-k * t))
    d_dy = np.diff(-t * np.exp(-k * t))
    assert rows["second", "k"] == pytest.approx(np.sum(2 * dy * d_dy), rel=1e-7)


@pytest.mark.parametrize("formula, hint", [
    ("x^2", "the operator BitXor ('^'; a power is written '**')"),
    ("x & y", "use 'and'"), ("x | y", "use 'or'"), ("~x", "use 'not'"),
    ("np.exp(x)", "call functions by name alone: exp(...), not np.exp(...)"),
    ("numpy.sqrt(x)", "sqrt(...), not numpy.sqrt(...)"),
])
def test_rejected_formulas_say_what_to_write_instead(formula, hint):
    with pytest.raises(ExpressionError, match="is not allowed in a formula") as error:
        compile_expression(formula, ["x", "y"], where="f.toml: outputs.f")
    assert hint in str(error.value) and str(error.value).startswith("f.toml: outputs.f: ")
