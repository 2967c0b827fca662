"""``latency``, ``errors`` and ``slices``: how fast, how it fails, and for whom."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from signalos.evaluation.scoring import CORE_FIELDS, Tolerance, action_types, as_list, field_ok, present
from signalos.evaluation.stats import histogram, percentiles
from signalos.validate import infer_direction


class LatencyEvaluator:
    """Per-message chain latency (p50/p95/p99, mean, max), throughput over the run's wall time,
    per-parser attempt latency, and a histogram. ``batched_parsers`` names the chain's parsers that
    answer a batch in one call (``parse_many``): each of their messages carries an even share of its
    batch's time, so their latencies are shares, not single-message times. Options: ``bins`` (20)."""

    def __init__(self, host, options: dict[str, Any]):
        self.host = host
        self.bins = int(options.get("bins", 20))

    def _batched(self, parsers) -> list[str]:
        out: list[str] = []
        if self.host is None:  # figures given without a host (a test, a run read back): no parser to ask
            return out
        for name in parsers:
            try:
                if callable(getattr(self.host.parser(name), "parse_many", None)):
                    out.append(name)
            except Exception:  # a parser that cannot be built made no batch either
                continue
        return out

    def evaluate(self, run) -> dict[str, Any]:
        lat = [it.latency_ms for it in run.items]
        n = len(lat)
        total_s = sum(lat) / 1000.0
        wall = run.wall_s or total_s
        per_parser: dict[str, list[float]] = defaultdict(list)
        outcomes: dict[str, Counter] = defaultdict(Counter)
        for it in run.items:
            for a in it.attempts:
                per_parser[a.parser].append(a.elapsed_ms)
                outcomes[a.parser]["accepted" if a.accepted else "error" if a.error else "other"] += 1
        return {
            "n": n, **percentiles(lat),
            "mean_ms": round(total_s * 1000 / n, 3) if n else 0.0,
            "max_ms": round(max(lat), 3) if lat else 0.0,
            "parse_s": round(total_s, 4), "wall_s": round(wall, 4),
            "throughput_per_s": round(n / wall, 1) if wall else 0.0,
            "per_parser": {p: {"attempts": len(v), **percentiles(v), "accepted": outcomes[p]["accepted"],
                               "errors": outcomes[p]["error"]} for p, v in sorted(per_parser.items())},
            "histogram": histogram(lat, self.bins),
            "batched_parsers": self._batched(getattr(run, "parsers", ()) or ()),
        }


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def categorize(item, tol: Tolerance) -> list[tuple[str, str]]:
    """The error categories of one message, each with a short detail; ``[]`` when it is right."""
    label, pred = item.label, item.prediction
    k, pk = label["kind"], pred.get("kind")
    out: list[tuple[str, str]] = []
    errored = [a for a in item.attempts if a.error]
    if errored:
        out.append(("parser_error", "; ".join(f"{a.parser}: {a.error}" for a in errored)))
    if pk != k:
        out.append(("wrong_kind", f"labelled {k}, predicted {pk}"))
        return out
    if k == "update":
        lt, pt = action_types(label), action_types(pred)
        if lt - pt:
            out.append(("missing_action", ", ".join(sorted((lt - pt).elements()))))
        if pt - lt:
            out.append(("extra_action", ", ".join(sorted((pt - lt).elements()))))
        return out
    if k != "signal":
        return out
    try:
        inferred = infer_direction(as_list(pred.get("entry")), pred.get("stop_loss"), as_list(pred.get("take_profits")))
    except (TypeError, ValueError):  # a hand-written prediction file may hold text where a price goes
        inferred = None
    if pred.get("direction") and inferred and inferred != pred.get("direction"):
        out.append(("side_violation", f"{pred.get('direction')} but the levels say {inferred}"))
    for f in CORE_FIELDS:
        if field_ok(f, label, pred, tol):
            continue
        lv, pv = label.get(f), pred.get(f)
        if f == "take_profits" and present(lv) and present(pv) and len(as_list(lv)) != len(as_list(pv)):
            cat = "extra_target" if len(as_list(pv)) > len(as_list(lv)) else "missing_target"
            out.append((cat, f"labelled {lv}, predicted {pv}"))
        elif present(lv) and not present(pv):
            out.append(("missing_field", f"{f}: labelled {lv!r}"))
        elif present(pv) and not present(lv):
            out.append(("spurious_field", f"{f}: predicted {pv!r}, not labelled"))
        else:
            out.append(("wrong_value", f"{f}: labelled {lv!r}, predicted {pv!r}"))
    return out


class ErrorsEvaluator:
    """Every message that is not an exact match, sorted into categories (``wrong_kind``,
    ``missing_field``, ``spurious_field``, ``wrong_value``, ``side_violation``, ``extra_target``,
    ``missing_target``, ``missing_action``, ``extra_action``, ``parser_error``, ``not_accepted``),
    each with a count and a few examples. A message can fall in several. Options: ``examples`` (3).
    """

    def __init__(self, host, options: dict[str, Any]):
        self.options = options
        self.examples = int(options.get("examples", 3))

    def evaluate(self, run) -> dict[str, Any]:
        tol = Tolerance.from_options(self.options, run.tolerance)
        counts: Counter = Counter()
        examples: dict[str, list] = defaultdict(list)
        failures = []
        for it, score in zip(run.items, run.scores(tol)):
            if score.exact:
                continue
            cats = categorize(it, tol)
            if not it.predicted.accepted:
                cats.append(("not_accepted", "; ".join(it.predicted.warnings) or "no parser accepted it"))
            failures.append({"id": it.row.id, "line": it.row.line, "kind": score.kind, "pred_kind": score.pred_kind,
                             "categories": sorted({c for c, _ in cats}), "text": _short(it.row.text),
                             "problems": [{"category": c, "detail": d} for c, d in cats]})
            for cat, detail in cats:
                counts[cat] += 1
                if len(examples[cat]) < self.examples:
                    examples[cat].append({"id": it.row.id, "text": _short(it.row.text), "detail": detail,
                                          "label": it.label, "predicted": it.prediction})
        return {
            "n": len(run.items), "failures": len(failures),
            "categories": {c: {"count": n, "examples": examples[c]} for c, n in counts.most_common()},
            "failed": failures,
        }


class SlicesEvaluator:
    """Exact match and kind accuracy per provider, language and labelled kind, with support.
    Options: ``by`` (a list of row attributes, default provider, language, kind), ``min_support``."""

    def __init__(self, host, options: dict[str, Any]):
        self.options = options
        self.by = list(options.get("by", ["provider", "language", "kind"]))
        self.min_support = int(options.get("min_support", 1))

    def evaluate(self, run) -> dict[str, Any]:
        scores = run.scores(Tolerance.from_options(self.options, run.tolerance))
        out = {}
        for key in self.by:
            groups: dict[str, list] = defaultdict(list)
            for it, s in zip(run.items, scores):
                value = it.label["kind"] if key == "kind" else getattr(it.row, key, None)
                groups[str(value) if value is not None else "unknown"].append(s)
            rows = []
            for value, ss in groups.items():
                if len(ss) < self.min_support:
                    continue
                n = len(ss)
                exact = sum(s.exact for s in ss)
                rows.append({"value": value, "n": n, "correct": exact, "exact_match": round(exact / n, 4),
                             "kind_accuracy": round(sum(s.kind_ok for s in ss) / n, 4)})
            out[key] = sorted(rows, key=lambda r: (-r["n"], r["value"]))
        return {"by": self.by, "slices": out}
