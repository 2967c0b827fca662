"""The fallback chain: parsers tried in order until one gives a sound, confident answer."""
from __future__ import annotations

import time
import traceback
from typing import TYPE_CHECKING

import attrs

from signalos.config import PipelineConfig
from signalos.errors import ParserError, SignalosError
from signalos.models import ChainOutcome, Message, ParseAttempt, ParseResult
from signalos.validate import validate

if TYPE_CHECKING:
    from signalos.host import Host


class Chain:
    """Runs one pipeline. For each parser: an exception is recorded and the next parser runs; a
    result is accepted when it validates and its confidence reaches the threshold. When none is
    accepted the most confident result is returned with ``accepted=False`` and its problems in
    ``warnings`` (a bot must not trade it blindly); with no result at all, noise."""

    def __init__(self, host: Host, pipeline: PipelineConfig):
        self.host = host
        self.pipeline = pipeline

    def parse(self, message: Message | str) -> ChainOutcome:
        message = Message.coerce(message)
        start = time.perf_counter()
        attempts: list[ParseAttempt] = []
        best: tuple[float, ParseResult] | None = None
        accepted: ParseResult | None = None
        for name in self.pipeline.parsers:
            t0 = time.perf_counter()
            plugin = None
            try:
                plugin = self.host.parsers.get(name).plugin
                result = self.host.parser(name).parse(message)
            except Exception as exc:
                if self.pipeline.on_error == "raise":
                    if isinstance(exc, SignalosError):
                        raise
                    raise ParserError(plugin or "?", name, exc) from exc
                error = f"{type(exc).__name__}: {exc}"
                attempts.append(ParseAttempt(name, plugin, None, error, _ms(t0), False, "error"))
                self.host.record_error(name, plugin, exc, traceback.format_exc())
                continue
            elapsed = _ms(t0)
            if result is None:
                attempts.append(ParseAttempt(name, plugin, None, None, elapsed, False, "no answer"))
                continue
            if not isinstance(result, ParseResult):
                error = f"returned {type(result).__name__}, not ParseResult"
                attempts.append(ParseAttempt(name, plugin, None, error, elapsed, False, "error"))
                continue
            if result.parser is None:
                result = attrs.evolve(result, parser=name)
            problems = validate(result)
            if problems:
                result = attrs.evolve(result, warnings=(*result.warnings, *problems))
                reason = "invalid: " + "; ".join(problems)
            elif result.confidence < self.pipeline.threshold:
                reason = f"confidence {result.confidence:.2f} below {self.pipeline.threshold:.2f}"
            else:
                reason = "accepted"
            ok = reason == "accepted"
            attempts.append(ParseAttempt(name, plugin, result, None, elapsed, ok, reason))
            if ok:
                accepted = result
                break
            if best is None or result.confidence > best[0]:
                best = (result.confidence, result)
        if accepted is not None:
            final = accepted if accepted.accepted else attrs.evolve(accepted, accepted=True)
        elif best is not None:
            final = attrs.evolve(best[1], accepted=False)
        else:
            final = ParseResult.noise(parser=None, confidence=0.0, accepted=False,
                                      warnings=("no parser answered",))
        return ChainOutcome(final, tuple(attempts), self.pipeline.name, _ms(start))


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0
