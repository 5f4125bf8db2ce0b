"""The disclosure catalog tree (公开目录): the bundled default or the office's file, plus the
office's own changes from its config (rename, add, remove nodes).

Ids are stable: a renamed node keeps its id, so items and their history keep pointing at it; a
removed node stays in the `categories` table (retired) so old decisions still read well.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..config.keys import keys_of
from ..errors import ConfigError
from ..models import Category

RULE_KEYS = ("title", "weak", "body", "topics", "columns")
WHERE = "_where"  # a node the office's config added: where it was written (for its errors)
# Separators of a label's path: 主题分类 use a backslash, crawled columns a slash or an angle bracket.
LABEL_PATH = re.compile(r"\s*[\\/>›»]\s*")
# Leaves with a special job, declared in the catalog file (`role = "…"`), not tied to ids:
#   normative  行政规范性文件 (a row of the annual report)
#   numbered   where a numbered (文号) document that is not normative goes
#   fallback   where an item goes when nothing speaks for any leaf (`default = true` says the same)
ROLES = {"normative": "规范性文件", "numbered": "有文号的其他文件", "fallback": "兜底"}


@dataclass(frozen=True)
class Rule:
    """Keyword hints for one leaf (see catalog/default.toml)."""

    category: str
    title: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()  # generic title words (的通知, 公告): any specific word elsewhere wins
    body: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    document: bool = False  # its title words name a kind of document (计划, 总结, 领导班子): see rules.ACTIVITY


@dataclass(frozen=True)
class CatalogTree:
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    default: str
    names: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # role → leaf id
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a 主题分类/栏目 name → the leaves it covers

    def role(self, name: str) -> str | None:
        """The leaf playing `name` (see ROLES), if the catalog has one."""
        leaf = self.roles.get(name)
        return leaf if leaf in self.leaves() else None

    def label_leaves(self, label: str) -> frozenset[str]:
        """The leaves an already-filed item's 主题分类 or 栏目 says it is one of (exact name; for a path —
        a 主题分类 like 劳动、人事、监察\\人事工作, a column like 政策文件/规范性文件 or 政策文件 > 规范性文件 —
        the most specific part that is known). Most names say one leaf; a broader one that several
        leaves list (the column 人事信息, the 主题分类 人事工作) leaves the title to choose among them.
        Empty: the name says nothing."""
        if not label:
            return frozenset()
        leaves = self.leaves()
        for name in [label, *reversed(LABEL_PATH.split(label))]:
            if covered := leaves.intersection(self.labels.get(name.strip(), ())):
                return frozenset(covered)
        return frozenset()

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


def load_tree(path: Path | None = None, changes: dict[str, Any] | None = None,
              labels: dict[str, str | list[str]] | None = None, origin: str = "[classify]") -> CatalogTree:
    """The catalog tree: the office's file (or the bundled default), with the config's changes and
    the office's own label → leaf (or leaves) mapping, on top of the catalog's: a name listed in
    `columns`/`labels` by several leaves covers them all (a 人事信息 column holds 人事任免 and 招考招聘).
    `origin` names where the changes and labels were written (the config file's [classify])."""
    where = str(path) if path else "pipeline/catalog/default.toml"
    try:
        text = path.read_text(encoding="utf-8") if path else \
            resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{where}: cannot read the catalog tree: {e}") from None
    nodes = [_node(n, f"{where}: category #{i + 1}") for i, n in enumerate(data.get("category", []))]
    if changes:
        nodes = apply_changes(nodes, changes, origin)
    tree = _tree(nodes, where)
    mapping: dict[str, tuple[str, ...]] = {}
    for n in nodes:
        for name in dict.fromkeys([*n.get("columns", ()), *n.get("labels", ())]):
            mapping[name] = (*mapping.get(name, ()), n["id"])
    for name, given in (labels or {}).items():
        chosen = (given,) if isinstance(given, str) else tuple(given)
        for leaf in chosen:
            if leaf not in tree.leaves():
                raise ConfigError(f"{origin} labels.{name}: {leaf!r} is not a leaf of the catalog tree")
        mapping[name] = chosen
    return replace(tree, labels=mapping)


def office_tree(config: Any) -> CatalogTree:
    """The tree an office's config describes (file + rename/add/remove + label mapping)."""
    return load_tree(config.catalog_file, getattr(config, "catalog_changes", None) or None,
                     getattr(config, "classify_labels", None) or None, f"{config.path}: [classify]")


def role_problems(tree: CatalogTree) -> list[str]:
    """What a catalog lacks for the special roles, in words for staff (empty when all is well).
    `xxgk config check` and `xxgk classify` show these."""
    problems = []
    for role, what in ROLES.items():
        if tree.role(role) is None:
            problems.append(f"目录中没有 role = \"{role}\" 的末级节点（{what}）：" + {
                "normative": "规范性文件无法单独归类，年报中的规范性文件数将为 0",
                "numbered": "有文号的文件不会优先归入“其他文件”类节点",
                "fallback": "无规则命中的信息将归入第一个末级节点",
            }[role])
    return problems


def apply_changes(nodes: list[dict[str, Any]], changes: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Apply `rename = {id = "新名称"}`, `remove = [id, …]` and `[[classify.add]]` nodes."""
    ids = {n["id"] for n in nodes}
    for node_id, name in changes.get("rename", {}).items():
        if node_id not in ids or not isinstance(name, str):
            raise ConfigError(f"{where} rename.{node_id}: expected a category id of the tree and a name")
    nodes = [{**n, "name": changes.get("rename", {}).get(n["id"], n["name"])} for n in nodes]
    for position, extra in enumerate(changes.get("add", [])):
        node = {**_node(extra, f"{where} add #{position + 1}"), WHERE: f"{where} add #{position + 1} ({extra['id']})"}
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
    if unknown := sorted(set(raw) - set(keys_of("classify.add"))):  # a typo (parnet, titl) must not pass silently
        raise ConfigError(f"{where} ({raw['id']}): {unknown[0]}: unknown key (a typo? keys: "
                          f"{', '.join(keys_of('classify.add'))})")
    for key in (*RULE_KEYS, "labels"):
        if not all(isinstance(k, str) for k in raw.get(key, [])):
            raise ConfigError(f"{where} ({raw['id']}): {key}: expected a list of strings")
    if not isinstance(raw.get("document", False), bool):
        raise ConfigError(f"{where} ({raw['id']}): document: expected true or false")
    return dict(raw)


def _origin(node: dict[str, Any], where: str) -> str:
    """Where a node was written: the config's [[classify.add]], else the catalog file."""
    return str(node.get(WHERE) or f"{where}: category {node['id']}")


def _tree(nodes: list[dict[str, Any]], where: str) -> CatalogTree:
    categories = tuple(Category(n["id"], n["name"], n.get("parent"), i) for i, n in enumerate(nodes))
    rules = tuple(Rule(n["id"], **{k: tuple(n.get(k, ())) for k in RULE_KEYS}, document=n.get("document", False))
                  for n in nodes)
    ids = {c.id for c in categories}
    for n in nodes:
        if n.get("parent") and n["parent"] not in ids:
            raise ConfigError(f"{_origin(n, where)}: parent {n['parent']!r} is not a category id")
    roles: dict[str, str] = {}
    for n in nodes:
        role = "fallback" if n.get("default") is True and "role" not in n else n.get("role")
        if role is None:
            continue
        if role not in ROLES:
            raise ConfigError(f"{_origin(n, where)}: role {role!r} is not one of {', '.join(ROLES)}")
        roles.setdefault(role, n["id"])
    leaves = {c.id for c in categories} - {c.parent for c in categories if c.parent}
    fallback = roles.get("fallback") if roles.get("fallback") in leaves else None
    default = fallback or next((c.id for c in categories if c.id in leaves), None)
    if default is None:
        raise ConfigError(f"{where}: the catalog tree has no categories")
    return CatalogTree(categories, rules, default, {c.id: c.name for c in categories}, roles)


