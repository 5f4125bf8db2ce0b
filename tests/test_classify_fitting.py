"""The office's model and calibration are fitted again only when that can change them
(pipeline/classify/fitting.py): on the demo office's real store, a night with one changed item
reuses the kept fit and files the item as a fresh fit would; a staff decision, a changed tree, a
tenth more filed items, other code (xxgk's or scikit-learn's) or a damaged row each make it fit again."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from pipeline.classify import classify, office_tree
from pipeline.classify import fitting
from pipeline.classify.fitting import Basis, still_fits
from pipeline.classify.model import TextModel
from pipeline.store import Store
from tests.builders import cli

KEPT = Basis(filed=100, last_decision=7, tree="t", code="c")


@pytest.mark.parametrize(("tonight", "fits"), [
    (KEPT, True),
    (replace(KEPT, filed=109), True),  # a few more filed items
    (replace(KEPT, filed=110), False),  # a tenth more (fitting.REFIT_SHARE)
    (replace(KEPT, filed=99), False),  # fewer: a relabelling or a purge changed them
    (replace(KEPT, last_decision=8), False),  # staff decided something
    (replace(KEPT, tree="u"), False),
    (replace(KEPT, code="d"), False),  # an upgrade: other rules, or a scikit-learn its pickles may not suit
])
def test_the_kept_fit_serves_until_something_that_shapes_it_changes(tonight, fits):
    assert still_fits(KEPT, tonight) is fits


def _fits_counted(monkeypatch) -> list[int]:
    """Every TextModel fit from now on, by the number of its examples (the calibration's five included)."""
    fits: list[int] = []
    train = TextModel.train.__func__

    def counted(cls, examples):
        fits.append(len(examples))
        return train(cls, examples)

    monkeypatch.setattr(TextModel, "train", classmethod(counted))
    return fits


def _change_one(store: Store) -> str:
    item_id = store.db.execute("SELECT MIN(id) FROM items WHERE status != 'confirmed'").fetchone()[0]
    store.db.execute("UPDATE items SET classified_hash = NULL WHERE id = ?", [item_id])
    return item_id


def test_a_night_with_one_changed_item_reuses_the_kept_fit_and_files_it_alike(demo_office, monkeypatch):
    with Store(demo_office.database) as store:
        assert store.db.execute("SELECT COUNT(*) FROM fitted_model").fetchone()[0] == 1  # the first sync kept it
        item_id = _change_one(store)
        before = store.db.execute("SELECT category, confidence, reason FROM items WHERE id = ?", [item_id]).fetchone()
        runs = store.db.execute("SELECT COUNT(*) FROM model_runs").fetchone()[0]
        fits = _fits_counted(monkeypatch)
        assert classify(demo_office, store)["classified"] == 1
        assert fits == []  # nothing fitted: the model and calibration came from the store
        assert store.db.execute("SELECT category, confidence, reason FROM items WHERE id = ?", [item_id]).fetchone() \
            == before
        assert store.db.execute("SELECT COUNT(*) FROM model_runs").fetchone()[0] == runs
    output = cli(demo_office.path, "classify", "--force")  # fits whatever is kept, refiles every unconfirmed item
    assert len(fits) == 6  # the model, and the calibration's five folds
    with Store(demo_office.database) as store:
        unconfirmed = store.db.execute("SELECT COUNT(*) FROM items WHERE status != 'confirmed'").fetchone()[0]
    assert f"classified {unconfirmed} " in output


def test_a_staff_decision_or_a_changed_tree_fits_again(demo_office, monkeypatch):
    with Store(demo_office.database) as store:
        fits = _fits_counted(monkeypatch)
        item_id = _change_one(store)
        store.db.execute("INSERT INTO decisions (at, who, item_id, kind, before, after) "
                         "VALUES ('2021-01-01T00:00:00+00:00', 'wang', ?, 'accept', NULL, NULL)", [item_id])
        classify(demo_office, store)
        assert len(fits) == 6
        _change_one(store)
        classify(demo_office, store)
        assert len(fits) == 6  # that fit is kept in turn
        tree = office_tree(demo_office)
        tree = replace(tree, labels={**tree.labels, "社区动态": "gzdt"})
        _change_one(store)
        classify(demo_office, store, tree)
        assert len(fits) == 12


def test_a_damaged_or_foreign_kept_fit_is_fitted_again_with_a_warning(demo_office, monkeypatch, caplog):
    with Store(demo_office.database) as store:
        fits = _fits_counted(monkeypatch)
        store.db.execute("UPDATE fitted_model SET fit = X'00ff'")
        _change_one(store)
        with caplog.at_level(logging.WARNING, logger="pipeline.classify.fitting"):
            assert classify(demo_office, store)["classified"] == 1
        assert len(fits) == 6 and "保存的分类模型无法读取" in caplog.text
        store.db.execute("UPDATE fitted_model SET code = 'older'")  # written by another xxgk or scikit-learn
        _change_one(store)
        classify(demo_office, store)
        assert len(fits) == 12


def test_too_few_filed_items_keep_no_fit(empty_store):
    config, store = empty_store
    fit = fitting.office_fit(store, office_tree(config), [], 0, calibrate=lambda: None)
    assert fit.model is None and fit.refitted
    assert store.db.execute("SELECT COUNT(*) FROM fitted_model").fetchone()[0] == 0


def test_the_code_digest_follows_the_classifier_and_scikit_learn(monkeypatch, tmp_path):
    import sklearn

    before = fitting._code()
    assert fitting._code() == before  # the same code: the same digest, night after night
    monkeypatch.setattr(sklearn, "__version__", "0.0")
    assert fitting._code() != before
    monkeypatch.undo()
    package = tmp_path / "classify"  # the package's source, one rule changed
    package.mkdir()
    for module in fitting.Path(fitting.__file__).parent.glob("*.py"):
        (package / module.name).write_bytes(module.read_bytes())
    (package / "rules.py").write_text((package / "rules.py").read_text(encoding="utf-8") + "\n# a change\n",
                                      encoding="utf-8")
    monkeypatch.setattr(fitting, "__file__", str(package / "fitting.py"))
    assert fitting._code() != before
