"""``kinds``: the kind confusion matrix, per-kind precision/recall, and update-action accuracy."""
from __future__ import annotations

from collections import Counter
from typing import Any

from signalos.evaluation.scoring import Tolerance, action_types, actions_exact
from signalos.evaluation.stats import prf
from signalos.models import ACTION_TYPES, KINDS

NONE = "none"  # a prediction without a kind (a prediction file's blank line)


class KindsEvaluator:
    """Rows of the matrix are labelled kinds, columns predicted ones. For labelled updates:
    the share whose action types match as a multiset (the exact-match rule), the share whose
    actions match in full (type, price, percent, target, in order), and per-action-type scores."""

    def __init__(self, host, options: dict[str, Any]):
        self.options = options

    def evaluate(self, run) -> dict[str, Any]:
        tol = Tolerance.from_options(self.options, run.tolerance)
        matrix: dict[str, Counter] = {k: Counter() for k in KINDS}
        n_updates = types_ok = full_ok = 0
        per_type = {t: Counter() for t in ACTION_TYPES}
        for it in run.items:
            k = it.label["kind"]
            pk = it.prediction.get("kind")
            pk = pk if pk in KINDS else NONE
            matrix[k][pk] += 1
            if k != "update":
                continue
            n_updates += 1
            pred = it.prediction if pk == "update" else {}
            lt, pt = action_types(it.label), action_types(pred)
            types_ok += pk == "update" and lt == pt
            full_ok += pk == "update" and actions_exact(it.label, pred, tol)
            for t in set(lt) | set(pt):
                if t not in per_type:
                    per_type[t] = Counter()
                hit = min(lt[t], pt[t])
                per_type[t].update(correct=hit, missed=lt[t] - hit, spurious=pt[t] - hit)
        columns = list(KINDS) + ([NONE] if any(m[NONE] for m in matrix.values()) else [])
        n = sum(sum(m.values()) for m in matrix.values())
        correct = sum(matrix[k][k] for k in KINDS)
        per_kind = {}
        for k in KINDS:
            tp = matrix[k][k]
            fn = sum(matrix[k].values()) - tp
            fp = sum(matrix[o][k] for o in KINDS) - tp
            per_kind[k] = {"support": tp + fn, "predicted": tp + fp, **prf(tp, 0, fn, fp)}
        actions = {}
        for t, c in per_type.items():
            if c["correct"] or c["missed"] or c["spurious"]:
                actions[t] = {"support": c["correct"] + c["missed"], **dict(c),
                              **prf(c["correct"], 0, c["missed"], c["spurious"])}
        return {
            "labels": list(KINDS), "columns": columns,
            "matrix": {k: {c: matrix[k][c] for c in columns} for k in KINDS},
            "accuracy": round(correct / n, 4) if n else 0.0,
            "per_kind": per_kind,
            "updates": {
                "n": n_updates,
                "action_types_accuracy": round(types_ok / n_updates, 4) if n_updates else 0.0,
                "actions_exact_accuracy": round(full_ok / n_updates, 4) if n_updates else 0.0,
                "per_type": actions,
            },
        }
