"""Window metrics over ``parse_log``, per provider and for all providers together.

A window is ``[k * window_s, (k + 1) * window_s)`` in seconds since 1970, so every process and
every run cuts time the same way. Counts and means are computed by one grouped SQLite query per call;
Python adds providers up into the all-providers row, takes latency percentiles from one ordered
read, and checks instruments against the symbol table through a function registered on the
connection (the table caches its answers).

- ``success_rate``: accepted and no error, over all parses.
- ``fallback_rate``: answered by a parser other than the first of its pipeline, over answered parses.
- ``mean_confidence``; ``latency_p50_ms`` and ``latency_p95_ms`` (nearest rank).
- ``warning_rate``: parses whose result carries validation warnings.
- ``unknown_symbol_rate``: signals with no symbol or one the symbol table does not know, over signals.
- ``new_template_share``: parses in a template new to their provider (see ``templates``);
  ``new_templates``: how many such templates were first seen in the window.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import sqlite_utils

from signalos.monitor.config import MonitorConfig
from signalos.monitor.timeutil import iso
from signalos.normalize import default_symbols

ALL = "*"  # the scope of all providers together
_FN_READY = "_signalos_monitor_functions"


def _known_symbol(symbol: Any) -> int:
    if not isinstance(symbol, str) or not symbol.strip():
        return 0
    return int(default_symbols().canonical(symbol) is not None)


def register_functions(db: sqlite_utils.Database) -> None:
    """Make ``signalos_known_symbol(text)`` available to this connection's SQL."""
    conn = db.conn
    if getattr(db, _FN_READY, False):
        return
    conn.create_function("signalos_known_symbol", 1, _known_symbol, deterministic=True)
    setattr(db, _FN_READY, True)


def refresh_pipelines(db: sqlite_utils.Database, host, since_iso: str | None = None) -> None:
    """Record the first parser of every configured pipeline, and of ``a,b`` chains seen in the log.

    ``monitor_pipelines`` keeps the history: a pipeline's first row (``since = ''``) covers all
    older parses, and a configuration that changes its first parser adds a row from now on, so old
    parses keep counting against the parser that was first when they were made.
    """
    at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows: dict[str, list[str]] = {}
    if host is not None:
        for name, p in host.config.pipelines.items():
            rows[name] = [_base(x) for x in p.parsers]
    sql = "SELECT DISTINCT pipeline FROM parse_log WHERE pipeline LIKE '%,%'"
    args: list[Any] = []
    if since_iso:
        sql += " AND created_at >= ?"
        args.append(since_iso)
    for (name,) in db.execute(sql, args):
        rows.setdefault(name, [_base(x.strip()) for x in name.split(",") if x.strip()])
    latest = {p: f for p, f in db.execute(
        "SELECT pipeline, first_parser FROM monitor_pipelines m WHERE since = "
        "(SELECT max(since) FROM monitor_pipelines h WHERE h.pipeline = m.pipeline)")}
    db.conn.executemany("INSERT OR REPLACE INTO monitor_pipelines (pipeline, since, first_parser, parsers) VALUES (?, ?, ?, ?)",
                        [(k, "" if k not in latest else at, v[0], json.dumps(v)) for k, v in rows.items()
                         if v and latest.get(k) != v[0]])


def _base(parser: str) -> str:
    return parser.partition("@")[0]


_BASE_PARSER = ("CASE WHEN instr(l.parser, '@') > 0 THEN substr(l.parser, 1, instr(l.parser, '@') - 1) "
                "ELSE l.parser END")
_RESULT = "CASE WHEN json_valid(l.result) THEN l.result END"


def _counts_sql(where: str) -> str:
    return f"""
SELECT (unixepoch(l.created_at) - :origin) / :w AS b, coalesce(l.provider, '') AS scope,
  count(*) AS n,
  sum(coalesce(l.accepted, 0) = 1 AND coalesce(l.error, '') = '') AS ok,
  sum(l.parser IS NOT NULL AND fp.first_parser IS NOT NULL) AS answered,
  sum(l.parser IS NOT NULL AND fp.first_parser IS NOT NULL AND {_BASE_PARSER} != fp.first_parser) AS fallbacks,
  sum(l.confidence) AS confidence_sum, count(l.confidence) AS confidence_n,
  sum(coalesce(json_array_length({_RESULT}, '$.warnings'), 0) > 0) AS warned,
  sum(l.kind = 'signal') AS signals,
  sum(l.kind = 'signal' AND NOT signalos_known_symbol(json_extract({_RESULT}, '$.symbol'))) AS unknown,
  sum(coalesce(t.baseline = 0 AND t.count >= :min_count
               AND unixepoch(l.created_at) - unixepoch(t.first_seen_at) <= :recent, 0)) AS in_new,
  count(DISTINCT CASE WHEN t.baseline = 0 AND t.count >= :min_count
                      AND unixepoch(t.first_seen_at) >= :origin AND (unixepoch(t.first_seen_at) - :origin) / :w
                      = (unixepoch(l.created_at) - :origin) / :w THEN t.id END) AS new_templates
FROM parse_log l
LEFT JOIN monitor_pipelines fp ON fp.pipeline = l.pipeline AND fp.since = (
  SELECT max(h.since) FROM monitor_pipelines h WHERE h.pipeline = l.pipeline AND h.since <= l.created_at)
LEFT JOIN monitor_log_templates lt ON lt.log_id = l.id
LEFT JOIN monitor_templates t ON t.id = lt.template_id
WHERE {_RANGE} {where}
GROUP BY b, scope"""


