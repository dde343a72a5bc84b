"""The examples in sciad.optimize's docstrings run and print what they show."""

import doctest
import importlib

import numpy as np
import pytest
import scipy.optimize

import sciad
import sciad.optimize

MODULES = ["_objective", "_minimize", "_residuals", "_curve_fit", "_sensitivity"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"sciad.optimize.{name}")
    globs = {"np": np, "sciad": sciad, "scipy": scipy}
    result = doctest.testmod(module, extraglobs=globs, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
