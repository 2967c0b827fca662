"""``signalos data stats``: what the dataset holds and how fit it is to train on.

Every figure is one SQL aggregate over the messages and their newest labels, so stats on a
100k-message workspace take well under a second.
"""
from __future__ import annotations

from typing import Any

from signalos.dataset.repository import Dataset

# Each message with its newest label (the message's label). A correlated max() over the
# labels.message_id index; a CTE with GROUP BY is re-run per message by SQLite (quadratic).
_FROM = (" FROM messages m LEFT JOIN labels l ON l.id = "
         "(SELECT max(id) FROM labels WHERE message_id = m.id) ")

QUALITY_DEFINITION = (
    "quality = 100 x mean of six shares, each 0..1: labelled (messages with a label), verified "
    "(labels checked by a human), spans (signal/update labels with character spans), certain "
    "(labels not marked uncertain), unique (messages not marked duplicate), split (unique messages "
    "assigned to train/validation/test)"
)


def _group(dataset: Dataset, expr: str, where: str = "") -> dict[str, int]:
    sql = f"SELECT {expr} AS k, count(*) {_FROM} {where} GROUP BY k ORDER BY count(*) DESC, k"
    return {("none" if k is None else str(k)): n for k, n in dataset.db.execute(sql)}


def _one(dataset: Dataset, sql: str) -> int:
    return int(dataset.db.execute(sql).fetchone()[0] or 0)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def dataset_stats(dataset: Dataset) -> dict[str, Any]:
    """Counts, rates, coverage and the quality score (see QUALITY_DEFINITION)."""
    total = _one(dataset, "SELECT count(*) FROM messages")
    labelled = _one(dataset, "SELECT count(*)" + _FROM + "WHERE l.id IS NOT NULL")
    verified = _one(dataset, "SELECT count(*)" + _FROM + "WHERE l.verified = 1")
    uncertain = _one(dataset, "SELECT count(*)" + _FROM + "WHERE l.uncertain = 1")
    spannable = _one(dataset, "SELECT count(*)" + _FROM + "WHERE json_extract(l.label, '$.kind') IN "
                     "('signal', 'update')")
    with_spans = _one(dataset, "SELECT count(*)" + _FROM + "WHERE json_extract(l.label, '$.kind') IN "
                      "('signal', 'update') AND l.spans IS NOT NULL")
    duplicates = _one(dataset, "SELECT count(*) FROM messages WHERE is_duplicate = 1")
    unique = total - duplicates
    split_unique = _one(dataset, "SELECT count(*) FROM messages WHERE split IS NOT NULL AND "
                        "coalesce(is_duplicate, 0) = 0")
    coverage: dict[str, dict[str, int]] = {}
    for provider, language, n in dataset.db.execute(
            "SELECT coalesce(provider, 'none'), coalesce(language, 'none'), count(*) FROM messages "
            "GROUP BY 1, 2 ORDER BY 1, 2"):
        coverage.setdefault(provider, {})[language] = n
    languages = sorted({lang for row in coverage.values() for lang in row})
    cells = len(coverage) * len(languages)
    filled = sum(len(row) for row in coverage.values())
    shares = {"labelled": _share(labelled, total), "verified": _share(verified, labelled),
              "spans": _share(with_spans, spannable) if spannable else 1.0,
              "certain": _share(labelled - uncertain, labelled),
              "unique": _share(unique, total), "split": _share(split_unique, unique)}
    quality = round(100 * sum(shares.values()) / len(shares), 1) if total else 0.0
    review_open = _one(dataset, "SELECT count(*) FROM review_queue WHERE status = 'open'")
    return {
        "messages": total, "labelled": labelled, "verified": verified,
        "verified_rate": _share(verified, labelled), "uncertain": uncertain,
        "by_provider": _group(dataset, "m.provider"), "by_language": _group(dataset, "m.language"),
        "by_kind": _group(dataset, "coalesce(json_extract(l.label, '$.kind'), 'unlabelled')"),
        "by_split": _group(dataset, "m.split"),
        "by_split_kind": _group(dataset, "coalesce(m.split, 'none') || '/' || "
                                         "coalesce(json_extract(l.label, '$.kind'), 'unlabelled')"),
        "by_origin": _group(dataset, "m.origin"),
        "by_label_source": _group(dataset, "l.source", "WHERE l.id IS NOT NULL"),
        "augmented": _one(dataset, "SELECT count(*) FROM messages WHERE augmented_from IS NOT NULL "
                          "OR origin = 'augmented'"),
        "synthetic": _one(dataset, "SELECT count(*) FROM messages WHERE origin = 'synthetic'"),
        "duplicates_removed": duplicates,
        "clusters": _one(dataset, "SELECT count(*) FROM clusters"),
        "with_spans": with_spans, "spannable": spannable,
        "coverage": {"providers": len(coverage), "languages": languages, "cells_filled": filled,
                     "cells": cells, "matrix": coverage},
        "batches": _one(dataset, "SELECT count(*) FROM batches"),
        "unfinished_batches": _one(dataset, "SELECT count(*) FROM batches WHERE finished_at IS NULL"),
        "review_queue_open": review_open,
        "quality": {"score": quality, "shares": shares, "definition": QUALITY_DEFINITION},
    }
