"""A corpus of broken model files: each gives one line naming file and key, and its exit code.

Exit code 2 for usage and model-file errors, 1 for failures while an analysis runs; never a
traceback.
"""

import os
import shutil

import pytest
from click.testing import CliRunner

from sciad.cli.main import main

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")

HEAD = 'name = "m"\nkind = "function"\n'
PARAMS = '[parameters]\nx = { value = 1.0, bounds = [0.0, 2.0] }\n'
OUTPUTS = '[outputs]\nf = "x ** 2"\n'
SENS = '[[analysis]]\ntype = "sensitivity"\n'
VALID = HEAD + PARAMS + OUTPUTS + SENS


def function_model(outputs=OUTPUTS, params=PARAMS, analysis=SENS, head=HEAD):
    return head + params + outputs + analysis


def with_parameters(table, **parts):
    """A function model whose [parameters] table holds ``table`` (TOML lines)."""
    return function_model(params="[parameters]\n" + table + "\n", **parts)


def with_formula(formula):
    """A function model whose one output is ``f = formula`` (a TOML value, quotes included)."""
    return function_model(outputs=f"[outputs]\nf = {formula}\n")


def ode_model(states='S = { initial = 1.0, rhs = "-k * S" }', time='span = [0.0, 1.0]',
              extra=""):
    return ('name = "o"\nkind = "ode"\n[parameters]\nk = 0.5\n[states]\n' + states +
            '\n[time]\n' + time + '\n' + extra + '[outputs]\nend = "S[-1]"\n' + SENS)


def option_model(contract='strike = 100.0\nmaturity = 1.0', market='spot = 100.0\nrate = 0.05\n'
                 'vol = 0.2', analysis='[[analysis]]\ntype = "greeks"\n'):
    return ('name = "c"\nkind = "option"\n[contract]\n' + contract + '\n[market]\n' + market +
            '\n' + analysis)


def fit_model(data='file = "decay.csv"\nx = "t"\ny = "concentration"', output='"A * exp(-k * t)"'):
    return ('name = "d"\nkind = "fit"\n[parameters]\nA = 1.0\nk = 1.0\n[data]\n' + data +
            '\n[outputs]\nconcentration = ' + output + '\n[[analysis]]\ntype = "fit"\n')


def particles_model(system='file = "argon.xyz"', potential='type = "lj"\ncutoff = 8.5',
                    params='epsilon = 0.0104\nsigma = 3.4'):
    return ('name = "p"\nkind = "particles"\n[parameters]\n' + params + '\n[system]\n' + system +
            '\n[potential]\n' + potential + '\n[[analysis]]\ntype = "forces"\n')


