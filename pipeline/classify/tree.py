"""The disclosure catalog tree (公开目录): the bundled default or the office's file, plus the
office's own changes from its config (rename, add, remove nodes).

Ids are stable: a renamed node keeps its id, so items and their history keep pointing at it; a
removed node stays in the `categories` table (retired) so old decisions still read well.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..config import messages
from ..config.keys import keys_of
from ..errors import ConfigError
from ..models import SLUG, Category

RULE_KEYS = ("title", "weak", "body", "topics", "columns")
WHERE = "_where"  # where a node was written, for its errors: "catalog.toml：[[category]] #3"
RESERVED_IDS = frozenset({"all", "index"})  # feed file stems a top-level category id must not take
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

    def report_names(self) -> dict[str, str]:
        """Each category's name as a report counts by it: its own, or with its parents where another
        category has the same name (两个“其他”: 民生服务 › 其他, 政务公开 › 其他), so no count is lost."""
        shared = {name for name, n in Counter(self.names.values()).items() if n > 1}
        named = {cid: self.path_name(cid) if name in shared else name for cid, name in self.names.items()}
        still = {name for name, n in Counter(named.values()).items() if n > 1}  # siblings of one name
        return {cid: f"{name}（{cid}）" if name in still else name for cid, name in named.items()}

    def path_name(self, category_id: str) -> str:
        """"财政信息 › 财政预决算" — a leaf with its parents, for people."""
        by_id = {c.id: c for c in self.categories}
        names, node = [], by_id.get(category_id)
        while node is not None:
            names.append(node.name)
            node = by_id.get(node.parent) if node.parent else None
        return " › ".join(reversed(names)) or category_id


def load_tree(path: Path | None = None, changes: dict[str, Any] | None = None,
              labels: dict[str, str | list[str]] | None = None, origin: str = "") -> CatalogTree:
    """The catalog tree: the office's file (or the bundled default), with the config's changes and
    the office's own label → leaf (or leaves) mapping, on top of the catalog's: a name listed in
    `columns`/`labels` by several leaves covers them all (a 人事信息 column holds 人事任免 and 招考招聘).
    `origin` names the file the changes and labels were written in (the office's config file)."""
    where = str(path) if path else "pipeline/catalog/default.toml"
    try:
        text = path.read_text(encoding="utf-8") if path else \
            resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(messages.say(where, "没有这个目录树文件（见 [classify] catalog）")) from None
    except OSError as e:
        raise ConfigError(messages.say(where, f"无法读取目录树文件（{e.strerror or e}）")) from None
    except UnicodeDecodeError:
        raise ConfigError(messages.say(where, "不是 UTF-8 编码的文本，请以 UTF-8 保存")) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(messages.say(where, messages.not_toml(str(e)))) from None
    nodes = [_node(n, messages.say(where, f"[[category]] #{i + 1}")) for i, n in enumerate(data.get("category", []))]
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
                raise ConfigError(messages.say(origin, f"[classify.labels] {messages.toml_key(name)} = {messages.shown(given)}",
                                               f"{messages.shown(leaf)} 不是目录树中的末级类别"))
        mapping[name] = chosen
    return replace(tree, labels=mapping)


def office_tree(config: Any) -> CatalogTree:
    """The tree an office's config describes (file + rename/add/remove + label mapping)."""
    return load_tree(config.catalog_file, getattr(config, "catalog_changes", None) or None,
                     getattr(config, "classify_labels", None) or None, str(config.path))


def role_problems(tree: CatalogTree) -> list[str]:
    """What a catalog lacks for the special roles, in words for staff (empty when all is well).
    `xxgk config check` and `xxgk classify` show these."""
    problems = []
    for role, what in ROLES.items():
        if tree.role(role) is None:
            problems.append(f"目录中没有 role = \"{role}\" 的末级节点（{what}）：" + {
                "normative": "规范性文件没有单独的栏目：按文号识别出的规范性文件归入其内容所属的类别（年报照常计数），"
                             "工作人员也无法通过改分类把一条信息标记为规范性文件",
                "numbered": "有文号的文件不会优先归入“其他文件”类节点",
                "fallback": "无规则命中的信息将归入第一个末级节点",
            }[role])
    return problems


def apply_changes(nodes: list[dict[str, Any]], changes: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Apply `rename = {id = "新名称"}`, `remove = [id, …]` and `[[classify.add]]` nodes (`where`: the
    config file they were written in)."""
    ids = {n["id"] for n in nodes}
    for node_id, name in changes.get("rename", {}).items():
        said = f"[classify] rename.{messages.toml_key(node_id)}"
        if node_id not in ids:
            raise ConfigError(messages.say(where, said, "目录树中没有这个类别 id"))
        if not isinstance(name, str):
            raise ConfigError(messages.expected(where, said, "新名称（字符串）", name))
    nodes = [{**n, "name": changes.get("rename", {}).get(n["id"], n["name"])} for n in nodes]
    for position, extra in enumerate(changes.get("add", [])):
        node = _node(extra, messages.say(where, f"[[classify.add]] #{position + 1}"))
        if node["id"] in ids:
            raise ConfigError(messages.say(f"{node[WHERE]} id = {messages.shown(node['id'])}", "目录树中已有这个类别 id"))
        ids.add(node["id"])
        nodes.append(node)
    removed = set(changes.get("remove", []))
    unknown = removed - ids
    if unknown:
        raise ConfigError(messages.say(where, f"[classify] remove = {messages.shown(changes['remove'])}",
                                       f"{messages.shown(sorted(unknown)[0])} 不是目录树中的类别 id"))
    # Removing a node removes its subtree.
    while True:
        more = {n["id"] for n in nodes if n.get("parent") in removed} - removed
        if not more:
            break
        removed |= more
    return [n for n in nodes if n["id"] not in removed]


def _node(raw: Any, where: str) -> dict[str, Any]:
    """A category table checked, with where it was written (`where`: "catalog.toml：[[category]] #3")."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("name"), str):
        raise ConfigError(messages.say(where, "应为含 id 和 name 的表"))
    here = f"{where} ({raw['id']})"
    if unknown := sorted(set(raw) - set(keys_of("classify.add"))):  # a typo (parnet, titl) must not pass silently
        raise ConfigError(messages.unknown_key("", f"{here} {unknown[0]}", keys_of("classify.add")))
    for key in (*RULE_KEYS, "labels"):  # a bare string would be read as its characters (低, 保 …)
        if not isinstance(raw.get(key, []), list) or not all(isinstance(k, str) for k in raw.get(key, [])):
            raise ConfigError(messages.expected("", f"{here} {key}", '字符串的列表，如 ["低保", "救助"]', raw[key]))
    if not isinstance(raw.get("document", False), bool):
        raise ConfigError(messages.expected("", f"{here} document", "true 或 false", raw["document"]))
    return {**raw, WHERE: where}


def _origin(node: dict[str, Any]) -> str:
    """Where a node was written (the catalog file's [[category]] or the config's [[classify.add]]), and its id."""
    return f"{node[WHERE]} ({node['id']})"


def _check_shape(nodes: list[dict[str, Any]]) -> None:
    """What publishing and filing rely on: ids that name a page and a feed (a slug, unique, a top-level
    one not all or index), a name to show, parents that exist and lead to the top (no cycle)."""
    by_id: dict[str, dict[str, Any]] = {}
    for n in nodes:
        said = f"{n[WHERE]} id = {messages.shown(n['id'])}"
        if not SLUG.fullmatch(n["id"]):
            raise ConfigError(messages.say(said, "id 只能用英文字母、数字、.、_ 或 -（它是类别页面和订阅源的文件名）"))
        if n["id"] in by_id:
            raise ConfigError(messages.say(said, "这个 id 出现了两次"))
        if not n["name"].strip():
            raise ConfigError(messages.say(f"{_origin(n)} name = {messages.shown(n['name'])}", "名称不能为空"))
        by_id[n["id"]] = n
    for n in nodes:
        parent = n.get("parent")
        if parent and parent not in by_id:
            raise ConfigError(messages.say(f"{_origin(n)} parent = {messages.shown(parent)}", "目录树中没有这个类别 id"))
        if not parent and n["id"] in RESERVED_IDS:
            raise ConfigError(messages.say(f"{n[WHERE]} id = {messages.shown(n['id'])}",
                                           f"顶级类别的 id 不能是 {messages.shown(n['id'])}（全站订阅源用这个文件名）"))
        path = [n["id"]]
        while parent:
            if parent in path:
                raise ConfigError(messages.say(_origin(n), "上级类别（parent）绕成了一个圈："
                                               f"{' → '.join(path[path.index(parent):] + [parent])}"))
            path.append(parent)
            parent = by_id[parent].get("parent")


def _tree(nodes: list[dict[str, Any]], where: str) -> CatalogTree:
    _check_shape(nodes)
    categories = tuple(Category(n["id"], n["name"], n.get("parent"), i) for i, n in enumerate(nodes))
    rules = tuple(Rule(n["id"], **{k: tuple(n.get(k, ())) for k in RULE_KEYS}, document=n.get("document", False))
                  for n in nodes)
    leaves = {c.id for c in categories} - {c.parent for c in categories if c.parent}
    roles: dict[str, str] = {}
    for n in nodes:
        role = "fallback" if n.get("default") is True and "role" not in n else n.get("role")
        if role is None:
            continue
        said = f"{_origin(n)} role = {messages.shown(role)}"
        if role not in ROLES:
            raise ConfigError(messages.say(said, messages.should_be(messages.one_of(ROLES))))
        if role in roles:  # one leaf plays a role: a second would silently play nothing
            raise ConfigError(messages.say(said, f"这个角色已由类别 {messages.shown(roles[role])} 承担"))
        if n["id"] not in leaves:
            raise ConfigError(messages.say(said, "有下级类别的类别不能承担角色（应由末级类别承担）"))
        roles[role] = n["id"]
    fallback = roles.get("fallback") if roles.get("fallback") in leaves else None
    default = fallback or next((c.id for c in categories if c.id in leaves), None)
    if default is None:
        raise ConfigError(messages.say(where, "目录树中没有任何类别（[[category]]）"))
    return CatalogTree(categories, rules, default, {c.id: c.name for c in categories}, roles)


