"""Each HTML report opened in headless Chromium: the charts draw, tables sort and filter, tooltips
show, a screenshot is taken, and any page error or console error or warning fails the test.

Playwright drives the system's Chromium (no browser download). Without Chromium or the
``playwright`` package the tests skip, saying which is missing. Set ``SIGNALOS_SCREENSHOT_DIR``
to keep a copy of each screenshot.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
from pathlib import Path

import pytest
from report_support import batched_report, eval_report, monitor_report

CHROMIUM = os.environ.get("SIGNALOS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium found (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install 'signalos[test]')")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Opened:
    """A report open in a page, with every problem the page reported."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("console", lambda msg: self.problems.append(f"console {msg.type}: {msg.text}")
                     if msg.type in ("error", "warning") else None)
        # Nothing may be fetched: the page is one file.
        self.requests: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.goto(path.resolve().as_uri())
        # until the charts are drawn or failed; a page error ends the wait at once
        for _ in range(300):
            if self.problems or self.page.get_attribute("body", "data-charts"):
                break
            self.page.wait_for_timeout(100)

    def check(self) -> None:
        assert self.problems == []
        assert self.page.get_attribute("body", "data-charts") == "ready"
        assert [u for u in self.requests if not u.startswith("file://")] == []
        for div in self.page.query_selector_all("div[data-chart]"):
            assert div.get_attribute("data-rendered") == "true", div.get_attribute("id")
            assert len(div.query_selector_all("svg path, svg line, svg rect, svg text")) > 10, div.get_attribute("id")

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path), full_page=True)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 1000 and height >= 900 and len(data) > 50_000, (width, height, len(data))
        keep = os.environ.get("SIGNALOS_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)

    def tooltip_on(self, selector: str) -> str:
        mark = self.page.locator(selector).first
        mark.scroll_into_view_if_needed()
        box = mark.bounding_box()
        self.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tip = self.page.locator("#vg-tooltip-element")
        tip.wait_for(state="visible", timeout=5_000)
        text = tip.inner_text()
        assert "NaN" not in text and "undefined" not in text, text
        return text

    def visible_ids(self, table: str) -> list[str]:
        return self.page.eval_on_selector_all(f"#{table} > tbody > tr:not([hidden])",
                                              "rows => rows.map(r => r.getAttribute('data-id'))")


def column(opened: Opened, table: str, index: int) -> list[str]:
    return opened.page.eval_on_selector_all(f"#{table} > tbody > tr",
                                            f"rows => rows.map(r => r.cells[{index}].getAttribute('data-sort'))")


def test_evaluation_report_with_a_comparison(browser, tmp_path):
    report, payload = eval_report(tmp_path)
    opened = Opened(browser, report)
    opened.check()
    opened.screenshot(tmp_path / "eval-compare.png")  # as it opens, before it is sorted and filtered
    assert set(opened.page.eval_on_selector_all("div[data-chart]", "ds => ds.map(d => d.id)")) == {
        "chart-f1", "chart-kinds", "chart-latency", "chart-categories", "chart-deltas"}
    assert "F1" in opened.tooltip_on("#chart-f1 .mark-rect path")
    # sort the fields by F1 (column 3): ascending, then descending
    header = opened.page.locator("#fields-table th", has_text="F1").first
    header.click()
    values = [float(v) for v in column(opened, "fields-table", 3)]
    assert values == sorted(values) and len(set(values)) > 2
    header.click()
    assert [float(v) for v in column(opened, "fields-table", 3)] == sorted(values, reverse=True)
    # filter the failures by text, then by category
    failed = payload["evaluators"]["errors"]["failed"]
    assert opened.visible_ids("failures") == [f["id"] for f in failed]
    opened.page.fill(".table-filter[data-table=failures] input", "stop_loss: labelled 1.09")
    assert opened.visible_ids("failures") == ["s7"]
    opened.page.fill(".table-filter[data-table=failures] input", "")
    opened.page.select_option(".table-filter[data-table=failures] select", "wrong_kind")
    assert opened.visible_ids("failures") == [f["id"] for f in failed if "wrong_kind" in f["categories"]]
    assert "of" in opened.page.inner_text(".table-filter[data-table=failures] .shown")
    opened.page.select_option(".table-filter[data-table=disagreements] select", "right-b")
    assert opened.visible_ids("disagreements") == [
        d["id"] for d in payload["comparison"]["disagreements"]["examples"] if d["b_exact"]]
    assert opened.page.title() == "signalos eval · fixture-oracle"  # the hostile text did not run
    opened.check()  # nothing went wrong while it was used


def test_evaluation_report_of_a_batched_parser(browser, tmp_path):
    report, _ = batched_report(tmp_path)
    opened = Opened(browser, report)
    opened.check()
    assert "batch" in opened.page.inner_text("#chart-latency")
    assert "batch" in opened.page.inner_text("#latency-batched")
    assert "ms" in opened.tooltip_on("#chart-latency .mark-rect path")
    opened.screenshot(tmp_path / "eval-batched.png")


def test_monitor_report(browser, tmp_path):
    report, payload = monitor_report(tmp_path)
    opened = Opened(browser, report)
    opened.check()
    charts = opened.page.eval_on_selector_all("div[data-chart]", "ds => ds.map(d => d.getAttribute('data-chart'))")
    assert "latency_p95_ms" in charts and "success_rate" in charts
    # The latency axis fits the data (a few ms), with its unit; the 1,000 and 5,000 ms levels are named.
    y_axis = opened.page.get_attribute("#chart-latency_p95_ms svg [aria-label^='Y-axis']", "aria-label")
    assert "(ms)" in y_axis
    top = float(re.search(r"values from 0 to ([\d.,]+)", y_axis).group(1).replace(",", ""))
    data_max = max(v for _, v, _ in (p for per in payload["series"].values() for p in per["latency_p95_ms"])
                   if v is not None)
    assert data_max <= top <= 2 * data_max
    assert "5,000 ms" in opened.page.inner_text(".level-note[data-metric=latency_p95_ms]")
    shares = opened.page.get_attribute("#chart-success_rate svg [aria-label^='Y-axis']", "aria-label")
    assert "100%" in shares and "success rate" in shares
    tip = opened.tooltip_on("#chart-success_rate .mark-symbol path")
    assert "parses" in tip and "%" in tip and re.search(r"\d\d:\d\d–\d\d:\d\d", tip), tip
    opened.screenshot(tmp_path / "monitor.png")
    opened.check()


def test_a_page_error_fails_the_check(browser, tmp_path):
    # The same report with its chart data broken: the check must see it (a test that cannot fail
    # proves nothing).
    report, _ = batched_report(tmp_path)
    html = report.read_text(encoding="utf-8")
    broken = tmp_path / "broken.html"
    broken.write_text(html.replace("vegaEmbed(el,", "vegaEmbedd(el,", 1), encoding="utf-8")
    opened = Opened(browser, broken)
    with pytest.raises(AssertionError):
        opened.check()
    assert any("vegaEmbedd" in p for p in opened.problems)
