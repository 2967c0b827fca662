"""The monitor: status now, a check that walks new windows through the alert rules, report data."""
from __future__ import annotations

import json
import shlex
from typing import Any

from signalos.monitor.alerts import Alert, AlertEngine, Incident, MetricState
from signalos.monitor.config import MonitorConfig
from signalos.monitor.metrics import ALL, refresh_pipelines, window_metrics
from signalos.monitor.retrain import collect_triggers, cooldown_left, pending, run_retrain
from signalos.monitor.sql import get_meta, set_meta, write_transaction
from signalos.monitor.templates import index_templates, new_templates
from signalos.monitor.timeutil import epoch, iso, now_s
from signalos.store import Workspace

CHECKED = "checked_until"


class Monitor:
    """Reads ``parse_log`` of one workspace with the ``[monitor]`` configuration of a host.

    ``check()`` is what a scheduler (cron, a bot's timer) calls every few minutes: it evaluates
    the windows completed since the last check, so calling it often, rarely, or twice in a row
    gives the same alerts.
    """

    def __init__(self, host, workspace: Workspace | None = None, config: MonitorConfig | None = None):
        self.host = host
        self.workspace = workspace or Workspace.for_host(host)
        self.config = config or MonitorConfig.for_host(host)

    @property
    def db(self):
        return self.workspace.db

    def _now(self, now: Any) -> int:
        if now is None:
            return now_s()
        at = epoch(now)
        if at is None:
            from signalos.errors import SignalosError

            raise SignalosError(f"cannot read the time {now!r}: use ISO 8601, e.g. 2026-11-26T12:00:00")
        return at

    def _index(self, since_iso: str | None = None) -> dict[str, int]:
        with write_transaction(self.db):
            refresh_pipelines(self.db, self.host, since_iso=since_iso)
        return index_templates(self.db, self.config)

    # status ----------------------------------------------------------------------------------
    def status(self, *, now: Any = None, span_s: int | None = None, providers: list[str] | None = None) -> dict[str, Any]:
        """The metrics of the last ``span_s`` (one window by default) per provider and overall,
        with their levels and the open alerts. When nothing was parsed in that span, the span
        ending at the last logged parse is shown instead (``"shifted": true``)."""
        cfg, db = self.config, self.db
        end = self._now(now) + 1
        span = span_s or cfg.window_s
        self._index(since_iso=iso(end - span))
        rows = window_metrics(db, cfg, end - span, end, providers=providers, window_s=span, origin=end - span)
        shifted = False
        if not rows:
            last = db.execute("SELECT max(created_at) FROM parse_log").fetchone()[0]
            if last is not None and epoch(last) is not None and epoch(last) < end - span:
                end, shifted = epoch(last) + 1, True
                rows = window_metrics(db, cfg, end - span, end, providers=providers, window_s=span, origin=end - span)
        scopes = []
        for r in rows:
            levels = {m: cfg.spec(r["scope"], m).level(r[m]) for m in cfg.metrics
                      if cfg.spec(r["scope"], m).alert and r.get(m) is not None}
            scopes.append({**{k: v for k, v in r.items() if k != "window_start"},
                           "provider": None if r["scope"] == ALL else r["scope"],
                           "levels": levels, "enough_sample": r["n"] >= cfg.min_sample})
        return {"workspace": str(self.workspace.path), "from": iso(end - span), "to": iso(end), "span_s": span,
                "shifted": shifted, "min_sample": cfg.min_sample, "scopes": scopes,
                "open_alerts": self.open_incidents(), "checked_until": _iso_or_none(get_meta(db, CHECKED)),
                "retrain_pending": pending(db) if db["retrain_triggers"].exists() else []}

    def open_incidents(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM monitor_incidents WHERE status = 'open' ORDER BY opened_window")
        cols = [c[0] for c in cur.description]
        return [_incident_out(dict(zip(cols, r))) for r in cur.fetchall()]

    # check -----------------------------------------------------------------------------------
    def check(self, *, now: Any = None, retrain: bool = False, progress=None) -> dict[str, Any]:
        """Evaluate every window completed since the last check (at most ``lookback`` back): open,
        escalate and resolve alerts through ``alert_raised`` and record retraining triggers.

        The ``[monitor.retrain] command`` runs only with ``retrain=True``: a signalos.toml is read
        from the working directory, so a command written there must never run unless the caller
        asks for it (``monitor check --retrain`` or ``SIGNALOS_RETRAIN=1``)."""
        cfg, db = self.config, self.db
        at = self._now(now)
        w = cfg.window_s
        end = at // w * w  # the current window is still filling: it waits for the next check
        decided_at = iso(at)
        checked = get_meta(db, CHECKED)
        indexed = self._index(since_iso=iso(int(checked) - w) if checked else None)
        first = db.execute("SELECT min(created_at) FROM parse_log").fetchone()[0]
        start = int(checked) if checked else (epoch(first) // w * w if first and epoch(first) is not None else end)
        start = max(start, (end - cfg.lookback_s) // w * w)
        # Metrics are read without the write lock (WAL readers do not block the bots' writes) ...
        rows = window_metrics(db, cfg, start, end, overall=cfg.overall) if end > start else []
        with write_transaction(db):
            # ... and the decisions are made under it, unless another check got there first.
            if get_meta(db, CHECKED) != checked:
                return self._concurrent(decided_at)
            states, incidents = self._load()
            engine = AlertEngine(cfg, states, incidents, workspace=str(self.workspace.path), decided_at=decided_at)
            alerts = engine.run(rows)
            self._save(states, list(engine.incidents.values()) + engine.closed)
            if end > start:
                set_meta(db, CHECKED, end)
            triggers = collect_triggers(db, cfg, alerts, decided_at)
            counts = {e: sum(a.event == e for a in alerts) for e in ("opened", "escalated", "resolved")}
            summary = {"indexed": indexed, "scopes": sorted({r["scope"] for r in rows})}
            run_id = db.execute(
                "INSERT INTO monitor_runs (started_at, finished_at, now, window_s, evaluated_from, evaluated_to, "
                "windows, opened, escalated, resolved, triggers, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [iso(now_s()), iso(now_s()), decided_at, w, iso(start), iso(max(start, end)),
                 len({r["window_start"] for r in rows}), counts["opened"], counts["escalated"], counts["resolved"],
                 len(triggers), json.dumps(summary)]).lastrowid
        # Handlers (the built-in one writes `alerts`) run after the commit: they may open the
        # same database, and a slow chat post must not hold the write lock.
        for alert in alerts:
            self.host.emit_alert_raised(alert)
        run = None
        if retrain:
            run = run_retrain(self.workspace, cfg, now=at, progress=progress)
        waiting = pending(db)
        return {
            "workspace": str(self.workspace.path), "check_id": run_id, "now": decided_at,
            "evaluated": {"from": iso(start), "to": iso(max(start, end)), "windows": len({r["window_start"] for r in rows}),
                          "window_s": w},
            "indexed": indexed, "alerts": [a.to_dict() for a in alerts], **counts,
            "open_alerts": self.open_incidents(), "triggers": triggers, "retrain": run,
            "retrain_pending": waiting,
            "retrain_note": _retrain_note(cfg, waiting, run, retrain, cooldown_left(db, cfg, at)),
            "handler_errors": [{"plugin": e.plugin, "error": e.error} for e in self.host.errors
                               if e.component == "alert_raised"],
        }

    def _concurrent(self, decided_at: str) -> dict[str, Any]:
        """What a check returns when another one evaluated the same windows meanwhile."""
        return {"workspace": str(self.workspace.path), "check_id": None, "now": decided_at,
                "evaluated": {"from": None, "to": None, "windows": 0, "window_s": self.config.window_s},
                "indexed": {"rows": 0, "new_templates": 0}, "alerts": [], "opened": 0, "escalated": 0,
                "resolved": 0, "open_alerts": self.open_incidents(), "triggers": [], "retrain": None,
                "retrain_pending": pending(self.db), "retrain_note": "another check ran at the same time; nothing to do",
                "handler_errors": []}

    def _load(self) -> tuple[dict[tuple[str, str], MetricState], dict[str, Incident]]:
        db = self.db
        states = {}
        for scope, metric, state, bad, crit, clear, value, ws in db.execute(
                "SELECT scope, metric, state, bad_streak, critical_streak, clear_streak, value, window_start "
                "FROM monitor_state"):
            states[(scope, metric)] = MetricState(state, bad, crit, clear, value, epoch(ws) if ws else None)
        incidents = {}
        cur = db.execute("SELECT * FROM monitor_incidents WHERE status = 'open'")
        cols = [c[0] for c in cur.description]
        for r in cur.fetchall():
            row = dict(zip(cols, r))
            metrics = json.loads(row["metrics"] or "{}")
            inc = Incident(row["key"], row["scope"], row["severity"], metrics, epoch(row["opened_window"]),
                           epoch(row["last_window"]), row["opened_at"])
            group = inc.scope if self.config.group_by == "provider" else f"{inc.scope}\x1f{next(iter(metrics), '')}"
            incidents[group] = inc
        return states, incidents

    def _save(self, states: dict[tuple[str, str], MetricState], incidents: list[Incident]) -> None:
        at = iso(now_s())
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO monitor_state (scope, metric, state, bad_streak, critical_streak, clear_streak, "
            "value, window_start, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s, m, st.state, st.bad_streak, st.critical_streak, st.clear_streak, st.value,
              iso(st.window_start) if st.window_start is not None else None, at) for (s, m), st in states.items()])
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO monitor_incidents (key, scope, status, severity, metrics, opened_window, "
            "last_window, closed_window, opened_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(i.key, i.scope, i.status, i.severity, json.dumps(i.metrics), iso(i.opened_window), iso(i.last_window),
              iso(i.closed_window) if i.closed_window is not None else None, i.opened_at, i.closed_at)
             for i in incidents])

    # report ----------------------------------------------------------------------------------
    def series(self, *, now: Any = None, since_s: int | None = None, providers: list[str] | None = None) -> dict[str, Any]:
        """Every window's metrics per provider and overall over ``since_s`` (``lookback`` by
        default) up to ``now`` or the last parse, with the levels and the incidents in that time."""
        self._index()
        cfg, db = self.config, self.db
        w = cfg.window_s
        if now is None:
            last = db.execute("SELECT max(created_at) FROM parse_log").fetchone()[0]
            end_at = min(now_s(), epoch(last) + 1) if last and epoch(last) is not None else now_s()
        else:
            end_at = self._now(now)
        end = (end_at // w + 1) * w
        start = (end - (since_s or cfg.lookback_s)) // w * w
        rows = window_metrics(db, cfg, start, end, providers=providers, overall=cfg.overall)
        series: dict[str, dict[str, list]] = {}
        for r in rows:
            per = series.setdefault(r["scope"], {})
            for m in cfg.metrics:
                per.setdefault(m, []).append([iso(r["window_start"]), r[m], r["n"]])
        cur = db.execute("SELECT * FROM monitor_incidents WHERE opened_window < ? AND "
                         "(closed_window IS NULL OR closed_window >= ?) ORDER BY opened_window", [iso(end), iso(start)])
        cols = [c[0] for c in cur.description]
        incidents = [_incident_out(dict(zip(cols, r))) for r in cur.fetchall()]
        if providers:
            incidents = [i for i in incidents if i["provider"] in providers or i["provider"] is None]
        levels = {}
        for scope in series:
            levels[scope] = {m: {"warning": s.warning, "critical": s.critical, "clear": s.clear, "bad": s.bad}
                             for m in cfg.metrics for s in [cfg.spec(scope, m)] if s.alert and s.warning is not None}
        return {
            "workspace": str(self.workspace.path), "from": iso(start), "to": iso(end), "window_s": w,
            "generated_at": iso(now_s()), "min_sample": cfg.min_sample, "consecutive": cfg.consecutive,
            "metrics": {m: {"label": s.label, "bad": s.bad, "unit": s.unit, "alert": s.alert}
                        for m, s in cfg.metrics.items()},
            "scopes": sorted(series, key=lambda s: (s == ALL, s)), "series": series, "levels": levels,
            "alerts": incidents, "new_templates": [
                {k: t[k] for k in ("provider", "template", "example", "first_seen_at", "count")}
                for t in new_templates(db, cfg) if t["first_seen_at"] >= iso(start)],
            "retrain_runs": _rows(db, "SELECT id, created_at, status, model, model_version, alias, duration_s "
                                      "FROM retrain_runs WHERE created_at >= ? ORDER BY id", [iso(start)]),
        }


def _rows(db, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    cur = db.execute(sql, args)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _iso_or_none(value: str | None) -> str | None:
    return iso(int(value)) if value else None


def _incident_out(row: dict[str, Any]) -> dict[str, Any]:
    return {"key": row["key"], "provider": None if row["scope"] == ALL else row["scope"], "status": row["status"],
            "severity": row["severity"], "metrics": json.loads(row["metrics"] or "{}"),
            "opened_window": row["opened_window"], "last_window": row["last_window"],
            "closed_window": row["closed_window"], "opened_at": row["opened_at"], "closed_at": row["closed_at"]}


def _retrain_note(cfg: MonitorConfig, waiting, run, enabled: bool, cooldown: int) -> str | None:
    if run is not None or not waiting:
        return None
    if not cfg.retrain.command:
        return f"{len(waiting)} retraining triggers pending: no [monitor.retrain] command is configured"
    if not enabled:
        return (f"{len(waiting)} retraining triggers pending: the [monitor.retrain] command "
                f"({shlex.join(cfg.retrain.command)}) runs only with --retrain or SIGNALOS_RETRAIN=1")
    if cooldown > 0:
        return f"{len(waiting)} retraining triggers pending: cooldown, {cooldown} s left"
    return None


__all__ = ["Alert", "Monitor"]
