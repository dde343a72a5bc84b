"""The examples in sciad.physics docstrings run and print what they say."""

import doctest
import importlib

import numpy as np
import pytest

import sciad

MODULES = ["sciad.physics", "sciad.physics.space", "sciad.physics.potentials",
           "sciad.physics.energy", "sciad.physics.quantities", "sciad.physics.neighbors",
           "sciad.physics.lattice"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), extraglobs={"np": np, "sciad": sciad})
    assert result.failed == 0
