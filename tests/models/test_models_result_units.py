"""Units in results read as a scientist writes them: the residual sum of squares of an unweighted
fit carries the square of the output's unit, units that cancel leave none ("eV/eV"), and a
particle model's lengths take the unit of its potential's length parameter (not "length")."""

import os

import numpy as np
import pytest
import scipy.optimize

from sciad.models import load_model, run_model
from sciad.models.results import per

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")

T = np.arange(6.0)
Y = 2.0 * np.exp(-0.5 * T) + np.array([0.01, -0.02, 0.015, 0.0, -0.01, 0.005])


def _fit(tmp_path, unit):
    lines = "".join(f"{t},{float(y)!r}\n" for t, y in zip(T, Y))
    (tmp_path / "data.csv").write_text("t,y\n" + lines)
    unit_key = f', unit = "{unit}"' if unit else ""
    (tmp_path / "fit.toml").write_text(f"""
name = "decay"
kind = "fit"
[parameters]
A = 1.0
k = 0.3
[data]
file = "data.csv"
x = "t"
y = "y"
[outputs]
y = {{ formula = "A * exp(-k * t)"{unit_key} }}
[[analysis]]
type = "fit"
""")
    rows = run_model(load_model(str(tmp_path / "fit.toml"))).analyses[0].rows
    return next(r for r in rows if r["quantity"] == "residual_sum_of_squares")


@pytest.mark.parametrize("unit, squared", [("", ""), ("m", "m^2"), ("mg/L", "(mg/L)^2")])
def test_residual_sum_of_squares_unit_and_value(tmp_path, unit, squared):
    found = _fit(tmp_path, unit)
    popt, _ = scipy.optimize.curve_fit(lambda t, a, k: a * np.exp(-k * t), T, Y, p0=[1.0, 0.3])
    reference = np.sum((Y - popt[0] * np.exp(-popt[1] * T)) ** 2)
    assert found["unit"] == squared
    assert found["value"] == pytest.approx(reference, rel=1e-6)


def test_units_that_cancel_leave_none():
    assert per("eV", "eV") == ""
    assert per("eV", "Angstrom") == "eV/Angstrom"
    assert per("mg/L", "1/h") == "mg/L/(1/h)"


def test_argon_units_and_the_energy_linear_in_epsilon():
    forces, stress = run_model(load_model(os.path.join(EXAMPLES, "argon.toml"))).analyses
    rows = {(r["output"], r["parameter"], r["quantity"]): r for r in forces.rows}
    energy = rows["energy", "", "value"]["value"]
    # Lennard-Jones energy is epsilon times a function of sigma: dE/d(epsilon) = E / epsilon
    assert rows["energy", "epsilon", "derivative"]["value"] == pytest.approx(energy / 0.0104)
    assert rows["energy", "epsilon", "derivative"]["unit"] == ""
    assert rows["energy", "sigma", "derivative"]["unit"] == "eV/Angstrom"
    assert rows["forces", "", "max_abs"]["unit"] == "eV/Angstrom"
    assert {r["unit"] for r in stress.rows} == {"eV/Angstrom^3"}
