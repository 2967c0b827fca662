"""A tiny labelled corpus for the training tests: templated signals, updates and noise, written
here so the tests need neither the real corpus nor a download."""
from __future__ import annotations

import json
import random
from pathlib import Path

SYMBOLS = [("XAUUSD", "GOLD", 2300.0, 1.0), ("EURUSD", "EURUSD", 1.085, 0.001), ("BTCUSDT", "#BTC/USDT", 64000.0, 50.0)]


def _fmt(value: float, step: float) -> str:
    return f"{value:.0f}" if step >= 1 else f"{value:.4f}"


def tiny_corpus(n: int = 48, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        sym, written, price, step = SYMBOLS[i % len(SYMBOLS)]
        price += rng.randint(-20, 20) * step
        kind = ("signal", "signal", "update", "noise")[i % 4]
        if kind == "signal":
            side = rng.choice(["buy", "sell"])
            sign = 1 if side == "buy" else -1
            sl, tp1, tp2 = price - sign * 10 * step, price + sign * 10 * step, price + sign * 20 * step
            text = (f"{written} {side.upper()} NOW @ {_fmt(price, step)}\nSL: {_fmt(sl, step)}\n"
                    f"TP1: {_fmt(tp1, step)}\nTP2: {_fmt(tp2, step)}")
            label = {"kind": "signal", "symbol": sym, "direction": side, "order_type": "market",
                     "entry": [float(_fmt(price, step))], "stop_loss": float(_fmt(sl, step)),
                     "take_profits": [float(_fmt(tp1, step)), float(_fmt(tp2, step))], "leverage": None,
                     "stop_loss_pips": None, "take_profit_pips": []}
        elif kind == "update":
            text = rng.choice(["Move SL to breakeven", "Close all trades now", "TP1 hit ✅"])
            t = {"Move SL to breakeven": "breakeven", "Close all trades now": "close", "TP1 hit ✅": "tp_hit"}[text]
            label = {"kind": "update", "symbol": None,
                     "actions": [{"type": t, "price": None, "percent": None, "tp": 1 if t == "tp_hit" else None}]}
        else:
            text = rng.choice(["Good morning traders!", "Join our VIP channel", "Market is quiet today"])
            label = {"kind": "noise"}
        rows.append({"id": f"t{i:03d}", "text": text, "label": label, "provider": f"p{i % 2}", "language": "en",
                     "origin": "test_fixture", "uncertain": False, "multi": False,
                     "split": "validation" if i % 6 == 5 else "test" if i % 12 == 4 else "train"})
    return rows


def write_corpus(path: Path, n: int = 48, seed: int = 0) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tiny_corpus(n, seed)), encoding="utf-8")
    return path


# Messages written for the llm tests (signals, an update, chatter, Persian digits): the text a
# tiny tokenizer is built on and the answers are compared over.
LLM_TEXTS = [
    "GOLD BUY NOW @ 2310\nSL: 2300\nTP1: 2320\nTP2: 2330",
    "EURUSD sell limit 1.0860 - 1.0870 stop 1.0900 targets 1.0820 / 1.0800",
    "Close half of the BTC position now",
    "Good morning traders, markets open in an hour",
    "#ETH/USDT LONG x20 entry 3150-3170 SL 3080 TP 3250 3300 3400",
    "طلا خرید ۲۳۱۰ حد ضرر ۲۳۰۰",
]
