"""Entry point of the ``sciad`` command."""

import click

import sciad


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sciad.__version__, prog_name="sciad")
def main():
    """sciad: sensitivity analysis with exact derivatives."""


if __name__ == "__main__":
    main()
