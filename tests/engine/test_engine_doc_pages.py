"""The ``>>>`` examples of the rule-family pages run, in a fresh namespace, and show what the
pages say. The pages print values as ``print`` does (``[0.  0.5 0.5]``), and an error as
``Type: message`` (a shown message ending in ``...`` is a prefix of the real one)."""

import contextlib
import doctest
import io
import re
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _shown_and_real(page: str):
    """``(source, shown, real)`` for every example of ``page`` that shows an output."""
    namespace: dict = {}
    results = []
    for block in _BLOCK.findall((DOCS / page).read_text()):
        for example in doctest.DocTestParser().get_examples(block):
            printed = io.StringIO()
            try:
                with contextlib.redirect_stdout(printed), np.errstate(all="ignore"):
                    try:
                        code = compile(example.source, page, "eval")
                    except SyntaxError:
                        exec(compile(example.source, page, "exec"), namespace)
                        value = None
                    else:
                        value = eval(code, namespace)
                real = printed.getvalue() + ("" if value is None else str(value))
            except Exception as error:  # the pages show errors as "Type: message"
                real = f"{type(error).__name__}: {error}"
            results.append((example.source.strip(), example.want.strip(), real.strip()))
    return results


def _agrees(shown: str, real: str) -> bool:
    words = lambda text: " ".join(text.split())  # noqa: E731  (line breaks are the page's)
    if shown.endswith("..."):
        return words(real).startswith(words(shown[:-3]))
    return words(real) == words(shown)


@pytest.mark.parametrize("page", ["reductions_and_shapes.md", "rules_elementwise_products.md"])
def test_page_examples_show_their_real_output(page):
    examples = _shown_and_real(page)
    assert sum(1 for _, shown, _ in examples if shown) >= 8, f"{page}: too few examples found"
    for source, shown, real in examples:
        assert _agrees(shown, real), f"{page}: {source}\nshows {shown!r}\nbut gives {real!r}"
