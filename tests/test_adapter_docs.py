"""The examples in docs/optimize.md, docs/sensitivity.md, docs/plot.md and docs/ode.md run and print what
the pages show, and the Examples sections of sciad.sensitivity's docstrings pass as doctests.

A page's ```python blocks run in order in one namespace (as a reader pastes them); a block
followed directly by a plain ``` block must print exactly that block. A block preceded by
``<!-- not run -->`` (one that needs a cluster, say) is skipped.
"""

import contextlib
import doctest
import importlib
import io
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import sciad
import sciad.sensitivity

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parents[1] / "docs"
_BLOCK = re.compile(r"(<!-- not run -->\n)?```(\w*)\n(.*?)```", re.S)


def _run_page(path: Path) -> list[tuple[int, str, str]]:
    """``(block number, printed, shown)`` for every python block followed by an output block."""
    blocks = list(_BLOCK.finditer(path.read_text()))
    namespace: dict = {"__name__": f"docs.{path.stem}"}
    compared = []
    for k, block in enumerate(blocks):
        skipped, language, code = block.groups()
        if language != "python" or skipped:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{path.name} block {k}", "exec"), namespace)
        if k + 1 < len(blocks) and blocks[k + 1].group(2) == "" and \
                blocks[k + 1].start() - block.end() <= 1:
            compared.append((k, printed.getvalue().strip(), blocks[k + 1].group(3).strip()))
    return compared


@pytest.mark.parametrize("page", ["optimize.md", "sensitivity.md", "plot.md", "ode.md"])
def test_page_examples_print_what_the_page_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pages save figures to the working directory
    with np.errstate(all="ignore"):
        compared = _run_page(DOCS / page)
    assert compared, f"{page} shows no output to check"
    for k, printed, shown in compared:
        assert printed == shown, f"{page}, block {k}: prints\n{printed}\nbut the page shows\n{shown}"


@pytest.mark.parametrize("module", ["local", "fisher", "dgsm", "sobol", "_problem"])
def test_sensitivity_docstring_examples(module):
    found = importlib.import_module(f"sciad.sensitivity.{module}")
    result = doctest.testmod(found, extraglobs={"np": np, "sciad": sciad})
    assert result.attempted > 0
    assert result.failed == 0
