"""The one writer of build output: atomic, idempotent, confined to one folder.

Every file goes to a temporary name in its own folder and is renamed over the
old one, so a reader never sees half a page (with `staged`, all renames wait for
the end of the build, so a build that dies leaves the previous one whole); a file whose bytes are unchanged is
not touched at all (its mtime stays and web servers keep answering 304). After a
build, files the build no longer produced are removed from the managed folders.

Paths are relative to the output folder, the docroot named ``site/`` in them whether or not it is
the output's own ``site/`` folder: a district puts each office's docroot inside its own
(``[paths] site``), its drafts and build state staying in the office's output folder, never served.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import UnsafePathError  # re-exported: the API stays pipeline.publish.UnsafePathError

SITE = "site"  # the docroot as output paths name it: "site/item/x.html" is <docroot>/item/x.html


class Writer:
    """Writes files below ``out_dir`` (and ``site/…`` below the docroot, ``site_dir``: default
    ``out_dir``/site); each path at most once per build."""

    def __init__(self, out_dir: Path, managed: tuple[str, ...] = ("site", "feeds"), staged: bool = False,
                 site_dir: Path | None = None) -> None:
        self.root = os.path.realpath(out_dir)
        # the default is not resolved: an output/site/ symlinked elsewhere stays refused, as ever
        self.site_root = os.path.realpath(site_dir) if site_dir is not None else os.path.join(self.root, SITE)
        # staged: new files wait under their temporary names until commit(), so a build
        # that dies half-way leaves the previous build's files all in place.
        self.staged = staged
        self._pending: list[tuple[str, str]] = []
        self.managed = managed
        self.written: list[str] = []
        self.unchanged = 0
        self._seen: set[str] = set()
        self._safe_dirs: set[str] = set()  # folders already checked (and created)
        self._new_dirs: set[str] = set()  # folders this writer created: nothing there to compare with
        self._pid = os.getpid()

    def target(self, rel: str) -> str:
        """The absolute path for ``rel``; raises UnsafePathError if it would escape the root."""
        if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel:
            raise UnsafePathError(f"refusing to write {rel!r}: not a plain relative path")
        if not _BAD_PARTS.isdisjoint(rel.split("/")):
            raise UnsafePathError(f"refusing to write {rel!r}: outside the output folder")
        path = self.locate(rel)  # rel: plain names joined by "/", checked above
        parent = os.path.dirname(path)
        if parent not in self._safe_dirs:
            # A symlinked folder could still point elsewhere: check where it really is.
            real, root = os.path.realpath(parent), self._root_of(rel)
            if not (real == root or real.startswith(root + os.sep)) or (root == self.root and self._in_site(real)):
                raise UnsafePathError(f"refusing to write {rel!r}: resolves outside {root}")
            if _make_dir(parent):
                self._new_dirs.add(parent)
            self._safe_dirs.add(parent)
        return path

    def locate(self, rel: str) -> str:
        """Where the output path ``rel`` is on disk (unchecked: target() checks)."""
        return os.path.join(self._root_of(rel), rel[len(SITE) + 1:] if self._names_site(rel) else rel)

    @staticmethod
    def _names_site(rel: str) -> bool:
        return rel == SITE or rel.startswith(SITE + "/")

    def _root_of(self, rel: str) -> str:
        return self.site_root if self._names_site(rel) else self.root

    def _in_site(self, real: str) -> bool:
        """Whether a real path is inside a docroot placed elsewhere than output/site/ (its files are
        named site/…, never by a path of the output folder)."""
        return self.site_root != os.path.join(self.root, SITE) and (
            real == self.site_root or real.startswith(self.site_root + os.sep))

    def write(self, rel: str, data: str | bytes) -> bool:
        """Write ``data`` to ``rel`` unless the file already holds exactly these bytes.

        Returns True when the file was (re)written.
        """
        path = self.target(rel)
        if rel in self._seen:
            raise UnsafePathError(f"refusing to write {rel!r} twice in one build")
        self._seen.add(rel)
        if isinstance(data, str):
            data = data.encode("utf-8")
        parent, _, name = path.rpartition("/")
        if parent not in self._new_dirs and _same_bytes(path, data):
            self.unchanged += 1
            return False
        tmp = f"{parent}/.{name}.{self._pid}.tmp"
        try:
            # O_EXCL: never write through a planted file or symlink; 0o666 & umask like any new file.
            fd = os.open(tmp, _CREATE, 0o666)
        except FileExistsError:  # left by a crashed run of the same pid
            os.unlink(tmp)
            fd = os.open(tmp, _CREATE, 0o666)
        try:
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            if self.staged:
                self._pending.append((tmp, path))
            else:
                os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        self.written.append(rel)
        return True

    def commit(self) -> None:
        """Put every staged file in place (a quick pass of renames at the end of a build)."""
        pending, self._pending = self._pending, []
        for tmp, path in pending:
            os.replace(tmp, path)

    def discard(self) -> None:
        """Drop the staged files of a build that failed."""
        pending, self._pending = self._pending, []
        for tmp, _ in pending:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass

    def keep(self, rel: str) -> None:
        """Count ``rel`` as produced by this build although it was not rewritten."""
        if rel in self._seen:
            raise UnsafePathError(f"refusing to write {rel!r} twice in one build")
        self._seen.add(rel)
        self.unchanged += 1

    def keep_all(self, rels: Iterable[str]) -> None:
        """keep() for many files at once."""
        rels = set(rels)
        if not rels.isdisjoint(self._seen):
            raise UnsafePathError(f"refusing to write {min(rels & self._seen)!r} twice in one build")
        self._seen |= rels
        self.unchanged += len(rels)

    @property
    def produced(self) -> set[str]:
        return self._seen

    def remove_stale(self, skip: tuple[str, ...] = ()) -> list[str]:
        """Remove files under the managed folders that this build did not produce.

        ``skip``: folders (relative, e.g. "site/search") that another tool owns.
        """
        removed: list[str] = []
        skipped = {os.path.normpath(self.locate(s)) for s in skip}
        for top in self.managed:
            base = os.path.normpath(self.locate(top))
            if not os.path.isdir(base):
                continue
            for dirpath, dirnames, filenames in os.walk(base, topdown=True):
                dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skipped]
                sub = os.path.relpath(dirpath, base).replace(os.sep, "/")
                folder = top if sub == "." else f"{top}/{sub}"
                for name in filenames:
                    rel = f"{folder}/{name}"
                    if rel not in self._seen:
                        os.unlink(os.path.join(dirpath, name))
                        removed.append(rel)
        for top in self.managed:  # then the folders left empty, deepest first
            base = os.path.normpath(self.locate(top))
            for dirpath, _dirnames, _files in os.walk(base, topdown=False):
                if dirpath != base and not os.listdir(dirpath):
                    os.rmdir(dirpath)
        return sorted(removed)


_BAD_PARTS = frozenset({"", ".", ".."})
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _make_dir(path: str) -> bool:
    """Create the folder ``path`` (and its parents); True if it was not there (so it is empty)."""
    try:
        os.mkdir(path)
        return True
    except FileNotFoundError:
        os.makedirs(path)
        return True
    except FileExistsError:
        os.makedirs(path, exist_ok=True)  # raises if it is not a folder
        return False


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is out (a plain file takes them at once; a signal may split it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except (FileNotFoundError, NotADirectoryError):
        return False
