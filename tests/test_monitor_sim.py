"""Done-when of the monitor: over a log where one of three providers changes its format, the
monitor raises ONE alert for that provider (not one per window), resolves it once the provider is
read again, and its retraining triggers run the training command once and register a candidate."""
from __future__ import annotations

import json
import sys

import pytest

import signalos.monitor.plugin as alerts_sink
from signalos.monitor import Monitor, MonitorConfig, window_metrics
from signalos.monitor.simulate import replay, simulate_rows, write_rows
from signalos.monitor.timeutil import epoch, iso
from signalos.store import Workspace
from signalos.testing import AlertRecorder

START = "2026-11-20T00:00:00+00:00"
# A harmless "training command": registers toy-ner 1.0.0 as `signalos train ... --json` would.
TRAIN = r"""
import json, os, pathlib, sqlite3
ws = pathlib.Path(os.environ["SIGNALOS_WORKSPACE"])
db = sqlite3.connect(ws / "signalos.db")
version = "1.%d.0" % db.execute("SELECT count(*) FROM models WHERE name = 'toy-ner'").fetchone()[0]
(ws / "models" / "toy-ner" / version).mkdir(parents=True)
db.execute("INSERT INTO models (name, version, kind, path, created_at) VALUES ('toy-ner', ?, 'toy', ?, "
           "'2026-11-20T00:00:00+00:00')", [version, "models/toy-ner/" + version])
db.commit()
print("training...")
print(json.dumps({"model": "toy-ner@" + version, "triggers": json.loads(os.environ["SIGNALOS_RETRAIN_TRIGGERS"])}))
"""
CONFIG = {
    "pipelines": {"default": {"parsers": ["channel", "regex"]}},
    "monitor": {"window": "15m", "templates": {"baseline": "2h", "recent": "2h"},
                "retrain": {"command": [sys.executable, "-c", TRAIN], "timeout": 60, "feedback_items": 0}},
}


def simulated_rows() -> list[dict]:
    # 0-14 h: beta switches to a new layout at 8 h, its parser reads 3 in 10 of them (by fallback);
    # 14-18 h: a retrained parser reads the new layout again.
    return [*simulate_rows(START, 14, switch_at=8.0, seed=7),
            *simulate_rows(iso(epoch(START) + 14 * 3600), 4, switch_at=0.0, broken_success=0.97,
                           broken_parser="channel", broken_confidence=0.9, seed=8)]


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


def test_one_alert_for_the_provider_that_changed_format(ws, signalos_host):
    recorder = AlertRecorder()
    host = signalos_host(recorder, alerts_sink, config=CONFIG)
    mon = Monitor(host, ws)
    # parses arrive as they would live, and the check runs every 15 minutes
    checks = list(replay(mon, simulated_rows(), start=START, hours=18, every_s=900, retrain=True))
    # one incident, opened on beta within the K windows after the switch, resolved after the fix
    assert [(a.event, a.provider) for a in recorder.alerts] == [("opened", "beta"), ("resolved", "beta")]
    rows = ws.db.execute("SELECT provider, status, severity, window_start, window_end, events FROM alerts").fetchall()
    assert len(rows) == 1
    provider, status, severity, opened, closed, events = rows[0]
    assert (provider, status, severity, events) == ("beta", "resolved", "critical", 2)
    assert "2026-11-20T08:00" <= opened <= "2026-11-20T09:00"
    assert "2026-11-20T14:30" <= closed <= "2026-11-20T15:30"
    # ... while the metric was past its warning level in many windows
    cfg = MonitorConfig.for_host(host)
    beta = [r for r in window_metrics(ws.db, cfg, epoch(START), epoch(START) + 18 * 3600) if r["scope"] == "beta"]
    below = sum(r["success_rate"] < cfg.metrics["success_rate"].warning for r in beta)
    assert below >= 20
    assert sum(c["opened"] for c in checks) == 1
    # retraining: beta's new template (seen 3 times) ran the command at once; the quality alert
    # half an hour later waited for the 6 h cooldown, then ran it again: two candidates
    runs = ws.db.execute("SELECT id, created_at, status, model, model_version, alias FROM retrain_runs").fetchall()
    assert [r[2:] for r in runs] == [("ok", "toy-ner", "1.0.0", "candidate"), ("ok", "toy-ner", "1.1.0", "candidate")]
    assert "2026-11-20T08:00" <= runs[0][1] <= "2026-11-20T08:30"
    assert epoch(runs[1][1]) - epoch(runs[0][1]) >= 6 * 3600
    triggers = ws.db.execute("SELECT kind, provider, run_id FROM retrain_triggers ORDER BY id").fetchall()
    assert triggers == [("template", "beta", 1), ("quality", "beta", 2)]
    assert ws.db.execute("SELECT version FROM aliases WHERE name = 'toy-ner' AND alias = 'candidate'").fetchone() == ("1.1.0",)


def test_one_check_over_the_whole_log_gives_the_same_single_alert(ws, signalos_host):
    recorder = AlertRecorder()
    host = signalos_host(recorder, config=CONFIG)
    write_rows(ws.db, simulated_rows())
    out = Monitor(host, ws).check(now="2026-11-20T18:00:00", retrain=False)
    assert out["evaluated"]["windows"] == 72
    assert [(a["event"], a["provider"]) for a in out["alerts"]] == [("opened", "beta"), ("resolved", "beta")]
    assert out["retrain"] is None and "runs only with --retrain" in out["retrain_note"]
    assert json.loads(json.dumps(out))  # JSON-ready, as `signalos monitor check --json` prints it
