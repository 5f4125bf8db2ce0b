"""The disclosure catalog tree (公开目录): the bundled default or the office's file, plus the
office's own changes from its config (rename, add, remove nodes).

Ids are stable: a renamed node keeps its id, so items and their history keep pointing at it; a
removed node stays in the `categories` table (retired) so old decisions still read well.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models import Category

RULE_KEYS = ("title", "body", "topics", "columns")


@dataclass(frozen=True)
class Rule:
    """Keyword hints for one leaf (see catalog/default.toml)."""

    category: str
    title: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogTree:
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    default: str
    names: dict[str, str] = field(default_factory=dict)

    def leaves(self) -> set[str]:
        parents = {c.parent for c in self.categories if c.parent}
        return {c.id for c in self.categories if c.id not in parents}

    def ordered_leaves(self) -> list[Category]:
        """Leaves in tree order (for pickers)."""
        leaves = self.leaves()
        return [c for c in self.categories if c.id in leaves]

    def top_of(self, category_id: str) -> str:
        by_id = {c.id: c for c in self.categories}
        node = by_id.get(category_id)
        while node is not None and node.parent:
            node = by_id.get(node.parent)
        return node.id if node else category_id

    def path_name(self, category_id: str) -> str:
        """"财政信息 › 财政预决算" — a leaf with its parents, for people."""
        by_id = {c.id: c for c in self.categories}
        names, node = [], by_id.get(category_id)
        while node is not None:
            names.append(node.name)
            node = by_id.get(node.parent) if node.parent else None
        return " › ".join(reversed(names)) or category_id


def load_tree(path: Path | None = None, changes: dict[str, Any] | None = None) -> CatalogTree:
    """The catalog tree: the office's file (or the bundled default), with the config's changes."""
    where = str(path) if path else "pipeline/catalog/default.toml"
    try:
        text = path.read_text(encoding="utf-8") if path else \
            resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{where}: cannot read the catalog tree: {e}") from None
    nodes = [_node(n, f"{where}: category #{i + 1}") for i, n in enumerate(data.get("category", []))]
    if changes:
        nodes = apply_changes(nodes, changes, "[classify]")
    return _tree(nodes, where)


def office_tree(config: Any) -> CatalogTree:
    """The tree an office's config describes (file + rename/add/remove)."""
    return load_tree(config.catalog_file, getattr(config, "catalog_changes", None) or None)


def apply_changes(nodes: list[dict[str, Any]], changes: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Apply `rename = {id = "新名称"}`, `remove = [id, …]` and `[[classify.add]]` nodes."""
    ids = {n["id"] for n in nodes}
    for node_id, name in changes.get("rename", {}).items():
        if node_id not in ids or not isinstance(name, str):
            raise ConfigError(f"{where} rename.{node_id}: expected a category id of the tree and a name")
    nodes = [{**n, "name": changes.get("rename", {}).get(n["id"], n["name"])} for n in nodes]
    for position, extra in enumerate(changes.get("add", [])):
        node = _node(extra, f"{where} add #{position + 1}")
        if node["id"] in ids:
            raise ConfigError(f"{where} add #{position + 1}: id {node['id']!r} is already in the tree")
        ids.add(node["id"])
        nodes.append(node)
    removed = set(changes.get("remove", []))
    unknown = removed - ids
    if unknown:
        raise ConfigError(f"{where} remove: {sorted(unknown)[0]!r} is not a category id of the tree")
    # Removing a node removes its subtree.
    while True:
        more = {n["id"] for n in nodes if n.get("parent") in removed} - removed
        if not more:
            break
        removed |= more
    return [n for n in nodes if n["id"] not in removed]


def _node(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("name"), str):
        raise ConfigError(f"{where}: expected a table with id and name")
    for key in RULE_KEYS:
        if not all(isinstance(k, str) for k in raw.get(key, [])):
            raise ConfigError(f"{where} ({raw['id']}): {key}: expected a list of strings")
    return dict(raw)


def _tree(nodes: list[dict[str, Any]], where: str) -> CatalogTree:
    categories = tuple(Category(n["id"], n["name"], n.get("parent"), i) for i, n in enumerate(nodes))
    rules = tuple(Rule(n["id"], *(tuple(n.get(k, ())) for k in RULE_KEYS)) for n in nodes)
    ids = {c.id for c in categories}
    for c in categories:
        if c.parent and c.parent not in ids:
            raise ConfigError(f"{where}: category {c.id}: parent {c.parent!r} is not a category id")
    defaults = [n["id"] for n in nodes if n.get("default")]
    if not defaults:
        raise ConfigError(f"{where}: no category has default = true (was it removed?)")
    return CatalogTree(categories, rules, defaults[0], {c.id: c.name for c in categories})


