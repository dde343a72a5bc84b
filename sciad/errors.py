"""The exceptions sciad raises. All subclass :class:`SciadError`."""


class SciadError(Exception):
    """Base class of every error sciad raises on purpose."""


class NotDifferentiableError(SciadError, TypeError):
    """A derivative would be silently dropped (a traced value converted to a float, say)."""


class ModelFileError(SciadError, ValueError):
    """A model file is malformed; the message names the file, table and key."""


class SolverError(SciadError, RuntimeError):
    """A numerical solver (optimizer, ODE integrator, root finder) failed."""
