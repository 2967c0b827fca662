"""The evaluation report's HTML: self-contained, its figures equal to the JSON and written as the CLI
writes them, one row per failing message, a field-by-field diff of two runs. (In a browser:
tests/test_reports_browser.py.)"""
from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import eval_support as fx
import pytest
import signalos_regex
from report_support import HOSTILE, Page, batched_report, eval_report, lookup, run_eval

from signalos.evaluation.report import render_html
from signalos.testing import run_cli

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real.jsonl"
SHARES = ("precision", "recall", "f1", "accuracy", "exact_match", "kind_accuracy", "f1_a", "f1_b",
          "accuracy_a", "accuracy_b", "action_types_accuracy", "actions_exact_accuracy")


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory):
    return eval_report(tmp_path_factory.mktemp("eval-report"))


def check_page(html: str, payload: dict) -> Page:
    """Every figure cell holds its payload value, shares written in percent; the page is one file."""
    page = Page(html)
    assert page.figures, "the page shows no figure"
    for path, attrs, text in page.figures:
        value = lookup(payload, path)
        if "data-sort" in attrs and isinstance(value, (int, float)):
            assert float(attrs["data-sort"]) == pytest.approx(value, abs=1e-12), path
        if path.rsplit(".", 1)[-1] in SHARES and isinstance(value, float):
            assert text.strip() == f"{100 * value:.1f}%", (path, text)
        if path.endswith("_ms"):
            assert text.strip().endswith(" ms"), (path, text)
    # Self-contained: nothing fetched; the chart specs, three inlined libraries and the page script.
    assert page.references == []
    assert "<link" not in html and "@import" not in html
    assert not any("src" in s for s in page.scripts)
    assert len(page.scripts) == 5 and "signalos-charts" in page.json
    assert set(page.json["signalos-charts"]) == set(page.chart_divs)  # a place for every chart, a chart for every place
    # What the old page said that a user cannot use
    assert "score.py" not in html and "figures checked" not in html.lower()
    return page


def test_figures_equal_the_json_in_percent(fixture_report):
    report, payload = fixture_report
    html = report.read_text(encoding="utf-8")
    page = check_page(html, payload)
    paths = {p for p, _, _ in page.figures}
    assert {"summary.exact_match", "evaluators.exact-match.ci", "comparison.exact_match.mcnemar.p_value",
            "evaluators.fields.fields.take_profits.f1", "evaluators.latency.p99_ms"} <= paths
    assert page.text_by_id and "33.3%" in html  # 4 of the 12 certain rows are right
    assert HOSTILE not in html and "&lt;/script&gt;" in html  # shown, escaped
    assert "invalid JSON" in html and "breaks the schema" in html  # the lines not evaluated


def test_charts_draw_the_payload(fixture_report):
    report, payload = fixture_report
    charts = Page(report.read_text(encoding="utf-8")).json["signalos-charts"]
    ev = payload["evaluators"]
    f1 = {r["field"]: r["f1"] for r in charts["chart-f1"]["data"]["values"]}
    assert f1 == {f: v["f1"] for f, v in ev["fields"]["fields"].items() if v["support"] or v["spurious"]}
    assert charts["chart-f1"]["encoding"]["x"]["axis"]["format"] == ".0%"
    cells = {(c["labelled"], c["predicted"]): c["n"] for c in charts["chart-kinds"]["data"]["values"]}
    assert cells == {(r, c): n for r, row in ev["kinds"]["matrix"].items() for c, n in row.items()}
    counts = ev["latency"]["histogram"]["counts"]
    nonzero = [i for i, c in enumerate(counts) if c]
    assert [b["n"] for b in charts["chart-latency"]["data"]["values"]] == counts[nonzero[0]:nonzero[-1] + 1]
    assert "(ms)" in charts["chart-latency"]["encoding"]["x"]["title"]
    deltas = {r["field"]: r["delta"] for r in charts["chart-deltas"]["data"]["values"]}
    assert deltas == {f: v["f1_delta"] for f, v in payload["comparison"]["fields"].items()
                      if ev["fields"]["fields"][f]["support"]}


def test_fields_nobody_labelled_say_so(fixture_report):
    report, payload = fixture_report
    fields = payload["evaluators"]["fields"]["fields"]
    unlabelled = [f for f, v in fields.items() if not v["support"]]
    assert unlabelled and all(fields[f]["f1"] == 0 and fields[f]["accuracy"] > 0 for f in unlabelled)
    page = Page(report.read_text(encoding="utf-8"))
    rows = {r["attrs"]["data-field"]: r["text"] for r in page.rows["fields-table"]}
    for f in unlabelled:
        assert rows[f].count("not labelled") == 4 and "%" not in rows[f], rows[f]
    for f in set(fields) - set(unlabelled):
        assert "not labelled" not in rows[f]
    compared = {r["attrs"]["data-field"]: r["text"] for r in page.rows["compare-fields"]}
    assert all("not labelled" in compared[f] for f in unlabelled)


