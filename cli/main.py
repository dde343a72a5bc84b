"""Entry point of the ``sciad`` command: the click group, error handling, and model commands.

Commands are thin: they parse, call :mod:`sciad.models`, and format with :mod:`.output`.
Errors end in one line on stderr, never a traceback (``sciad --debug ...`` shows it): exit
code 2 for usage and model-file errors, 1 for failures while an analysis runs.
"""

from __future__ import annotations

import os
import sys
import warnings

import click
import numpy as np

import sciad
from sciad.errors import ModelFileError

from . import output

EXIT_FAILURE, EXIT_USAGE = 1, 2


class _Group(click.Group):
    """Turns every error into a one-line message and the documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            # NaN and overflow become one-line errors (AnalysisError), not warning noise
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:   # anything else becomes one line, unless --debug
            if ctx.meta.get("sciad.debug"):
                raise
            code = EXIT_USAGE if isinstance(exc, ModelFileError) else EXIT_FAILURE
            message = " ".join(str(exc).split("\n")[0].split()) or type(exc).__name__
            if not isinstance(exc, sciad.SciadError):
                message = f"{type(exc).__name__}: {message}"
            click.echo(f"error: {message}", err=True)
            ctx.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Run 'sciad COMMAND --help' for a command's options and an example.")
@click.version_option(sciad.__version__, prog_name="sciad")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def main(ctx: click.Context, debug: bool):
    """sciad: sensitivity analysis with exact derivatives.

    \b
    Examples:
      sciad run examples/rosenbrock.toml
      sciad run examples/sir.toml --format json -o sir.json --plot sir.png
      sciad validate examples/decay_fit.toml
      sciad check examples/european.toml
      sciad forces examples/argon.xyz --potential lj --epsilon 0.0104 --sigma 3.4 --cutoff 8.5
      sciad greeks --spot 42 --strike 40 --maturity 0.5 --rate 0.1 --vol 0.2
    """
    ctx.meta["sciad.debug"] = debug


def _load(model_file: str, assignments: tuple[str, ...] = ()):
    from sciad.models import load_model, parse_assignment
    return load_model(model_file, dict(parse_assignment(a) for a in assignments))


def _progress_wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def emit(result, fmt: str, output_file: str | None, plot: str | None = None,
         plot_dir: str | None = None, quiet: bool = False) -> None:
    """Write the formatted result (atomically to a file, or to stdout) and the figures."""
    text = output.format_result(result, fmt)
    if output_file:
        output.atomic_write(output_file, lambda stream: stream.write(text))
        if not quiet:
            click.echo(f"wrote {output_file}", err=True)
    else:
        click.echo(text, nl=False)
    if plot or plot_dir:
        written = output.save_figures(result, plot, plot_dir)
        if not quiet:
            for path in written:
                click.echo(f"wrote {path}", err=True)
            if not written:
                click.echo("no analysis of this model has a figure", err=True)


def _folder_exists(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """Refuse a file in a missing folder before any analysis runs (not minutes later, with
    the name of the temporary file that could not be created)."""
    if path:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise click.BadParameter(f"the folder {folder} does not exist; create it first")
    return path


_FORMAT = click.option("--format", "fmt", type=click.Choice(output.FORMATS), default="table",
                       show_default=True, help="Output format.")
_OUTPUT = click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False),
                       callback=_folder_exists,
                       help="Write the output to FILE (atomically) instead of stdout.")


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@_FORMAT
@_OUTPUT
@click.option("--plot", type=click.Path(dir_okay=False), callback=_folder_exists,
              help="One PNG with every figure.")
@click.option("--plot-dir", type=click.Path(file_okay=False), help="One PNG per analysis here.")
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
              help="Override a parameter's value (repeatable).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the sampling (default: the "
              "model file's seed, else 0).")
@click.option("-q", "--quiet", is_flag=True, help="No progress or status lines on stderr.")
def run(model_file, fmt, output_file, plot, plot_dir, assignments, seed, quiet):
    """Run the analyses MODEL_FILE declares (.toml, or trusted .py defining MODEL).

    \b
    Example:
      sciad run examples/sir.toml --set beta=0.4 --format csv -o sir.csv
    """
    from sciad.models import run_model

    if plot and not plot.lower().endswith(".png"):
        raise click.BadParameter("the figure file must end in .png", param_hint="--plot")
    model = _load(model_file, assignments)
    show = _progress_wanted(quiet)

    def announce(index: int, kind: str) -> None:
        if show:
            click.echo(f"[{index + 1}/{len(model.analyses)}] {kind} ...", err=True)
    result = run_model(model, seed=seed, progress=show, on_analysis=announce)
    emit(result, fmt, output_file, plot, plot_dir, quiet)


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
def validate(model_file):
    """Check MODEL_FILE against the schema and list every problem (file: table.key: what).

    \b
    Example:
      sciad validate examples/decay_fit.toml
    """
    from sciad.models import ModelValidationError, load_model

    try:
        model = load_model(model_file)
    except ModelValidationError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(exc.problems)} problem(s) found", err=True)
        sys.exit(EXIT_USAGE)
    analyses = ", ".join(a.type for a in model.analyses)
    click.echo(f"{model_file}: ok ({model.kind} model '{model.name}', {len(model.parameters)} "
               f"parameters, analyses: {analyses})")


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
              help="Check at another parameter value (repeatable).")
@_FORMAT
@_OUTPUT
def check(model_file, assignments, fmt, output_file):
    """Compare exact derivatives of MODEL_FILE's outputs with finite differences.

    Exit code 1 when a derivative disagrees.

    \b
    Example:
      sciad check examples/rosenbrock.toml
    """
    from sciad.models import RunResult, check_model

    model = _load(model_file, assignments)
    report, passed = check_model(model)
    parameters = {n: {"value": p.value, "unit": p.unit, "fixed": p.fixed}
                  for n, p in model.parameters.items()}
    result = RunResult(model.name, model.kind, model.path, parameters, [report], model.seed,
                       model.sha256)
    emit(result, fmt, output_file)
    if not passed:
        click.echo("error: a derivative disagrees with finite differences", err=True)
        sys.exit(EXIT_FAILURE)


def _register_tools() -> None:
    from .tools import forces, greeks
    main.add_command(forces)
    main.add_command(greeks)


_register_tools()

if __name__ == "__main__":
    main(prog_name=os.path.basename(sys.argv[0]))