# The ISO bounds let SQLite use the created_at index; unixepoch() decides exactly.
_RANGE = ("l.created_at >= :start_iso AND l.created_at < :end_iso AND unixepoch(l.created_at) >= :start "
          "AND unixepoch(l.created_at) < :end")
_ADDITIVE = ("n", "ok", "answered", "fallbacks", "confidence_sum", "confidence_n", "warned", "signals", "unknown",
             "in_new", "new_templates")


def _ratio(a: Any, b: Any) -> float | None:
    return None if not b else float(a or 0) / float(b)


def _nearest_rank(values: list[float], q: float) -> float:
    return values[max(0, math.ceil(q * len(values)) - 1)]


def window_metrics(db: sqlite_utils.Database, cfg: MonitorConfig, start: int, end: int, *,
                   providers: list[str] | None = None, overall: bool = True,
                   by_provider: bool = True, window_s: int | None = None,
                   origin: int = 0) -> list[dict[str, Any]]:
    """One row per (window, scope) with data between ``start`` and ``end`` (seconds), oldest first.

    Windows are ``window_s`` wide (the configured width by default) counted from ``origin``
    (1970 by default, so every run cuts the same windows; ``status`` passes its own span).
    ``scope`` is the provider ("" when the log has none) or ``"*"`` for all providers together.
    Every row has ``n``, the per-metric samples (``answered``, ``signals``) and the metrics.
    """
    register_functions(db)
    w = window_s or cfg.window_s
    params: dict[str, Any] = {"w": w, "origin": origin, "start": start, "end": end,
                              "start_iso": iso(start - 86400)[:19], "end_iso": iso(end + 86400)[:19],
                              "min_count": cfg.templates.min_count, "recent": cfg.templates.recent_s}
    where = ""
    if providers:
        names = []
        for i, p in enumerate(providers):
            params[f"p{i}"] = p
            names.append(f":p{i}")
        where = f"AND coalesce(l.provider, '') IN ({', '.join(names)})"
    counts: dict[tuple[int, str], dict[str, Any]] = {}
    cur = db.execute(_counts_sql(where), params)
    cols = [c[0] for c in cur.description]
    for r in cur.fetchall():
        row = dict(zip(cols, r))
        counts[(row["b"], row["scope"])] = row
        if overall:
            # Every count adds up across providers (templates are per provider, so distinct
            # new templates too): the all-providers row costs no second pass over the log.
            total = counts.setdefault((row["b"], ALL), {"b": row["b"], "scope": ALL, **dict.fromkeys(_ADDITIVE, 0)})
            for k in _ADDITIVE:
                total[k] += row[k] or 0
    if not by_provider:
        counts = {k: v for k, v in counts.items() if k[1] == ALL}
    # Percentiles: one ordered read, ranks taken in Python (SQLite's window functions are slower here).
    latencies: dict[tuple[int, str], list[float]] = {}
    for b, scope, v in db.execute(
            f"SELECT (unixepoch(l.created_at) - :origin) / :w, coalesce(l.provider, ''), l.latency_ms FROM parse_log l "
            f"WHERE l.latency_ms IS NOT NULL AND {_RANGE} {where} ORDER BY l.latency_ms", params):
        latencies.setdefault((b, scope), []).append(v)
        if overall:
            latencies.setdefault((b, ALL), []).append(v)
    out = []
    for key in sorted(counts, key=lambda k: (k[0], k[1] == ALL, k[1])):
        row = counts[key]
        n, lat = row["n"], latencies.get(key)
        out.append({
            "window_start": origin + row["b"] * w, "scope": row["scope"], "n": n,
            "answered": row["answered"] or 0, "signals": row["signals"] or 0,
            "success_rate": _ratio(row["ok"], n),
            "fallback_rate": _ratio(row["fallbacks"], row["answered"]),
            "mean_confidence": _ratio(row["confidence_sum"], row["confidence_n"]),
            "latency_p50_ms": _nearest_rank(lat, 0.5) if lat else None,
            "latency_p95_ms": _nearest_rank(lat, 0.95) if lat else None,
            "warning_rate": _ratio(row["warned"], n),
            "unknown_symbol_rate": _ratio(row["unknown"], row["signals"]),
            "new_template_share": _ratio(row["in_new"], n),
            "new_templates": int(row["new_templates"] or 0),
        })
    return out


def sample_of(row: dict[str, Any], spec) -> int:
    """The number of parses a metric's value in ``row`` rests on."""
    return int(row.get(spec.sample) or 0)
