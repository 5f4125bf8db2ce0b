"""Every `xxgk` command, and nothing else: thin click commands that parse, call the pipeline
and print. `base` (environment, exit codes, error translation) is at the bottom; `main`
assembles the group. No module outside this package imports it."""

from .main import main

__all__ = ["main"]
