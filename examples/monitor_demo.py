"""The monitor on a simulated production log: three channels, one changes its format.

    python examples/monitor_demo.py [--workspace DIR] [--html monitor.html]

Writes 18 hours of parses for providers alpha, beta and gamma into a fresh workspace; at 8 h
beta starts posting a layout its parser does not read (3 in 10 still read by the fallback
parser), at 14 h a retrained parser reads it again. `signalos monitor check` is replayed every
15 minutes, as cron would run it. Prints how many windows were bad and how many alerts opened,
and writes the HTML report.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import signalos.monitor.plugin as alerts_sink
from signalos.hookspecs import hookimpl
from signalos.monitor import Monitor, MonitorConfig, window_metrics
from signalos.monitor.report import render_html
from signalos.monitor.simulate import replay, simulate_rows
from signalos.monitor.timeutil import epoch, iso
from signalos.store import Workspace
from signalos.testing import make_host

START = "2026-11-20T00:00:00+00:00"
# A stand-in for `signalos train spacy --json`: prints the summary a training run prints.
TRAIN = 'import json; print(json.dumps({"model": "demo-ner@1.0.0"}))'
CONFIG = {
    "pipelines": {"default": {"parsers": ["channel", "regex"]}},
    "monitor": {"window": "15m", "templates": {"baseline": "2h", "recent": "2h"},
                "retrain": {"command": [sys.executable, "-c", TRAIN], "timeout": 60, "alias": ""}},
}


class ChatPoster:
    """What a chat plugin would do with `alert_raised`: here, print the line it would post."""

    name = "demo-chat"

    @hookimpl
    def alert_raised(self, alert, host):
        print(f"  chat ← {alert.window_start[11:16]} {alert.event}: {alert.message}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--html", type=Path, default=Path("monitor.html"))
    args = ap.parse_args()
    path = args.workspace or Path(tempfile.mkdtemp(prefix="signalos-monitor-")) / "ws"
    ws = Workspace(path)
    rows = [*simulate_rows(START, 14, switch_at=8.0, seed=7),
            *simulate_rows(iso(epoch(START) + 14 * 3600), 4, switch_at=0.0, broken_success=0.97,
                           broken_parser="channel", broken_confidence=0.9, seed=8)]
    print(f"{len(rows)} parses over 18 h, replayed into {path} with a check every 15 minutes")
    host = make_host(ChatPoster(), alerts_sink, config=CONFIG)
    mon = Monitor(host, ws)
    opened = 0
    for out in replay(mon, rows, start=START, hours=18, every_s=900):
        opened += out["opened"]
        if out["retrain"]:
            r = out["retrain"]
            print(f"  retrain run {r['id']} at {r['created_at'][11:16]}: {r['status']}, {r['model']}@{r['model_version']}"
                  f" (triggers {', '.join(t['kind'] for t in out['triggers']) or 'pending ones'})")
    cfg = MonitorConfig.for_host(host)
    rows = window_metrics(ws.db, cfg, epoch(START), epoch(START) + 18 * 3600)
    warn = cfg.metrics["success_rate"].warning
    bad = {p: sum(r["success_rate"] < warn for r in rows if r["scope"] == p) for p in ("alpha", "beta", "gamma", "*")}
    alerts = ws.db.execute("SELECT provider, severity, status, window_start, window_end FROM alerts").fetchall()
    print(json.dumps({"windows": 72, "windows_below_warning": bad, "alerts_opened": opened,
                      "alerts": [dict(zip(("provider", "severity", "status", "from", "to"), a)) for a in alerts]},
                     indent=1))
    args.html.write_text(render_html(mon.series(now=iso(epoch(START) + 18 * 3600), since_s=18 * 3600)), encoding="utf-8")
    print(f"report: {args.html}")


if __name__ == "__main__":
    main()
