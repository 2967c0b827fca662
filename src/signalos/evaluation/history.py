"""Evaluation runs in the workspace database, so accuracy can be followed over time."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlite_utils

from signalos import __version__
from signalos.evaluation.run import EvalRun


def save_run(db: sqlite_utils.Database, run: EvalRun, spec: str, evaluators: dict[str, Any],
             summary: dict[str, Any], compared_with: int | None = None) -> int:
    """Store one run and its per-message verdicts; returns the run id."""
    record = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "chain": spec, "pipeline": run.name, "parsers": json.dumps(list(run.parsers)),
        "versions": json.dumps(run.versions), "threshold": run.threshold,
        "data_path": str(Path(run.data.path).resolve()), "data_sha256": run.data.sha256, "n": len(run.items),
        "skipped_uncertain": run.data.skipped_uncertain, "keep_uncertain": int(run.data.keep_uncertain),
        "problems": len(run.data.problems), "evaluators": json.dumps(sorted(evaluators)),
        "tolerance": json.dumps(run.tolerance.to_dict()),
        "exact_match": summary.get("exact_match"), "kind_accuracy": summary.get("kind_accuracy"),
        "wall_s": round(run.wall_s, 4), "metrics": json.dumps(evaluators, default=str),
        "compared_with": compared_with, "signalos_version": __version__,
    }
    with db.atomic():
        run_id = db["eval_runs"].insert(record).last_pk
        db["eval_items"].insert_all(
            ({"run_id": run_id, "message_id": it.row.id, "line": it.row.line, "kind": s.kind,
              "pred_kind": s.pred_kind, "exact": int(s.exact), "latency_ms": round(it.latency_ms, 4),
              "prediction": json.dumps(it.prediction)}
             for it, s in zip(run.items, run.scores())),
            batch_size=1000, replace=True,  # a file may repeat an id; the last verdict stays
        )
    return int(run_id)


def list_runs(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs first, without their full metrics."""
    rows = db.execute(
        "select id, created_at, chain, parsers, data_path, data_sha256, n, skipped_uncertain, problems, "
        "exact_match, kind_accuracy, wall_s, compared_with from eval_runs order by id desc limit ?",
        [limit]).fetchall()
    cols = ["id", "created_at", "chain", "parsers", "data_path", "data_sha256", "n", "skipped_uncertain",
            "problems", "exact_match", "kind_accuracy", "wall_s", "compared_with"]
    out = []
    for row in rows:
        d = dict(zip(cols, row))
        d["parsers"] = json.loads(d["parsers"] or "[]")
        out.append(d)
    return out


def get_run(db: sqlite_utils.Database, run_id: int) -> dict[str, Any] | None:
    """One stored run with its metrics decoded, or None."""
    try:
        row = db["eval_runs"].get(run_id)
    except sqlite_utils.db.NotFoundError:
        return None
    for key in ("parsers", "versions", "evaluators", "tolerance", "metrics"):
        row[key] = json.loads(row[key]) if row.get(key) else None
    return row


def compare_stored(db: sqlite_utils.Database, run_a: int, run_b: int, max_examples: int = 50) -> dict[str, Any]:
    """Compare two recorded runs message by message (McNemar's exact test on exact match), e.g. this
    week's model against last month's on the same file. Both runs must have evaluated the same data."""
    from signalos.errors import SignalosError
    from signalos.evaluation.stats import mcnemar_exact

    a, b = get_run(db, run_a), get_run(db, run_b)
    for run_id, row in ((run_a, a), (run_b, b)):
        if row is None:
            raise SignalosError(f"no evaluation run {run_id} in this workspace")
    if a["data_sha256"] != b["data_sha256"]:
        raise SignalosError(f"runs {run_a} and {run_b} evaluated different data "
                            f"({a['data_sha256'][:8]} and {b['data_sha256'][:8]}): nothing to pair")
    pairs = db.execute(
        "select ia.message_id, ia.exact, ib.exact, ia.kind, ia.pred_kind, ib.pred_kind from eval_items ia "
        "join eval_items ib on ib.message_id = ia.message_id and ib.run_id = ? where ia.run_id = ? "
        "order by ia.line", [run_b, run_a]).fetchall()
    only_a = [p for p in pairs if p[1] and not p[2]]
    only_b = [p for p in pairs if p[2] and not p[1]]
    n = len(pairs)
    exact_a, exact_b = sum(p[1] for p in pairs), sum(p[2] for p in pairs)

    def example(p):
        return {"id": p[0], "kind": p[3], "a_pred_kind": p[4], "b_pred_kind": p[5], "right_in": "a" if p[1] else "b"}

    return {
        "a": {"run_id": run_a, "chain": a["chain"], "created_at": a["created_at"]},
        "b": {"run_id": run_b, "chain": b["chain"], "created_at": b["created_at"]},
        "n": n,
        "exact_match": {"a": round(exact_a / n, 4) if n else 0.0, "b": round(exact_b / n, 4) if n else 0.0,
                        "delta": round((exact_b - exact_a) / n, 4) if n else 0.0,
                        "mcnemar": mcnemar_exact(len(only_a), len(only_b))},
        "disagreements": {"count": len(only_a) + len(only_b),
                          "examples": [example(p) for p in (only_a + only_b)[:max_examples]]},
    }