# (case id, file text, expected exit code, the key the message must name, a phrase)
CORPUS = [
    ("toml-syntax", 'name = "m"\nkind = ', 2, "TOML syntax error", "Invalid value"),
    ("toml-unclosed-table", "[parameters\nx = 1\n", 2, "TOML syntax error", ""),
    ("no-kind", 'name = "m"\n' + PARAMS + OUTPUTS + SENS, 2, "kind", "missing"),
    ("bad-kind", VALID.replace('"function"', '"spline"'), 2, "kind", "spline"),
    ("no-name", VALID.replace('name = "m"\n', ""), 2, "name", "missing"),
    ("name-not-string", VALID.replace('"m"', "3"), 2, "name", "string"),
    ("unknown-top-key", VALID + 'colour = "red"\n', 2, "colour", "unknown key"),
    ("seed-negative", 'seed = -1\n' + VALID, 2, "seed", "non-negative"),
    ("parameters-not-table", HEAD + 'parameters = 3\n' + OUTPUTS + SENS, 2, "[parameters]",
     "table"),
    ("value-string", with_parameters('x = { value = "one" }'), 2, "parameters.x.value", "number"),
    ("value-missing", with_parameters('x = { unit = "m" }'), 2, "parameters.x.value", "missing"),
    ("value-nan", with_parameters("x = nan"), 2, "parameters.x", "finite"),
    ("value-bool", with_parameters("x = true"), 2, "parameters.x", "number"),
    ("bounds-reversed", with_parameters("x = { value = 1, bounds = [2, 0] }"), 2,
     "parameters.x.bounds", "below"),
    ("bounds-three", with_parameters("x = { value = 1, bounds = [0, 1, 2] }"), 2,
     "parameters.x.bounds", "two numbers"),
    ("unknown-parameter-key", with_parameters("x = { value = 1, bounds = [0, 2], colour = 1 }"),
     2, "parameters.x.colour", "unknown key"),
    ("bad-distribution", with_parameters('x = { value = 1, distribution = "cauchy" }'), 2,
     "parameters.x.distribution", "cauchy"),
    ("fixed-not-bool", with_parameters('x = { value = 1, fixed = "yes" }'), 2,
     "parameters.x.fixed", "true or false"),
    ("dunder-parameter", with_parameters("__x = 1"), 2, "parameters.__x", "identifier"),
    ("formula-syntax", with_formula('"x +* 2"'), 2, "outputs.f", "does not parse"),
    ("formula-import", with_formula('"__import__(\'os\')"'), 2, "outputs.f", "'_'"),
    ("formula-attribute", with_formula('"x.__class__"'), 2, "outputs.f", "attribute access"),
    ("formula-lambda", with_formula('"(lambda: 1)()"'), 2, "outputs.f", "lambda"),
    ("formula-comprehension", with_formula('"sum([x for x in x])"'), 2, "outputs.f",
     "comprehension"),
    ("formula-unknown-name", with_formula('"x * y"'), 2, "outputs.f", "unknown name 'y'"),
    ("formula-unknown-function", with_formula('"gamma(x)"'), 2, "outputs.f",
     "unknown function 'gamma'"),
    ("formula-not-string", with_formula("3"), 2, "outputs.f", "string"),
    ("formula-missing", with_formula('{ unit = "m" }'), 2, "outputs.f.formula", "missing"),
    ("no-outputs", function_model(outputs=''), 2, "[outputs]", "missing"),
    ("output-shadows-parameter", function_model(outputs='[outputs]\nx = "1.0"\n'), 2,
     "outputs.x", "reuse"),
    ("no-analysis", function_model(analysis=''), 2, "analysis", "nothing to run"),
    ("analysis-unknown-type", function_model(analysis='[[analysis]]\ntype = "fit"\n'), 2,
     "analysis[0].type", "offers"),
    ("analysis-unknown-option", function_model(analysis='[[analysis]]\ntype = "dgsm"\nsamples '
                                               '= 3\n'), 2, "analysis[0].samples", "unknown key"),
    ("analysis-n-zero", function_model(analysis='[[analysis]]\ntype = "dgsm"\nn = 0\n'), 2,
     "analysis[0].n", "positive integer"),
    ("analysis-not-array", function_model(head=HEAD + 'analysis = "all"\n', analysis=''), 2,
     "analysis",
     "array of tables"),
    ("dgsm-without-bounds", with_parameters("x = 1.0", analysis='[[analysis]]\ntype = "dgsm"\n'),
     2, "parameters.x.bounds", "give bounds"),
    ("minimize-unknown-output", function_model(analysis='[[analysis]]\ntype = "minimize"\n'
                                               'output = "g"\n'), 2, "analysis[0].output",
     "no output 'g'"),
    ("normalize-bad", function_model(analysis='[[analysis]]\ntype = "sensitivity"\nnormalize = '
                                     '"log"\n'), 2, "analysis[0].normalize", "elasticity"),
    ("nan-producing-parameter", with_parameters("x = -1.0", outputs='[outputs]\nf = "log(x)"\n'),
     1, "analysis[0]", "NaN"),
    ("overflowing-formula", with_formula('"exp(1000 * x)"'), 1, "analysis[0]", "inf"),
    ("ode-no-states", ode_model(states=''), 2, "states", "at least one state"),
    ("ode-rhs-unknown-name", ode_model(states='S = { initial = 1.0, rhs = "-q * S" }'), 2,
     "states.S.rhs", "unknown name 'q'"),
    ("ode-state-not-table", ode_model(states='S = 1.0'), 2, "states.S", "must be a table"),
    ("ode-span-reversed", ode_model(time='span = [1.0, 0.0]'), 2, "time.span", "after start"),
    ("ode-points-one", ode_model(time='span = [0.0, 1.0]\npoints = 1'), 2, "time.points",
     "at least 2"),
    ("ode-bad-method", ode_model(extra='[solver]\nmethod = "Euler"\n'), 2, "solver.method",
     "Euler"),
    ("ode-solver-fails", ode_model(states='S = { initial = 1.0, rhs = "S ** 2" }',
                                   time='span = [0.0, 2.0]'), 1, "", "solve"),
    ("fit-missing-csv", fit_model(data='file = "nowhere.csv"\nx = "t"\ny = "concentration"'), 2,
     "data.file", "cannot read"),
    ("fit-missing-column", fit_model(data='file = "decay.csv"\nx = "time"\ny = '
                                     '"concentration"'), 2, "data.x", "no column 'time'"),
    ("fit-no-file-key", fit_model(data='x = "t"\ny = "concentration"'), 2, "data.file",
     "missing"),
    ("fit-bad-formula", fit_model(output='"A * exp(-k * time)"'), 2, "outputs.concentration",
     "unknown name 'time'"),
    ("particles-missing-xyz", particles_model(system='file = "missing.xyz"'), 2, "system.file",
     "cannot read"),
    ("particles-unknown-potential", particles_model(potential='type = "eam"'), 2,
     "potential.type", "eam"),
    ("particles-missing-parameter", particles_model(params='epsilon = 0.0104'), 2, "parameters",
     "'sigma'"),
    ("particles-negative-cutoff", particles_model(potential='type = "lj"\ncutoff = -1.0'), 2,
     "potential.cutoff", "positive"),
    ("option-missing-strike", option_model(contract='maturity = 1.0'), 2, "contract.strike",
     "missing"),
    ("option-bad-style", option_model(contract='style = "bermudan"\nstrike = 100.0\nmaturity = '
                                      '1.0'), 2, "contract.style", "bermudan"),
    ("option-negative-vol", option_model(market='spot = 100.0\nrate = 0.05\nvol = -0.2'), 2,
     "market.vol", "positive"),
    ("option-asian-analytic", option_model(contract='style = "asian"\nstrike = 100.0\nmaturity '
                                           '= 1.0'), 2, "analysis[0].method", "mc"),
    ("option-unknown-market-key", option_model(market='spot = 100.0\nrate = 0.05\nvol = 0.2\n'
                                               'drift = 0.1'), 2, "market.drift", "unknown key"),
]


