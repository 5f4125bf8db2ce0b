"""The statistical text model: character n-grams of the title and body plus the metadata hints
(主题分类, website column, 文号 kind) → a logistic regression over leaves, trained on the items
staff confirmed.

Chinese needs no word segmentation for this: character 1–3-grams carry the words. The model only
knows categories it has seen confirmed, so the stage blends it with the rules (which know every
leaf) and trusts it more as confirmed items accumulate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

MIN_EXAMPLES = 20  # below this the rules alone decide
# BLAS threads for fitting and predicting. The model's matrices are small: a second thread waits more
# than it helps (a 2,000-item office's classify: 4.0 s and 6.3 s of CPU with two threads, 3.0 s and 3.0 s
# with one), and a district runs a stage worker per core already.
BLAS_THREADS = 1
BODY_CHARS = 600  # the opening of a body says what it is about; the rest is boilerplate
NOISE = re.compile(r"\d+|\s+")


@dataclass(frozen=True)
class Example:
    """What the model sees of an item (and, for training, the category a person confirmed)."""

    title: str
    body: str
    meta: dict[str, str]
    category: str = ""


def hint_tokens(example: Example) -> list[str]:
    meta = example.meta
    tokens = []
    if meta.get("topic"):
        tokens += ["topic=" + meta["topic"], "topic=" + meta["topic"].split("\\")[0]]
    if meta.get("column"):
        tokens.append("column=" + meta["column"])
    number = meta.get("doc_number", "")
    if number and number != "无":
        tokens.append("docno=" + ("规" if "规" in number else "发"))
    return tokens or ["nohint"]


def _title(example: Example) -> str:
    return NOISE.sub(" ", example.title)


def _body(example: Example) -> str:
    return NOISE.sub(" ", example.body[:BODY_CHARS])


class Classifier(Protocol):
    """What TextModel uses of scikit-learn's LogisticRegression (scikit-learn publishes no types)."""

    classes_: Any  # an array of leaf ids

    def predict_proba(self, features: Any) -> Any: ...


class TextModel:
    """A trained model; `predict` gives a probability per known leaf."""

    def __init__(self, vectorizers: tuple[Any, ...], classifier: Classifier, support: dict[str, int]) -> None:
        self.vectorizers = vectorizers
        self.classifier = classifier
        self.support = support  # examples per leaf (confirmed or already filed by the office)

    @property
    def trained_on(self) -> int:
        return sum(self.support.values())

    @property
    def classes(self) -> list[str]:
        return list(self.classifier.classes_)

    @classmethod
    def train(cls, examples: Sequence[Example]) -> TextModel | None:
        """A model of the confirmed examples, or None when there are too few (or one category)."""
        if len(examples) < MIN_EXAMPLES or len({e.category for e in examples}) < 2:
            return None
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        vectorizers = (
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=_title),
            TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, preprocessor=_body,
                            max_features=30000),
            TfidfVectorizer(analyzer=hint_tokens, lowercase=False),
        )
        fitted = []
        for vectorizer in vectorizers:
            try:  # titles alone (no bodies yet, e.g. bare WeChat entries) leave the body part empty
                fitted.append((vectorizer, vectorizer.fit_transform(examples)))
            except ValueError:
                continue
            vectorizer.stop_words_ = None  # the n-grams max_features cut: for introspection only, and large
        vectorizers = tuple(v for v, _ in fitted)
        features = _stack([x for _, x in fitted])
        classifier = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced")
        with threadpool_limits(limits=BLAS_THREADS):
            classifier.fit(features, [e.category for e in examples])
        return cls(vectorizers, classifier, dict(Counter(e.category for e in examples)))

    def predict(self, examples: Sequence[Example]) -> list[dict[str, float]]:
        if not examples:
            return []
        from threadpoolctl import threadpool_limits

        features = _stack([v.transform(examples) for v in self.vectorizers])
        classes = self.classes
        with threadpool_limits(limits=BLAS_THREADS):
            probabilities = self.classifier.predict_proba(features)
        return [dict(zip(classes, map(float, row))) for row in probabilities]


def _stack(parts: list[Any]) -> object:
    from scipy.sparse import hstack

    return hstack(parts).tocsr()
