"""Rough edges a first user met on the command line: each one is a clear message now."""

import os

import pytest
from click.testing import CliRunner

from sciad.cli.main import main

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
OPTION = ["--spot", "42", "--strike", "40", "--maturity", "0.5", "--rate", "0.1", "--vol", "0.2"]


def invoke(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("option, name", [("-o", "result.json"), ("--plot", "figure.png")])
def test_a_file_in_a_missing_folder_is_a_usage_error_before_anything_runs(tmp_path, option,
                                                                           name):
    missing = tmp_path / "no-such-folder"
    result = invoke("run", os.path.join(EXAMPLES, "rosenbrock.toml"), option,
                    str(missing / name))
    assert result.exit_code == 2
    assert f"the folder {missing} does not exist" in result.output
    assert ".tmp" not in result.output and "Traceback" not in result.output
    assert "analysis[0]" not in result.output   # refused before the model ran
    assert not missing.exists()


def test_greeks_output_file_in_a_missing_folder(tmp_path):
    result = invoke("greeks", *OPTION, "-o", str(tmp_path / "nope" / "greeks.csv"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_american_tree_is_titled_american_and_a_european_tree_european():
    american = invoke("greeks", *OPTION, "--kind", "put", "--method", "tree", "--american")
    european = invoke("greeks", *OPTION, "--kind", "put", "--method", "tree")
    assert american.exit_code == 0 and european.exit_code == 0
    assert american.output.splitlines()[0] == "american-put (option model, command line)"
    assert european.output.splitlines()[0] == "european-put (option model, command line)"


def test_a_file_that_is_not_xyz_is_named_once():
    result = invoke("forces", os.path.join(EXAMPLES, "european.toml"), "--cutoff", "8.5")
    assert result.exit_code == 2
    message = result.output.strip()
    assert "expected the number of atoms" in message
    assert message.count("european.toml") == 2   # the command's argument and the file read
