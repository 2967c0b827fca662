"""``signalos monitor status|check|report`` end to end, in-process."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

import signalos.monitor.plugin as alerts_sink
from signalos.monitor.simulate import simulate_rows, write_rows
from signalos.store import Workspace
from signalos.testing import run_cli

START = "2026-11-20T00:00:00+00:00"
CONFIG = {"pipelines": {"default": {"parsers": ["channel", "regex"]}},
          "monitor": {"templates": {"baseline": "2h"}}}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("monitor") / "ws"
    ws = Workspace(path)
    write_rows(ws.db, simulate_rows(START, 12, switch_at=8.0, seed=3))
    ws.close()
    return path


def cli(*args: str):
    return run_cli(list(args), alerts_sink, config=CONFIG)


def test_status_check_report(workspace, tmp_path):
    ws = str(workspace)
    res = cli("monitor", "status", "--workspace", ws, "--now", "2026-11-20T12:00:00", "--json")
    assert res.exit_code == 0, res.output
    status = json.loads(res.stdout)
    scopes = {s["provider"]: s for s in status["scopes"]}
    assert set(scopes) == {"alpha", "beta", "gamma", None}
    assert scopes["beta"]["levels"]["success_rate"] == "critical"
    assert scopes["alpha"]["levels"]["success_rate"] == "clear"
    assert status["open_alerts"] == []

    res = cli("monitor", "check", "--workspace", ws, "--now", "2026-11-20T12:00:00", "--json")
    assert res.exit_code == 0, res.output
    check = json.loads(res.stdout)
    assert (check["opened"], check["evaluated"]["windows"]) == (1, 48)
    assert check["alerts"][0]["provider"] == "beta"
    # no command configured: the triggers wait, and the output says why
    assert {t["kind"] for t in check["triggers"]} == {"quality", "template"}
    assert "no [monitor.retrain] command" in check["retrain_note"]

    human = cli("monitor", "status", "--workspace", ws, "--now", "2026-11-20T12:00:00")
    assert human.exit_code == 0 and "beta" in human.stdout and "critical" in human.stdout

    page = tmp_path / "monitor.html"
    res = cli("monitor", "report", "--workspace", ws, "--html", str(page), "--since", "14h",
              "--now", "2026-11-20T12:00:00", "--json")
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["report"] == str(page) and len(payload["alerts"]) == 1
    html = page.read_text(encoding="utf-8")
    charted = [m for m in payload["metrics"] if any(m in s for s in payload["series"].values())]
    specs = json.loads(re.search(r'<script type="application/json" id="signalos-charts">(.*?)</script>', html, re.S).group(1))
    assert [spec["usermeta"]["metric"] for spec in specs.values()] == charted
    assert all(f'data-chart="{m}"' in html for m in charted)
    # the alert is drawn on every chart as a band, coloured on the metrics it carries
    bands = [b for spec in specs.values() for b in spec["usermeta"]["alerts"]]
    assert {b["key"] for b in bands} == {payload["alerts"][0]["key"]} and len(bands) == len(charted)
    assert sorted(b["on_metric"] for b in bands).count(True) == len(payload["alerts"][0]["metrics"])
    # a level far above the data is named, not drawn: the latency axis stays on the data
    latency = specs["chart-latency_p95_ms"]["usermeta"]
    assert [lv["value"] for lv in latency["levels_named"]] == [1000.0, 5000.0] and latency["levels_drawn"] == []
    assert "<script src" not in html and "<link" not in html


def test_report_needs_an_output_and_bad_durations_fail(workspace):
    res = cli("monitor", "report", "--workspace", str(workspace))
    assert res.exit_code != 0 and "--html" in res.output
    res = cli("monitor", "status", "--workspace", str(workspace), "--last", "soon")
    assert res.exit_code != 0 and "duration" in res.output


# The page in a browser (charts drawn, no page error, a screenshot): tests/test_reports_browser.py


def test_the_monitor_demo_runs_without_the_test_extra(tmp_path):
    import sys

    from plain_install import env_without_test_extra

    demo = Path(__file__).parent.parent / "examples" / "monitor_demo.py"
    proc = subprocess.run([sys.executable, str(demo), "--workspace", str(tmp_path / "ws"), "--html",
                           str(tmp_path / "demo.html")], env=env_without_test_extra(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout[proc.stdout.index("{"):proc.stdout.rindex("}") + 1])
    assert figures["alerts_opened"] == 1 and figures["windows_below_warning"]["beta"] >= 20
    assert [a["provider"] for a in figures["alerts"]] == ["beta"]
    assert (tmp_path / "demo.html").stat().st_size > 10_000
