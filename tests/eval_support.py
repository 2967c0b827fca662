"""A small labelled corpus and deterministic parsers for the evaluation tests.

``ROWS`` are labelled messages; ``PREDICTED`` says what the ``fixture-oracle`` parser answers for
each, with known mistakes, so every figure of an evaluation can be worked out by hand.
"""
from __future__ import annotations

import json
from pathlib import Path

from signalos.hookspecs import hookimpl
from signalos.models import ParseResult


def sig(symbol, direction, entry, sl, tps, **kw):
    out = {"kind": "signal", "symbol": symbol, "direction": direction, "order_type": None, "entry": entry,
           "stop_loss": sl, "take_profits": tps, "leverage": None, "stop_loss_pips": None, "take_profit_pips": []}
    out.update(kw)
    return out


def upd(*actions, symbol=None):
    return {"kind": "update", "symbol": symbol,
            "actions": [{"type": t, "price": p, "percent": pc, "tp": tp} for t, p, pc, tp in actions]}


NOISE = {"kind": "noise"}

# (id, provider, language, label, prediction, uncertain)
CASES = [
    ("s1", "alpha", "en", sig("XAUUSD", "buy", [2340.0, 2345.0], 2335.0, [2350.0, 2360.0]),
     sig("XAUUSD", "buy", [2345.0, 2340.0], 2335.0, [2350.0, 2360.0]), False),
    ("s2", "beta", "en", sig("BTC", "buy", [30000.0], 29000.0, [31000.0, 32000.0], leverage=10.0),
     sig("BTCUSDT", "buy", [30000.0], 29000.0, [31000.0, 32000.0], leverage=10.0), False),
    ("s3", "alpha", "en", sig("EURUSD", "sell", [1.085], 1.088, [1.082, 1.079, 1.076]),
     sig("EURUSD", "sell", [1.085], 1.088, [1.082, 1.079]), False),
    ("s4", "beta", "ru", sig("GBPUSD", "buy", [1.25], 1.245, [1.255], order_type="limit"), NOISE, False),
    ("s5", "gamma", "en", sig("USDJPY", "sell", [150.2], 150.8, [149.5, 149.0]),
     sig("USDJPY", "sell", [150.2], 150.81, [149.5, 149.0]), False),
    ("s6", "gamma", "en", sig("US30", "buy", [], None, [], order_type="market"),
     sig("US30", "buy", [], 39000.0, [], order_type="market"), False),
    ("u1", "alpha", "en", upd(("breakeven", None, None, None), symbol="XAUUSD"),
     upd(("breakeven", None, None, None), symbol="XAUUSD"), False),
    ("u2", "beta", "en", upd(("close_partial", None, 50.0, None), ("move_sl", 2350.0, None, None)),
     upd(("close_partial", None, 50.0, None)), False),
    ("u3", "alpha", "en", upd(("tp_hit", None, None, 1)), NOISE, False),
    ("n1", "alpha", "en", NOISE, NOISE, False),
    ("n2", "gamma", "es", NOISE, sig("EURUSD", "buy", [1.1], 1.09, [1.11]), False),
    ("s7", "alpha", "en", sig("EURUSD", "buy", [1.1], 1.09, [1.11]),
     sig("EURUSD", "buy", [1.1], 1.12, [1.08]), False),
    ("x1", "alpha", "en", sig("XAUUSD", "sell", [2340.0], 2345.0, [2330.0]), NOISE, True),
]

TEXT = {cid: f"fixture message {cid}: {json.dumps(label)}" for cid, _, _, label, _, _ in CASES}
PREDICTED = {TEXT[cid]: pred for cid, _, _, _, pred, _ in CASES}
LABELS = {TEXT[cid]: label for cid, _, _, label, _, _ in CASES}
# Worked out by hand: right are s1, s2, u1, n1 of the 12 certain rows.
EXACT_IDS = {"s1", "s2", "u1", "n1"}


def rows() -> list[dict]:
    return [{"id": cid, "text": TEXT[cid], "provider": prov, "origin": "test_fixture", "language": lang,
             "label": label, "multi": False, "uncertain": unc, "note": ""}
            for cid, prov, lang, label, _, unc in CASES]


BAD_LINES = [
    "{this is not json",
    json.dumps({"id": "bad-schema", "text": "broken label", "label": {"kind": "signal", "direction": "up"}}),
]


def write_labelled(path: Path, *, bad: bool = False) -> Path:
    """The fixture corpus; with ``bad``, a malformed line (line 3) and a schema-breaking label
    (line 6) among the good ones."""
    lines = [json.dumps(r, ensure_ascii=False) for r in rows()]
    if bad:
        lines.insert(2, BAD_LINES[0])
        lines.insert(5, BAD_LINES[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_predictions(path: Path, answers: dict[str, dict] | None = None) -> Path:
    answers = answers or PREDICTED
    path.write_text("".join(json.dumps({"id": r["id"], **answers[r["text"]]}) + "\n" for r in rows()),
                    encoding="utf-8")
    return path


class TableParser:
    """Answers from a table keyed by the message text; unknown text is "not mine"."""

    def __init__(self, table: dict[str, dict]):
        self.table = table

    def parse(self, message) -> ParseResult | None:
        answer = self.table.get(message.text)
        return None if answer is None else ParseResult.from_schema(answer, confidence=1.0)


class MyEvaluator:
    """A third party's evaluator: the share of labelled signals, and an option from the config."""

    def __init__(self, host, options):
        self.options = options

    def evaluate(self, run) -> dict:
        signals = sum(it.label["kind"] == "signal" for it in run.items)
        return {"messages": len(run.items), "labelled_signals": signals,
                "flag": self.options.get("flag")}


@hookimpl
def register_parsers(register, host):
    register("fixture-oracle", lambda host, options: TableParser(PREDICTED))
    register("fixture-perfect", lambda host, options: TableParser(LABELS))


@hookimpl
def register_evaluators(register, host):
    register("my-eval", MyEvaluator)
