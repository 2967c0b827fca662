"""The evaluation report's charts as Vega-Lite specifications (drawn by the browser, offline).

Each function returns a plain dict, embedded in the page as JSON; the data rides inside the spec
(``data.values``), so a test can read what a chart draws without a browser. Shares are 0-1 and
shown as percent; latency is in milliseconds.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier only: nothing is fetched
BLUE, RED, GREEN, GREY = "#3b6ea5", "#c0463c", "#2f8a4a", "#8a94a0"
CONFIG = {"font": "system-ui, sans-serif", "view": {"stroke": None},
          "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal", "gridColor": "#e6e9ee"},
          "title": {"fontSize": 13, "fontWeight": "normal", "anchor": "start"}}


def _spec(title: str, width: int, height: int | str, **rest: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "title": title, "width": width, "height": height, "config": CONFIG, **rest}


def field_f1(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """F1 per labelled field as horizontal bars (percent axis), precision, recall and support in the
    tooltip. Fields nobody labelled or predicted are left out: they have no F1."""
    rows = [{"field": f, "f1": v["f1"], "precision": v["precision"], "recall": v["recall"],
             "support": v["support"], "correct": v["correct"], "wrong": v["incorrect"], "missed": v["missed"],
             "spurious": v["spurious"]}
            for f, v in fields.items() if v.get("support") or v.get("spurious")]
    return _spec("F1 per field", 320, {"step": 22}, data={"values": rows}, mark={"type": "bar", "color": BLUE},
                 encoding={
                     "y": {"field": "field", "type": "nominal", "sort": None, "title": None},
                     "x": {"field": "f1", "type": "quantitative", "title": "F1", "scale": {"domain": [0, 1]},
                           "axis": {"format": ".0%", "tickCount": 5}},
                     "tooltip": [{"field": "field"}, {"field": "f1", "title": "F1", "format": ".1%"},
                                 {"field": "precision", "format": ".1%"}, {"field": "recall", "format": ".1%"},
                                 {"field": "support", "title": "labelled"}, {"field": "correct"},
                                 {"field": "wrong"}, {"field": "missed"}, {"field": "spurious"}]})


def confusion(labels: Sequence[str], columns: Sequence[str], matrix: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The kind confusion matrix: rows labelled, columns predicted, cells shaded by the row's share
    (right answers blue, wrong ones red), the count written in each cell."""
    rows = []
    for r in labels:
        total = sum(matrix.get(r, {}).values())
        for c in columns:
            n = int(matrix.get(r, {}).get(c, 0))
            rows.append({"labelled": r, "predicted": c, "n": n, "share": n / total if total else 0.0,
                         "right": r == c})
    base = {"x": {"field": "predicted", "type": "nominal", "sort": list(columns), "axis": {"orient": "top", "labelAngle": 0}},
            "y": {"field": "labelled", "type": "nominal", "sort": list(labels)}}
    tooltip = [{"field": "labelled"}, {"field": "predicted"}, {"field": "n", "title": "messages"},
               {"field": "share", "title": "share of the labelled kind", "format": ".1%"}]
    return _spec("kinds: rows labelled, columns predicted", 70 * len(columns), 46 * len(labels),
                 data={"values": rows}, layer=[
                     {"mark": {"type": "rect", "stroke": "white"},
                      "encoding": {**base, "tooltip": tooltip,
                                   "color": {"condition": {"test": "datum.right", "value": BLUE}, "value": RED},
                                   "opacity": {"field": "share", "type": "quantitative", "legend": None,
                                               "scale": {"domain": [0, 1], "range": [0.08, 0.9]}}}},
                     {"mark": {"type": "text", "fontSize": 13},
                      "encoding": {**base, "text": {"field": "n"}, "tooltip": tooltip}}])


