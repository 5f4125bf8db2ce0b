"""Classify stage: Item → a leaf of the disclosure catalog (公开目录), a confidence and a reason.

    tree.py     the catalog tree (bundled default or the office's file) + the config's changes
    rules.py    keyword / 主题分类 / column / 文号 rules → scores and a verdict
    model.py    character n-gram model trained on what the office filed and staff confirmed
    calibrate.py  the office's own confidence: its filed items held out → share right per confidence
    fitting.py  the model and calibration fitted again only when that can change them, else kept
    signals.py  normative documents and their validity; personal data
    recurring.py  titles the office publishes again with other numbers, filed where the last went
    records.py  the office's own record, read from the store: its filed items, how it settles disputes …
    verdict.py  one item's verdict: rules and model blended, then the office's record consulted
    stage.py    the stage: read the record, file the new and changed items, statuses, history,
                what publishing holds back

Items a person confirmed are never reclassified.
"""

from .rules import Verdict
from .signals import is_normative, personal_data
from .records import OfficeRecord
from .stage import classify, held_items
from .tree import CatalogTree, Rule, load_tree, office_tree, role_problems
from .verdict import blend, classify_one

__all__ = ["CatalogTree", "OfficeRecord", "Rule", "Verdict", "blend", "classify", "classify_one", "held_items",
           "is_normative", "load_tree", "office_tree", "personal_data", "role_problems"]
