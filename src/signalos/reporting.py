"""What the HTML reports share: the Jinja2 environment, number formats, and the inlined chart scripts.

A report is one self-contained file: its CSS, its small table script and Vega-Lite's three
minified scripts (``templates/vendor``, about 830 KB together) are inlined, and the charts are
Vega-Lite specifications embedded as JSON, drawn by the browser. Nothing is fetched, so the page
opens offline and can be mailed or attached to a ticket as it is.
"""
from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any

VENDOR = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


@cache
def environment() -> Any:
    """The Jinja2 environment over ``signalos/templates`` (autoescaped: every text is escaped
    unless a template marks it safe)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("signalos", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=pct, ms=ms, pts=pts, num=num, json_script=json_script, sortkey=sortkey, show=show)
    return env


@cache
def _asset(name: str) -> str:
    return resources.files("signalos").joinpath("templates", name).read_text(encoding="utf-8")


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with the shared CSS, script and chart libraries."""
    from markupsafe import Markup

    # The vendored scripts hold no "</script": checked by tests/test_eval_report.py, so they can be
    # inlined as they are.
    vendor = Markup("".join(f"<script>{_asset('vendor/' + name)}</script>" for name in VENDOR))
    return environment().get_template(template).render(
        css=Markup(_asset("report.css")), script=Markup(_asset("report.js")), vendor=vendor, **context)


def pct(value: Any, digits: int = 1) -> str:
    """A share as the CLI prints it: ``0.9631`` → ``96.3%``; no value → ``–``."""
    if not _finite(value):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def pts(value: Any, digits: int = 1) -> str:
    """A difference of two shares in percentage points, signed: ``+2.5 pts``."""
    if not _finite(value):
        return "–"
    return f"{100 * float(value):+.{digits}f} pts"


def ms(value: Any) -> str:
    """Milliseconds to three significant digits (``0.132 ms``, ``41.5 ms``), whole from 1,000 ms on
    (``5,200 ms``)."""
    if not _finite(value):
        return "–"
    v = float(value)
    return f"{v:,.0f} ms" if abs(v) >= 1000 else f"{v:.3g} ms"


def num(value: Any) -> str:
    """A count with thousands separators; a float to 4 significant digits, whole from 1,000 on."""
    if isinstance(value, bool) or value is None:
        return "–" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if _finite(value):
        v = float(value)
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(value)


def show(value: Any) -> str:
    """A label's or a prediction's value as a reader wants it: text as it is, a list of prices as
    ``2350, 2360``, anything else as compact JSON; the template escapes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, str)) for v in value):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _plain(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, dict) and "type" in v for v in value):
        return ", ".join(_action(v) for v in value)  # an update's actions: "close_partial 50%, move_sl @2350"
    return json.dumps(value, ensure_ascii=False, default=str)


def _action(action: dict[str, Any]) -> str:
    parts = [str(action["type"])]
    if action.get("price") is not None:
        parts.append(f"@{_plain(action['price'])}")
    if action.get("percent") is not None:
        parts.append(f"{_plain(action['percent'])}%")
    if action.get("tp") is not None:
        parts.append(f"TP{_plain(action['tp'])}")
    parts += [f"{k}={_plain(v)}" for k, v in action.items() if k not in ("type", "price", "percent", "tp") and v is not None]
    return " ".join(parts)


def _plain(v: Any) -> str:
    # every digit of a price, no "2350.0"
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def sortkey(value: Any) -> str:
    """The ``data-sort`` text of a table cell: the raw number, so a column sorts by value, not by
    its formatted text; a missing value sorts first."""
    return repr(float(value)) if _finite(value) else "-1e300"


def json_script(value: Any) -> Any:
    """``value`` as JSON safe inside ``<script type="application/json">`` (no ``<``, ``>`` or ``&``
    that could end the element), NaN and infinities as null."""
    from markupsafe import Markup

    text = json.dumps(_finite_tree(value), ensure_ascii=False, allow_nan=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _finite_tree(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_tree(v) for v in value]
    return value
