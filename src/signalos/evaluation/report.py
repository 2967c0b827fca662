"""The HTML report of an evaluation (``signalos eval --report FILE``): one self-contained page.

The page is ``templates/eval_report.html.j2`` filled from one ``signalos eval --json`` payload;
its charts are Vega-Lite specifications (:mod:`signalos.evaluation.charts`) drawn by the inlined
chart scripts, its tables sort by any column and the failures filter by text and category. Shares
are shown in percent, as the CLI prints them; latency in milliseconds. Every figure cell carries
``data-figure`` (its path in the payload) and ``data-sort`` (the raw value), so tests and tooling
can check what the page says against the JSON.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from signalos.evaluation import charts
from signalos.evaluation.compare import message_diff
from signalos.evaluation.scoring import Tolerance
from signalos.reporting import render

MAX_FAILURES = 500  # rows of the failures table; the count above it says how many there are in all


def render_html(payload: dict[str, Any]) -> str:
    """The report page for one ``signalos eval --json`` payload."""
    ev = payload.get("evaluators") or {}
    chain = payload.get("chain") or {}
    data = payload.get("data") or {}
    specs: dict[str, Any] = {}
    context = {
        "title": f"signalos eval · {chain.get('spec') or chain.get('name')}",
        "payload": payload, "chain": chain, "data": data,
        "data_name": Path(str(data.get("path") or "")).name or "predictions",
        "summary": payload.get("summary") or {},
        "exact": ev.get("exact-match") if isinstance(ev.get("exact-match"), dict) else {},
        "fields": _fields(ev.get("fields"), specs),
        "kinds": _kinds(ev.get("kinds"), specs),
        "latency": _latency(ev.get("latency"), specs),
        "slices": (ev.get("slices") or {}).get("slices") if isinstance(ev.get("slices"), dict) else None,
        "errors": _errors(ev.get("errors"), specs),
        "comparison": _comparison(payload, specs),
        "problems": data.get("problems") or [],
        "others": {name: _flatten(res) for name, res in ev.items()
                   if name not in {"exact-match", "fields", "kinds", "latency", "errors", "slices"}},
    }
    return render("eval_report.html.j2", charts=specs, **context)


def _ok(res: Any, key: str) -> bool:
    return isinstance(res, dict) and key in res


def _fields(res: Any, specs: dict[str, Any]) -> dict[str, Any] | None:
    if not _ok(res, "fields"):
        return None
    rows = []
    for name, v in res["fields"].items():
        # A field that no message labels has no recall, F1 or accuracy worth a number: the
        # evaluator's 0 and 1 there would read as a verdict.
        rows.append({"name": name, "v": v, "labelled": bool(v.get("support")),
                     "path": f"evaluators.fields.fields.{name}"})
    elements = [{"name": name, "mode": mode.replace("_", " "), "v": e,
                 "path": f"evaluators.fields.fields.{name}.elements.{mode}"}
                for name, v in res["fields"].items() for mode, e in (v.get("elements") or {}).items()
                if e.get("labelled") or e.get("predicted")]
    if any(r["labelled"] or r["v"].get("spurious") for r in rows):
        specs["chart-f1"] = charts.field_f1(res["fields"])
    return {"rows": rows, "elements": elements, "n_signals": res.get("n_labelled_signals"),
            "unlabelled": [r["name"] for r in rows if not r["labelled"]]}


def _kinds(res: Any, specs: dict[str, Any]) -> dict[str, Any] | None:
    if not _ok(res, "matrix"):
        return None
    specs["chart-kinds"] = charts.confusion(res["labels"], res["columns"], res["matrix"])
    return res


def _latency(res: Any, specs: dict[str, Any]) -> dict[str, Any] | None:
    if not _ok(res, "histogram"):
        return None
    batched = list(res.get("batched_parsers") or [])
    hist = res["histogram"]
    if hist.get("counts"):
        specs["chart-latency"] = charts.latency_histogram(hist["edges"], hist["counts"], batched=batched)
    return {**res, "batched": batched}


def _errors(res: Any, specs: dict[str, Any]) -> dict[str, Any] | None:
    if not _ok(res, "categories"):
        return None
    counts = {c: v["count"] for c, v in res["categories"].items()}
    if counts:
        specs["chart-categories"] = charts.categories(counts)
    failed = res.get("failed") or []
    rows = []
    for f in failed[:MAX_FAILURES]:
        # One row per message with every problem it has; a payload from before ``problems`` was
        # recorded lists the categories alone.
        problems = f.get("problems") or [{"category": c, "detail": ""} for c in f.get("categories") or ()]
        rows.append({**f, "problems": problems})
    return {"failures": res.get("failures", len(failed)), "n": res.get("n"), "counts": counts,
            "rows": rows, "shown": len(rows), "total": len(failed)}


def _comparison(payload: dict[str, Any], specs: dict[str, Any]) -> dict[str, Any] | None:
    res = payload.get("comparison")
    if not _ok(res, "exact_match"):
        return None
    labelled = {}
    fields_a = ((payload.get("evaluators") or {}).get("fields") or {})
    for name in res["fields"]:
        v = (fields_a.get("fields") or {}).get(name) if isinstance(fields_a, dict) else None
        labelled[name] = True if v is None else bool(v.get("support"))
    shown = {f: v for f, v in res["fields"].items() if labelled[f]}
    if shown:
        specs["chart-deltas"] = charts.field_deltas(shown, res["a"], res["b"])
    try:
        tol = Tolerance(**{k: v for k, v in (payload.get("tolerance") or {}).items()
                           if k in ("rel_tol", "abs_tol", "pips", "pip_sizes")})
    except (TypeError, ValueError):
        tol = Tolerance()
    messages = [{**d, "rows": message_diff(d.get("label") or {}, d.get("a") or {}, d.get("b") or {}, tol)}
                for d in res["disagreements"]["examples"]]
    return {**res, "labelled": labelled, "messages": messages}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """A third-party evaluator's result as (path, value) rows, so the page shows a table, not a blob."""
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out or [(prefix, "{}")]
    if isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
        out = []
        for i, v in enumerate(value[:50]):
            out += _flatten(v, f"{prefix}.{i}")
        return out
    return [(prefix, value)]
