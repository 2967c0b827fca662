"""One dataset row as readers see it, and the SQL that reads rows with their newest label."""
from __future__ import annotations

import json
from typing import Any

import attrs


@attrs.frozen
class DataRow:
    """One message of the dataset with its newest label, as ``Dataset.rows`` yields it."""

    id: int
    text: str
    provider: str | None
    language: str | None
    origin: str | None
    split: str | None
    cluster_id: int | None
    template_hash: str | None
    text_hash: str | None
    label: dict[str, Any] | None
    spans: dict[str, list[list[int]]] | None
    verified: bool
    uncertain: bool
    multi: bool
    label_id: int | None = None
    label_source: str | None = None
    note: str = ""
    is_duplicate: bool = False
    augmented_from: int | None = None
    message_id: str | None = None
    chat_id: str | None = None
    reply_to: str | None = None
    date: str | None = None
    batch_id: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def kind(self) -> str | None:
        return self.label.get("kind") if self.label else None

    @property
    def source_id(self) -> str:
        """The id the row had in the file it came from (``extra["id"]``), else ``m<id>``."""
        return str(self.extra.get("id") or f"m{self.id}")


ROW_SQL = """
SELECT m.id, m.text, m.provider, m.language, m.origin, m.split, m.cluster_id, m.template_hash,
       m.text_hash, m.is_duplicate, m.augmented_from, m.message_id, m.chat_id, m.reply_to, m.date,
       m.batch_id, m.extra, l.id AS label_id, l.label, l.spans, l.source AS label_source,
       l.verified, l.uncertain, l.multi, l.note
FROM messages m
LEFT JOIN labels l ON l.id = (SELECT max(id) FROM labels WHERE message_id = m.id)
"""


COUNT_SQL = ("SELECT count(*) FROM messages m LEFT JOIN labels l ON l.id = "
             "(SELECT max(id) FROM labels WHERE message_id = m.id)")


def row_filter(split, kinds, include_augmented, include_synthetic, only_labelled, include_duplicates,
               verified, ids) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of ``Dataset.rows`` / ``count`` filters."""
    clauses: list[str] = []
    params: list[Any] = []
    if split is not None:
        names = [split] if isinstance(split, str) else list(split)
        if "all" not in names:
            parts = []
            real = [n for n in names if n != "none"]
            if real:
                parts.append(f"m.split IN ({','.join('?' * len(real))})")
                params.extend(real)
            if "none" in names:
                parts.append("m.split IS NULL")
            clauses.append("(" + " OR ".join(parts) + ")")
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        clauses.append(f"json_extract(l.label, '$.kind') IN ({','.join('?' * len(kinds))})")
        params.extend(kinds)
    if not include_augmented:
        clauses.append("m.augmented_from IS NULL AND coalesce(m.origin, '') != 'augmented'")
    if not include_synthetic:
        clauses.append("coalesce(m.origin, '') != 'synthetic'")
    if only_labelled:
        clauses.append("l.id IS NOT NULL")
    if not include_duplicates:
        clauses.append("coalesce(m.is_duplicate, 0) = 0")
    if verified is not None:
        clauses.append("coalesce(l.verified, 0) = ?")
        params.append(int(bool(verified)))
    if ids is not None:
        ids = [int(i) for i in ids]
        clauses.append("m.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(ids))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def data_row(r: dict[str, Any]) -> DataRow:
    """A DataRow from one result row of ROW_SQL."""
    extra = json.loads(r["extra"]) if r.get("extra") else {}
    has_label = r.get("label_id") is not None
    return DataRow(
        id=r["id"], text=r["text"], provider=r["provider"], language=r["language"], origin=r["origin"],
        split=r["split"], cluster_id=r["cluster_id"], template_hash=r["template_hash"], text_hash=r["text_hash"],
        label=json.loads(r["label"]) if has_label else None,
        spans=json.loads(r["spans"]) if r.get("spans") else None,
        verified=bool(r["verified"]) if has_label else False,
        uncertain=bool(r["uncertain"]) if has_label else bool(extra.get("uncertain")),
        multi=bool(r["multi"]) if has_label else bool(extra.get("multi")),
        label_id=r["label_id"], label_source=r["label_source"],
        note=(r["note"] if has_label else extra.get("note")) or "",
        is_duplicate=bool(r["is_duplicate"]), augmented_from=r["augmented_from"], message_id=r["message_id"],
        chat_id=r["chat_id"], reply_to=r["reply_to"], date=r["date"], batch_id=r["batch_id"], extra=extra,
    )
