"""Bad options of dgsm and sobol raise sciad's ProblemError (a SciadError and a ValueError), so
that one ``except sciad.SciadError`` catches every mistake in a sensitivity problem."""

import re

import numpy as np
import pytest

import sciad
from sciad.sensitivity import ProblemError, dgsm, sobol

PROBLEM = {"names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 2.0]]}


def _model(x):
    return x[0] ** 2 + np.sin(x[1])


@pytest.mark.parametrize("call, message", [
    (lambda: dgsm(_model, PROBLEM, n=1), "n must be an integer >= 2"),
    (lambda: sobol(_model, PROBLEM, n=2.5), "n must be an integer >= 2"),
    (lambda: dgsm(_model, PROBLEM, n=8, nan_policy="drop"), "nan_policy must be 'raise' or"),
    (lambda: sobol(_model, PROBLEM, n=8, confidence=95), "confidence must lie in (0, 1)"),
])
def test_bad_options_raise_problem_error(call, message):
    with pytest.raises(ProblemError, match=re.escape(message)) as error:
        call()
    assert isinstance(error.value, sciad.SciadError) and isinstance(error.value, ValueError)
