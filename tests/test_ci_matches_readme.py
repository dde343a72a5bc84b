""".ci/run runs the README's test command as written."""

import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_ci_runs_the_readme_test_command():
    with open(os.path.join(ROOT, "README.md")) as readme:
        commands = re.findall(r"```bash\n(.*?)\n```", readme.read(), re.S)
    test_command = next(c for c in commands if "pytest" in c)
    with open(os.path.join(ROOT, ".ci", "run")) as ci:
        assert test_command in ci.read().splitlines()
