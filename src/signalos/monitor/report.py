"""``signalos monitor report --html``: one self-contained page (``templates/monitor_report.html.j2``).

One Vega-Lite chart per metric: a line per provider and one for all providers, the warning and
critical levels as dashed rules, and every alert of the period as a shaded band from the window it
opened to the window it resolved (still open: to the right edge). The value axis fits the data:
a level far outside it (a 5,000 ms latency level over latencies near 3 ms) is named above the
chart instead of stretching the axis until the data is a flat line. Shares are in percent,
latency in ms, time in UTC.
"""
from __future__ import annotations

from typing import Any

from signalos.evaluation.charts import CONFIG, SCHEMA
from signalos.monitor.alerts import _fmt
from signalos.monitor.metrics import ALL
from signalos.monitor.timeutil import epoch
from signalos.reporting import render

PALETTE = ("#3b6ea5", "#d07b2a", "#3f9a5b", "#8a5aa8", "#b8434a", "#4f9fb0", "#a38b2b", "#6b6b6b")
ALL_COLOUR = "#1d2733"
SEVERITY = {"warning": "#e6a028", "critical": "#c8463c"}
LEVEL_COLOUR = {"warning": "#d08a1e", "critical": "#c0392b"}
# A level is drawn when it lies within this many times the data's largest value; further out it is
# named in the subtitle, so the axis stays on the data.
LEVEL_REACH = 1.5
COUNTS = ("new_templates",)


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


def is_share(metric: str, info: dict[str, Any]) -> bool:
    """Whether a metric is a share (0-1, shown in percent) rather than ms or a count."""
    return not info.get("unit") and metric not in COUNTS


def _level_text(name: str, value: float, unit: str, share: bool) -> str:
    if share:
        return f"{name} {100 * value:.3g}%"
    return f"{name} {value:,.0f} ms" if unit == "ms" else f"{name} {value:g}"


