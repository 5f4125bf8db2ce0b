"""`python -m pipeline.config > docs/config.md`: the config reference, written from keys.py."""

from .keys import reference_markdown

print(reference_markdown(), end="")
