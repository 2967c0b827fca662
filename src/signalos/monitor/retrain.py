"""Retraining triggers and runs of the configured training command.

Triggers: an alert on a quality metric (``quality_metrics``, at ``quality_severity`` or worse), at
least ``feedback_items`` new open items in ``review_queue``, and a template new to a provider
(seen ``templates.min_count`` times). Every trigger is a ``retrain_triggers`` row; pending ones
(no ``run_id``) are served together by one run of ``[monitor.retrain] command`` once the
``cooldown`` since the last run is over. The command registers a model version itself (``signalos
train ... --json``); the run records its exit status, the tail of its output, the version it
registered (read from its JSON ``"model"``, else from the ``models`` rows it added) and points the
``candidate`` alias at it.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import sqlite_utils

from signalos.monitor.alerts import Alert
from signalos.monitor.config import SEVERITIES, MonitorConfig
from signalos.monitor.sql import get_meta, set_meta
from signalos.monitor.templates import new_templates
from signalos.monitor.timeutil import epoch, iso, now_s

FEEDBACK_CURSOR = "feedback_seen_id"
TAIL = 4000


def collect_triggers(db: sqlite_utils.Database, cfg: MonitorConfig, alerts: list[Alert], at: str) -> list[dict[str, Any]]:
    """Record this check's triggers as pending ``retrain_triggers`` rows and return them.
    The caller holds the write transaction."""
    rc = cfg.retrain
    found: list[dict[str, Any]] = []
    floor = SEVERITIES.index(rc.quality_severity)
    for a in alerts:
        if a.event not in ("opened", "escalated") or SEVERITIES.index(a.severity) < floor:
            continue
        hit = [m for m in rc.quality_metrics if m in a.metrics and a.metrics[m]["state"] != "ok"]
        if hit:
            found.append({"kind": "quality", "provider": a.provider,
                          "reason": f"alert {a.key} {a.event}: " + a.message,
                          "details": {"alert": a.key, "metrics": {m: a.metrics[m]["value"] for m in hit}}})
    if rc.feedback_items > 0 and db["review_queue"].exists():
        seen = int(get_meta(db, FEEDBACK_CURSOR) or 0)
        n, top = db.execute("SELECT count(*), max(id) FROM review_queue WHERE id > ? AND status = 'open'",
                            [seen]).fetchone()
        if n >= rc.feedback_items:
            found.append({"kind": "feedback", "provider": None,
                          "reason": f"{n} new feedback items in the review queue",
                          "details": {"items": n, "from_id": seen + 1, "to_id": top}})
            set_meta(db, FEEDBACK_CURSOR, top)
    if rc.new_template:
        for t in new_templates(db, cfg, untriggered=True):
            found.append({"kind": "template", "provider": t["provider"],
                          "reason": f"new template on provider {t['provider'] or '(none)'}, seen {t['count']} times "
                                    f"since {t['first_seen_at']}",
                          "details": {"template_id": t["id"], "template": t["template"], "example": t["example"]}})
            db.execute("UPDATE monitor_templates SET triggered_at = ? WHERE id = ?", [at, t["id"]])
    for f in found:
        f["id"] = db.execute(
            "INSERT INTO retrain_triggers (created_at, kind, provider, reason, details) VALUES (?, ?, ?, ?, ?)",
            [at, f["kind"], f["provider"], f["reason"], json.dumps(f["details"], ensure_ascii=False)]).lastrowid
        f["created_at"] = at
    return found


def pending(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    cur = db.execute("SELECT id, created_at, kind, provider, reason FROM retrain_triggers WHERE run_id IS NULL ORDER BY id")
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def cooldown_left(db: sqlite_utils.Database, cfg: MonitorConfig, now: int) -> int:
    # Measured on the checks' clock (``--now``), like the windows, so a replayed log behaves as it did live.
    row = db.execute("SELECT max(created_at) FROM retrain_runs").fetchone()
    last = epoch(row[0]) if row and row[0] else None
    if last is None:
        return 0
    return max(0, last + cfg.retrain.cooldown_s - now)


def run_retrain(workspace, cfg: MonitorConfig, *, now: int | None = None, progress=None) -> dict[str, Any] | None:
    """Serve the pending triggers with one run of the training command; None when nothing is
    pending, no command is configured, or the cooldown is not over (the triggers stay pending)."""
    db = workspace.db
    todo = pending(db)
    rc = cfg.retrain
    if not todo or not rc.command:
        return None
    wall_now = now_s() if now is None else now
    if cooldown_left(db, cfg, wall_now) > 0:
        return None
    before = _max_model_id(db)
    started = time.time()
    run: dict[str, Any] = {"created_at": iso(wall_now), "command": json.dumps(list(rc.command)),
                           "started_at": iso(started), "triggers": [t["id"] for t in todo]}
    env = dict(os.environ, SIGNALOS_WORKSPACE=str(workspace.path),
               SIGNALOS_RETRAIN_TRIGGERS=json.dumps([{k: t[k] for k in ("id", "kind", "provider")} for t in todo]))
    if progress is not None:
        progress(f"retraining: {' '.join(rc.command)}")
    try:
        # The command writes the same database (it registers a model): no transaction is held here.
        proc = subprocess.run(list(rc.command), capture_output=True, text=True, timeout=rc.timeout_s,
                              cwd=str(cfg.base_dir), env=env, stdin=subprocess.DEVNULL)
        run.update(status="ok" if proc.returncode == 0 else "failed", returncode=proc.returncode,
                   stdout_tail=proc.stdout[-TAIL:], stderr_tail=proc.stderr[-TAIL:])
        stdout = proc.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode("utf-8", "replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        run.update(status="timeout", returncode=None, stdout_tail=out[-TAIL:], stderr_tail=err[-TAIL:],
                   error=f"no answer after {rc.timeout_s} s")
        stdout = ""
    except OSError as exc:
        run.update(status="failed", returncode=None, error=f"cannot run {rc.command[0]!r}: {exc.strerror or exc}")
        stdout = ""
    run["finished_at"] = iso(time.time())
    run["duration_s"] = round(time.time() - started, 3)
    models = _new_models(db, before)
    run["models"] = json.dumps(models)
    spec = _model_from_stdout(stdout)
    if spec is None and models:
        spec = f"{models[-1]['name']}@{models[-1]['version']}"
    if run["status"] == "ok" and spec:
        run["model"], _, run["model_version"] = spec.partition("@")
        if rc.alias:
            run["alias"] = _point_alias(workspace, run["model"], run["model_version"], rc.alias, todo, run)
    triggers = run.pop("triggers")
    with db.conn:
        run_id = db["retrain_runs"].insert(run).last_pk
        db.execute(f"UPDATE retrain_triggers SET run_id = ? WHERE id IN ({', '.join('?' * len(triggers))})",
                   [run_id, *triggers])
    run.update(id=run_id, triggers=triggers)
    return run


def _max_model_id(db: sqlite_utils.Database) -> int:
    if not db["models"].exists():
        return 0
    return db.execute("SELECT coalesce(max(id), 0) FROM models").fetchone()[0]


def _new_models(db: sqlite_utils.Database, after: int) -> list[dict[str, Any]]:
    if not db["models"].exists():
        return []
    return [{"id": i, "name": n, "version": v} for i, n, v in
            db.execute("SELECT id, name, version FROM models WHERE id > ? ORDER BY id", [after])]


def _model_from_stdout(stdout: str) -> str | None:
    """``"name@version"`` from the command's JSON summary (``signalos train ... --json``)."""
    text = stdout.strip()
    candidates = [text] + [line for line in reversed(text.splitlines()) if line.strip().startswith("{")]
    start = text.find("{")
    if start > 0:
        candidates.insert(1, text[start:])
    for c in candidates:
        try:
            obj = json.loads(c)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("model"), str) and "@" in obj["model"]:
            return obj["model"]
    return None


def _point_alias(workspace, name: str, version: str, alias: str, todo, run: dict[str, Any]) -> str | None:
    try:
        from signalos.modelstore import ModelStore

        reason = "retrain triggers " + ", ".join(f"{t['kind']}#{t['id']}" for t in todo)
        ModelStore(workspace).set_alias(name, alias, version, reason=reason, actor="signalos monitor")
        return alias
    except Exception as exc:  # the run and its version are recorded whatever the registry says
        run["error"] = f"alias {alias!r} not moved: {type(exc).__name__}: {exc}"
        return None
