"""Figures a trainer records per epoch: entity F1 on character spans, kind accuracy, exact match.

Entities are scored on characters, never on a library's tokens: a span the tokenizer cannot
represent must count as missed, not vanish from the score (see STACK.md on spaCy's W030).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from signalos.evaluation.scoring import score_row
from signalos.models import ParseResult


def entity_scores(gold: Sequence[Iterable[tuple[int, int, str]]],
                  pred: Sequence[Iterable[tuple[int, int, str]]]) -> dict[str, float]:
    """Micro precision, recall and F1 of (start, end, label) spans over messages."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"ents_p": round(precision, 4), "ents_r": round(recall, 4), "ents_f": round(f1, 4)}


def exact_flags(labels: Sequence[dict[str, Any]], results: Sequence[ParseResult | None]) -> list[bool]:
    """Per message: does the result match the label by the evaluator's rules (shared/score.py)?"""
    return [score_row(lab, res.to_schema() if res is not None else {}).exact for lab, res in zip(labels, results)]


def result_scores(labels: Sequence[dict[str, Any]], results: Sequence[ParseResult | None]) -> dict[str, float]:
    n = len(labels) or 1
    flags = exact_flags(labels, results)
    kinds = sum(1 for lab, res in zip(labels, results) if res is not None and res.kind == lab.get("kind"))
    return {"exact": round(sum(flags) / n, 4), "kind_acc": round(kinds / n, 4)}


@attrs.define
class EarlyStopping:
    """Stop when the validation score has not improved for ``patience`` epochs; remembers the
    best epoch so the trainer can restore its weights."""

    patience: int = 3
    min_delta: float = 1e-4
    best: float = float("-inf")
    best_epoch: int = -1
    bad_epochs: int = 0

    def step(self, epoch: int, score: float) -> bool:
        """Record one epoch's score; True when it is the best so far."""
        if score > self.best + self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = score, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience > 0 and self.bad_epochs >= self.patience


class Timer:
    def __init__(self):
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 3)
