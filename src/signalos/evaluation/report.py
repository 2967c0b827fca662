"""The HTML report of an evaluation: one self-contained file (inline CSS, inline SVG, a small
inline script), readable offline.

Every figure in the page carries ``data-figure="path.in.the.json"``; the script re-reads the
embedded JSON and writes the same figures into ``#js-figures``, so a headless browser proves
both that the page's script ran and that the page says what the JSON says.
"""
from __future__ import annotations

import json
from html import escape
from typing import Any

import numpy as np

from signalos.evaluation.charts import hbar_chart, histogram_chart, matrix_chart

MAX_FAILURES = 200

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2733;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d9dee5;padding-bottom:4px}
.meta{color:#5b6776;font-size:13px}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #d9dee5;border-radius:6px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:22px}.card span{color:#5b6776;font-size:12px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #d9dee5;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f5f8}
.flex{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}pre{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:6px;margin:2px 0}
.msg{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;background:#f6f8fa;padding:4px 6px;display:block;text-align:left}
.bad{color:#b3362b}.good{color:#2b7a3d}
"""

SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('signalos-data').textContent);
  var keys = JSON.parse(document.getElementById('signalos-keys').textContent);
  var body = document.querySelector('#js-figures tbody');
  keys.forEach(function (key) {
    var value = key.split('.').reduce(function (o, k) { return o == null ? o : o[k]; }, data);
    var tr = document.createElement('tr');
    tr.setAttribute('data-key', key);
    var a = document.createElement('td'); a.textContent = key;
    var b = document.createElement('td'); b.textContent = JSON.stringify(value);
    tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
  });
  var mismatches = 0;
  document.querySelectorAll('[data-figure]').forEach(function (el) {
    var value = el.getAttribute('data-figure').split('.').reduce(function (o, k) { return o == null ? o : o[k]; }, data);
    if (JSON.stringify(value) !== el.textContent) { mismatches += 1; console.error('figure differs: ' + el.getAttribute('data-figure')); }
  });
  document.body.setAttribute('data-js', mismatches ? 'mismatch' : 'ok');
  document.getElementById('js-status').textContent = 'figures checked by the page script: ' + keys.length + ', mismatches: ' + mismatches;
})();
"""


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(data, list):
            data = data[int(key)]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def js_json(value: Any) -> str:
    """``JSON.stringify(value)`` as a browser writes it, so the page script can compare texts:
    integral floats without ``.0``, no spaces, positional notation down to 1e-6."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "null"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        if abs(value) >= 1e-6:
            return np.format_float_positional(value, trim="-")
        mantissa, exp = repr(value).split("e")
        return f"{mantissa}e{int(exp)}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{js_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


class _Page:
    """Collects the page's HTML and every figure path it shows."""

    def __init__(self, payload: dict[str, Any]):
        self.payload = payload
        self.parts: list[str] = []
        self.keys: list[str] = []

    def fig(self, path: str, tag: str = "span") -> str:
        self.keys.append(path)
        return f'<{tag} data-figure="{escape(path)}">{escape(js_json(_get(self.payload, path)))}</{tag}>'

    def add(self, html: str) -> None:
        self.parts.append(html)


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _embedded(payload: dict[str, Any]) -> dict[str, Any]:
    # The long per-message lists stay out of the script's copy: the page shows them as HTML.
    slim = {k: v for k, v in payload.items() if k != "evaluators"}
    slim["evaluators"] = {}
    for name, res in (payload.get("evaluators") or {}).items():
        slim["evaluators"][name] = {k: v for k, v in res.items() if k != "failed"} if isinstance(res, dict) else res
    return slim


def _json_script(element_id: str, value: Any) -> str:
    from signalos.evaluation.api import finite

    text = json.dumps(finite(value), ensure_ascii=False, allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def render_html(payload: dict[str, Any]) -> str:
    """The report page for one ``signalos eval --json`` payload."""
    page = _Page(payload)
    ev = payload.get("evaluators") or {}
    chain = payload.get("chain") or {}
    data = payload.get("data") or {}
    run_label = f"run {payload['run_id']}" if payload.get("run_id") else "run not stored"
    page.add(f"<h1>signalos evaluation: {escape(str(chain.get('spec') or chain.get('name')))}</h1>")
    page.add(f'<p class="meta">parsers {escape(", ".join(chain.get("parsers") or []))} · data '
             f'{escape(str(data.get("path")))} (sha256 {escape(str(data.get("sha256", ""))[:12])}) · '
             f'{escape(run_label)} · {escape(str(payload.get("created_at", "")))}</p>')
    cards = [("messages evaluated", page.fig("summary.n", "b")),
             ("exact match", page.fig("summary.exact_match", "b")),
             ("kind accuracy", page.fig("summary.kind_accuracy", "b")),
             ("uncertain skipped", page.fig("data.skipped_uncertain", "b")),
             ("unreadable lines", f"<b>{len(data.get('problems') or [])}</b>")]
    em = ev.get("exact-match")
    if isinstance(em, dict) and "ci" in em:
        cards.insert(2, (f"{int(em.get('confidence', 0.95) * 100)}% interval",
                         f"<b>{page.fig('evaluators.exact-match.ci.0')} – {page.fig('evaluators.exact-match.ci.1')}</b>"))
    page.add('<div class="cards">' + "".join(f'<div class="card">{v}<span>{escape(k)}</span></div>'
                                             for k, v in cards) + "</div>")
    sf = (payload.get("summary") or {}).get("signal_fields") or {}
    if sf:
        page.add("<h2>Signal fields (share of labelled signals right, as shared/score.py)</h2>")
        page.add(_table(list(sf), [[page.fig(f"summary.signal_fields.{f}") for f in sf]]))
    _fields_section(page, ev.get("fields"))
    _kinds_section(page, ev.get("kinds"))
    _latency_section(page, ev.get("latency"))
    _slices_section(page, ev.get("slices"))
    _errors_section(page, ev.get("errors"))
    _compare_section(page, payload.get("comparison"))
    problems = data.get("problems") or []
    if problems:
        page.add("<h2>Lines not evaluated</h2>")
        page.add(_table(["line", "id", "error"], [[str(p["line"]), escape(str(p.get("id"))), escape(p["error"])]
                                                  for p in problems]))
    known = {"exact-match", "fields", "kinds", "latency", "errors", "slices"}
    for name, res in ev.items():
        if name not in known:
            page.add(f"<h2>Evaluator {escape(name)}</h2><pre>{escape(json.dumps(res, indent=1, default=str))}</pre>")
    page.add('<h2>Figures</h2><p id="js-status" class="meta">the page script did not run</p>'
             '<details><summary>every figure of this page, read from the embedded JSON</summary>'
             '<table id="js-figures"><thead><tr><th>figure</th><th>value</th></tr></thead><tbody></tbody></table></details>')
    title = f"signalos eval · {chain.get('spec') or chain.get('name')}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(str(title))}</title><meta name=\"viewport\" content=\"width=device-width\">"
            f"<style>{CSS}</style></head><body>" + "".join(page.parts)
            + _json_script("signalos-data", _embedded(payload))
            + _json_script("signalos-keys", list(dict.fromkeys(page.keys)))
            + f"<script>{SCRIPT}</script></body></html>\n")


def _fields_section(page: _Page, res: Any) -> None:
    if not isinstance(res, dict) or "fields" not in res:
        return
    fields = res["fields"]
    page.add("<h2>Per-field precision, recall and F1</h2>")
    chart = hbar_chart([(f, v["f1"]) for f, v in fields.items()], title="F1 per field")
    rows = []
    for f in fields:
        p = f"evaluators.fields.fields.{f}"
        rows.append([escape(f)] + [page.fig(f"{p}.{k}") for k in
                                   ("precision", "recall", "f1", "correct", "incorrect", "missed", "spurious",
                                    "support", "accuracy")])
    table = _table(["field", "precision", "recall", "F1", "correct", "incorrect", "missed", "spurious",
                    "support", "accuracy"], rows)
    page.add(f'<div class="flex"><div>{chart}</div><div>{table}</div></div>')
    el_rows = []
    for f, v in fields.items():
        for mode in (v.get("elements") or {}):
            p = f"evaluators.fields.fields.{f}.elements.{mode}"
            el_rows.append([escape(f"{f} ({mode.replace('_', ' ')})")]
                           + [page.fig(f"{p}.{k}") for k in ("matched", "labelled", "predicted", "precision", "recall", "f1")])
    if el_rows:
        page.add("<p class=\"meta\">List fields element by element: in order (position by position) and by "
                 "best order-keeping alignment.</p>")
        page.add(_table(["list", "matched", "labelled", "predicted", "precision", "recall", "F1"], el_rows))


def _kinds_section(page: _Page, res: Any) -> None:
    if not isinstance(res, dict) or "matrix" not in res:
        return
    page.add("<h2>Kinds</h2>")
    chart = matrix_chart(res["labels"], res["columns"], res["matrix"], title="kind confusion matrix (rows: labelled)")
    rows = [[escape(k)] + [page.fig(f"evaluators.kinds.per_kind.{k}.{m}") for m in ("support", "precision", "recall", "f1")]
            for k in res["per_kind"]]
    table = _table(["kind", "support", "precision", "recall", "F1"], rows)
    upd = res.get("updates") or {}
    extra = (f"<p>kind accuracy {page.fig('evaluators.kinds.accuracy')}; labelled updates "
             f"{page.fig('evaluators.kinds.updates.n')}: action types right "
             f"{page.fig('evaluators.kinds.updates.action_types_accuracy')}, actions right in full "
             f"{page.fig('evaluators.kinds.updates.actions_exact_accuracy')}</p>") if upd else ""
    act_rows = [[escape(t)] + [page.fig(f"evaluators.kinds.updates.per_type.{t}.{m}") for m in ("support", "precision", "recall", "f1")]
                for t in (upd.get("per_type") or {})]
    page.add(f'<div class="flex"><div>{chart}</div><div>{table}{extra}'
             f'{_table(["action", "support", "precision", "recall", "F1"], act_rows) if act_rows else ""}</div></div>')


def _latency_section(page: _Page, res: Any) -> None:
    if not isinstance(res, dict) or "histogram" not in res:
        return
    page.add("<h2>Latency</h2>")
    hist = res["histogram"]
    chart = histogram_chart(hist["edges"], hist["counts"], title="latency histogram") if hist["counts"] else ""
    rows = [[escape(k)] + [page.fig(f"evaluators.latency.{k}")]
            for k in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms", "throughput_per_s", "wall_s")]
    page.add(f'<div class="flex"><div>{chart}</div><div>{_table(["figure", "value"], rows)}</div></div>')


def _slices_section(page: _Page, res: Any) -> None:
    if not isinstance(res, dict) or "slices" not in res:
        return
    for key, rows in res["slices"].items():
        page.add(f"<h2>By {escape(key)}</h2>")
        body = [[escape(r["value"])] + [page.fig(f"evaluators.slices.slices.{key}.{i}.{m}")
                                        for m in ("n", "exact_match", "kind_accuracy")]
                for i, r in enumerate(rows)]
        page.add(_table([key, "support", "exact match", "kind accuracy"], body))


def _errors_section(page: _Page, res: Any) -> None:
    if not isinstance(res, dict) or "categories" not in res:
        return
    page.add(f"<h2>Failures: {page.fig('evaluators.errors.failures')} messages</h2>")
    for cat, v in res["categories"].items():
        page.add(f"<h3>{escape(cat)}: {page.fig(f'evaluators.errors.categories.{cat}.count')}</h3>")
        rows = [[escape(e["id"]), f'<span class="msg">{escape(e["text"])}</span>', escape(e["detail"])]
                for e in v["examples"]]
        page.add(_table(["id", "message", "what went wrong"], rows))
    failed = res.get("failed") or []
    if failed:
        page.add(f"<details><summary>all failing messages ({len(failed)}"
                 f"{', first ' + str(MAX_FAILURES) if len(failed) > MAX_FAILURES else ''})</summary>")
        page.add(_table(["id", "labelled", "predicted", "categories", "message"],
                        [[escape(f["id"]), escape(f["kind"]), escape(str(f["pred_kind"])),
                          escape(", ".join(f["categories"])), f'<span class="msg">{escape(f["text"])}</span>']
                         for f in failed[:MAX_FAILURES]]))
        page.add("</details>")


def _compare_section(page: _Page, res: Any) -> None:
    if not isinstance(res, dict) or "exact_match" not in res:
        return
    page.add(f"<h2>Comparison: {escape(res['a'])} (a) against {escape(res['b'])} (b)</h2>")
    p = "comparison.exact_match"
    page.add(f"<p>exact match a {page.fig(p + '.a')}, b {page.fig(p + '.b')}, difference "
             f"{page.fig(p + '.delta')} (95% interval {page.fig(p + '.delta_ci.0')} to {page.fig(p + '.delta_ci.1')}); "
             f"McNemar exact p = {page.fig(p + '.mcnemar.p_value')} on {page.fig(p + '.mcnemar.discordant')} "
             f"discordant messages (only a right: {page.fig(p + '.mcnemar.only_a')}, only b right: "
             f"{page.fig(p + '.mcnemar.only_b')})</p>")
    rows = [[escape(f)] + [page.fig(f"comparison.fields.{f}.{k}") for k in
                           ("f1_a", "f1_b", "f1_delta", "f1_delta_ci", "accuracy_delta", "accuracy_delta_ci")]
            for f in res["fields"]]
    page.add(_table(["field", "F1 a", "F1 b", "ΔF1", "ΔF1 95%", "Δaccuracy", "Δaccuracy 95%"], rows))
    ex = res["disagreements"]["examples"]
    if ex:
        page.add(f"<h3>Messages where they disagree: {page.fig('comparison.disagreements.count')}</h3>")
        page.add(_table(["id", "right", "message", "a", "b"],
                        [[escape(d["id"]), "a" if d["a_exact"] else "b", f'<span class="msg">{escape(d["text"])}</span>',
                          f"<pre>{escape(json.dumps(d['a'], ensure_ascii=False))}</pre>",
                          f"<pre>{escape(json.dumps(d['b'], ensure_ascii=False))}</pre>"] for d in ex]))
