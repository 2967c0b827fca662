"""``fields``: per-field precision, recall and F1 of signals, and target lists element by element."""
from __future__ import annotations

from typing import Any

from signalos.evaluation.scoring import (
    CORE_FIELDS, OPTIONAL_FIELDS, Tolerance, as_list, field_ok, num_eq, present,
)
from signalos.evaluation.stats import prf

ELEMENT_FIELDS = ("entry", "take_profits", "take_profit_pips")


def field_outcome(field: str, label: dict, pred: dict, tol: Tolerance) -> str | None:
    """``correct``, ``incorrect``, ``missed``, ``spurious``, or None when both sides are empty.

    ``label``/``pred`` are the signal objects, or ``{}`` for the side that is not a signal.
    """
    lp, pp = present(label.get(field)), present(pred.get(field))
    if not lp and not pp:
        return None
    if lp and not pp:
        return "missed"
    if pp and not lp:
        return "spurious"
    return "correct" if field_ok(field, label, pred, tol) else "incorrect"


def aligned_matches(label: list, pred: list, tol: Tolerance, symbol: str | None, in_order: bool) -> int:
    """Elements of ``pred`` that match ``label``: position by position, or by the best
    order-keeping alignment (a longest common subsequence), so a missing TP1 costs one target,
    not all of them."""
    try:
        a, b = [float(x) for x in label], [float(x) for x in pred]
    except (TypeError, ValueError):
        return 0
    if in_order:
        return sum(num_eq(x, y, tol, symbol) for x, y in zip(a, b))
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if num_eq(x, y, tol, symbol) else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def element_scores(matched: int, n_label: int, n_pred: int) -> dict[str, Any]:
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_label if n_label else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"matched": matched, "labelled": n_label, "predicted": n_pred,
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


class FieldsEvaluator:
    """For every message where the label or the prediction is a signal, each field is correct,
    incorrect (both set, different), missed (labelled, not predicted) or spurious (predicted, not
    labelled). The core fields are always scored; order_type, leverage and the pips fields only when
    the data labels them. Options: ``fields`` (a list to restrict to) and the tolerance keys.
    """

    def __init__(self, host, options: dict[str, Any]):
        self.options = options
        self.only = options.get("fields")

    def _fields(self, run) -> list[str]:
        fields = list(CORE_FIELDS)
        for f in OPTIONAL_FIELDS:
            if any(it.label.get("kind") == "signal" and f in it.label for it in run.items):
                fields.append(f)
        return [f for f in fields if not self.only or f in self.only]

    def evaluate(self, run) -> dict[str, Any]:
        tol = Tolerance.from_options(self.options, run.tolerance)
        fields = self._fields(run)
        counts = {f: {"correct": 0, "incorrect": 0, "missed": 0, "spurious": 0} for f in fields}
        agree = {f: 0 for f in fields}
        n_label_signals = 0
        elements = {f: {"in_order": [0, 0, 0], "aligned": [0, 0, 0]} for f in fields if f in ELEMENT_FIELDS}
        for it in run.items:
            label_sig = it.label.get("kind") == "signal"
            pred_sig = it.prediction.get("kind") == "signal"
            if not label_sig and not pred_sig:
                continue
            label = it.label if label_sig else {}
            pred = it.prediction if pred_sig else {}
            n_label_signals += label_sig
            symbol = label.get("symbol")
            for f in fields:
                outcome = field_outcome(f, label, pred, tol)
                if outcome is not None:
                    counts[f][outcome] += 1
                # As shared/score.py: a field of a message whose kind is wrong is wrong.
                if label_sig and pred_sig and outcome in (None, "correct"):
                    agree[f] += 1
                if f in elements:
                    lv, pv = as_list(label.get(f)), as_list(pred.get(f))
                    if f == "entry":  # entries are a set of prices, written in any order
                        lv, pv = sorted(lv, key=_num), sorted(pv, key=_num)
                    for mode in ("in_order", "aligned"):
                        acc = elements[f][mode]
                        acc[0] += aligned_matches(lv, pv, tol, symbol, mode == "in_order")
                        acc[1] += len(lv)
                        acc[2] += len(pv)
        out_fields = {}
        for f in fields:
            c = counts[f]
            entry = {**c, **prf(c["correct"], c["incorrect"], c["missed"], c["spurious"]),
                     "support": c["correct"] + c["incorrect"] + c["missed"],
                     "accuracy": round(agree[f] / n_label_signals, 4) if n_label_signals else 0.0}
            if f in elements:
                entry["elements"] = {m: element_scores(*v) for m, v in elements[f].items()}
            out_fields[f] = entry
        total = {k: sum(counts[f][k] for f in fields) for k in ("correct", "incorrect", "missed", "spurious")}
        return {"n_labelled_signals": n_label_signals, "fields": out_fields,
                "micro": {**total, **prf(**total)},
                "macro_f1": round(sum(v["f1"] for v in out_fields.values()) / len(out_fields), 4) if out_fields else 0.0}


def _num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("inf")