def test_each_failing_message_is_listed_once_with_all_its_mistakes(fixture_report):
    report, payload = fixture_report
    failed = payload["evaluators"]["errors"]["failed"]
    page = Page(report.read_text(encoding="utf-8"))
    rows = page.rows["failures"]
    assert [r["attrs"]["data-id"] for r in rows] == [f["id"] for f in failed]  # once each, in order
    s7 = next(f for f in failed if f["id"] == "s7")  # a side violation, two wrong values, not accepted
    assert [p["category"] for p in s7["problems"]].count("wrong_value") == 2
    row = next(r for r in rows if r["attrs"]["data-id"] == "s7")
    assert row["attrs"]["data-categories"].split() == s7["categories"]
    for p in s7["problems"]:
        assert p["detail"] in row["text"]


def test_the_comparison_is_a_field_by_field_diff(fixture_report):
    report, payload = fixture_report
    html = report.read_text(encoding="utf-8")
    page = Page(html)
    ids = [r["attrs"]["data-id"] for r in page.rows["disagreements"]]
    assert ids == [d["id"] for d in payload["comparison"]["disagreements"]["examples"]]
    assert '"kind": "signal"' not in html.split('id="disagreements"')[1].split("</table>")[0]  # no raw JSON blobs
    # s3: the oracle dropped a target; only take_profits changed, and b has it right
    s3 = html.split('data-id="s3"', 2)[2].split("</table>")[0]
    changed = re.findall(r'<tr data-field="(\w+)" class="changed-row">', s3)
    assert changed == ["take_profits"]
    tp = s3.split('data-field="take_profits"')[1].split("</tr>")[0]
    assert 'class="l wrong">1.082, 1.079<' in tp and 'class="l right">1.082, 1.079, 1.076<' in tp


def test_a_batched_parser_says_its_latencies_are_shares(tmp_path):
    report, payload = batched_report(tmp_path)
    assert payload["evaluators"]["latency"]["batched_parsers"] == ["fixture-batched"]
    html = report.read_text(encoding="utf-8")
    page = check_page(html, payload)
    assert "latency-batched" in page.text_by_id
    spec = page.json["signalos-charts"]["chart-latency"]
    assert "batch" in spec["title"] and "batch" in spec["encoding"]["x"]["title"]
    # an unbatched chain says nothing of batches
    plain = Page(run_eval(tmp_path, fx.write_labelled(tmp_path / "l.jsonl"), fx, chain="fixture-oracle",
                          name="plain.html")[0].read_text(encoding="utf-8"))
    assert "latency-batched" not in plain.text_by_id
    assert "batch" not in plain.json["signalos-charts"]["chart-latency"]["title"]


def test_report_renders_for_a_partial_run(tmp_path):
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    import signalos_eval

    result = run_cli(["eval", "--data", str(data), "--chain", "fixture-oracle", "--json", "--no-store",
                      "--evaluator", "my-eval", "--evaluator", "exact-match"], fx, signalos_eval)
    payload = json.loads(result.stdout)
    html = render_html(payload)
    page = Page(html)
    for path, attrs, _ in page.figures:
        if "data-sort" in attrs:
            assert float(attrs["data-sort"]) == pytest.approx(lookup(payload, path))
    assert "Evaluator my-eval" in html and "labelled_signals" in html
    assert page.json["signalos-charts"] == {}


def test_vendored_scripts_can_be_inlined():
    # A "</script" inside one would end its element early: the page inlines them as they are.
    vendor = resources.files("signalos").joinpath("templates", "vendor")
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        text = vendor.joinpath(name).read_text(encoding="utf-8")
        assert len(text) > 50_000 and "</script" not in text.lower() and "<!--" not in text, name


def test_every_template_file_is_package_data():
    # A regular (non-editable) install ships only what pyproject's package-data globs name.
    import fnmatch
    import tomllib

    repo = Path(__file__).resolve().parents[1]
    globs = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["signalos"]
    root = repo / "src" / "signalos"
    files = [p.relative_to(root).as_posix() for p in (root / "templates").rglob("*") if p.is_file()]
    assert any(f.endswith("eval_report.html.j2") for f in files) and any(f.endswith("vega.min.js") for f in files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


@pytest.mark.skipif(not REAL.is_file(), reason="shared/corpus/real.jsonl is not beside the repository")
def test_report_of_the_real_corpus_with_the_regex_chain(tmp_path):
    report, payload = run_eval(tmp_path, REAL, signalos_regex, chain="regex")
    page = check_page(report.read_text(encoding="utf-8"), payload)
    failed = payload["evaluators"]["errors"]["failed"]
    assert len(page.rows["failures"]) == len(failed) == len({f["id"] for f in failed})
