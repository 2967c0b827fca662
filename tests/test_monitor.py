"""The monitor's pieces: configuration, window metrics in SQL, hysteresis, templates, the hook."""
from __future__ import annotations

import json
import logging

import pytest

import signalos.monitor.plugin as alerts_sink
from signalos.errors import ConfigError
from signalos.hookspecs import hookimpl
from signalos.monitor import ALL, AlertEngine, MetricState, Monitor, MonitorConfig, window_metrics
from signalos.monitor.config import duration_s
from signalos.monitor.metrics import refresh_pipelines
from signalos.monitor.templates import index_templates, new_templates
from signalos.monitor.timeutil import epoch
from signalos.store import Workspace
from signalos.testing import AlertRecorder

T0 = "2026-11-20T00:00:00+00:00"
CONFIG = {"pipelines": {"default": {"parsers": ["channel", "regex"]}}}


def log_row(at: int, provider: str = "alpha", *, text: str = "XAUUSD BUY 2300 SL 2290", parser: str | None = "channel",
            accepted: bool = True, error: str | None = None, confidence: float = 0.9, kind: str = "signal",
            symbol: str | None = "XAUUSD", warnings=(), latency: float = 5.0, pipeline: str = "default"):
    result = {"kind": kind, "symbol": symbol, "warnings": list(warnings), "parser": parser}
    return {"created_at": _iso(at), "text": text, "text_hash": None, "provider": provider, "pipeline": pipeline,
            "parser": parser, "result": json.dumps(result), "kind": kind, "confidence": confidence,
            "accepted": int(accepted), "latency_ms": latency, "error": error}


def _iso(at: int) -> str:
    from signalos.monitor.timeutil import iso

    return iso(at)


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


# configuration ---------------------------------------------------------------------------------
def test_durations_and_defaults():
    assert [duration_s(v, "x") for v in (900, "15m", "2h", "1d", "30s", "1.5h")] == [900, 900, 7200, 86400, 30, 5400]
    with pytest.raises(ConfigError, match="window"):
        MonitorConfig.from_table({"window": "soon"})
    cfg = MonitorConfig()
    assert (cfg.window_s, cfg.min_sample, cfg.consecutive) == (900, 30, 3)
    assert cfg.metrics["success_rate"].level(0.95) == "clear"
    assert cfg.metrics["success_rate"].level(0.91) == "hold"  # between warning and clear
    assert cfg.metrics["success_rate"].level(0.80) == "warning"
    assert cfg.metrics["success_rate"].level(0.50) == "critical"
    assert cfg.metrics["latency_p95_ms"].level(6000) == "critical"


def test_config_tables_and_errors():
    cfg = MonitorConfig.from_table({
        "window": "5m", "consecutive": 2, "thresholds": {"success_rate": {"warning": 0.8, "critical": 0.6, "clear": 0.85}},
        "providers": {"acme": {"fallback_rate": {"warning": 0.6, "critical": 0.8, "clear": 0.5}}},
        "retrain": {"command": "signalos train spacy --json", "cooldown": "1h", "feedback_items": 10}})
    assert cfg.window_s == 300 and cfg.consecutive == 2
    assert cfg.spec("acme", "fallback_rate").warning == 0.6
    assert cfg.spec("other", "fallback_rate").warning == 0.3
    assert cfg.spec("acme", "success_rate").warning == 0.8
    assert cfg.retrain.command == ("signalos", "train", "spacy", "--json")
    with pytest.raises(ConfigError, match="unknown keys"):
        MonitorConfig.from_table({"windw": "5m"})
    with pytest.raises(ConfigError, match="critical"):
        MonitorConfig.from_table({"thresholds": {"success_rate": {"warning": 0.8, "critical": 0.9}}})
    with pytest.raises(ConfigError, match="unknown metric"):
        MonitorConfig.from_table({"thresholds": {"succes_rate": {"warning": 0.8}}})


def test_host_config_keeps_the_monitor_table(signalos_host):
    host = signalos_host(config={**CONFIG, "monitor": {"window": "10m"}})
    assert MonitorConfig.for_host(host).window_s == 600


# hysteresis ------------------------------------------------------------------------------------
def walk(levels: list[str], k: int = 3) -> list[tuple[int, str]]:
    st = MetricState()
    return [(i, t) for i, lv in enumerate(levels) if (t := st.step(lv, k))]


