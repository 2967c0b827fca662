"""signalos plugin: the ``acme-channel`` parser for the one-line format of "ACME Signals".

    ACME ▲ EURUSD | in 1.0850 | stop 1.0820 | targets 1.0880 / 1.0910    (▲ buy, ▼ sell)
    ACME ▲ BTCUSDT | in market | stop 61200 | targets 64000              (a market order)
    ACME ✖ EURUSD | closed                                                (close the trade)

Any other message is "not mine" (``None``): the next parser of the pipeline gets it.
"""
from __future__ import annotations

import re

from signalos.hookspecs import hookimpl
from signalos.models import Action, Message, ParseResult

__all__ = ["AcmeChannelParser", "register_parsers"]

HEADER = re.compile(r"\s*ACME\s+(?P<arrow>[▲▼✖])\s*(?P<symbol>[A-Za-z0-9/]{3,15})")
FIELD = re.compile(r"\|\s*(?P<key>in|stop|targets)\s+(?P<value>[^|]*)", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
DIRECTIONS = {"▲": "buy", "▼": "sell"}


class AcmeChannelParser:
    """The ``acme-channel`` component. Options (``[parsers.acme-channel]`` in signalos.toml):
    ``confidence``, the confidence it gives its answers (default 0.95)."""

    def __init__(self, host, options):
        self.confidence = float(options.get("confidence", 0.95))

    def parse(self, message: Message) -> ParseResult | None:
        text = message.text
        head = HEADER.match(text)
        if head is None:
            return None
        symbol = head["symbol"].replace("/", "").upper()
        spans: dict = {"symbol": (head.span("symbol"),)}
        if head["arrow"] == "✖":
            return ParseResult(kind="update", symbol=symbol, actions=[Action("close")],
                               confidence=self.confidence, spans=spans)
        levels: dict[str, list[tuple[float, tuple[int, int]]]] = {}
        market = False
        for field in FIELD.finditer(text):
            key, start = field["key"].lower(), field.start("value")
            if key == "in" and field["value"].strip().lower() == "market":
                market = True
            levels[key] = [(float(m.group()), (start + m.start(), start + m.end()))
                           for m in NUMBER.finditer(field["value"])]
        entry, stop, targets = levels.get("in", []), levels.get("stop", []), levels.get("targets", [])
        for name, found in (("entry", entry), ("stop_loss", stop[:1]), ("take_profits", targets)):
            if found:
                spans[name] = tuple(span for _, span in found)
        return ParseResult(
            kind="signal", symbol=symbol, direction=DIRECTIONS[head["arrow"]],
            # The format says "in market" for market orders and nothing at all otherwise.
            order_type="market" if market else None,
            entry=[price for price, _ in entry], stop_loss=stop[0][0] if stop else None,
            take_profits=[price for price, _ in targets],
            confidence=self.confidence, spans=spans,
        )


@hookimpl
def register_parsers(register, host):
    register("acme-channel", AcmeChannelParser)