def _clock(t_ms: int) -> str:
    from signalos.monitor.timeutil import iso

    return iso(t_ms // 1000)[:16].replace("T", " ")


def _window(at: str, w_ms: int) -> str:
    # tooltips show the window as text: Vega-Lite's UTC time formats gave NaN in a tooltip
    start = epoch(at) * 1000
    return f"{_clock(start)}–{_clock(start + w_ms)[11:]}"


def metric_chart(metric: str, info: dict[str, Any], payload: dict[str, Any], colours: dict[str, str]) -> dict[str, Any]:
    """The Vega-Lite specification of one metric's chart over the report's period."""
    w_ms = payload["window_s"] * 1000
    t0, t1 = epoch(payload["from"]) * 1000, epoch(payload["to"]) * 1000
    share, unit = is_share(metric, info), info.get("unit") or ""
    points: list[dict[str, Any]] = []
    for scope in payload["scopes"]:
        prev = None
        for at, v, n in payload["series"][scope].get(metric, []):
            t = epoch(at) * 1000
            if prev is not None and t - prev > w_ms:  # a window with no row: break the line
                points.append({"scope": _scope_name(scope), "t": prev + w_ms, "window": "", "v": None, "n": 0})
            points.append({"scope": _scope_name(scope), "t": t + w_ms // 2, "window": _window(at, w_ms),
                           "v": v if v is None else round(v, 6), "n": n})
            prev = t
    values = [p["v"] for p in points if p["v"] is not None]
    top = max(values, default=0.0)
    levels, far = [], []
    for name in ("warning", "critical"):
        for lv in sorted({(per.get(metric) or {}).get(name) for per in payload["levels"].values()} - {None}):
            near = share or (top > 0 and lv <= LEVEL_REACH * top)
            (levels if near else far).append({"level": name, "value": lv, "text": _level_text(name, lv, unit, share)})
    if share:
        y_scale: dict[str, Any] = {"domain": [0, 1]}
        y_axis: dict[str, Any] = {"format": ".0%", "tickCount": 5}
    else:
        hi = max([top, *(lv["value"] for lv in levels)]) or 1.0
        y_scale = {"domain": [0, hi * 1.1], "nice": True, "zero": True}
        y_axis = {"tickCount": 5, "format": ",d" if metric in COUNTS else ",.3~f", "tickMinStep": 1 if metric in COUNTS else None}
        y_axis = {k: v for k, v in y_axis.items() if v is not None}
    y_title = info["label"] + (f" ({unit})" if unit else "")
    value_format = ".1%" if share else (",d" if metric in COUNTS else ",.2f")
    bands = []
    for alert in payload["alerts"]:
        a0 = max(epoch(alert["opened_window"]) * 1000, t0)
        a1 = min(epoch(alert["closed_window"]) * 1000 + w_ms if alert["closed_window"] else t1, t1)
        if a1 > a0:
            on = metric in alert["metrics"]
            bands.append({"key": alert["key"], "t": a0, "t_end": a1, "severity": alert["severity"],
                          "on_metric": on, "scope": _scope_name(alert["provider"] or ALL), "status": alert["status"],
                          "from": _clock(a0), "to": _clock(a1) if alert["closed_window"] else "still open",
                          "colour": SEVERITY.get(alert["severity"], SEVERITY["warning"]) if on else "#8a94a0"})
    x = {"field": "t", "type": "temporal", "title": "UTC",
         "scale": {"type": "utc", "domainMin": t0, "domainMax": t1},  # (a domain array clashes with the bands' x2)
         "axis": {"format": "%b %d %H:%M" if payload["from"][:10] != payload["to"][:10] else "%H:%M",
                  "tickCount": 8, "labelOverlap": True}}
    y = {"field": "v", "type": "quantitative", "title": y_title, "scale": y_scale, "axis": y_axis}
    layers: list[dict[str, Any]] = []
    if bands:
        layers.append({"data": {"values": bands}, "mark": {"type": "rect", "opacity": 0.18},
                       "encoding": {"x": x, "x2": {"field": "t_end"},
                                    "color": {"field": "colour", "type": "nominal", "scale": None},
                                    "tooltip": [{"field": "severity", "title": "alert"}, {"field": "scope"},
                                                {"field": "status"},
                                                {"field": "from", "title": "from (UTC)"}, {"field": "to", "title": "to (UTC)"}]}})
    if levels:
        level_y = {**y, "field": "value"}  # the same scale and axis as the lines, or the axis is lost
        layers.append({"data": {"values": levels}, "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 1.2},
                       "encoding": {"y": level_y, "color": {"field": "level", "type": "nominal", "legend": None,
                                                            "scale": {"domain": list(LEVEL_COLOUR), "range": list(LEVEL_COLOUR.values())}},
                                    "tooltip": [{"field": "text", "title": "level"}]}})
        layers.append({"data": {"values": levels}, "mark": {"type": "text", "align": "right", "dy": -5, "fontSize": 10},
                       "encoding": {"y": level_y, "x": {"value": 1000}, "text": {"field": "text"},
                                    "color": {"field": "level", "type": "nominal", "legend": None,
                                              "scale": {"domain": list(LEVEL_COLOUR), "range": list(LEVEL_COLOUR.values())}}}})
    scopes = [_scope_name(s) for s in payload["scopes"]]
    tooltip = [{"field": "scope"}, {"field": "window", "title": "window (UTC)"},
               {"field": "v", "type": "quantitative", "title": y_title, "format": value_format},
               {"field": "n", "type": "quantitative", "title": "parses"}]
    layers.append({"data": {"name": "points"},
                   "mark": {"type": "line", "invalid": "break-paths-show-domains", "point": False, "interpolate": "linear"},
                   "encoding": {"x": x, "y": y,
                                "color": {"field": "scope", "type": "nominal", "legend": None,
                                          "scale": {"domain": scopes, "range": [colours[s] for s in payload["scopes"]]}},
                                "strokeWidth": {"condition": {"test": "datum.scope === 'all providers'", "value": 2.4}, "value": 1.5},
                                "tooltip": tooltip}})
    # invisible points under the lines give every window a tooltip target
    layers.append({"data": {"name": "points"}, "transform": [{"filter": "isValid(datum.v)"}],
                   "mark": {"type": "point", "opacity": 0, "size": 60},
                   "encoding": {"x": x, "y": y, "tooltip": tooltip}})
    # The points are named once and drawn twice (a line, and invisible points for the tooltips).
    return {"$schema": SCHEMA, "datasets": {"points": points}, "width": 1000, "height": 200, "config": CONFIG,
            "resolve": {"scale": {"color": "independent"}}, "layer": layers,
            "usermeta": {"metric": metric, "levels_drawn": levels, "levels_named": far, "alerts": bands}}


def render_html(payload: dict[str, Any]) -> str:
    """The report page of one ``Monitor.series()`` payload."""
    colours = _colours(payload["scopes"])
    specs = {}
    charts = []
    for metric, info in payload["metrics"].items():
        if not any(metric in per for per in payload["series"].values()):
            continue
        specs[f"chart-{metric}"] = metric_chart(metric, info, payload, colours)
        far = specs[f"chart-{metric}"]["usermeta"]["levels_named"]
        charts.append({"id": f"chart-{metric}", "metric": metric, "label": info["label"],
                       "far": " and ".join(f["text"] for f in far)})
    alerts = []
    for a in payload["alerts"]:
        figures = [f"{v.get('label', m)} {_fmt(v.get('worst', v.get('value')), v.get('unit', ''))}"
                   for m, v in a["metrics"].items()]
        alerts.append({**a, "scope": _scope_name(a["provider"] or ALL), "figures": figures})
    return render("monitor_report.html.j2", title="signalos monitor", charts=specs, p=payload, chart_list=charts,
                  alerts=alerts, legend=[(_scope_name(s), c) for s, c in colours.items()],
                  open_now=sum(a["status"] == "open" for a in payload["alerts"]),
                  providers=sum(s != ALL for s in payload["scopes"]), severity=SEVERITY)
