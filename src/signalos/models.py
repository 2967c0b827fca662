"""The domain model: messages in, parse results and attempts out.

Values are frozen attrs classes; ``ParseResult.to_schema()`` is the contract of SCHEMA.md v1 and
nothing else, ``to_dict()`` adds what the chain knows (parser, confidence, spans, warnings).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

KINDS = ("signal", "update", "noise")
DIRECTIONS = ("buy", "sell")
ORDER_TYPES = ("market", "limit", "stop")
ACTION_TYPES = (
    "breakeven", "move_sl", "modify_tp", "close", "close_partial", "cancel", "tp_hit", "sl_hit", "other",
)
SIGNAL_KEYS = (
    "kind", "symbol", "direction", "order_type", "entry", "stop_loss", "take_profits", "leverage",
    "stop_loss_pips", "take_profit_pips",
)
UPDATE_KEYS = ("kind", "symbol", "actions")

Span = tuple[int, int]


def _floats(values) -> tuple[float, ...]:
    return tuple(map(float, values)) if values else ()


def _sorted_floats(values) -> tuple[float, ...]:
    return tuple(sorted(map(float, values))) if values else ()


def _opt_float(value) -> float | None:
    return None if value is None else float(value)


_new = object.__new__
_set = object.__setattr__  # how attrs sets the fields of a frozen class


@attrs.frozen
class Message:
    """One channel message. Only ``text`` is required; the rest lets routers, logs and
    provider-specific tables tell channels and users apart."""

    text: str
    provider: str | None = None
    message_id: str | None = None
    chat_id: str | None = None
    user_id: str | None = None
    reply_to: str | None = None
    date: dt.datetime | None = None

    @classmethod
    def coerce(cls, value: Message | str) -> Message:
        return value if isinstance(value, Message) else cls(text=str(value))


@attrs.frozen
class Action:
    """One management instruction of an update (SCHEMA.md, kind = "update")."""

    type: str = attrs.field(validator=attrs.validators.in_(ACTION_TYPES))
    price: float | None = attrs.field(default=None, converter=_opt_float)
    percent: float | None = attrs.field(default=None, converter=_opt_float)
    tp: int | None = None

    def to_schema(self) -> dict[str, Any]:
        return {"type": self.type, "price": self.price, "percent": self.percent, "tp": self.tp}

    @classmethod
    def _converted(cls, type: str, price: float | None, percent: float | None, tp: int | None) -> Action:
        """``cls(type, price, percent, tp)`` from a type of ``ACTION_TYPES`` and floats (or None),
        without running the validator and converters again: a parser's hot path."""
        self = _new(cls)
        _set(self, "type", type)
        _set(self, "price", price)
        _set(self, "percent", percent)
        _set(self, "tp", tp)
        return self

    @classmethod
    def from_schema(cls, data: dict[str, Any]) -> Action:
        tp = data.get("tp")
        return cls(type=data["type"], price=data.get("price"), percent=data.get("percent"),
                   tp=None if tp is None else int(tp))


