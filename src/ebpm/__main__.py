"""``python -m ebpm`` is the ``ebpm`` command."""

from ebpm.cli import main

main(prog_name="ebpm")
