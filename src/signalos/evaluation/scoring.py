"""The scoring core: how one prediction is judged against one label (SCHEMA.md v1).

These rules are the ones of ``shared/score.py`` and must stay in agreement with it: a base-only
crypto symbol matches base + USDT/USD/BUSD/USDC/PERP, entry prices compare as sorted lists,
targets in the order written, numbers within a relative 1e-6 / absolute 1e-9 tolerance, updates by
the multiset of their action types. Everything works on schema dicts (``ParseResult.to_schema()``
or a label), so a prediction file and a live chain are scored by the same code.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

QUOTES = ("USDT", "USD", "BUSD", "USDC", "PERP")
# The fields that decide an exact match of a signal, as in score.py.
CORE_FIELDS = ("symbol", "direction", "entry", "stop_loss", "take_profits")
# Scored where labelled; they do not decide an exact match.
OPTIONAL_FIELDS = ("order_type", "leverage", "stop_loss_pips", "take_profit_pips")
SIGNAL_FIELDS = CORE_FIELDS + OPTIONAL_FIELDS
LIST_FIELDS = ("entry", "take_profits", "take_profit_pips")
NUMBER_FIELDS = ("stop_loss", "leverage", "stop_loss_pips")

# Pip sizes by instrument, for a tolerance given in pips. Crypto has no pip: no pip tolerance.
DEFAULT_PIP_SIZES = {
    "XAUUSD": 0.1, "XAGUSD": 0.01, "USOIL": 0.01, "UKOIL": 0.01,
    "US30": 1.0, "NAS100": 1.0, "SPX500": 0.1, "GER40": 1.0, "UK100": 1.0,
}
FOREX_CURRENCIES = frozenset("USD EUR GBP JPY CHF CAD AUD NZD SEK NOK DKK SGD HKD ZAR MXN TRY PLN CNH".split())


def _float_map(value: Mapping[str, Any] | None) -> dict[str, float]:
    return {canon_symbol(k): float(v) for k, v in (value or {}).items()}


@attrs.frozen
class Tolerance:
    """When two prices are the same price.

    ``rel_tol``/``abs_tol`` follow :func:`math.isclose`. With ``pips`` > 0, two prices of an
    instrument with a known pip size (``pip_sizes`` overrides :data:`DEFAULT_PIP_SIZES`; forex
    pairs are 0.0001, JPY pairs 0.01) are also equal when they differ by at most that many pips.
    """

    rel_tol: float = 1e-6
    abs_tol: float = 1e-9
    pips: float = 0.0
    pip_sizes: dict[str, float] = attrs.field(factory=dict, converter=_float_map)

    def pip_size(self, symbol: str | None) -> float | None:
        sym = canon_symbol(symbol)
        if not sym:
            return None
        if sym in self.pip_sizes:
            return self.pip_sizes[sym]
        if sym in DEFAULT_PIP_SIZES:
            return DEFAULT_PIP_SIZES[sym]
        if len(sym) == 6 and sym[:3] in FOREX_CURRENCIES and sym[3:] in FOREX_CURRENCIES:
            return 0.01 if "JPY" in sym else 0.0001
        return None

    def close(self, a: float, b: float, symbol: str | None = None) -> bool:
        if math.isclose(a, b, rel_tol=self.rel_tol, abs_tol=self.abs_tol):
            return True
        if self.pips > 0:
            pip = self.pip_size(symbol)
            # The epsilon keeps "exactly N pips apart" inside the tolerance despite float error.
            return pip is not None and abs(a - b) <= self.pips * pip * (1 + 1e-9)
        return False

    def to_dict(self) -> dict[str, Any]:
        return {"rel_tol": self.rel_tol, "abs_tol": self.abs_tol, "pips": self.pips,
                "pip_sizes": dict(self.pip_sizes)}

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None, default: Tolerance | None = None) -> Tolerance:
        """A tolerance from an evaluator's options (``rel_tol``, ``abs_tol``, ``pips``,
        ``pip_sizes``), falling back on ``default`` for what they do not say."""
        base = default or cls()
        options = options or {}
        return cls(
            rel_tol=float(options.get("rel_tol", base.rel_tol)),
            abs_tol=float(options.get("abs_tol", base.abs_tol)),
            pips=float(options.get("pips", base.pips)),
            pip_sizes={**base.pip_sizes, **_float_map(options.get("pip_sizes"))},
        )


DEFAULT_TOLERANCE = Tolerance()


def canon_symbol(symbol: Any) -> str | None:
    """Upper case, letters and digits only; ``None`` for an empty symbol."""
    if not symbol:
        return None
    return "".join(ch for ch in str(symbol).upper() if ch.isalnum())


def symbol_ok(label: Any, pred: Any) -> bool:
    """Symbols match when equal after :func:`canon_symbol`, or one is the other plus a quote."""
    a, b = canon_symbol(label), canon_symbol(pred)
    if a is None or b is None:
        return a == b
    if a == b:
        return True
    return any(b == a + q or a == b + q for q in QUOTES)


def num_eq(a: Any, b: Any, tol: Tolerance = DEFAULT_TOLERANCE, symbol: str | None = None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return tol.close(a, b, symbol)


def as_list(value: Any) -> list:
    """A list field as a list; a lone value (a hand-written prediction file) is a list of one."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def list_eq(a: Any, b: Any, sort: bool = False, tol: Tolerance = DEFAULT_TOLERANCE,
            symbol: str | None = None) -> bool:
    a, b = as_list(a), as_list(b)
    if len(a) != len(b):
        return False
    try:
        if sort:
            a, b = sorted(map(float, a)), sorted(map(float, b))
    except (TypeError, ValueError):
        return False
    return all(num_eq(x, y, tol, symbol) for x, y in zip(a, b))


