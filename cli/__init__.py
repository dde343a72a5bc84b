"""The ``sciad`` command line (installed as the subpackage ``sciad.cli``)."""
