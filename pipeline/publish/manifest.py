"""The build manifest: for every output file, the hash of the inputs it was built from.

A page whose inputs hash to the key it was last built from is neither rendered nor
read again, which is what makes a rebuild after one new item cost a handful of
pages. The manifest lives beside the output (``output/.build-manifest``), is written
last (through the Writer, atomically), and is ignored by a full build. A missing or
unreadable manifest just means a full build; a crash before it is saved leaves the
old one, whose keys still describe files that are correct or are rebuilt.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Iterable
from pathlib import Path

from .writer import Writer

NAME = ".build-manifest"
FORMAT = "xxgk-build-manifest 2"  # marshal of (FORMAT, {path: key}): quick to read and write at 100,000 pages


class Manifest:
    """Old keys (from the last build) and new keys (this build), by output path."""

    def __init__(self, old: dict[str, str] | None = None) -> None:
        self.old = old or {}
        self.trusted = old is not None  # a manifest was there: stale files are known without a walk
        self.new: dict[str, str] = {}

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        try:
            data = marshal.loads((Path(out_dir) / NAME).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return cls()
        if not (isinstance(data, tuple) and len(data) == 2 and data[0] == FORMAT and isinstance(data[1], dict)):
            return cls()
        return cls(data[1])

    def fresh(self, rel: str, key: bytes) -> bool:
        """Record ``rel``'s key; True when the last build made it from the same inputs."""
        hexkey = key.hex()
        self.new[rel] = hexkey
        return self.old.get(rel) == hexkey

    def carry_all(self, rels: Iterable[str]) -> set[str]:
        """Keep the old keys of ``rels`` (their inputs are known not to have changed); return
        those that have none."""
        old, new, missing = self.old, self.new, set()
        for rel in rels:
            key = old.get(rel)
            if key is None:
                missing.add(rel)
            else:
                new[rel] = key
        return missing

    def forget(self, rel: str) -> None:
        """Drop ``rel``'s key (its file failed to build or is not tracked)."""
        self.new.pop(rel, None)

    def stale(self, produced: set[str]) -> list[str]:
        """Files the last build made that this one did not."""
        return sorted(rel for rel in self.old if rel not in produced)

    def save(self, out_dir: Path) -> None:
        """Write the new keys (atomically, and only if they changed)."""
        Writer(out_dir, managed=()).write(NAME, marshal.dumps((FORMAT, dict(sorted(self.new.items())))))


def remove(writer: Writer, rels: list[str]) -> list[str]:
    """Remove the listed output paths (and folders they leave empty), where ``writer`` places them;
    return those that existed."""
    removed = []
    roots = {writer.root, os.path.normpath(writer.locate("site"))}
    for rel in rels:
        path = writer.locate(rel)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(rel)
        parent = os.path.dirname(path)
        try:
            if parent not in roots and not os.listdir(parent):
                os.rmdir(parent)
        except OSError:
            pass
    return removed
