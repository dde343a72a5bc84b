"""A misspelt method or normalization is a model-file problem that 'sciad validate' reports
(exit 2) before anything runs; it used to pass validation and fail inside the analysis."""

import os

import pytest
from click.testing import CliRunner

from sciad.cli.main import main
from sciad.models import load_model
from sciad.models.schema import ModelValidationError

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def _edited(tmp_path, example, old, new):
    text = open(os.path.join(EXAMPLES, example)).read()
    assert old in text
    path = tmp_path / example
    path.write_text(text.replace(old, new, 1))
    if example == "decay_fit.toml":  # the data file is found beside the model file
        (tmp_path / "decay.csv").write_text(open(os.path.join(EXAMPLES, "decay.csv")).read())
    return str(path)


@pytest.mark.parametrize("example, old, new, problem", [
    ("rosenbrock.toml", 'method = "BFGS"', 'method = "newton"',
     "analysis[1].method: must be one of bfgs, cg,"),
    ("decay_fit.toml", 'type = "fit"', 'type = "fit"\nmethod = "lbfgs"',
     "analysis[0].method: must be one of lm, trf, dogbox; got 'lbfgs'"),
    ("european.toml", 'method = "analytic"', 'method = "montecarlo"',
     "analysis[0].method: must be one of analytic, tree, mc; got 'montecarlo'"),
    ("sir.toml", 'normalize = "elasticity"', 'normalize = "log"',
     "analysis[0].normalize: must be one of none, elasticity, semi; got 'log'"),
])
def test_validate_reports_an_unknown_choice(tmp_path, example, old, new, problem):
    path = _edited(tmp_path, example, old, new)
    with pytest.raises(ModelValidationError, match="must be one of") as error:
        load_model(path)
    assert any(problem in message for message in error.value.problems)
    result = CliRunner().invoke(main, ["validate", path])
    assert result.exit_code == 2 and problem in result.output


def test_minimize_methods_in_any_case_as_scipy_takes_them_others_exactly(tmp_path):
    load_model(_edited(tmp_path, "rosenbrock.toml", 'method = "BFGS"', 'method = "Nelder-Mead"'))
    with pytest.raises(ModelValidationError, match="must be one of lm, trf, dogbox; got 'LM'"):
        load_model(_edited(tmp_path, "decay_fit.toml", 'type = "fit"', 'type = "fit"\nmethod = "LM"'))
