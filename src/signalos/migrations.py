"""Schema migrations of the workspace database, run on every open.

A migration is a function ``m00N_what(db)`` decorated with ``@migration``; the ones not yet
recorded in ``_signalos_migrations`` run in the order they are defined here. Never edit or reorder
a released migration: add a new one (later issues add ``messages``, ``labels``, ``parse_log``,
``models`` ... this way).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

MIGRATIONS_TABLE = "_signalos_migrations"
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = []


def migration(fn: Callable[[sqlite_utils.Database], None]):
    MIGRATIONS.append(fn)
    return fn


def applied(db: sqlite_utils.Database) -> set[str]:
    if not db[MIGRATIONS_TABLE].exists():
        return set()
    return {r["name"] for r in db[MIGRATIONS_TABLE].rows}


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the pending migrations; returns their names. Safe when several processes open the
    same workspace at once: the check and the changes happen under one write lock."""
    names = [fn.__name__ for fn in MIGRATIONS]
    if set(names) <= applied(db):
        return []
    done: list[str] = []
    db.execute("BEGIN IMMEDIATE")  # take the write lock before reading what is applied
    try:
        db[MIGRATIONS_TABLE].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
        already = applied(db)
        for fn in MIGRATIONS:
            if fn.__name__ in already:
                continue
            fn(db)
            db[MIGRATIONS_TABLE].insert({"name": fn.__name__,
                                         "applied_at": dt.datetime.now(dt.timezone.utc).isoformat()})
            done.append(fn.__name__)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return done


@migration
def m001_eval_runs(db: sqlite_utils.Database) -> None:
    # One row per `signalos eval`: what was evaluated (chain, versions, data hash) and the figures.
    db["eval_runs"].create({
        "id": int, "created_at": str, "chain": str, "pipeline": str, "parsers": str, "versions": str,
        "threshold": float, "data_path": str, "data_sha256": str, "n": int, "skipped_uncertain": int,
        "keep_uncertain": int, "problems": int, "evaluators": str, "tolerance": str,
        "exact_match": float, "kind_accuracy": float, "wall_s": float, "metrics": str,
        "compared_with": int, "signalos_version": str,
    }, pk="id", not_null={"created_at", "chain", "data_sha256"})
    db["eval_runs"].create_index(["data_sha256"])
    # One row per message of a run, so two runs can be compared message by message later.
    db["eval_items"].create({
        "run_id": int, "message_id": str, "line": int, "kind": str, "pred_kind": str, "exact": int,
        "latency_ms": float, "prediction": str,
    }, pk=("run_id", "message_id"), foreign_keys=[("run_id", "eval_runs", "id")])
