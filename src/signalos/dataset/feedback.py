"""``signalos data feedback``: failed or corrected parses into the review queue, worst template first.

Sources:

- the parse log of the production loop (``parse_log``): a row counts as a failure when it was
  not accepted (``accepted = 0``), has an ``error``, or carries a ``correction`` (a user fixed the
  order by hand);
- a corrections file: JSON Lines of ``{"text", "label" (the right answer), "provider"?,
  "parse_log_id"?}``.

Each failing text becomes (or finds) a message of the dataset (origin ``production``) and one open
``review_queue`` entry; a correction becomes the entry's ``proposed_label``. Entries are ranked by
``template_failures``: how many failures share the message's template (``keys.template_hash``,
numbers and symbols masked), because one broken channel template costs every future post of that
channel, while a one-off typo costs one. Running feedback again adds no second entry for a
message that still has an open one; it refreshes the counts.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from signalos.dataset.importers import Problem, json_objects
from signalos.dataset.keys import natural_key, template_hash
from signalos.dataset.repository import Dataset, DatasetError, now, validate_label


def _failures_from_log(dataset: Dataset) -> list[dict[str, Any]]:
    out = []
    for r in dataset.db.execute(
            "SELECT id, text, provider, chat_id, result, accepted, error, correction, parser, model_version "
            "FROM parse_log WHERE text IS NOT NULL AND (accepted = 0 OR coalesce(error, '') != '' "
            "OR coalesce(correction, '') != '') ORDER BY id"):
        pid, text, provider, chat_id, result, accepted, error, correction, parser, version = r
        if correction:
            reason = "corrected"
        elif error:
            reason = f"error: {str(error).splitlines()[0][:200]}"
        else:
            reason = "rejected"
        proposed = correction or result
        out.append({"text": text, "provider": provider, "reason": reason, "proposed": proposed,
                    "origin_ref": {"parse_log_id": pid, "parser": parser, "model_version": version}})
    return out


def _failures_from_file(path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    out = []
    for position, obj in json_objects(path, problems):
        if not isinstance(obj.get("text"), str) or not obj["text"].strip():
            problems.append(Problem(position, "no 'text' string"))
            continue
        label = obj.get("label", obj.get("correction"))
        proposed = None
        if label is not None:
            try:
                proposed = json.dumps(validate_label(label), ensure_ascii=False)
            except DatasetError as exc:
                problems.append(Problem(position, f"correction dropped: {exc}", kept=True))
        provider = obj.get("provider")
        out.append({"text": obj["text"], "provider": None if provider is None else str(provider), "reason": "corrected"
                    if proposed else "reported", "proposed": proposed,
                    "origin_ref": {"file": str(path), "line": int(position.split()[-1])}})
    return out


def _proposed_json(value: Any) -> str | None:
    """A proposed label as schema JSON, or None when it is not a valid schema object."""
    if value in (None, ""):
        return None
    try:
        return json.dumps(validate_label(value), ensure_ascii=False)
    except DatasetError:
        return None


def collect_feedback(dataset: Dataset, corrections: str | Path | None = None,
                     from_log: bool = True) -> dict[str, Any]:
    """Fill the review queue; returns the figures and the top templates."""
    problems: list[Problem] = []
    failures: list[dict[str, Any]] = []
    if from_log:
        failures.extend(_failures_from_log(dataset))
    if corrections is not None:
        path = Path(corrections)
        if not path.is_file():
            raise DatasetError(f"no such file: {path}")
        failures.extend(_failures_from_file(path, problems))
    for f in failures:
        f["template_hash"] = template_hash(f["text"])
    per_template = Counter(f["template_hash"] for f in failures)

    # the failing texts become dataset messages (once), so the review round trip can label them
    added = 0
    if failures:
        batch_id = dataset.add_batch("feedback", str(corrections) if corrections else "parse_log", "feedback")
        rows = [{"text": f["text"], "provider": f["provider"], "origin": "production",
                 "extra": {"feedback": f["origin_ref"]}, "failure": f} for f in failures]
        unstored: list[dict[str, Any]] = []

        def not_stored(row: dict[str, Any], exc: BaseException) -> None:
            # a text SQLite refuses is named and left out; every other failure is queued
            unstored.append(row["failure"])
            ref = row["failure"]["origin_ref"]
            where = f"line {ref['line']}" if "line" in ref else f"parse_log {ref.get('parse_log_id')}"
            problems.append(Problem(where, f"not stored: {type(exc).__name__}: {exc}"))

        added, _ = dataset.add_messages(rows, batch_id, on_error=not_stored)
        if unstored:
            gone = {id(u) for u in unstored}
            failures = [f for f in failures if id(f) not in gone]
        if not dataset.drop_batch_if_empty(batch_id):  # every text was already a message
            dataset.finish_batch(batch_id)
    keys = [natural_key(f["provider"], f["text"]) for f in failures]
    ids = dataset.existing_keys(keys)

    stamp = now()
    queued = refreshed = 0
    with dataset.db.atomic():
        open_rows = {r[0]: r[1] for r in dataset.db.execute(
            "SELECT message_id, id FROM review_queue WHERE status = 'open'")}
        for f, key in zip(failures, keys):
            mid = ids[key]
            proposed = _proposed_json(f["proposed"])
            if mid in open_rows:
                if proposed is not None and f["reason"] == "corrected":
                    dataset.db.execute("UPDATE review_queue SET proposed_label = ?, reason = ? WHERE id = ?",
                                       [proposed, f["reason"], open_rows[mid]])
                refreshed += 1
                continue
            cur = dataset.db.execute(
                "INSERT INTO review_queue (message_id, reason, template_hash, template_failures, proposed_label, "
                "status, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                [mid, f["reason"], f["template_hash"], per_template[f["template_hash"]], proposed, stamp])
            open_rows[mid] = cur.lastrowid
            queued += 1
        # rank every open entry by the failures of its template, old entries included
        all_counts = Counter(r[0] for r in dataset.db.execute(
            "SELECT template_hash FROM review_queue WHERE template_hash IS NOT NULL"))
        dataset.db.conn.executemany("UPDATE review_queue SET template_failures = ? WHERE template_hash = ? "
                                    "AND status = 'open'", [(max(n, per_template.get(h, 0)), h)
                                                            for h, n in all_counts.items()])
    top = [{"template_hash": h, "failures": n, "example": next(f["text"] for f in failures
                                                              if f["template_hash"] == h)[:120]}
           for h, n in per_template.most_common(10)]
    open_count = dataset.db.execute("SELECT count(*) FROM review_queue WHERE status = 'open'").fetchone()[0]
    return {"failures": len(failures), "messages_added": added, "queued": queued, "already_queued": refreshed,
            "open": open_count, "templates": len(per_template), "top_templates": top,
            "problems": [p.to_dict() for p in problems]}