def test_state_machine_opens_after_k_and_closes_after_k_clear():
    assert walk(["warning", "warning", "warning"]) == [(2, "opened")]
    # a window between the levels ("hold") breaks the streak
    assert walk(["warning", "warning", "hold", "warning", "warning"]) == []
    # open, then one clear window among bad ones does not close it; three in a row do
    assert walk(["warning"] * 3 + ["clear", "warning", "clear", "clear", "clear"]) == [(2, "opened"), (7, "resolved")]
    assert walk(["warning"] * 3 + ["critical"] * 3) == [(2, "opened"), (5, "escalated")]
    assert walk(["critical"] * 3) == [(2, "opened")]


def rows_for(values: list[float | None], scope: str = "alpha", n: int = 60, metric: str = "success_rate"):
    out = []
    for i, v in enumerate(values):
        if v is not None:
            out.append({"window_start": epoch(T0) + 900 * i, "scope": scope, "n": n, "answered": n, "signals": n,
                        metric: v})
    return out


def engine(cfg=None):
    return AlertEngine(cfg or MonitorConfig(), {}, {}, workspace=None, decided_at=T0)


def test_a_flapping_metric_does_not_alert_every_window():
    flapping = [0.85, 0.97] * 20 + [0.85, 0.85, 0.97] * 10
    assert engine().run(rows_for(flapping)) == []
    # without hysteresis (K = 1, clear at the warning level) the same series alerts over and over
    bare = MonitorConfig.from_table({"consecutive": 1, "thresholds": {"success_rate": {"clear": 0.9}}})
    eng = engine(bare)
    assert sum(a.event == "opened" for a in eng.run(rows_for(flapping))) == 30


def test_small_windows_decide_nothing():
    assert engine().run(rows_for([0.1] * 10, n=29)) == []
    assert [a.event for a in engine().run(rows_for([0.1] * 10, n=30))] == ["opened"]


def test_one_incident_per_provider_and_overall_defers_to_it():
    rows = []
    for i in range(8):
        at = epoch(T0) + 900 * i
        rows.append({"window_start": at, "scope": "beta", "n": 60, "answered": 60, "signals": 60,
                     "success_rate": 0.3, "mean_confidence": 0.2, "warning_rate": 0.7})
        rows.append({"window_start": at, "scope": ALL, "n": 180, "answered": 180, "signals": 180,
                     "success_rate": 0.74, "mean_confidence": 0.65, "warning_rate": 0.25})
    alerts = engine().run(rows)
    assert [(a.event, a.provider, a.severity) for a in alerts] == [("opened", "beta", "critical")]
    assert set(alerts[0].metrics) == {"success_rate", "mean_confidence", "warning_rate"}
    by_metric = engine(MonitorConfig.from_table({"group_by": "metric"})).run(rows)
    assert sorted(a.metrics.popitem()[0] for a in by_metric) == ["mean_confidence", "success_rate", "warning_rate"]


# SQL metrics -----------------------------------------------------------------------------------
def test_window_metrics(ws, signalos_host):
    t = epoch(T0)
    rows = [
        log_row(t + 1, latency=1.0),
        log_row(t + 2, parser="regex", latency=2.0),  # a fallback
        log_row(t + 3, parser=None, accepted=False, kind="noise", symbol=None, warnings=["no parser answered"], latency=3.0),
        log_row(t + 4, symbol="NOTATHING", latency=4.0),  # an unknown instrument
        log_row(t + 5, error="boom", latency=100.0),
        log_row(t + 6, provider="beta", parser="b", pipeline="b,c", symbol=None, latency=7.0),  # "a,b" chain, no symbol
        log_row(t + 7, provider="beta", parser="c", pipeline="b,c", latency=9.0, warnings=["odd stop"]),
        log_row(t + 901, latency=1.0),  # the next window
    ]
    ws.db["parse_log"].insert_all(rows)
    host = signalos_host(config=CONFIG)
    ws.db.execute("BEGIN IMMEDIATE")
    refresh_pipelines(ws.db, host)
    ws.db.conn.commit()
    cfg = MonitorConfig()
    got = {(r["window_start"] - t, r["scope"]): r for r in window_metrics(ws.db, cfg, t, t + 1800)}
    a = got[(0, "alpha")]
    assert a["n"] == 5 and a["success_rate"] == pytest.approx(3 / 5)
    assert a["fallback_rate"] == pytest.approx(1 / 4)  # answered by regex, of 4 answered
    assert a["warning_rate"] == pytest.approx(1 / 5)
    assert a["unknown_symbol_rate"] == pytest.approx(1 / 4)
    assert (a["latency_p50_ms"], a["latency_p95_ms"]) == (3.0, 100.0)
    assert a["mean_confidence"] == pytest.approx(0.9 * 4 / 5 + 0.9 / 5)
    b = got[(0, "beta")]
    assert b["fallback_rate"] == pytest.approx(1 / 2) and b["unknown_symbol_rate"] == pytest.approx(1 / 2)
    everyone = got[(0, ALL)]
    assert everyone["n"] == 7 and everyone["latency_p50_ms"] == 4.0
    assert got[(900, "alpha")]["n"] == 1