def field_ok(field: str, label: Mapping[str, Any], pred: Mapping[str, Any],
             tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """Whether ``pred`` has the labelled value of one signal field (absent = absent is right)."""
    lv, pv = label.get(field), pred.get(field)
    symbol = label.get("symbol")
    if field == "symbol":
        return symbol_ok(lv, pv)
    if field == "direction":
        return (lv or None) == (str(pv).lower() if pv else None)
    if field == "order_type":
        return (lv or None) == (pv or None)
    if field == "entry":
        return list_eq(lv, pv, sort=True, tol=tol, symbol=symbol)
    if field in ("take_profits", "take_profit_pips"):
        return list_eq(lv, pv, tol=tol, symbol=symbol)
    if field in ("stop_loss", "leverage"):
        return num_eq(lv, pv, tol, symbol)
    if field == "stop_loss_pips":
        return num_eq(lv, pv, tol)  # a pip count, not a price: no pip tolerance
    raise KeyError(field)


def present(value: Any) -> bool:
    """Whether a field holds something (``None``, ``""`` and ``[]`` are absence)."""
    return value is not None and value != "" and value != [] and value != ()


def action_types(obj: Mapping[str, Any]) -> Counter:
    return Counter(a.get("type") for a in as_list(obj.get("actions")) if isinstance(a, dict))


def actions_exact(label: Mapping[str, Any], pred: Mapping[str, Any], tol: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """Stricter than exact match: every action's type, price, percent and target, in order."""
    la = [a for a in as_list(label.get("actions")) if isinstance(a, dict)]
    pa = [a for a in as_list(pred.get("actions")) if isinstance(a, dict)]
    if len(la) != len(pa):
        return False
    return all(
        x.get("type") == y.get("type") and num_eq(x.get("price"), y.get("price"), tol)
        and num_eq(x.get("percent"), y.get("percent"), tol) and x.get("tp") == y.get("tp")
        for x, y in zip(la, pa)
    )


@attrs.frozen
class RowScore:
    """The verdict on one message: kind, exact match, and each field of a labelled signal."""

    kind: str
    pred_kind: str | None
    kind_ok: bool
    exact: bool
    fields: dict[str, bool]  # CORE_FIELDS of a labelled signal, False when the kind is wrong
    optional: dict[str, bool]  # order_type / leverage where the label sets them


def score_row(label: Mapping[str, Any], pred: Mapping[str, Any] | None,
              tol: Tolerance = DEFAULT_TOLERANCE) -> RowScore:
    """Judge one prediction (a schema dict, ``{}`` for none) against one label."""
    pred = pred if isinstance(pred, Mapping) else {}
    k = label["kind"]
    pk = pred.get("kind")
    ok_kind = pk == k
    fields: dict[str, bool] = {}
    optional: dict[str, bool] = {}
    if k == "signal":
        fields = {f: ok_kind and field_ok(f, label, pred, tol) for f in CORE_FIELDS}
        for f in ("order_type", "leverage"):
            if label.get(f) is not None:
                pv = pred.get(f)
                optional[f] = ok_kind and (num_eq(label[f], pv, tol) if f == "leverage" else label[f] == pv)
        good = all(fields.values())
    elif k == "update":
        good = ok_kind and action_types(label) == action_types(pred)
    else:
        good = ok_kind
    return RowScore(k, pk, ok_kind, good, fields, optional)


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def summarize(scores: Iterable[RowScore]) -> dict[str, Any]:
    """The figures of ``score.py --json`` (less its failures list) from row verdicts."""
    kinds, kind_ok, exact, confusion = Counter(), Counter(), Counter(), Counter()
    field_hits, opt_hits, opt_n = Counter(), Counter(), Counter()
    n = n_signal = 0
    for s in scores:
        n += 1
        kinds[s.kind] += 1
        confusion[(s.kind, s.pred_kind)] += 1
        kind_ok[s.kind] += s.kind_ok
        exact[s.kind] += s.exact
        if s.kind == "signal":
            n_signal += 1
            for f, v in s.fields.items():
                field_hits[f] += v
            for f, v in s.optional.items():
                opt_n[f] += 1
                opt_hits[f] += v
    return {
        "n": n,
        "exact_match": _ratio(sum(exact.values()), n),
        "kind_accuracy": _ratio(sum(kind_ok.values()), n),
        "by_kind": {k: {"n": kinds[k], "exact": _ratio(exact[k], kinds[k]),
                        "kind_ok": _ratio(kind_ok[k], kinds[k])} for k in sorted(kinds)},
        "signal_fields": {f: _ratio(field_hits[f], n_signal) for f in CORE_FIELDS} if n_signal else {},
        "optional_fields": {f: _ratio(opt_hits[f], opt_n[f]) for f in opt_n},
        "confusion": {f"{a}->{b}": c for (a, b), c in sorted(confusion.items(), key=str)},
    }