@attrs.frozen
class ParseResult:
    """What a parser read from one message.

    The schema fields follow SCHEMA.md; ``spans`` maps a field name to the character ranges of the
    text it was read from (``take_profits`` has one range per target); ``warnings`` holds
    validation findings, which a bot should show before trading.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    symbol: str | None = None
    direction: str | None = None
    order_type: str | None = None
    entry: tuple[float, ...] = attrs.field(default=(), converter=_sorted_floats)
    stop_loss: float | None = attrs.field(default=None, converter=_opt_float)
    take_profits: tuple[float, ...] = attrs.field(default=(), converter=_floats)
    leverage: float | None = attrs.field(default=None, converter=_opt_float)
    stop_loss_pips: float | None = attrs.field(default=None, converter=_opt_float)
    take_profit_pips: tuple[float, ...] = attrs.field(default=(), converter=_floats)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=tuple)
    parser: str | None = None
    confidence: float = 0.0
    spans: dict[str, tuple[Span, ...]] = attrs.field(factory=dict, eq=False)
    warnings: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    accepted: bool = True

    @classmethod
    def noise(cls, parser: str | None = None, confidence: float = 0.5, **kw) -> ParseResult:
        return cls(kind="noise", parser=parser, confidence=confidence, **kw)

    @classmethod
    def _converted(cls, kind: str, symbol: str | None, direction: str | None, order_type: str | None,
                   entry: tuple[float, ...], stop_loss: float | None, take_profits: tuple[float, ...],
                   leverage: float | None, stop_loss_pips: float | None, take_profit_pips: tuple[float, ...],
                   actions: tuple[Action, ...], parser: str | None, confidence: float,
                   spans: dict[str, tuple[Span, ...]], warnings: tuple[str, ...], accepted: bool = True) -> ParseResult:
        """The result ``cls(...)`` builds from values already in their converted form (floats,
        tuples, ``entry`` sorted, a kind of ``KINDS``), without running the converters and the
        validator again: a parser's hot path, which checks nothing. Every field, in order."""
        self = _new(cls)
        _set(self, "kind", kind)
        _set(self, "symbol", symbol)
        _set(self, "direction", direction)
        _set(self, "order_type", order_type)
        _set(self, "entry", entry)
        _set(self, "stop_loss", stop_loss)
        _set(self, "take_profits", take_profits)
        _set(self, "leverage", leverage)
        _set(self, "stop_loss_pips", stop_loss_pips)
        _set(self, "take_profit_pips", take_profit_pips)
        _set(self, "actions", actions)
        _set(self, "parser", parser)
        _set(self, "confidence", confidence)
        _set(self, "spans", spans)
        _set(self, "warnings", warnings)
        _set(self, "accepted", accepted)
        return self

    def to_schema(self) -> dict[str, Any]:
        """The SCHEMA.md v1 object: exactly the keys of this kind, JSON-ready."""
        if self.kind == "noise":
            return {"kind": "noise"}
        if self.kind == "update":
            return {"kind": "update", "symbol": self.symbol,
                    "actions": [a.to_schema() for a in self.actions]}
        return {
            "kind": "signal", "symbol": self.symbol, "direction": self.direction,
            "order_type": self.order_type, "entry": list(self.entry), "stop_loss": self.stop_loss,
            "take_profits": list(self.take_profits), "leverage": self.leverage,
            "stop_loss_pips": self.stop_loss_pips, "take_profit_pips": list(self.take_profit_pips),
        }

    def to_dict(self) -> dict[str, Any]:
        """The schema object plus the chain's metadata, as ``signalos parse --json`` prints it."""
        out = self.to_schema()
        out.update(
            parser=self.parser, confidence=round(self.confidence, 4), accepted=self.accepted,
            spans={k: [list(s) for s in v] for k, v in self.spans.items()},
            warnings=list(self.warnings),
        )
        return out

    @classmethod
    def from_schema(cls, data: dict[str, Any], **extra) -> ParseResult:
        """Build a result from a schema object (a label or a parser's JSON); raises ValueError or
        TypeError when the object breaks the schema."""
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if kind == "noise":
            return cls(kind="noise", **extra)
        if kind == "update":
            actions = data.get("actions") or []
            if not isinstance(actions, list):
                raise TypeError("actions must be a list")
            return cls(kind="update", symbol=data.get("symbol"),
                       actions=[Action.from_schema(a) for a in actions], **extra)
        direction = data.get("direction")
        if direction is not None and direction not in DIRECTIONS:
            raise ValueError(f"direction must be buy or sell, got {direction!r}")
        order_type = data.get("order_type")
        if order_type is not None and order_type not in ORDER_TYPES:
            raise ValueError(f"order_type must be one of {ORDER_TYPES}, got {order_type!r}")
        return cls(
            kind="signal", symbol=data.get("symbol"), direction=direction, order_type=order_type,
            entry=data.get("entry") or [], stop_loss=data.get("stop_loss"),
            take_profits=data.get("take_profits") or [], leverage=data.get("leverage"),
            stop_loss_pips=data.get("stop_loss_pips"),
            take_profit_pips=data.get("take_profit_pips") or [], **extra,
        )


@attrs.frozen
class ParseAttempt:
    """One parser's try at one message inside the chain: its result or its error, and its cost."""

    parser: str
    plugin: str | None
    result: ParseResult | None
    error: str | None
    elapsed_ms: float
    accepted: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "parser": self.parser, "plugin": self.plugin, "accepted": self.accepted,
            "reason": self.reason, "error": self.error, "elapsed_ms": round(self.elapsed_ms, 3),
            "kind": self.result.kind if self.result else None,
            "confidence": round(self.result.confidence, 4) if self.result else None,
        }


@attrs.frozen
class ChainOutcome:
    """What ``Host.parse`` returns: the answer and every attempt that led to it."""

    result: ParseResult
    attempts: tuple[ParseAttempt, ...]
    pipeline: str
    elapsed_ms: float

    def to_dict(self, with_attempts: bool = False) -> dict[str, Any]:
        out = self.result.to_dict()
        if with_attempts:
            out["attempts"] = [a.to_dict() for a in self.attempts]
        return out
