#!/usr/bin/env python3
"""Embedding signalos in a bot's message loop: a paper-trading copier that runs offline.

    python examples/bot.py                         # a built-in demo conversation
    python examples/bot.py < messages.txt          # one message per line ("\\n" for a line break)
    python examples/bot.py --jsonl examples/data/messages.jsonl
    python examples/bot.py --config signalos.toml  # your pipelines (e.g. your channel's parser first)

The loop is what a Telegram or Discord handler would do with each incoming message: parse it,
ignore noise, open a position for a signal only when the chain accepted it (validated and confident
enough), and apply updates (breakeven, move the stop, partial close, close, cancel) to the
position they are about. Nothing here touches a broker: positions live in a dict.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

import attrs

from signalos import Message
from signalos.hookspecs import hookimpl
from signalos.host import Host

DEMO = [
    ("gold-vip", "GOLD BUY NOW @2342-2345\nSL 2335\nTP1 2350\nTP2 2360"),
    ("gold-vip", "Good morning traders! Big week ahead 🚀 join our VIP for 90% accuracy"),
    ("fx-daily", "EURUSD SELL LIMIT 1.0920\nSL 1.0960\nTP 1.0880\nTP 1.0840"),
    ("gold-vip", "TP1 hit ✅ +50 pips, move SL to breakeven"),
    ("fx-daily", "Close half of EURUSD now"),
    ("gold-vip", "If gold breaks 2360 we may look for more buys"),
    ("gold-vip", "Close all gold"),
]


@attrs.define
class Position:
    symbol: str
    direction: str
    entry: float | None  # None: filled at market, price unknown to this paper bot
    stop_loss: float | None
    take_profits: list[float]
    size: float = 1.0


class ParseStats:
    """A plugin living inside the bot: counts parses by parser through the ``parse_completed``
    event, the way a monitoring plugin would."""

    name = "bot-stats"

    def __init__(self):
        self.by_parser: Counter = Counter()

    @hookimpl
    def parse_completed(self, message, result, host):
        self.by_parser[result.parser or "none"] += 1


class PaperBot:
    """Turns each message into at most one action on its paper positions."""

    def __init__(self, host: Host, pipeline: str | None = None):
        self.host = host
        self.pipeline = pipeline
        self.positions: dict[str, Position] = {}
        # Updates often do not name the symbol: they are about the chat's latest signal.
        self.last_symbol: dict[str | None, str] = {}

    def on_message(self, text: str, chat: str | None = None) -> str:
        """Handle one message; returns what the bot did, as a line for its log."""
        result = self.host.parse(Message(text, provider=chat), pipeline=self.pipeline).result
        if result.kind == "noise":
            return "skip: noise"
        if not result.accepted:
            # Never trade a result the chain did not accept: a human should look at it.
            return f"hold for review ({result.kind}): " + "; ".join(result.warnings or ("low confidence",))
        if result.kind == "signal":
            return self.open(result, chat)
        return self.update(result, chat)

    def open(self, signal, chat: str | None = None) -> str:
        entry = sum(signal.entry) / len(signal.entry) if signal.entry else None
        position = Position(signal.symbol, signal.direction, entry, signal.stop_loss, list(signal.take_profits))
        self.positions[signal.symbol] = position
        self.last_symbol[chat] = signal.symbol
        at = "market" if entry is None else f"{entry:g}"
        return (f"open {position.direction} {position.symbol} at {at}, SL {position.stop_loss}, "
                f"TPs {position.take_profits} (parser {signal.parser})")

    def update(self, update, chat: str | None = None) -> str:
        symbol = update.symbol or self.last_symbol.get(chat)
        position = self.positions.get(symbol) if symbol else None
        if position is None:
            return f"ignore update for {symbol or 'an unknown symbol'}: no open position"
        done = []
        for action in update.actions:
            done.append(self.apply(position, action))
            if position.symbol not in self.positions:
                break  # closed or cancelled: later actions have nothing to act on
        return f"{position.symbol}: " + ", ".join(done)

    def apply(self, position: Position, action) -> str:
        kind = action.type
        if kind == "breakeven" and position.entry is not None:
            position.stop_loss = position.entry
            return f"SL to entry {position.entry:g}"
        if kind == "move_sl" and action.price is not None:
            position.stop_loss = action.price
            return f"SL to {action.price:g}"
        if kind == "modify_tp" and action.price is not None:
            index = (action.tp or 1) - 1
            position.take_profits[index:index + 1] = [action.price]
            return f"TP{index + 1} to {action.price:g}"
        if kind == "close_partial":
            share = (action.percent or 50.0) / 100.0
            position.size = round(position.size * (1 - share), 6)
            return f"closed {share:.0%}, size now {position.size:g}"
        if kind in ("close", "cancel", "sl_hit"):
            del self.positions[position.symbol]
            return {"close": "closed", "cancel": "cancelled", "sl_hit": "stopped out"}[kind]
        if kind == "tp_hit":
            return f"TP{action.tp or ''} reached"
        return f"noted {kind}"


def read_messages(args) -> list[tuple[str | None, str]]:
    if args.jsonl:
        with open(args.jsonl, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return [(row.get("provider"), row["text"]) for row in rows]
    if sys.stdin.isatty() or args.demo:
        return DEMO
    return [(None, line.rstrip("\n").replace("\\n", "\n")) for line in sys.stdin if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="signalos.toml (default: ./signalos.toml when present)")
    parser.add_argument("--pipeline", help="pipeline to parse with (default: the configured default)")
    parser.add_argument("--jsonl", help="read messages from a JSON Lines file with a 'text' key")
    parser.add_argument("--demo", action="store_true", help="use the built-in demo messages")
    args = parser.parse_args(argv)

    stats = ParseStats()
    bot = PaperBot(Host(args.config, plugins=[stats]), pipeline=args.pipeline)
    for chat, text in read_messages(args):
        first_line = text.splitlines()[0] if text.strip() else ""
        print(f"[{chat or '-'}] {first_line[:60]!r}\n    -> {bot.on_message(text, chat)}")
    print(f"\nopen positions: {len(bot.positions)}")
    for position in bot.positions.values():
        print(f"  {position}")
    print(f"parses by parser: {dict(stats.by_parser)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
