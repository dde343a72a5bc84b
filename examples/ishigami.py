"""The Ishigami function as a trusted Python model file (``sciad run ishigami.py``).

Python model files define ``MODEL`` with the same schema as TOML files; a formula may be a
callable taking the dict of names to values. Importing this file runs it: only run model
files you trust.
"""

import numpy as np


def ishigami(env):
    """Ishigami and Homma (1990), a = 7, b = 0.1: strongly non-additive in x1 and x3."""
    x1, x2, x3 = env["x1"], env["x2"], env["x3"]
    return np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)


MODEL = {
    "name": "ishigami",
    "kind": "function",
    "parameters": {name: {"value": 0.5, "bounds": [-np.pi, np.pi]} for name in ("x1", "x2", "x3")},
    "outputs": {"f": {"formula": ishigami}},
    "analysis": [{"type": "sensitivity"},
                 {"type": "dgsm", "output": "f", "n": 256, "bootstrap": 200},
                 {"type": "sobol", "output": "f", "n": 256, "bootstrap": 200}],
}
