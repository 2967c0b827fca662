"""A synthetic production log for demonstrations and tests of the monitor.

``simulate_log`` writes ``parse_log`` rows, minute by minute, for a few providers with stable
templates; from ``switch_at`` on, one provider posts in a layout its parser was not built for, so
its success rate drops and a template new to it appears. Seeded, so a run reproduces.
"""
from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from typing import Any

from signalos.monitor.timeutil import epoch, iso

TEMPLATES = {
    "alpha": "XAUUSD BUY @ {p:.2f}\nSL {sl:.2f}\nTP {tp:.2f}",
    "beta": "#EURUSD sell now\nEntry {p:.4f}\nStop {sl:.4f}\nTarget {tp:.4f}",
    "gamma": "BTCUSDT LONG x{lev} entry {p:.0f} sl {sl:.0f} tp1 {tp:.0f}",
}
SYMBOLS = {"alpha": ("XAUUSD", 2300.0), "beta": ("EURUSD", 1.085), "gamma": ("BTCUSDT", 64000.0)}
NEW_TEMPLATE = "🔥 {sym} 🔥 SHORT zone {p} - {p2} | invalidation {sl} | targets {tp} / {tp2}"
CHATTER = ("Good morning traders!", "Market is quiet today, stay patient.", "Join our VIP group now",
           "Weekly results: +420 pips", "Remember your risk management")


def _row(at: int, provider: str, text: str, *, parser: str | None, accepted: bool, confidence: float,
         kind: str, symbol: str | None, warnings: list[str], latency: float, pipeline: str) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": kind, "parser": parser, "confidence": confidence, "accepted": accepted,
                              "warnings": warnings}
    if kind == "signal":
        result["symbol"] = symbol
    return {"created_at": iso(at), "text": text, "text_hash": hashlib.sha256(text.encode()).hexdigest(),
            "provider": provider, "chat_id": f"chat-{provider}", "user_id": None, "pipeline": pipeline,
            "parser": parser, "model_version": None, "result": json.dumps(result), "kind": kind,
            "confidence": confidence, "accepted": int(accepted), "latency_ms": latency, "error": None,
            "correction": None}


def simulate_rows(start: str, hours: float, *, providers: Sequence[str] = ("alpha", "beta", "gamma"),
                  per_minute: float = 4.0, switch_provider: str = "beta", switch_at: float | None = 8.0,
                  success: float = 0.97, broken_success: float = 0.3, seed: int = 7,
                  pipeline: str = "default", first_parser: str = "channel", fallback_parser: str = "regex",
                  broken_parser: str | None = None, broken_confidence: float = 0.6):
    """Yield parse_log rows, oldest first: ``per_minute`` messages per provider and minute for
    ``hours`` from ``start``; ``switch_provider`` changes format ``switch_at`` hours in. In the new
    format ``broken_success`` of its messages are still read, by ``broken_parser`` (the fallback
    parser unless named: a retrained first parser models the fix) at ``broken_confidence``."""
    rng = random.Random(seed)
    t0 = epoch(start)
    for minute in range(int(hours * 60)):
        for provider in providers:
            for _ in range(_poisson(rng, per_minute)):
                at = t0 + minute * 60 + rng.randrange(60)
                yield _message(rng, at, provider, broken=(provider == switch_provider and switch_at is not None
                                                          and minute >= switch_at * 60),
                               success=success, broken_success=broken_success, pipeline=pipeline,
                               first_parser=first_parser, fallback_parser=fallback_parser,
                               broken_parser=broken_parser or fallback_parser, broken_confidence=broken_confidence)


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: small rates only, which is all a simulation per minute needs
    import math

    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _message(rng, at, provider, *, broken, success, broken_success, pipeline, first_parser, fallback_parser,
             broken_parser, broken_confidence):
    latency = rng.lognormvariate(1.0, 0.5)
    if rng.random() < 0.08:
        return _row(at, provider, rng.choice(CHATTER), parser=first_parser, accepted=True, confidence=0.9,
                    kind="noise", symbol=None, warnings=[], latency=latency, pipeline=pipeline)
    sym, base = SYMBOLS.get(provider, ("EURUSD", 1.085))
    p = base * (1 + rng.uniform(-0.01, 0.01))
    if broken:
        text = NEW_TEMPLATE.format(sym=sym, p=round(p, 4), p2=round(p * 1.001, 4), sl=round(p * 1.004, 4),
                                   tp=round(p * 0.996, 4), tp2=round(p * 0.99, 4))
        if rng.random() < broken_success:
            return _row(at, provider, text, parser=broken_parser, accepted=True, confidence=broken_confidence, kind="signal",
                        symbol=sym, warnings=[], latency=latency * 3, pipeline=pipeline)
        return _row(at, provider, text, parser=None, accepted=False, confidence=0.0, kind="noise", symbol=None,
                    warnings=["no parser answered"], latency=latency * 3, pipeline=pipeline)
    text = TEMPLATES.get(provider, TEMPLATES["alpha"]).format(p=p, sl=p * 0.995, tp=p * 1.01, lev=rng.choice((5, 10, 20)))
    if rng.random() < success:
        return _row(at, provider, text, parser=first_parser, accepted=True, confidence=rng.uniform(0.85, 0.99),
                    kind="signal", symbol=sym, warnings=[], latency=latency, pipeline=pipeline)
    return _row(at, provider, text, parser=fallback_parser, accepted=False, confidence=0.3, kind="signal", symbol=sym,
                warnings=["stop loss on the wrong side of the entry"], latency=latency, pipeline=pipeline)


def write_rows(db, rows) -> int:
    """Append rows to ``parse_log``; returns how many."""
    rows = list(rows)
    db["parse_log"].insert_all(rows, batch_size=2000)
    return len(rows)


def replay(monitor, rows, *, start: str, hours: float, every_s: int = 900, **check_kw):
    """Live replay: before each check (every ``every_s`` from ``start``), log only the rows whose
    time has come, as a bot would have; yields every check's result as it is made."""
    pending = sorted(rows, key=lambda r: r["created_at"])
    t0, i = epoch(start), 0
    for k in range(1, int(hours * 3600 // every_s) + 1):
        now = t0 + k * every_s
        j = i
        while j < len(pending) and epoch(pending[j]["created_at"]) < now:
            j += 1
        if j > i:
            write_rows(monitor.db, pending[i:j])
            i = j
        yield monitor.check(now=iso(now), **check_kw)
