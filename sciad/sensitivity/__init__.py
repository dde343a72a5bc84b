"""Which inputs matter: local sensitivities, identifiability, and global screening.

- :func:`local`: the exact sensitivity matrix of named outputs to named parameters.
- :func:`fisher_information`: Fisher information, unidentifiable directions, Cramer-Rao errors.
- :func:`dgsm`: derivative-based global measures with exact gradients and Sobol' bounds.
- :func:`sobol`: first-order and total Sobol indices by Saltelli/Jansen sampling.
"""

from ._batch import ModelOutputError, SampleError
from ._problem import Problem, ProblemError, parse_problem
from .dgsm import DGSMResult, dgsm
from .fisher import FisherInformation, fisher_information
from .local import LocalSensitivity, local
from .sobol import SobolResult, sobol

__all__ = ["local", "LocalSensitivity", "fisher_information", "FisherInformation", "dgsm",
           "DGSMResult", "sobol", "SobolResult", "parse_problem", "Problem", "ProblemError",
           "SampleError", "ModelOutputError"]
