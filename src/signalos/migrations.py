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


@migration
def m004_deployments(db: sqlite_utils.Database) -> None:
    # Every deploy or rollback attempt (signalos_deploy): what was asked, the smoke and gate
    # figures and how it ended. A row still 'running' whose process is gone was interrupted.
    db["deployments"].create({
        "id": int, "action": str, "name": str, "alias": str, "version": str, "previous": str,
        "baseline": str, "status": str, "gate": str, "forced": int, "golden": str, "golden_sha256": str,
        "reasons": str, "figures": str, "started_at": str, "finished_at": str, "actor": str, "reason": str,
        "pid": int, "hostname": str, "history_id": int,
    }, pk="id", not_null={"name", "alias", "status"})
    db["deployments"].create_index(["name", "alias"])
    # Whether a move passed its promotion gate ('passed', 'forced', 'rollback'; null when the
    # registry moved it directly): "last known good" is a query over this column.
    db["alias_history"].add_column("gate", str)
    db["alias_history"].add_column("deployment_id", int)


@migration
def m005_monitor(db: sqlite_utils.Database) -> None:
    # Alerts as the built-in `alert_raised` implementation records them: one row per incident
    # (`key`), updated in place when it escalates and when it resolves.
    db["alerts"].create({
        "id": int, "key": str, "created_at": str, "updated_at": str, "closed_at": str, "status": str,
        "severity": str, "provider": str, "metrics": str, "message": str, "window_start": str,
        "window_end": str, "events": int, "source": str, "details": str,
    }, pk="id", not_null={"key", "status", "severity"})
    db["alerts"].create_index(["key"], unique=True)
    db["alerts"].create_index(["status"])
    # The monitor's own memory, kept apart from `alerts` so that it works whoever handles the hook:
    # hysteresis per scope and metric, the open incident per scope, and cursors.
    db["monitor_state"].create({
        "scope": str, "metric": str, "state": str, "bad_streak": int, "critical_streak": int,
        "clear_streak": int, "value": float, "window_start": str, "updated_at": str,
    }, pk=("scope", "metric"))
    db["monitor_incidents"].create({
        "key": str, "scope": str, "status": str, "severity": str, "metrics": str, "opened_window": str,
        "last_window": str, "closed_window": str, "opened_at": str, "closed_at": str,
    }, pk="key")
    db["monitor_incidents"].create_index(["scope", "status"])
    db["monitor_meta"].create({"key": str, "value": str}, pk="key")
    db["monitor_runs"].create({
        "id": int, "started_at": str, "finished_at": str, "now": str, "window_s": int, "evaluated_from": str,
        "evaluated_to": str, "windows": int, "opened": int, "escalated": int, "resolved": int, "triggers": int,
        "summary": str,
    }, pk="id")
    # Message templates per provider (numbers and symbols masked), and which template each parse had.
    db["monitor_templates"].create({
        "id": int, "provider": str, "template_hash": str, "template": str, "example": str,
        "first_seen_at": str, "first_log_id": int, "last_seen_at": str, "count": int, "baseline": int,
        "triggered_at": str,
    }, pk="id")
    db["monitor_templates"].create_index(["provider", "template_hash"], unique=True)
    db["monitor_log_templates"].create({"log_id": int, "template_id": int}, pk="log_id")
    db["monitor_log_templates"].create_index(["template_id"])
    # Which parser came first in each pipeline, from when (the first row, since '', covers all
    # older parses): a parse answered by another parser is a fallback even after the config changed.
    db["monitor_pipelines"].create({"pipeline": str, "since": str, "first_parser": str, "parsers": str},
                                   pk=("pipeline", "since"))
    # Retraining: every trigger, and every run of the training command with the version it registered.
    db["retrain_runs"].create({
        "id": int, "created_at": str, "command": str, "status": str, "returncode": int, "started_at": str,
        "finished_at": str, "duration_s": float, "stdout_tail": str, "stderr_tail": str, "model": str,
        "model_version": str, "models": str, "alias": str, "error": str,
    }, pk="id")
    db["retrain_triggers"].create({
        "id": int, "created_at": str, "kind": str, "provider": str, "reason": str, "details": str,
        "run_id": int,
    }, pk="id", foreign_keys=[("run_id", "retrain_runs", "id")])


@migration
def m006_experiments(db: sqlite_utils.Database) -> None:
    # A/B experiments (signalos_ab): variants and weights as JSON, the layer and the bucket range
    # the experiment owns in it (mutual exclusion), the ramp and the decision settings.
    db["experiments"].create({
        "name": str, "status": str, "mode": str, "unit": str, "salt": str, "layer": str, "bucket_start": int,
        "bucket_end": int, "ramp": float, "variants": str, "control": str, "settings": str, "created_at": str,
        "started_at": str, "stopped_at": str, "status_reason": str, "winner": str, "promotion": str,
        "actor": str,
    }, pk="name", not_null={"status", "variants", "control"})
    # The first assignment of each unit (user or channel), for audit and the sample-ratio check.
    db["assignments"].create({
        "experiment": str, "unit_id": str, "variant": str, "bucket": int, "exposed": int, "first_seen": str,
    }, pk=("experiment", "unit_id"))
    # What happened to a parse: success, correction or failed order; `derived` marks a shadow
    # parse's outcome inferred from the served one's.
    db["outcomes"].create({
        "id": int, "created_at": str, "parse_uid": str, "request_uid": str, "experiment": str, "variant": str,
        "kind": str, "success": int, "derived": int, "label": str, "detail": str, "actor": str,
    }, pk="id", not_null={"parse_uid", "kind"})
    db["outcomes"].create_index(["parse_uid"])
    db["outcomes"].create_index(["experiment", "variant"])
    # Every look at a running experiment: the always-valid p-value only falls from look to look.
    db["experiment_looks"].create({
        "id": int, "experiment": str, "at": str, "counts": str, "log_lambda": float, "p_value": float,
        "significant": int, "decision": str,
    }, pk="id")
    db["experiment_looks"].create_index(["experiment"])
    # Routed parses name their experiment, variant and unit; `parse_uid` joins outcomes, and the
    # served and shadow parses of one message share `request_uid`.
    columns = db["parse_log"].columns_dict
    for name in ("parse_uid", "request_uid", "experiment", "variant", "unit_id", "role", "warnings"):
        if name not in columns:
            db.execute(f"ALTER TABLE parse_log ADD COLUMN [{name}] TEXT")
    db["parse_log"].create_index(["parse_uid"], if_not_exists=True)
    db["parse_log"].create_index(["experiment", "variant"], if_not_exists=True)
    db["parse_log"].create_index(["request_uid"], if_not_exists=True)
