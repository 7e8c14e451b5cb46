"""Run the command line as ``python -m clustering.cli``."""

from clustering.cli import main

main()
