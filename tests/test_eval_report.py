"""The HTML report: self-contained, its figures equal to the JSON, and it runs in a real browser."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from signalos.cli.exitcodes import LINES_SKIPPED

import eval_support as fx
import signalos_eval
import signalos_regex
from signalos.evaluation.report import render_html
from signalos.testing import run_cli

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real.jsonl"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '</script><script>document.title="pwned"</script><img src=x onerror=alert(1)> & <b>'


class Page(HTMLParser):
    """What a test needs of the page: figures, chart marks, scripts, tables, external references."""

    def __init__(self):
        super().__init__()
        self.figures: list[tuple[str, str]] = []
        self.marks: list[dict[str, str]] = []
        self.scripts: list[dict[str, str]] = []
        self.references: list[str] = []
        self.js_rows: dict[str, str] = {}
        self.body_attrs: dict[str, str] = {}
        self._open: list[tuple[str, str | None, list[str]]] = []
        self._chart: str | None = None
        self._js_key: str | None = None
        self._cells: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "href"):
            if key in a:
                self.references.append(a[key])
        if tag == "body":
            self.body_attrs = a
        if tag == "script":
            self.scripts.append(a)
        if tag == "svg":
            self._chart = a.get("data-chart")
        if tag == "rect" and "data-value" in a:
            self.marks.append({"chart": self._chart, **a})
        if tag == "tr" and "data-key" in a:
            self._js_key, self._cells = a["data-key"], []
        if tag == "td" and self._js_key is not None:
            self._cells.append("")
        self._open.append((tag, a.get("data-figure"), []))

    def handle_endtag(self, tag):
        while self._open:
            t, fig, text = self._open.pop()
            if fig is not None:
                self.figures.append((fig, "".join(text)))
            if t == tag:
                break
        if tag == "tr" and self._js_key is not None:
            self.js_rows[self._js_key] = self._cells[1]
            self._js_key = None

    def handle_data(self, data):
        for _, _, text in self._open:
            text.append(data)
        if self._js_key is not None and self._cells:
            self._cells[-1] += data


def lookup(payload, path):
    for key in path.split("."):
        payload = payload[int(key)] if isinstance(payload, list) else payload[key]
    return payload


def assert_same(value_text: str, expected):
    value = json.loads(value_text)
    if isinstance(expected, list):
        assert value == pytest.approx(expected, abs=1e-9)
    elif isinstance(expected, float):
        assert value == pytest.approx(expected, abs=1e-9)
    else:
        assert value == expected


def check_page(html: str, payload: dict) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.figures, "the page shows no figure"
    for path, text in page.figures:
        assert_same(text, lookup(payload, path))
    ev = payload["evaluators"]
    bars = {m["data-label"]: float(m["data-value"]) for m in page.marks if m["chart"] == "f1"}
    assert bars == {f: v["f1"] for f, v in ev["fields"]["fields"].items()}
    cells = {(m["data-row"], m["data-col"]): int(m["data-value"]) for m in page.marks if m["chart"] == "confusion"}
    assert cells == {(r, c): n for r, row in ev["kinds"]["matrix"].items() for c, n in row.items()}
    bins = [int(m["data-value"]) for m in page.marks if m["chart"] == "latency"]
    assert bins == ev["latency"]["histogram"]["counts"]
    for row in ev["slices"]["slices"]["provider"]:
        assert escape(row["value"]) in html
    # Self-contained: nothing fetched, no script but the page's own three.
    assert page.references == []
    assert "<link" not in html and "@import" not in html
    assert len(page.scripts) == 3 and not any("src" in s for s in page.scripts)
    return page


def run_report(tmp_path, data, *plugins, chain="fixture-oracle", compare=None):
    report = tmp_path / "report.html"
    args = ["eval", "--data", str(data), "--chain", chain, "--json", "--no-store", "--report", str(report)]
    if compare:
        args += ["--compare", compare]
    result = run_cli(args, signalos_eval, *plugins)
    # 3: done, with lines of the data file named and skipped (the fixture holds two on purpose)
    assert result.exit_code == (LINES_SKIPPED if "(line skipped)" in result.output else 0), result.output
    payload = json.loads(result.stdout)
    assert payload["report"] == str(report)
    return report, payload


@pytest.fixture
def fixture_report(tmp_path):
    data = fx.write_labelled(tmp_path / "labelled.jsonl", bad=True)
    with data.open("a", encoding="utf-8") as f:  # a failure whose text tries to break out of the page
        f.write(json.dumps({"id": "evil", "text": HOSTILE, "provider": "<evil>",
                            "label": fx.sig("EURUSD", "buy", [1.1], 1.09, [1.11])}) + "\n")
    return run_report(tmp_path, data, fx, compare="fixture-perfect")


def test_report_figures_equal_the_json(fixture_report):
    report, payload = fixture_report
    html = report.read_text(encoding="utf-8")
    page = check_page(html, payload)
    paths = {p for p, _ in page.figures}
    assert {"summary.exact_match", "evaluators.exact-match.ci.0", "comparison.exact_match.mcnemar.p_value",
            "evaluators.fields.fields.take_profits.f1", "evaluators.latency.p99_ms"} <= paths
    assert "pwned" not in page.body_attrs.get("data-js", "")
    assert HOSTILE not in html and "&lt;/script&gt;" in html  # shown, escaped
    assert "invalid JSON" in html and "breaks the schema" in html  # the lines not evaluated


def test_report_renders_without_a_browser_for_a_partial_run(tmp_path):
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    result = run_cli(["eval", "--data", str(data), "--chain", "fixture-oracle", "--json", "--no-store",
                      "--evaluator", "my-eval", "--evaluator", "exact-match"], fx, signalos_eval)
    payload = json.loads(result.stdout)
    html = render_html(payload)
    page = Page()
    page.feed(html)
    for path, text in page.figures:
        assert_same(text, lookup(payload, path))
    assert "Evaluator my-eval" in html


def chromium_dom(report: Path) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--dump-dom", report.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def check_in_browser(report: Path, payload: dict) -> None:
    dom, log = chromium_dom(report)
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    page = Page()
    page.feed(dom)
    assert page.body_attrs.get("data-js") == "ok"  # the script ran and found every figure equal
    assert page.js_rows, "the page script wrote no figure"
    for path, text in page.js_rows.items():
        assert_same(text, lookup(payload, path))
    assert len(page.scripts) == 3  # the hostile text did not add a script


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_in_headless_chromium(fixture_report):
    check_in_browser(*fixture_report)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_browser_check_sees_a_console_error(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>missingFunction()</script></body></html>", encoding="utf-8")
    _, log = chromium_dom(bad)
    assert any(":CONSOLE" in line and "missingFunction" in line for line in log.splitlines())


@pytest.mark.skipif(not REAL.is_file(), reason="shared/corpus/real.jsonl is not beside the repository")
def test_report_of_the_real_corpus_with_the_regex_chain(tmp_path):
    report, payload = run_report(tmp_path, REAL, signalos_regex, chain="regex")
    check_page(report.read_text(encoding="utf-8"), payload)
    if CHROMIUM is not None:
        check_in_browser(report, payload)
