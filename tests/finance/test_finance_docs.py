"""The examples in docs/finance.md and in sciad.finance docstrings run and print what they say."""

import doctest
import importlib
import pathlib
import re

import numpy as np
import pytest

import sciad
import sciad.finance

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "finance.md"
MODULES = ["sciad.finance.closed_form", "sciad.finance.greeks", "sciad.finance.implied_vol",
           "sciad.finance.trees", "sciad.finance.montecarlo"]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL


def test_docs_finance_md_examples():
    globs = {"np": np, "sciad": sciad, **{n: getattr(sciad.finance, n)
                                          for n in sciad.finance.__all__}}
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=FLAGS)
    blocks = [b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S) if ">>>" in b]
    assert len(blocks) >= 3
    for number, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, globs, f"finance.md block {number}", str(DOC), 0))
    assert runner.failures == 0 and runner.tries >= 8


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), extraglobs={"np": np, "sciad": sciad},
                             optionflags=FLAGS)
    assert result.failed == 0 and result.attempted > 0
