"""A plot given the wrong kind of result says what it needs (a TypeError naming the function
that makes it), as tornado and heatmap already did, instead of an AttributeError from inside."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sciad import plot  # noqa: E402


@pytest.mark.parametrize("draw, needs", [
    (plot.over_time, "over_time needs the result of sciad.ode.solve_ivp(..., "
                     "sensitivity='forward'), got ndarray"),
    (plot.mode_spectrum, "mode_spectrum needs the NormalModes of "
                         "sciad.physics.normal_modes(...), got ndarray"),
])
def test_an_array_instead_of_a_result_names_what_to_pass(draw, needs):
    with pytest.raises(TypeError) as error:
        draw(np.ones(3))
    assert str(error.value) == needs
