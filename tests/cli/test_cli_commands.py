"""Every command through click's CliRunner and the installed entry point."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import sciad
from sciad.cli.main import main
from sciad.models import SCHEMA

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
def _is_model_file(name: str) -> bool:
    # examples/ also holds plain scripts; a Python model file is one that defines MODEL
    if name.endswith(".toml"):
        return True
    if name.endswith(".py"):
        with open(os.path.join(EXAMPLES, name)) as source:
            return "\nMODEL = " in source.read()
    return False


ALL_EXAMPLES = sorted(f for f in os.listdir(EXAMPLES) if _is_model_file(f))


def example(name):
    return os.path.join(EXAMPLES, name)


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_json_schema(document):
    """The documented layout of ``sciad run --format json`` (docs/cli.md)."""
    assert document["schema"] == SCHEMA
    assert set(document) == {"schema", "model", "kind", "file", "parameters", "analyses",
                             "provenance"}
    for parameter in document["parameters"].values():
        assert set(parameter) == {"value", "unit", "fixed"}
        assert isinstance(parameter["value"], float)
    for analysis in document["analyses"]:
        assert set(analysis) == {"type", "table", "rows", "details"}
        for row in analysis["rows"]:
            assert set(row) == {"output", "parameter", "quantity", "value", "unit"}
            assert row["value"] is None or isinstance(row["value"], float)
    provenance = document["provenance"]
    assert provenance["sciad_version"] == sciad.__version__
    assert len(provenance["model_sha256"]) == 64 and isinstance(provenance["seed"], int)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_every_example_runs_and_gives_schema_valid_json(name):
    result = invoke("run", example(name), "--format", "json", "--quiet")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    check_json_schema(document)
    assert document["file"] == example(name)


def test_table_is_aligned_and_shows_every_row():
    result = invoke("run", example("rosenbrock.toml"))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("analysis[0]"))
    table = lines[header + 1: header + 4]
    assert table[0].split() == ["output", "parameter", "quantity", "value", "unit"]
    # the value column is right-aligned: every row ends its number at the same column
    ends = {len(line.rstrip()) for line in table[1:]}
    assert len(ends) == 1
    assert "-215.6" in result.output and "argmin" in result.output


def test_csv_is_one_row_per_output_and_parameter(tmp_path):
    out = tmp_path / "sir.csv"
    result = invoke("run", example("rosenbrock.toml"), "--format", "csv", "-o", str(out),
                    "--set", "x=0.5", "--quiet")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == ["model", "analysis", "type", "output", "parameter", "quantity",
                             "value", "unit"]
    sens = [r for r in rows if r["type"] == "sensitivity"]
    assert [(r["output"], r["parameter"]) for r in sens] == [("f", "x"), ("f", "y")]
    assert float(sens[1]["value"]) == pytest.approx(200 * (1.0 - 0.25))


def test_seed_changes_monte_carlo_and_is_recorded():
    runs = [json.loads(invoke("greeks", "--spot", "100", "--strike", "100", "--maturity", "1",
                              "--rate", "0.05", "--vol", "0.2", "--method", "mc", "--paths",
                              "2000", "--seed", seed, "--format", "json").output)
            for seed in ("1", "1", "2")]
    prices = [r["analyses"][0]["rows"][0]["value"] for r in runs]
    assert prices[0] == prices[1] != prices[2]
    assert runs[2]["provenance"]["seed"] == 2


def test_plot_and_plot_dir_write_pngs(tmp_path):
    figure, folder = tmp_path / "out.png", tmp_path / "figures"
    result = invoke("run", example("rosenbrock.toml"), "--plot", str(figure), "--plot-dir",
                    str(folder), "--quiet")
    assert result.exit_code == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(folder)) == ["rosenbrock_0_sensitivity.png",
                                          "rosenbrock_1_minimize.png"]


def test_validate_and_check():
    result = invoke("validate", example("sir.toml"))
    assert result.exit_code == 0 and "ok (ode model 'sir'" in result.output
    result = invoke("check", example("decay_fit.toml"), "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {float(r["value"]) for r in rows if r["quantity"] == "pass"} == {1.0}


def test_forces_command_matches_the_model_file():
    result = invoke("forces", example("argon.xyz"), "--potential", "lj", "--epsilon", "0.0104",
                    "--sigma", "3.4", "--cutoff", "8.5", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [a["type"] for a in document["analyses"]] == ["forces", "stress"]
    from_file = json.loads(invoke("run", example("argon.toml"), "--format", "json").output)
    energy = document["analyses"][0]["rows"][0]
    assert energy["quantity"] == "value"
    assert energy["value"] == pytest.approx(from_file["analyses"][0]["rows"][0]["value"],
                                            rel=1e-12)


def test_greeks_command_methods_agree():
    common = ["--spot", "42", "--strike", "40", "--maturity", "0.5", "--rate", "0.1", "--vol",
              "0.2", "--format", "json"]
    analytic, tree = (json.loads(invoke("greeks", *common, "--method", m).output)
                      for m in ("analytic", "tree"))
    price = analytic["analyses"][0]["rows"][0]["value"]
    assert price == pytest.approx(4.7594, abs=1e-4)   # Hull, Example 15.6
    assert tree["analyses"][0]["rows"][0]["value"] == pytest.approx(price, abs=5e-3)
    result = CliRunner().invoke(main, ["greeks", *common, "--american"])
    assert result.exit_code == 2 and "--american needs --method tree" in result.output


def test_version_and_help_with_an_example_per_command():
    assert invoke("--version").output.strip() == f"sciad, version {sciad.__version__}"
    for command in ("run", "validate", "check", "forces", "greeks"):
        text = invoke(command, "--help").output
        assert "Example:" in text and f"sciad {command}" in text


def test_output_file_is_written_atomically(tmp_path, monkeypatch):
    from sciad.cli import output
    target = tmp_path / "result.json"
    target.write_text("old")

    def failing(result, fmt):
        raise KeyboardInterrupt
    monkeypatch.setattr(output, "format_result", failing)
    result = CliRunner().invoke(main, ["run", example("rosenbrock.toml"), "-o", str(target),
                                       "--quiet"])
    assert result.exit_code == 130
    assert target.read_text() == "old"

    def broken_writer(stream):
        stream.write('{"half": ')
        raise OSError("disk full")
    with pytest.raises(OSError):
        output.atomic_write(str(target), broken_writer)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.json"]   # no temporary left behind


def test_installed_entry_point_runs_as_a_subprocess(tmp_path):
    executable = shutil.which("sciad")
    command = [executable] if executable else [sys.executable, "-m", "sciad.cli.main"]
    done = subprocess.run([*command, "run", example("european.toml"), "--format", "json",
                           "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    check_json_schema(json.loads(done.stdout))
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "b"\nkind = "function"\n[parameters]\nx = 1\n[outputs]\n'
                   'f = "__import__(\'os\').system(\'true\')"\n[[analysis]]\ntype = "sensitivity"\n')
    done = subprocess.run([*command, "run", str(bad)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {bad}: outputs.f:")


@pytest.mark.parametrize("doc, name", [("model-files.md", "rosenbrock.toml"),
                                       ("model-files.md", "decay_fit.toml"),
                                       ("model-files.md", "european.toml")])
def test_docs_show_the_real_output(doc, name, monkeypatch):
    monkeypatch.chdir(os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join("docs", doc)) as handle:
        text = handle.read()
    assert invoke("run", f"examples/{name}", "--quiet").output.rstrip() in text
