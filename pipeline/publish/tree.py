"""The catalog tree (公开目录) as publishing walks it: order, ancestry, items per node."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import InternalError
from pipeline.models import Category

from pipeline.classify.tree import RESERVED_IDS

from .links import check_slug


class CategoryTree:
    """Categories ordered by (position, id); each node knows its path from the top."""

    def __init__(self, categories: Sequence[Category]) -> None:
        self.by_id: dict[str, Category] = {}
        for c in categories:
            check_slug(c.id, "category id")
            if c.id in self.by_id:
                raise InternalError(f"category id {c.id!r} appears twice")
            self.by_id[c.id] = c
        order = sorted(self.by_id.values(), key=lambda c: (c.position, c.id))
        self.children: dict[str | None, list[Category]] = {}
        for c in order:
            parent = c.parent if c.parent in self.by_id else None  # orphans hang at the top
            self.children.setdefault(parent, []).append(c)
        self.top = self.children.get(None, [])
        for c in self.top:
            if c.id in RESERVED_IDS:
                raise InternalError(f"top-level category id {c.id!r} is reserved for the site-wide feed")
        self._path: dict[str, tuple[Category, ...]] = {}
        for c in order:
            self._path[c.id] = self._walk_up(c)

    def _walk_up(self, c: Category) -> tuple[Category, ...]:
        path = [c]
        seen = {c.id}
        while path[-1].parent in self.by_id and path[-1].parent not in seen:
            parent = self.by_id[path[-1].parent]
            seen.add(parent.id)
            path.append(parent)
        return tuple(reversed(path))

    def path(self, category_id: str) -> tuple[Category, ...]:
        """Top-level node first, ``category_id`` last; () when it is not in the tree."""
        return self._path.get(category_id, ())

    def walk(self) -> list[tuple[int, Category]]:
        """Every node depth-first, in display order, with its depth (top = 0)."""
        out: list[tuple[int, Category]] = []

        def visit(c: Category, depth: int, seen: frozenset[str]) -> None:
            out.append((depth, c))
            for child in self.children.get(c.id, []):
                if child.id not in seen:
                    visit(child, depth + 1, seen | {child.id})

        for c in self.top:
            visit(c, 0, frozenset({c.id}))
        return out
