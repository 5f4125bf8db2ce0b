"""`python -m pipeline` = the `xxgk` command."""

from pipeline.commands import main

main()
