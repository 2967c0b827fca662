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


@migration
def m002_dataset(db: sqlite_utils.Database) -> None:
    # Imports: one row per `signalos data import` (or other producer), so every message says where
    # it came from and a file imported twice is recognised by its hash.
    db["batches"].create({
        "id": int, "created_at": str, "source": str, "path": str, "format": str, "file_sha256": str,
        "added": int, "skipped": int, "problems": int, "finished_at": str,
    }, pk="id")
    db["batches"].create_index(["file_sha256"])
    # Messages: the text exactly as written and what is known about it. `natural_key` makes a
    # re-import add nothing: provider + channel message id when known, else provider + text hash.
    db["messages"].create({
        "id": int, "natural_key": str, "text": str, "text_hash": str, "template_hash": str,
        "provider": str, "chat_id": str, "message_id": str, "reply_to": str, "date": str, "edited": str,
        "language": str, "origin": str, "batch_id": int, "source_pos": str, "cluster_id": int,
        "is_duplicate": int, "split": str, "augmented_from": int, "extra": str, "created_at": str,
    }, pk="id", not_null={"text", "natural_key"}, foreign_keys=[("batch_id", "batches", "id")])
    db["messages"].create_index(["natural_key"], unique=True)
    db["messages"].create_index(["text_hash"])
    db["messages"].create_index(["template_hash"])
    db["messages"].create_index(["split"])
    # Labels: the schema object of a message, by whom (human, import, model name@version), with
    # per-field character spans once aligned. The newest label of a message is its label.
    db["labels"].create({
        "id": int, "message_id": int, "label": str, "spans": str, "source": str, "verified": int,
        "uncertain": int, "multi": int, "note": str, "created_at": str,
    }, pk="id", not_null={"message_id", "label", "source"}, foreign_keys=[("message_id", "messages", "id")])
    db["labels"].create_index(["message_id"])
    # Duplicate clusters found by `signalos data dedup` (exact text or the same template).
    db["clusters"].create({
        "id": int, "kind": str, "key": str, "representative": int, "size": int, "created_at": str,
    }, pk="id")
    # Splits made by `signalos data split`: the seed, the ratios and the hash of the assignment.
    db["split_runs"].create({
        "id": int, "created_at": str, "seed": int, "ratios": str, "stratify": str, "split_hash": str,
        "counts": str,
    }, pk="id")
    # The review queue fed by `signalos data feedback` and by corrections.
    db["review_queue"].create({
        "id": int, "message_id": int, "reason": str, "template_hash": str, "template_failures": int,
        "proposed_label": str, "status": str, "created_at": str,
    }, pk="id", foreign_keys=[("message_id", "messages", "id")])
    # Every production parse (the production loop writes it; feedback and monitoring read it).
    db["parse_log"].create({
        "id": int, "created_at": str, "text": str, "text_hash": str, "provider": str, "chat_id": str,
        "user_id": str, "pipeline": str, "parser": str, "model_version": str, "result": str, "kind": str,
        "confidence": float, "accepted": int, "latency_ms": float, "error": str, "correction": str,
    }, pk="id")
    db["parse_log"].create_index(["created_at"])
    db["parse_log"].create_index(["text_hash"])


@migration
def m003_models(db: sqlite_utils.Database) -> None:
    # The model registry: one row per trained artefact under models/<name>/<version>/, with its
    # manifest; aliases (production, staging, candidate) point at versions, every move recorded.
    db["models"].create({
        "id": int, "name": str, "version": str, "kind": str, "path": str, "base_model": str,
        "base_sha256": str, "split_hash": str, "metrics": str, "manifest": str, "size_bytes": int,
        "created_at": str,
    }, pk="id", not_null={"name", "version", "path"})
    db["models"].create_index(["name", "version"], unique=True)
    db["aliases"].create({"name": str, "alias": str, "version": str, "updated_at": str},
                         pk=("name", "alias"))
    db["alias_history"].create({
        "id": int, "name": str, "alias": str, "version": str, "previous": str, "moved_at": str,
        "reason": str, "actor": str,
    }, pk="id")
