"""The Examples sections of sciad.ode's public docstrings run and print what they say."""

import doctest

import numpy as np
import pytest

import sciad
from sciad.ode import odeint, solve_ivp


@pytest.mark.parametrize("function", [odeint, solve_ivp])
def test_docstring_examples_run(function):
    globs = {"np": np, "sciad": sciad, "odeint": odeint, "solve_ivp": solve_ivp}
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(function, globs=globs):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0