def test_pipeline_history_keeps_old_parses_counted_against_their_first_parser(ws, signalos_host):
    t = epoch(T0)
    ws.db["parse_log"].insert_all([log_row(t + i, parser="channel") for i in range(4)])
    for config in (CONFIG, {"pipelines": {"default": {"parsers": ["spacy-ner@production", "channel"]}}}):
        ws.db.execute("BEGIN IMMEDIATE")
        refresh_pipelines(ws.db, signalos_host(config=config))
        ws.db.conn.commit()
    (row,) = [r for r in window_metrics(ws.db, MonitorConfig(), t, t + 900) if r["scope"] == "alpha"]
    assert row["fallback_rate"] == 0.0
    assert ws.db.execute("SELECT count(*) FROM monitor_pipelines WHERE pipeline = 'default'").fetchone()[0] == 2


def test_templates_new_only_after_the_baseline_and_when_repeated(ws):
    t = epoch(T0)
    cfg = MonitorConfig.from_table({"templates": {"baseline": "1h", "min_count": 3, "recent": "2h"}})
    rows = [log_row(t + 60 * i, text=f"XAUUSD BUY {2300 + i} SL {2290 + i}") for i in range(10)]
    rows += [log_row(t + 7200 + 60 * i, text=f"GOLD 🚀 long zone {2300 + i}/{2301 + i}") for i in range(4)]
    rows += [log_row(t + 7300, text="hello, one-off chatter")]
    ws.db["parse_log"].insert_all(rows)
    assert index_templates(ws.db, cfg) == {"rows": 15, "new_templates": 3}
    (new,) = new_templates(ws.db, cfg)
    assert new["count"] == 4 and "long zone" in new["template"]
    (w,) = [r for r in window_metrics(ws.db, cfg, t + 7200, t + 8100) if r["scope"] == "alpha"]
    assert w["new_template_share"] == pytest.approx(4 / 5) and w["new_templates"] == 1
    assert index_templates(ws.db, cfg)["rows"] == 0  # incremental: nothing new to read


# the alert_raised hook ------------------------------------------------------------------------
class Broken:
    name = "broken-chat"

    @hookimpl
    def alert_raised(self, alert, host):
        raise RuntimeError("chat is down")


def failing_rows(ws, hours: int = 2):
    t = epoch(T0)
    ws.db["parse_log"].insert_all(
        [log_row(t + 20 * i, parser=None, accepted=False, kind="noise", symbol=None) for i in range(hours * 180)])


def test_alert_raised_reaches_every_plugin_and_errors_are_recorded(ws, signalos_host, caplog):
    recorder = AlertRecorder()
    host = signalos_host(recorder, Broken(), alerts_sink, config=CONFIG)
    failing_rows(ws)
    with caplog.at_level(logging.WARNING, logger="signalos.monitor"):
        out = Monitor(host, ws).check(now="2026-11-20T02:00:00")
    assert out["opened"] == 1 and [a.event for a in recorder.alerts] == ["opened"]
    alert = recorder.alerts[0]
    assert alert.provider == "alpha" and alert.severity == "critical" and "success_rate" in alert.metrics
    # the failing chat plugin is recorded, not raised, and the others still ran
    assert [(e.component, e.plugin) for e in host.errors] == [("alert_raised", "broken-chat")]
    assert out["handler_errors"][0]["plugin"] == "broken-chat"
    # the built-in handler wrote the database and the log
    (row,) = ws.db.execute("SELECT key, status, severity, provider FROM alerts").fetchall()
    assert row == (alert.key, "open", "critical", "alpha")
    assert any(alert.key in r.getMessage() for r in caplog.records)


