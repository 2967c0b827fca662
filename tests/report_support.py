"""What the HTML report tests share: reports built through the CLI, and a reader of their HTML.

``eval_report`` runs ``signalos eval --report`` on the evaluation fixture (with ``--compare``, a
hostile message and two unreadable lines); ``batched_report`` does it with a parser that answers a
batch in one call; ``monitor_report`` runs ``signalos monitor report --html`` on a simulated log.
"""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import eval_support as fx
import signalos_eval

from signalos.cli.exitcodes import LINES_SKIPPED
from signalos.hookspecs import hookimpl
from signalos.models import ParseResult
from signalos.testing import run_cli

HOSTILE = '</script><script>document.title="pwned"</script><img src=x onerror=alert(1)> & <b>'


class BatchedTable(fx.TableParser):
    """The oracle's answers, given a batch at a time (as a language model answers)."""

    def parse_many(self, messages) -> list[ParseResult | None]:
        return [self.parse(m) for m in messages]


class BatchedPlugin:
    @hookimpl
    def register_parsers(self, register, host):
        register("fixture-batched", lambda host, options: BatchedTable(fx.PREDICTED))


def lookup(payload: Any, path: str) -> Any:
    for key in path.split("."):
        payload = payload[int(key)] if isinstance(payload, list) else payload[key]
    return payload


def run_eval(tmp_path: Path, data: Path, *plugins, chain: str, compare: str | None = None,
             name: str = "report.html") -> tuple[Path, dict]:
    report = tmp_path / name
    args = ["eval", "--data", str(data), "--chain", chain, "--json", "--no-store", "--report", str(report)]
    if compare:
        args += ["--compare", compare]
    result = run_cli(args, signalos_eval, *plugins)
    # 3: done, with lines of the data file named and skipped (the fixture holds two on purpose)
    assert result.exit_code == (LINES_SKIPPED if "(line skipped)" in result.output else 0), result.output
    payload = json.loads(result.stdout)
    assert payload["report"] == str(report)
    return report, payload


def eval_report(tmp_path: Path) -> tuple[Path, dict]:
    data = fx.write_labelled(tmp_path / "labelled.jsonl", bad=True)
    with data.open("a", encoding="utf-8") as f:  # a failure whose text tries to break out of the page
        f.write(json.dumps({"id": "evil", "text": HOSTILE, "provider": "<evil>",
                            "label": fx.sig("EURUSD", "buy", [1.1], 1.09, [1.11])}) + "\n")
    return run_eval(tmp_path, data, fx, chain="fixture-oracle", compare="fixture-perfect", name="eval-compare.html")


def batched_report(tmp_path: Path) -> tuple[Path, dict]:
    data = fx.write_labelled(tmp_path / "labelled-batched.jsonl")
    return run_eval(tmp_path, data, fx, BatchedPlugin(), chain="fixture-batched", name="eval-batched.html")


MONITOR_START = "2026-11-20T00:00:00+00:00"
MONITOR_CONFIG = {"pipelines": {"default": {"parsers": ["channel", "regex"]}},
                  "monitor": {"templates": {"baseline": "2h"}}}


def monitor_report(tmp_path: Path) -> tuple[Path, dict]:
    import signalos.monitor.plugin as alerts_sink
    from signalos.monitor.simulate import simulate_rows, write_rows
    from signalos.store import Workspace

    ws = Workspace(tmp_path / "ws")
    write_rows(ws.db, simulate_rows(MONITOR_START, 12, switch_at=8.0, seed=3))
    ws.close()
    common = ["--workspace", str(tmp_path / "ws"), "--now", "2026-11-20T12:00:00"]
    assert run_cli(["monitor", "check", *common], alerts_sink, config=MONITOR_CONFIG).exit_code == 0
    page = tmp_path / "monitor.html"
    res = run_cli(["monitor", "report", *common, "--since", "14h", "--html", str(page), "--json"], alerts_sink,
                  config=MONITOR_CONFIG)
    assert res.exit_code == 0, res.output
    return page, json.loads(res.stdout)


class Page(HTMLParser):
    """What a test needs of a report: figure cells, chart containers and specs, scripts, external
    references, and the rows of each table with an id."""

    def __init__(self, html: str):
        super().__init__()
        self.figures: list[tuple[str, dict[str, str], str]] = []  # (path, attributes, text)
        self.scripts: list[dict[str, str]] = []
        self.references: list[str] = []
        self.chart_divs: dict[str, str] = {}  # element id -> data-chart
        self.rows: dict[str, list[dict[str, Any]]] = {}  # table id -> [{attrs, text}]
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self._tables: list[str | None] = []
        self._script_text: list[str] | None = None
        self._in_head = False
        self.json: dict[str, Any] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "href"):
            if key in a:
                self.references.append(a[key])
        if tag == "script":
            self.scripts.append(a)
            self._script_text = [] if a.get("type") == "application/json" else None
        if tag == "div" and "data-chart" in a:
            self.chart_divs[a["id"]] = a["data-chart"]
        if tag == "table":
            self._tables.append(a.get("id"))
        if tag == "thead":
            self._in_head = True
        if tag == "tr" and self._tables and self._tables[-1] and len(self._tables) == 1 and not self._in_head:
            self.rows.setdefault(self._tables[-1], []).append({"attrs": a, "text": ""})
        self._open.append((tag, a, []))

    def handle_endtag(self, tag):
        if tag == "script" and self._script_text is not None:
            self.json[self.scripts[-1].get("id", "")] = json.loads("".join(self._script_text))
            self._script_text = None
        if tag == "table" and self._tables:
            self._tables.pop()
        if tag == "thead":
            self._in_head = False
        while self._open:
            t, a, text = self._open.pop()
            if "data-figure" in a:
                self.figures.append((a["data-figure"], a, "".join(text)))
            if "id" in a:
                self.text_by_id[a["id"]] = "".join(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self._script_text is not None:
            self._script_text.append(data)
            return
        for _, _, text in self._open:
            text.append(data)
        if self._tables and self._tables[0] and self.rows.get(self._tables[0]):
            self.rows[self._tables[0]][-1]["text"] += data
