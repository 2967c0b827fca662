"""The review round trip: a slice of the dataset out to JSON Lines, corrected labels back in.

``export_review`` writes one object per message, ready for any annotation tool (or an editor):

    {"message_id": 17, "id": "r0016", "text": "...", "label": {...} or null, "uncertain": false,
     "multi": false, "note": "", "provider": "...", "language": "en", "reason": "...",
     "queue_id": 3}

The annotator edits ``label`` (and may set ``uncertain``, ``multi``, ``note``, or ``"skip": true``).
``import_review`` reads the file back: each label becomes the message's newest label with
``source="human"`` and ``verified=1``, and the message's open review-queue entries are closed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from signalos.dataset.importers import Problem, json_objects
from signalos.dataset.keys import natural_key
from signalos.dataset.repository import Dataset, DatasetError, chunked, now, spans_json, validate_label

SLICES = ("unverified", "queue", "uncertain", "unlabelled", "all")


def export_review(dataset: Dataset, out: str | Path, *, where: str = "unverified", limit: int | None = None,
                  provider: str | None = None, split: str | None = None) -> dict[str, Any]:
    """Write the slice ``where`` (one of SLICES) to ``out``; returns ``{"path", "rows", "where"}``."""
    if where not in SLICES:
        raise DatasetError(f"unknown review slice {where!r}; use one of {', '.join(SLICES)}")
    queue: dict[int, dict[str, Any]] = {}
    if where == "queue":
        # the queue's order is its ranking: the templates that fail most come first
        for r in dataset.db.execute(
                "SELECT id, message_id, reason, proposed_label, template_failures FROM review_queue "
                "WHERE status = 'open' ORDER BY template_failures DESC, id"):
            queue.setdefault(r[1], {"queue_id": r[0], "reason": r[2], "proposed_label": r[3],
                                    "template_failures": r[4]})
        ids: list[int] | None = list(queue)
    else:
        ids = None
    kwargs: dict[str, Any] = {"split": split}
    if where == "unverified":
        kwargs["verified"] = False
    lines: list[dict[str, Any]] = []
    if ids is not None:
        by_id = {}
        for part in chunked(ids, 5000):
            by_id.update({r.id: r for r in dataset.rows(ids=part, **kwargs)})
        rows = [by_id[i] for i in ids if i in by_id]
    else:
        rows = dataset.rows(**kwargs)
    for row in rows:
        if provider is not None and row.provider != provider:
            continue
        if where == "uncertain" and not row.uncertain:
            continue
        if where == "unlabelled" and row.label is not None:
            continue
        entry = queue.get(row.id, {})
        label = row.label
        if entry.get("proposed_label"):
            label = json.loads(entry["proposed_label"])
        lines.append({"message_id": row.id, "id": row.source_id, "text": row.text, "label": label,
                      "current_label": row.label if entry.get("proposed_label") else None,
                      "uncertain": row.uncertain, "multi": row.multi, "note": row.note,
                      "provider": row.provider, "language": row.language, "split": row.split,
                      "reason": entry.get("reason"), "queue_id": entry.get("queue_id"),
                      "template_failures": entry.get("template_failures")})
        if limit is not None and len(lines) >= limit:
            break
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return {"path": str(path), "where": where, "rows": len(lines)}


def _find_message(dataset: Dataset, obj: dict[str, Any]) -> int | None:
    mid = obj.get("message_id")
    if mid is not None:
        try:
            mid = int(mid)
        except (TypeError, ValueError):
            return None
        found = dataset.db.execute("SELECT id FROM messages WHERE id = ?", [mid]).fetchone()
        return found[0] if found else None
    # a file from another tool may only have the text: find it by its natural key
    text = obj.get("text")
    if isinstance(text, str):
        key = natural_key(obj.get("provider"), text)
        found = dataset.db.execute("SELECT id FROM messages WHERE natural_key = ?", [key]).fetchone()
        return found[0] if found else None
    return None


def import_review(dataset: Dataset, path: str | Path, *, source: str = "human") -> dict[str, Any]:
    """Read corrections back as verified labels; a broken line is reported with its number."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"no such file: {path}")
    problems: list[Problem] = []
    labelled = skipped = closed = 0
    for position, obj in json_objects(path, problems):
        if obj.get("skip") or obj.get("label") is None:
            skipped += 1
            continue
        mid = _find_message(dataset, obj)
        if mid is None:
            problems.append(Problem(position, "no such message in the dataset (message_id or text)"))
            continue
        try:
            label = validate_label(obj["label"])
            spans_json(obj.get("spans"))  # checked before anything of this line is stored
        except DatasetError as exc:
            problems.append(Problem(position, str(exc)))
            continue
        dataset.add_label(mid, label, source, verified=True, spans=obj.get("spans"),
                          uncertain=bool(obj.get("uncertain")), multi=bool(obj.get("multi")),
                          note=str(obj.get("note") or ""))
        labelled += 1
        with dataset.db.atomic():
            cur = dataset.db.execute("UPDATE review_queue SET status = 'done' WHERE message_id = ? "
                                     "AND status = 'open'", [mid])
            closed += cur.rowcount
    return {"path": str(path), "labelled": labelled, "skipped": skipped, "queue_closed": closed,
            "problems": [p.to_dict() for p in problems], "at": now()}