def test_checking_twice_changes_nothing(ws, signalos_host):
    recorder = AlertRecorder()
    host = signalos_host(recorder, config=CONFIG)
    failing_rows(ws)
    mon = Monitor(host, ws)
    first = mon.check(now="2026-11-20T02:00:00")
    again = mon.check(now="2026-11-20T02:00:00")
    assert first["opened"] == 1 and again["evaluated"]["windows"] == 0 and again["alerts"] == []
    assert len(recorder.alerts) == 1


def test_an_open_alert_escalates_once_and_resolves_once():
    values = [0.85] * 4 + [0.5] * 4 + [0.95] * 4
    alerts = engine().run(rows_for(values))
    assert [(a.event, a.severity, a.window_start[11:16]) for a in alerts] == [
        ("opened", "warning", "00:30"), ("escalated", "critical", "01:30"), ("resolved", "critical", "02:30")]
    assert len({a.key for a in alerts}) == 1


# retraining -----------------------------------------------------------------------------------
def retrain_monitor(ws, signalos_host, command, **retrain):
    config = {**CONFIG, "monitor": {"retrain": {"command": command, "cooldown": 0, **retrain}}}
    return Monitor(signalos_host(config=config), ws)


def test_feedback_trigger_and_a_failing_command_are_recorded(ws, signalos_host):
    import sys

    ws.db["messages"].insert({"id": 1, "natural_key": "k", "text": "t"})
    ws.db["review_queue"].insert_all([{"message_id": 1, "status": "open", "reason": "rejected"} for _ in range(5)])
    mon = retrain_monitor(ws, signalos_host, [sys.executable, "-c", "import sys; print('no luck'); sys.exit(3)"],
                          feedback_items=5)
    out = mon.check(now=T0, retrain=True)
    assert [t["kind"] for t in out["triggers"]] == ["feedback"]
    run = out["retrain"]
    assert (run["status"], run["returncode"], run.get("model")) == ("failed", 3, None)
    assert "no luck" in run["stdout_tail"]
    # the same items do not trigger twice; five more do
    assert mon.check(now=T0)["triggers"] == []
    ws.db["review_queue"].insert_all([{"message_id": 1, "status": "open", "reason": "rejected"} for _ in range(5)])
    assert [t["kind"] for t in mon.check(now=T0)["triggers"]] == ["feedback"]


def test_a_command_that_hangs_is_stopped_and_recorded(ws, signalos_host):
    import sys

    ws.db["messages"].insert({"id": 1, "natural_key": "k", "text": "t"})
    ws.db["review_queue"].insert({"message_id": 1, "status": "open", "reason": "rejected"})
    mon = retrain_monitor(ws, signalos_host, [sys.executable, "-c", "import time; time.sleep(600)"],
                          feedback_items=1, timeout=1)
    run = mon.check(now=T0, retrain=True)["retrain"]
    # stopped at its timeout, not waited out (how long that takes is the machine's: no clock here)
    assert run["status"] == "timeout"
    assert ws.db.execute("SELECT status FROM retrain_runs").fetchall() == [("timeout",)]


def test_a_check_that_loses_the_race_decides_nothing(ws, signalos_host, monkeypatch):
    import signalos.monitor.core as core
    from signalos.monitor.sql import set_meta, write_transaction

    failing_rows(ws)
    recorder = AlertRecorder()
    mon = Monitor(signalos_host(recorder, config=CONFIG), ws)
    real = core.window_metrics

    def other_check_meanwhile(*args, **kw):
        rows = real(*args, **kw)
        with write_transaction(ws.db):  # another process finished a check while these were read
            set_meta(ws.db, core.CHECKED, epoch("2026-11-20T02:00:00"))
        return rows

    monkeypatch.setattr(core, "window_metrics", other_check_meanwhile)
    out = mon.check(now="2026-11-20T02:00:00")
    assert out["alerts"] == [] and recorder.alerts == [] and "another check" in out["retrain_note"]
