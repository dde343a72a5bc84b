"""The exceptions sciad raises. All subclass :class:`SciadError`."""


class SciadError(Exception):
    """Base class of every error sciad raises on purpose."""


class NotDifferentiableError(SciadError, TypeError):
    """A derivative would be silently dropped (a traced value converted to a float, say)."""


class ModelFileError(SciadError, ValueError):
    """A model file is malformed; the message names the file, table and key."""


class ProblemError(SciadError, ValueError):
    """The problem handed to an analysis is malformed (an optimisation problem, a sensitivity
    ``problem`` dictionary, an option that is not one of its choices); the message says which
    entry and what to do. One class for every adapter, so one ``except`` catches them all."""


class SolverError(SciadError, RuntimeError):
    """A numerical solver (optimizer, ODE integrator, root finder) failed."""
