"""`python -m cli` runs the same tool as the `renovation` console script."""

from cli.app import main

main()
