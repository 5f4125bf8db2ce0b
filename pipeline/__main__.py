"""`python -m pipeline` = the `xxgk` command."""

from pipeline.cli import main

main()
