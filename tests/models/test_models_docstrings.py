"""The examples in sciad.models' docstrings run and print what they show."""

import doctest
import importlib
import os

import pytest

MODULES = ["sciad.models.expressions", "sciad.models.loader", "sciad.models.run"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(os.path.join(os.path.dirname(__file__), "..", ".."))  # example paths
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