# Python model files (``MODEL = {...}``) fail in ways of their own: the import, the MODEL dict
PYTHON_CORPUS = [
    ("py-syntax-error", "MODEL = {", 2, "", "importing the Python model failed: SyntaxError"),
    ("py-raises", "raise RuntimeError('boom')", 2, "",
     "importing the Python model failed: RuntimeError: boom"),
    ("py-no-model", "model = {}", 2, "", "must define a dict named MODEL"),
    ("py-model-not-dict", "MODEL = [1, 2]", 2, "", "the model must be a table"),
    ("py-output-raises", "MODEL = {'name': 'p', 'kind': 'function', 'parameters': {'x': 1.0},\n"
     " 'outputs': {'f': lambda env: env['nope']}, 'analysis': [{'type': 'sensitivity'}]}", 1,
     "analysis[0]", "KeyError"),
]

# (file name, file text, expected exit code, key, phrase) for both kinds of model file
CASES = ([(f"{case}.toml", *rest) for case, *rest in CORPUS]
         + [(f"{case}.py", *rest) for case, *rest in PYTHON_CORPUS])
CASE_IDS = [case[0] for case in CORPUS + PYTHON_CORPUS]


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40
    assert len(set(CASE_IDS)) == len(CASE_IDS)


@pytest.fixture
def workdir(tmp_path):
    """The data files the corpus names, beside the broken model files."""
    for name in ("decay.csv", "argon.xyz"):
        shutil.copy(os.path.join(EXAMPLES, name), tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("file_name, text, code, key, phrase", CASES, ids=CASE_IDS)
def test_broken_model_gives_one_line_and_the_right_exit_code(workdir, file_name, text, code, key,
                                                             phrase):
    path = workdir / file_name
    path.write_text(text)
    result = CliRunner().invoke(main, ["run", str(path), "--quiet"])
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {path}"), lines[0]
    assert key in lines[0] and phrase in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_validate_reports_every_problem_of_a_file(workdir):
    path = workdir / "many.toml"
    path.write_text(HEAD + '[parameters]\nx = { value = "a" }\ny = { value = 1, bounds = [3, 1] '
                    '}\n[outputs]\nf = "x.y"\ng = "open(1)"\n[[analysis]]\ntype = "nope"\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[-1] == "5 problem(s) found"
    assert all(line.startswith(f"{path}: ") for line in lines[:-1])


def test_debug_shows_the_traceback(workdir):
    path = workdir / "nan.toml"
    path.write_text(function_model(params='[parameters]\nx = -1.0\n',
                                   outputs='[outputs]\nf = "log(x)"\n'))
    result = CliRunner().invoke(main, ["--debug", "run", str(path)])
    assert result.exit_code == 1 and "NaN" in str(result.exception)


def test_usage_errors_exit_2(workdir):
    model = os.path.join(EXAMPLES, "rosenbrock.toml")
    for args, phrase in [(["run", model, "--set", "nope=1"], "--set nope: no such parameter"),
                         (["run", model, "--set", "x"], "expected name=value"),
                         (["run", model, "--set", "x=abc"], "not a number"),
                         (["run", model, "--format", "xml"], "Invalid value"),
                         (["run", str(workdir / "absent.toml")], "no such model file"),
                         (["run", str(workdir / "decay.csv")], ".toml"),
                         (["frobnicate"], "No such command")]:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert phrase in result.output, (args, result.output)


def test_slab_xyz_is_refused_not_treated_as_free_space(tmp_path):
    shutil.copy(os.path.join(EXAMPLES, "argon.toml"), tmp_path / "argon.toml")
    with open(os.path.join(EXAMPLES, "argon.xyz")) as source:
        (tmp_path / "argon.xyz").write_text(source.read().replace('pbc="T T T"', 'pbc="T T F"'))
    result = CliRunner().invoke(main, ["run", str(tmp_path / "argon.toml")])
    assert result.exit_code == 2
    assert "system.file" in result.output and "pbc=(True, True, False)" in result.output
