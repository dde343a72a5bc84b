"""README.md's quick start shows the real output of its first command."""

import os
import re

from click.testing import CliRunner

from sciad.cli.main import main

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def test_readme_quick_start_output_is_real(tmp_path):
    with open(os.path.join(ROOT, "README.md")) as readme:
        text = readme.read()
    command = re.search(r"pip install \. && (sciad run \S+) --plot out\.png", text)
    assert command, "README's first quick-start command changed shape"
    model = os.path.join(ROOT, command.group(1).split()[-1])
    plot = tmp_path / "out.png"
    result = CliRunner().invoke(main, ["run", model, "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert plot.stat().st_size > 10_000
    shown = re.search(r"The first prints:\n\n```\n(.*?)```", text, re.S).group(1)
    printed = result.output.replace(os.path.join(ROOT, ""), "").replace(str(plot), "out.png")
    assert shown.strip() in printed