def latency_histogram(edges: Sequence[float], counts: Sequence[int], *, batched: Sequence[str] = ()) -> dict[str, Any]:
    """Messages per latency bin (ms). Empty bins at either end are trimmed, so the bars fill the
    chart. With ``batched`` parsers the latencies are each message's even share of its batch's
    time, and the title and axis say so."""
    bins = [{"lo": edges[i], "hi": edges[i + 1], "n": int(c)} for i, c in enumerate(counts)]
    nonzero = [i for i, b in enumerate(bins) if b["n"]]
    if nonzero:
        bins = bins[nonzero[0]:nonzero[-1] + 1]
    if batched:
        verb = "parses" if len(batched) == 1 else "parse"
        title = f"per-message share of each batch's time ({', '.join(batched)} {verb} a batch in one call)"
        axis = "batch time ÷ messages in the batch (ms)"
    else:
        title, axis = "latency per message", "latency per message (ms)"
    lo = bins[0]["lo"] if bins else 0
    return _spec(title, 420, 200, data={"values": bins}, mark={"type": "bar", "color": BLUE, "binSpacing": 1},
                 encoding={
                     "x": {"field": "lo", "type": "quantitative", "bin": {"binned": True}, "title": axis,
                           "scale": {"domain": [lo, bins[-1]["hi"] if bins else 1], "nice": False},
                           "axis": {"tickCount": 6}},
                     "x2": {"field": "hi"},
                     "y": {"field": "n", "type": "quantitative", "title": "messages",
                           "axis": {"tickMinStep": 1, "format": "d"}},
                     "tooltip": [{"field": "lo", "title": "from (ms)", "format": ",.4~g"},
                                 {"field": "hi", "title": "to (ms)", "format": ",.4~g"},
                                 {"field": "n", "title": "messages"}]})


def categories(cats: dict[str, int]) -> dict[str, Any]:
    """How many mistakes of each category the failing messages hold (a message can hold several)."""
    rows = [{"category": c.replace("_", " "), "n": n} for c, n in cats.items()]
    return _spec("mistakes per category", 320, {"step": 20}, data={"values": rows},
                 mark={"type": "bar", "color": RED},
                 encoding={"y": {"field": "category", "type": "nominal", "sort": "-x", "title": None},
                           "x": {"field": "n", "type": "quantitative", "title": "mistakes",
                                 "axis": {"tickMinStep": 1, "format": "d"}},
                           "tooltip": [{"field": "category"}, {"field": "n", "title": "mistakes"}]})


def field_deltas(fields: dict[str, dict[str, Any]], a: str, b: str) -> dict[str, Any]:
    """F1 of b minus F1 of a per field, in percentage points, with the paired-bootstrap 95% interval
    as a whisker; right of zero is better in b."""
    rows = [{"field": f, "delta": v["f1_delta"], "lo": v["f1_delta_ci"][0], "hi": v["f1_delta_ci"][1],
             "f1_a": v["f1_a"], "f1_b": v["f1_b"]} for f, v in fields.items()]
    y = {"field": "field", "type": "nominal", "sort": None, "title": None}
    tooltip = [{"field": "field"}, {"field": "f1_a", "title": f"F1 {a}", "format": ".1%"},
               {"field": "f1_b", "title": f"F1 {b}", "format": ".1%"},
               {"field": "delta", "title": "ΔF1 (b − a)", "format": "+.1%"},
               {"field": "lo", "title": "95% from", "format": "+.1%"}, {"field": "hi", "title": "95% to", "format": "+.1%"}]
    x = {"type": "quantitative", "title": f"F1 of {b} minus F1 of {a}", "axis": {"format": "+.0%", "tickCount": 6}}
    return _spec("ΔF1 per field, with its 95% interval", 360, {"step": 24}, data={"values": rows}, layer=[
        {"mark": {"type": "rule", "color": GREY}, "data": {"values": [{"zero": 0}]},
         "encoding": {"x": {"field": "zero", **x}}},
        {"mark": {"type": "rule", "strokeWidth": 1.5},
         "encoding": {"y": y, "x": {"field": "lo", **x}, "x2": {"field": "hi"}, "tooltip": tooltip,
                      "color": {"value": GREY}}},
        {"mark": {"type": "point", "filled": True, "size": 70},
         "encoding": {"y": y, "x": {"field": "delta", **x}, "tooltip": tooltip,
                      "color": {"condition": [{"test": "datum.delta > 0", "value": GREEN},
                                              {"test": "datum.delta < 0", "value": RED}], "value": GREY}}}])
