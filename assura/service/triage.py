"""Suggested category and priority for a new ticket, and the most relevant knowledge-base
articles and past answers.

A per-company scikit-learn model (TF-IDF on words and character n-grams — robust to French
accents and Arabic spelling — and a linear classifier) is trained by a job on the company's
own resolved tickets, with a held-out share to measure accuracy; it is stored in the database
(no network, no download). With too little history (fewer than MIN_SAMPLES resolved tickets,
or fewer than two categories) the categories' keywords decide. A suggestion is never applied
or sent by itself: an agent accepts it.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass

from django.db import transaction

from assura.core.search import normalize

MIN_SAMPLES = 30
HELD_OUT_SHARE = 0.2


@dataclass
class Suggestion:
    category: object = None
    priority: str = ""
    source: str = ""  # "modele" | "mots_cles" | ""
    confidence: float = 0.0


def _prepare(text: str) -> str:
    return normalize(text)


def keyword_suggest(*, organization_id, text: str) -> Suggestion:
    from assura.service.models import Category

    words = f" {_prepare(text)} "
    best, best_hits = None, 0
    for category in Category.objects.filter(organization_id=organization_id, is_active=True).exclude(keywords=""):
        hits = sum(1 for k in category.keywords.split(",") if (kw := _prepare(k)) and f" {kw}" in words)
        if hits > best_hits:
            best, best_hits = category, hits
    if best is None:
        return Suggestion()
    top = best.parent or best
    return Suggestion(category=top, priority=best.default_priority or top.default_priority, source="mots_cles",
                      confidence=min(1.0, best_hits / 3))


_CACHE: dict = {}  # organization id -> (trained_at, unpickled bundle); per process


def _model(organization_id):
    """The company's trained bundle: the row's date is read each time (one small query), the blob
    only when the model changed."""
    from assura.service.models import TriageModel

    trained_at = TriageModel.objects.filter(organization_id=organization_id).values_list("trained_at",
                                                                                      flat=True).first()
    if trained_at is None:
        _CACHE.pop(organization_id, None)
        return None
    cached = _CACHE.get(organization_id)
    if cached is not None and cached[0] == trained_at:
        return cached[1]
    blob = TriageModel.objects.filter(organization_id=organization_id).values_list("blob", flat=True).first()
    if not blob:
        return None
    bundle = pickle.loads(bytes(blob))  # noqa: S301 - written by train() below, stored in our own database
    _CACHE[organization_id] = (trained_at, bundle)
    return bundle


def suggest(*, organization_id, text: str) -> Suggestion:
    from assura.service.models import Category

    if not (text or "").strip():
        return Suggestion()
    bundle = _model(organization_id)
    if bundle is None:
        return keyword_suggest(organization_id=organization_id, text=text)
    prepared = [_prepare(text)]
    suggestion = Suggestion(source="modele")
    if bundle.get("category") is not None:
        probabilities = bundle["category"].predict_proba(prepared)[0]
        index = int(probabilities.argmax())
        category_id = int(bundle["category"].classes_[index])
        suggestion.category = Category.objects.filter(organization_id=organization_id, pk=category_id).first()
        suggestion.confidence = float(probabilities[index])
    if bundle.get("priority") is not None:
        suggestion.priority = str(bundle["priority"].predict(prepared)[0])
    return suggestion


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=1, sublinear_tf=True)),
    ])
    return Pipeline([("features", features), ("clf", LogisticRegression(max_iter=1000, C=5.0))])


def _fit(texts, labels, seed=7):
    """(fitted pipeline on everything, accuracy on a held-out share) — None when not enough classes."""
    from sklearn.model_selection import train_test_split

    if len(set(labels)) < 2:
        return None, None
    counts = {label: labels.count(label) for label in set(labels)}
    stratify = labels if min(counts.values()) >= 2 else None
    try:
        x_train, x_test, y_train, y_test = train_test_split(texts, labels, test_size=HELD_OUT_SHARE,
                                                            random_state=seed, stratify=stratify)
    except ValueError:
        x_train, x_test, y_train, y_test = train_test_split(texts, labels, test_size=HELD_OUT_SHARE,
                                                            random_state=seed)
    accuracy = None
    if len(set(y_train)) >= 2 and x_test:
        probe = _pipeline().fit(x_train, y_train)
        accuracy = float(sum(int(p == t) for p, t in zip(probe.predict(x_test), y_test, strict=True)) / len(y_test))
    return _pipeline().fit(texts, labels), accuracy


def train(*, organization_id, limit: int = 20000) -> dict:
    """Train on the company's resolved/closed tickets; store the model and its held-out accuracy.
    Returns a summary; with too little history, the stored model is removed (keywords decide)."""
    from assura.service.choices import DONE_STATUSES
    from assura.service.models import Ticket, TriageModel

    rows = list(Ticket.objects.filter(organization_id=organization_id, status__in=DONE_STATUSES)
                .order_by("-resolved_at", "-pk").values_list("subject", "description", "category_id",
                                                             "priority")[:limit])
    texts = [_prepare(f"{s}\n{d}") for s, d, _c, _p in rows]
    summary = {"samples": len(rows), "fallback": False, "category_accuracy": None, "priority_accuracy": None}
    labelled = [(t, c) for t, (_s, _d, c, _p) in zip(texts, rows, strict=True) if c]
    if len(labelled) < MIN_SAMPLES or len({c for _t, c in labelled}) < 2:
        TriageModel.objects.filter(organization_id=organization_id).delete()
        summary["fallback"] = True
        return summary
    category_model, category_accuracy = _fit([t for t, _c in labelled], [str(c) for _t, c in labelled])
    priority_model, priority_accuracy = _fit(texts, [p for _s, _d, _c, p in rows])
    buffer = io.BytesIO()
    pickle.dump({"category": category_model, "priority": priority_model}, buffer)
    with transaction.atomic():
        TriageModel.objects.update_or_create(organization_id=organization_id, defaults={
            "samples": len(rows), "held_out": max(1, int(len(labelled) * HELD_OUT_SHARE)),
            "category_accuracy": category_accuracy, "priority_accuracy": priority_accuracy,
            "blob": buffer.getvalue(),
        })
    summary.update(category_accuracy=category_accuracy, priority_accuracy=priority_accuracy)
    return summary


def related_articles(*, user, ticket, limit: int = 3):
    """Published KB articles of the suggested/actual category first, then matching the subject's words."""
    from assura.core.search import search_filter
    from assura.service.models import KbArticle

    qs = KbArticle.objects.visible_to(user).filter(is_published=True)
    category_id = ticket.category_id or ticket.suggested_category_id
    found = list(qs.filter(category_id=category_id).order_by("-helpful_count", "title")[:limit]) if category_id \
        else []
    if len(found) < limit:
        words = [w for w in normalize(ticket.subject).split() if len(w) > 3][:3]
        for word in words:
            for article in qs.filter(search_filter(word)).exclude(pk__in=[a.pk for a in found])[:limit]:
                if len(found) < limit:
                    found.append(article)
    return found


def past_answers(*, user, ticket, limit: int = 3):
    """The last public replies of resolved tickets of the same category (suggested answers to adapt)."""
    from assura.service.choices import DONE_STATUSES, MessageKind
    from assura.service.models import Ticket, TicketMessage

    category_id = ticket.category_id or ticket.suggested_category_id
    if not category_id:
        return []
    tickets = Ticket.objects.visible_to(user).filter(category_id=category_id, status__in=DONE_STATUSES) \
        .exclude(pk=ticket.pk).order_by("-resolved_at")[:20].values("pk")
    return list(TicketMessage.objects.filter(ticket__in=tickets, kind=MessageKind.REPLY)
                .select_related("ticket").order_by("-created_at")[:limit])
