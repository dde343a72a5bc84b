"""docs/engine.md lists exactly the functions the registry supports."""

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_generated_function_list_is_current():
    spec = importlib.util.spec_from_file_location("update_function_list",
                                                  DOCS / "update_function_list.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (DOCS / "engine.md").read_text()
    assert module.updated_page(page) == page, (
        "docs/engine.md is out of date: run python docs/update_function_list.py")
