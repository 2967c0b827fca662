"""Comparing two runs on the same messages: paired tests, per-field deltas, disagreements."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from signalos.errors import SignalosError
from signalos.evaluation.scoring import SIGNAL_FIELDS, Tolerance, field_ok, present
from signalos.evaluation.stats import mcnemar_exact, paired_bootstrap, proportion_ci


def _field_counts(item, field: str, tol: Tolerance) -> tuple[int, int, int, int, int]:
    """(correct, incorrect, missed, spurious, right) of one field of one message, where ``right``
    is the score.py verdict for a labelled signal (wrong kind = wrong field)."""
    label_sig = item.label.get("kind") == "signal"
    pred_sig = item.prediction.get("kind") == "signal"
    label = item.label if label_sig else {}
    pred = item.prediction if pred_sig else {}
    lp, pp = present(label.get(field)), present(pred.get(field))
    ok = field_ok(field, label, pred, tol) if (lp or pp) else True
    c = int(lp and pp and ok)
    i = int(lp and pp and not ok)
    m = int(lp and not pp)
    s = int(pp and not lp)
    right = int(label_sig and pred_sig and ok)
    return c, i, m, s, right


def _f1(sums: np.ndarray) -> np.ndarray:
    """F1 from (b × 4) resampled sums of correct, incorrect, missed, spurious."""
    c, i, m, s = sums[:, 0], sums[:, 1], sums[:, 2], sums[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(c + i + s > 0, c / (c + i + s), 0.0)
        r = np.where(c + i + m > 0, c / (c + i + m), 0.0)
        return np.where(p + r > 0, 2 * p * r / (p + r), 0.0)


def compare_runs(a, b, *, n_resamples: int = 1000, seed: int = 0, max_examples: int = 50,
                 tolerance: Tolerance | None = None) -> dict[str, Any]:
    """Compare run ``b`` against run ``a`` (the baseline) on the same labelled messages.

    Exact match is tested with McNemar's exact test (paired); each field gets the F1 and accuracy
    of both runs and the paired-bootstrap interval of the difference (b minus a). Disagreements
    are the messages exactly right in one run and not in the other.
    """
    ids_a = [it.row.id for it in a.items]
    if ids_a != [it.row.id for it in b.items]:
        raise SignalosError("the two runs were not made on the same messages in the same order")
    tol = tolerance or a.tolerance
    sa, sb = a.scores(tol), b.scores(tol)
    n = len(sa)
    ea = np.array([s.exact for s in sa], dtype=float)
    eb = np.array([s.exact for s in sb], dtype=float)
    only_a = int(((ea == 1) & (eb == 0)).sum())
    only_b = int(((ea == 0) & (eb == 1)).sum())
    exact = {
        "a": round(float(ea.mean()), 4) if n else 0.0,
        "b": round(float(eb.mean()), 4) if n else 0.0,
        "delta": round(float(eb.mean() - ea.mean()), 4) if n else 0.0,
        "ci_a": proportion_ci(int(ea.sum()), n, seed=seed),
        "ci_b": proportion_ci(int(eb.sum()), n, seed=seed),
        "delta_ci": paired_bootstrap(np.stack([ea, eb], axis=1) if n else np.zeros((0, 2)),
                                     lambda s: (s[:, 1] - s[:, 0]) / n, n_resamples=n_resamples, seed=seed),
        "mcnemar": mcnemar_exact(only_a, only_b),
    }
    fields = {}
    is_signal = np.array([it.label.get("kind") == "signal" for it in a.items], dtype=float)
    for f in SIGNAL_FIELDS:
        if not any(f in it.label for it in a.items if it.label.get("kind") == "signal"):
            continue
        ca = np.array([_field_counts(it, f, tol) for it in a.items], dtype=float).reshape(n, 5)
        cb = np.array([_field_counts(it, f, tol) for it in b.items], dtype=float).reshape(n, 5)
        cols = np.concatenate([ca[:, :4], cb[:, :4]], axis=1)
        n_sig = is_signal.sum()
        acc_cols = np.stack([ca[:, 4], cb[:, 4], is_signal], axis=1)
        f1_a, f1_b = float(_f1(ca[None, :, :4].sum(axis=1))[0]), float(_f1(cb[None, :, :4].sum(axis=1))[0])
        fields[f] = {
            "f1_a": round(f1_a, 4), "f1_b": round(f1_b, 4), "f1_delta": round(f1_b - f1_a, 4),
            "f1_delta_ci": paired_bootstrap(cols, lambda s: _f1(s[:, 4:]) - _f1(s[:, :4]),
                                            n_resamples=n_resamples, seed=seed),
            "accuracy_a": round(float(ca[:, 4].sum() / n_sig), 4) if n_sig else 0.0,
            "accuracy_b": round(float(cb[:, 4].sum() / n_sig), 4) if n_sig else 0.0,
            "accuracy_delta": round(float((cb[:, 4].sum() - ca[:, 4].sum()) / n_sig), 4) if n_sig else 0.0,
            "accuracy_delta_ci": paired_bootstrap(
                acc_cols, lambda s: np.where(s[:, 2] > 0, (s[:, 1] - s[:, 0]) / np.maximum(s[:, 2], 1), 0.0),
                n_resamples=n_resamples, seed=seed),
        }
    disagreements = []
    for ia, ib, s1, s2 in zip(a.items, b.items, sa, sb):
        if s1.exact != s2.exact:
            disagreements.append({"id": ia.row.id, "text": ia.row.text[:200], "a_exact": s1.exact,
                                  "b_exact": s2.exact, "label": ia.label, "a": ia.prediction,
                                  "b": ib.prediction})
    return {
        "a": a.name, "b": b.name, "n": n, "exact_match": exact, "fields": fields,
        "disagreements": {"count": len(disagreements), "examples": disagreements[:max_examples]},
        "bootstrap": {"n_resamples": n_resamples, "seed": seed, "confidence": 0.95},
    }


# The report's side of a comparison ------------------------------------------------------------

DIFF_FIELDS = ("kind",) + SIGNAL_FIELDS + ("actions",)


def message_diff(label: dict[str, Any], a: dict[str, Any], b: dict[str, Any],
                 tolerance: Tolerance | None = None) -> list[dict[str, Any]]:
    """One message's fields side by side, for the report's diff of two runs: each field that the
    label or either run sets, with whether each run has the labelled value (``a_ok``, ``b_ok``, by
    the scoring rules and ``tolerance``) and whether the two runs differ (``changed``)."""
    tol = tolerance or Tolerance()
    rows = []
    for f in DIFF_FIELDS:
        values = (label.get(f), a.get(f), b.get(f))
        if not any(present(v) for v in values):
            continue
        rows.append({"field": f, "label": values[0], "a": values[1], "b": values[2],
                     "a_ok": _same(f, label, a, tol), "b_ok": _same(f, label, b, tol),
                     "changed": not _same(f, a, b, tol)})
    return rows


def _same(field: str, x: dict[str, Any], y: dict[str, Any], tol: Tolerance) -> bool:
    if field in SIGNAL_FIELDS:
        if x.get("kind") != y.get("kind"):  # a field of a message of the wrong kind is wrong
            return not present(x.get(field)) and not present(y.get(field))
        return field_ok(field, x, y, tol)
    if field == "actions":
        return _actions_key(x.get(field)) == _actions_key(y.get(field))
    return x.get(field) == y.get(field)


def _actions_key(actions: Any) -> list[str]:
    """An update's actions in a comparable form: the same actions in any order are the same."""
    return sorted(json.dumps(a, sort_keys=True, ensure_ascii=False, default=str)
                  for a in actions or () if isinstance(a, dict))
