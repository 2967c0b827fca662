"""Message templates per provider: which template each logged parse had, and when each was new.

A template is ``dataset.keys.template_key`` (numbers and instruments masked), so a channel posting
the same layout with other prices keeps one template, while a channel that changes its layout
shows a template never seen before in its history. Indexing is incremental: each run reads only
the ``parse_log`` rows added since the last one.
"""
from __future__ import annotations

import hashlib
from typing import Any

import sqlite_utils

from signalos.dataset.keys import template_key
from signalos.monitor.config import MonitorConfig
from signalos.monitor.sql import get_meta, set_meta, write_transaction
from signalos.monitor.timeutil import epoch, iso

CURSOR = "templates_indexed_id"
BATCH = 5000


def index_templates(db: sqlite_utils.Database, cfg: MonitorConfig) -> dict[str, int]:
    """Give every new ``parse_log`` row its template; returns counts of rows and new templates.

    A template first seen within ``templates.baseline`` of its provider's first parse belongs to
    the baseline and is never "new". Template keys are computed outside any transaction and each
    batch is written in its own short one, so a first run over a long log never keeps the bots
    that log parses waiting on the lock.
    """
    by_text: dict[str, str] = {}
    rows_done = created = 0
    while True:
        last = int(get_meta(db, CURSOR) or 0)
        rows = db.execute("SELECT id, created_at, text, text_hash, coalesce(provider, '') FROM parse_log "
                          "WHERE id > ? ORDER BY id LIMIT ?", [last, BATCH]).fetchall()
        if not rows:
            break
        keyed = list(_keyed(rows, by_text))
        with write_transaction(db):
            # Another monitor may have indexed this batch meanwhile: then read the next one.
            if int(get_meta(db, CURSOR) or 0) != last:
                continue
            created += _write_batch(db, cfg, keyed)
            set_meta(db, CURSOR, rows[-1][0])
        rows_done += len(rows)
        if len(rows) < BATCH:
            break
    return {"rows": rows_done, "new_templates": created}


def _keyed(rows, by_text: dict[str, str]):
    for log_id, created_at, text, text_hash, provider in rows:
        at = epoch(created_at) if text is not None and created_at is not None else None
        if at is None:
            continue
        # one template_key per distinct text: bots repost the same message many times
        cache_key = text_hash or text
        thash = by_text.get(cache_key)
        if thash is None:
            if len(by_text) > 100_000:
                by_text.clear()
            thash = by_text[cache_key] = hashlib.sha256(template_key(text).encode("utf-8")).hexdigest()
        yield log_id, at, provider, thash, text


def _write_batch(db: sqlite_utils.Database, cfg: MonitorConfig, keyed) -> int:
    starts = {p: epoch(t) for p, t in db.execute(
        "SELECT provider, min(first_seen_at) FROM monitor_templates GROUP BY provider")}
    known: dict[tuple[str, str], int] = {}
    created = 0
    links = []
    for log_id, at, provider, thash, text in keyed:
        tid = known.get((provider, thash))
        if tid is None:
            row = db.execute("SELECT id FROM monitor_templates WHERE provider = ? AND template_hash = ?",
                             [provider, thash]).fetchone()
            if row is None:
                first = starts.setdefault(provider, at)
                baseline = int(at < first + cfg.templates.baseline_s)
                tid = db.execute(
                    "INSERT INTO monitor_templates (provider, template_hash, template, example, first_seen_at, "
                    "first_log_id, last_seen_at, count, baseline) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                    [provider, thash, template_key(text)[:500], text[:500], iso(at), log_id, iso(at), baseline]).lastrowid
                created += 1
            else:
                tid = row[0]
            known[(provider, thash)] = tid
        links.append((log_id, tid, iso(at)))
    db.conn.executemany("INSERT OR REPLACE INTO monitor_log_templates (log_id, template_id) VALUES (?, ?)",
                        [(a, b) for a, b, _ in links])
    # Rows can arrive out of time order (several processes log at once): keep the earliest.
    db.conn.executemany("UPDATE monitor_templates SET count = count + 1, "
                        "first_seen_at = min(first_seen_at, ?), last_seen_at = max(last_seen_at, ?) WHERE id = ?",
                        [(at, at, tid) for _, tid, at in links])
    return created


def new_templates(db: sqlite_utils.Database, cfg: MonitorConfig, *, untriggered: bool = False) -> list[dict[str, Any]]:
    """Templates past their provider's baseline that have been seen at least ``min_count`` times."""
    sql = ("SELECT id, provider, template, example, first_seen_at, last_seen_at, count, triggered_at "
           "FROM monitor_templates WHERE baseline = 0 AND count >= ?")
    if untriggered:
        sql += " AND triggered_at IS NULL"
    cur = db.execute(sql + " ORDER BY first_seen_at", [cfg.templates.min_count])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
