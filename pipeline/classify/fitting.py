"""The office's text model and calibration, fitted again only when that can change them: staff decided
something new, the catalog tree or the classifier's code changed, or the office has filed a tenth more
since the last fit. Any other night reuses the last fit, kept in the store (table `fitted_model`), so a
night with a few new items costs what they cost, not five fits of the office's whole history (`make
bench`: classify speed).
The records a verdict consults besides (records.py: disputes, sources, recurring titles) are cheap and
read afresh every night.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ..store import Store, iso, utcnow
from .calibrate import Calibration
from .model import Example, TextModel
from .tree import CatalogTree

log = logging.getLogger(__name__)

# The kept fit is redone once the office has filed 1/REFIT_SHARE more items than it was fitted on: a
# tenth more hardly moves a model of them, and the items filed since count in the records every night.
REFIT_SHARE = 10


@dataclass(frozen=True)
class Basis:
    """What a fit was made from: how many filed items, the last staff decision, the tree, and the code
    (the classify package's source and scikit-learn's version)."""

    filed: int
    last_decision: int
    tree: str
    code: str


@dataclass(frozen=True)
class Fit:
    model: TextModel | None
    calibration: Calibration | None
    refitted: bool  # fitted tonight (False: the kept fit)
    seconds: float


def tree_digest(tree: CatalogTree) -> str:
    """Pure: a digest of the tree, its rules and its label mapping (any change means another fit)."""
    return hashlib.sha256(repr(tree).encode("utf-8")).hexdigest()


def still_fits(kept: Basis, now: Basis) -> bool:
    """Pure: the kept fit serves tonight — no new staff decision, the same tree and code, and the
    office's filed items grown by less than a REFIT_SHARE-th (fewer than before: something changed them)."""
    return (kept.last_decision == now.last_decision and kept.tree == now.tree and kept.code == now.code
            and 0 <= (now.filed - kept.filed) * REFIT_SHARE < kept.filed)


def _code() -> str:
    """A digest of what fitting runs: this package's source (an upgrade that changes the rules or the
    model changes what a fit would be) and scikit-learn's version (its pickles may not load right in
    another)."""
    import sklearn

    digest = hashlib.sha256(f"scikit-learn {sklearn.__version__}".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def office_fit(store: Store, tree: CatalogTree, examples: Sequence[Example], last_decision: int,
               calibrate: Callable[[], Calibration | None], *, force: bool = False) -> Fit:
    """The model of the office's filed and confirmed `examples` and its calibration (`calibrate`,
    called only when fitting): the kept fit when it still fits, else fitted now and kept."""
    started = time.perf_counter()
    now = Basis(len(examples), last_decision, tree_digest(tree), _code())
    if not force and (kept := _kept(store, now)):
        return Fit(*kept, refitted=False, seconds=round(time.perf_counter() - started, 3))
    model = TextModel.train(examples)
    calibration = calibrate() if model else None
    _keep(store, now, model, calibration)
    return Fit(model, calibration, refitted=True, seconds=round(time.perf_counter() - started, 3))


def _kept(store: Store, now: Basis) -> tuple[TextModel, Calibration | None] | None:
    row = store.db.execute("SELECT filed, last_decision, tree, code, fit FROM fitted_model").fetchone()
    if row is None or not still_fits(Basis(*row[:4]), now):
        return None
    try:  # our own bytes, written below; a failure (a damaged row) only costs a fit
        return cast("tuple[TextModel, Calibration | None]", pickle.loads(zlib.decompress(row[4])))
    except Exception as error:  # noqa: BLE001 — whatever unpickling raises, fitting again is the answer
        log.warning("保存的分类模型无法读取（%s），重新训练", type(error).__name__)
        return None


def _keep(store: Store, basis: Basis, model: TextModel | None, calibration: Calibration | None) -> None:
    if model is None:  # too few filed items: nothing costly to keep
        store.db.execute("DELETE FROM fitted_model")
        return
    blob = zlib.compress(pickle.dumps((model, calibration), protocol=pickle.HIGHEST_PROTOCOL), 1)
    with store.transaction():
        store.db.execute("DELETE FROM fitted_model")
        store.db.execute("INSERT INTO fitted_model (id, fitted_at, filed, last_decision, tree, code, fit) "
                         "VALUES (1, ?, ?, ?, ?, ?, ?)",
                         [iso(utcnow()), basis.filed, basis.last_decision, basis.tree, basis.code, blob])
