"""``signalos monitor report --html``: one self-contained page (inline CSS and SVG, no network).

One chart per metric: a line per provider and one for all providers, the warning and critical
levels as dashed lines, and every alert of the period as a shaded band from the window it opened
to the window it resolved (still open: to the right edge). Marks carry ``data-*`` attributes with
the figures they draw, and the page re-checks its figures against the embedded JSON as the
evaluation report does.
"""
from __future__ import annotations

import json
from html import escape
from typing import Any

from signalos.evaluation.report import CSS, SCRIPT, js_json
from signalos.monitor.alerts import _fmt
from signalos.monitor.metrics import ALL
from signalos.monitor.timeutil import epoch

PALETTE = ("#3b6ea5", "#d07b2a", "#3f9a5b", "#8a5aa8", "#b8434a", "#4f9fb0", "#a38b2b", "#6b6b6b")
ALL_COLOUR = "#1d2733"
SEVERITY = {"warning": "rgba(230,160,40,0.18)", "critical": "rgba(200,60,50,0.20)"}
EXTRA_CSS = ".legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:4px}.card b span{font-size:22px}"


def _scope_name(scope: str) -> str:
    return "all providers" if scope == ALL else (scope or "(no provider)")


def _colours(scopes: list[str]) -> dict[str, str]:
    out, i = {}, 0
    for s in scopes:
        if s == ALL:
            out[s] = ALL_COLOUR
        else:
            out[s] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _fmt_value(v: float, unit: str) -> str:
    if unit == "ms":
        return f"{v:.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"


def line_chart(metric: str, info: dict[str, Any], payload: dict[str, Any], colours: dict[str, str]) -> str:
    """Time series of one metric for every scope, with levels and alert bands."""
    width, height, left, right, top, bottom = 960, 260, 56, 12, 12, 34
    pw, ph = width - left - right, height - top - bottom
    t0, t1 = epoch(payload["from"]), epoch(payload["to"])
    span = max(t1 - t0, 1)
    values = [p[1] for per in payload["series"].values() for p in per.get(metric, []) if p[1] is not None]
    levels = {lv for sc in payload["levels"].values() for k, lv in (sc.get(metric) or {}).items()
              if k in ("warning", "critical") and lv is not None}
    rate = metric.endswith("_rate") or metric in ("mean_confidence", "new_template_share")
    lo = 0.0
    hi = 1.0 if rate else max([*values, *levels, 1.0]) * 1.1
    def x(t: int) -> float:
        return left + pw * (t - t0) / span

    def y(v: float) -> float:
        return top + ph * (1 - (min(max(v, lo), hi) - lo) / ((hi - lo) or 1))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" data-chart="{escape(metric)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{escape(info["label"])} over time</title>']
    for alert in payload["alerts"]:
        a0 = max(epoch(alert["opened_window"]), t0)
        a1 = epoch(alert["closed_window"]) + payload["window_s"] if alert["closed_window"] else t1
        a1 = min(a1, t1)
        if a1 <= a0:
            continue
        on_metric = metric in alert["metrics"]
        parts.append(f'<rect x="{x(a0):.1f}" y="{top}" width="{x(a1) - x(a0):.1f}" height="{ph}" '
                     f'fill="{SEVERITY.get(alert["severity"], SEVERITY["warning"]) if on_metric else "rgba(120,120,120,0.07)"}" '
                     f'data-alert="{escape(alert["key"])}" data-provider="{escape(str(alert["provider"]))}" '
                     f'data-severity="{escape(alert["severity"])}" data-on-metric="{int(on_metric)}">'
                     f'<title>{escape(alert["severity"])} alert on {escape(_scope_name(alert["provider"] or ALL))} '
                     f'from {escape(alert["opened_window"])}</title></rect>')
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d9dee5"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{_fmt_value(v, info["unit"])}</text>')
    ticks = 6
    for i in range(ticks + 1):
        t = t0 + span * i // ticks
        label = payload["_tick"](t)
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"  # the edge labels stay inside
        parts.append(f'<text x="{x(t):.1f}" y="{height - 12}" font-size="10" text-anchor="{anchor}">{escape(label)}</text>')
    for name, dash in (("warning", "6 4"), ("critical", "2 3")):
        drawn = set()
        for scope, per in payload["levels"].items():
            lv = (per.get(metric) or {}).get(name)
            if lv is None or lv in drawn:
                continue
            drawn.add(lv)
            parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(lv):.1f}" y2="{y(lv):.1f}" '
                         f'stroke="{"#d08a1e" if name == "warning" else "#c0392b"}" stroke-dasharray="{dash}" '
                         f'data-level="{name}" data-value="{lv}"><title>{name} {lv}</title></line>')
    w = payload["window_s"]
    for scope in payload["scopes"]:
        points = payload["series"][scope].get(metric, [])
        colour = colours[scope]
        # A window with no parses breaks the line instead of drawing across the gap.
        segments: list[list[tuple[float, float]]] = []
        prev = None
        for at, v, _n in points:
            if v is None:
                prev = None
                continue
            t = epoch(at)
            if prev is None or t - prev > w:
                segments.append([])
            segments[-1].append((x(t + w / 2), y(v)))
            prev = t
        for seg in segments:
            if len(seg) == 1:
                parts.append(f'<circle cx="{seg[0][0]:.1f}" cy="{seg[0][1]:.1f}" r="2" fill="{colour}"/>')
            else:
                d = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(seg))
                parts.append(f'<path d="{d}" fill="none" stroke="{colour}" '
                             f'stroke-width="{2.2 if scope == ALL else 1.5}" data-scope="{escape(scope)}" '
                             f'data-points="{len(seg)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(payload: dict[str, Any]) -> str:
    """The report page of one ``Monitor.series()`` payload."""
    payload = dict(payload)
    multi_day = payload["from"][:10] != payload["to"][:10]
    payload["_tick"] = (lambda t: _time_label(t, multi_day))
    colours = _colours(payload["scopes"])
    keys: list[str] = []

    def fig(path: str, value: Any) -> str:
        keys.append(path)
        return f'<span data-figure="{escape(path)}">{escape(js_json(value))}</span>'

    parts = [f"<h1>signalos monitor</h1><p class=\"meta\">{escape(payload['workspace'])} · "
             f"{escape(payload['from'])} to {escape(payload['to'])} · windows of {payload['window_s'] // 60} min · "
             f"alerts after {payload['consecutive']} windows in a row, windows under {payload['min_sample']} parses "
             f"decide nothing · generated {escape(payload['generated_at'])}</p>"]
    n_alerts = len(payload["alerts"])
    cards = [("alerts in the period", fig("alerts.length", n_alerts)),  # checked by the page script
             ("open now", str(sum(a["status"] == "open" for a in payload["alerts"]))),
             ("providers", str(sum(s != ALL for s in payload["scopes"]))),
             ("new templates", str(len(payload["new_templates"]))),
             ("retraining runs", str(len(payload["retrain_runs"])))]
    parts.append('<div class="cards">' + "".join(f'<div class="card"><b>{v}</b><span>{escape(k)}</span></div>'
                                                 for k, v in cards) + "</div>")
    parts.append('<p class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{escape(_scope_name(s))}</span>' for s, c in colours.items())
        + '<span><i style="background:rgba(230,160,40,0.5)"></i>warning alert</span>'
          '<span><i style="background:rgba(200,60,50,0.5)"></i>critical alert</span></p>')
    if payload["alerts"]:
        parts.append("<h2>Alerts</h2>")
        rows = []
        for i, a in enumerate(payload["alerts"]):
            metrics = ", ".join(f"{v.get('label', m)} {_fmt(v.get('worst', v.get('value')), v.get('unit', ''))}"
                                for m, v in a["metrics"].items())
            rows.append([escape(a["key"]), escape(_scope_name(a["provider"] or ALL)),
                         f'<span class="{"bad" if a["severity"] == "critical" else ""}">{escape(a["severity"])}</span>',
                         escape(a["status"]), escape(a["opened_window"]), escape(a["closed_window"] or "-"),
                         escape(metrics)])
        parts.append(_table(["alert", "scope", "severity", "status", "opened (window)", "resolved (window)",
                             "worst figures"], rows).replace("<td>", '<td style="text-align:left">'))
    for metric, info in payload["metrics"].items():
        if not any(metric in per for per in payload["series"].values()):
            continue
        parts.append(f"<h2>{escape(info['label'])}</h2>")
        parts.append(line_chart(metric, info, payload, colours))
    if payload["new_templates"]:
        parts.append("<h2>Templates new to their provider</h2>")
        parts.append(_table(["provider", "first seen", "seen", "example"],
                            [[escape(t["provider"] or "(none)"), escape(t["first_seen_at"]), str(t["count"]),
                              f'<span class="msg">{escape(t["example"] or "")}</span>'] for t in payload["new_templates"]]))
    if payload["retrain_runs"]:
        parts.append("<h2>Retraining runs</h2>")
        parts.append(_table(["run", "at", "status", "model", "version", "alias", "seconds"],
                            [[str(r["id"]), escape(r["created_at"]), escape(r["status"]), escape(str(r["model"] or "-")),
                              escape(str(r["model_version"] or "-")), escape(str(r["alias"] or "-")),
                              escape(js_json(r["duration_s"]))] for r in payload["retrain_runs"]]))
    parts.append('<h2>Figures</h2><p id="js-status" class="meta">the page script did not run</p>'
                 '<details><summary>figures read from the embedded JSON</summary>'
                 '<table id="js-figures"><thead><tr><th>figure</th><th>value</th></tr></thead><tbody></tbody></table></details>')
    data = {k: v for k, v in payload.items() if not k.startswith("_")}
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>signalos monitor</title>"
            f"<meta name=\"viewport\" content=\"width=device-width\"><style>{CSS}{EXTRA_CSS}</style></head><body>"
            + "".join(parts) + _json_script("signalos-data", data) + _json_script("signalos-keys", keys)
            + f"<script>{SCRIPT}</script></body></html>\n")


def _time_label(t: int, multi_day: bool) -> str:
    from signalos.monitor.timeutil import iso

    s = iso(t)
    return f"{s[5:10]} {s[11:16]}" if multi_day else s[11:16]


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _json_script(element_id: str, value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'
