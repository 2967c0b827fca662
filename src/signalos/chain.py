"""The fallback chain: parsers tried in order until one gives a sound, confident answer."""
from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from signalos.config import PipelineConfig
from signalos.errors import ParserError, SignalosError
from signalos.models import ChainOutcome, Message, ParseAttempt, ParseResult
from signalos.validate import validate

if TYPE_CHECKING:
    from signalos.host import Host


class _Tally:
    """One message's attempts so far, and what they add up to."""

    __slots__ = ("attempts", "first", "first_sound", "accepted", "sound", "done")

    def __init__(self) -> None:
        self.attempts: list[ParseAttempt] = []
        # the answer returned when none is accepted (and no vote reaches a quorum): the first, in
        # pipeline order, that validates, else the first of all. The pipeline's order is the
        # user's order of trust, so an unsure later parser does not overrule an unsure earlier one.
        self.first: ParseResult | None = None
        self.first_sound: ParseResult | None = None
        self.accepted: ParseResult | None = None
        self.sound: list[int] = []  # attempts whose answer validates, for a vote
        self.done = False


class Chain:
    """Runs one pipeline. For each parser: an exception is recorded and the next parser runs; a
    result is accepted when it validates and its confidence reaches the threshold. When none is
    accepted, the first result in pipeline order that validates (else the first result of all) is
    returned with ``accepted=False`` and its problems in ``warnings`` (a bot must not trade it
    blindly); with no result at all, noise. The pipeline's order is the user's order of trust:
    confidences of different parsers are not compared, so an unsure learned parser placed after
    the rules does not overrule their unsure answer.

    With ``fallback = "vote"`` the first answer still ends the parse when it is accepted; when it
    is not, every other parser answers, and the sound answer that at least ``quorum`` parsers
    agree on wins (``signalos.vote``), accepted. Without such a majority the first accepted answer
    wins, as with ``"first"``; with none accepted, the first sound answer as above."""

    def __init__(self, host: Host, pipeline: PipelineConfig):
        self.host = host
        self.pipeline = pipeline

    def parse(self, message: Message | str) -> ChainOutcome:
        message = Message.coerce(message)
        start = time.perf_counter()
        tally = _Tally()
        for name in self.pipeline.parsers:
            t0 = time.perf_counter()
            plugin = None
            try:
                plugin = self.host.component_entry("parsers", name).plugin
                result = self.host.parser(name).parse(message)
            except Exception as exc:
                self._failed(name, plugin, exc, [tally], _ms(t0))
                continue
            if self._judge(tally, name, plugin, result, _ms(t0)):
                break
        return self._outcome(tally, _ms(start))

    def parse_many(self, messages: Sequence[Message | str]) -> list[ChainOutcome]:
        """``parse`` for a batch, with the same answers: each parser answers the messages still
        open in one call of its ``parse_many`` when it has one (a language model generates a
        batch at once), else one message at a time. A batch call's time is shared out evenly."""
        messages = [Message.coerce(m) for m in messages]
        tallies = [_Tally() for _ in messages]
        for name in self.pipeline.parsers:
            open_ = [i for i, t in enumerate(tallies) if not t.done]
            if not open_:
                break
            t0 = time.perf_counter()
            plugin = None
            try:
                plugin = self.host.component_entry("parsers", name).plugin
                component = self.host.parser(name)
            except Exception as exc:
                self._failed(name, plugin, exc, [tallies[i] for i in open_], _ms(t0))
                continue
            many = getattr(component, "parse_many", None)
            if many is None:
                for i in open_:
                    t1 = time.perf_counter()
                    try:
                        result = component.parse(messages[i])
                    except Exception as exc:
                        self._failed(name, plugin, exc, [tallies[i]], _ms(t1))
                        continue
                    self._judge(tallies[i], name, plugin, result, _ms(t1))
                continue
            try:
                results = list(many([messages[i] for i in open_]))
                if len(results) != len(open_):
                    raise ValueError(f"parse_many gave {len(results)} answers for {len(open_)} messages")
            except Exception as exc:
                self._failed(name, plugin, exc, [tallies[i] for i in open_], _ms(t0) / len(open_))
                continue
            each = _ms(t0) / len(open_)
            for i, result in zip(open_, results):
                self._judge(tallies[i], name, plugin, result, each)
        return [self._outcome(t, sum(a.elapsed_ms for a in t.attempts)) for t in tallies]

    # ----------------------------------------------------------------------------------------------
    def _failed(self, name: str, plugin: str | None, exc: Exception, tallies: list[_Tally], ms: float) -> None:
        """A parser raised: recorded once in the host's errors and as an attempt of each message."""
        if self.pipeline.on_error == "raise":
            if isinstance(exc, SignalosError):
                raise exc
            raise ParserError(plugin or "?", name, exc) from exc
        error = f"{type(exc).__name__}: {exc}"
        for tally in tallies:
            tally.attempts.append(ParseAttempt(name, plugin, None, error, ms, False, "error"))
        self.host.record_error(name, plugin, exc, traceback.format_exc(), stage="parse")

    def _judge(self, tally: _Tally, name: str, plugin: str | None, result: object, ms: float) -> bool:
        """Record one answer; True when it ends the message's parse."""
        if result is None:
            tally.attempts.append(ParseAttempt(name, plugin, None, None, ms, False, "no answer"))
            return False
        if not isinstance(result, ParseResult):
            error = f"returned {type(result).__name__}, not ParseResult"
            tally.attempts.append(ParseAttempt(name, plugin, None, error, ms, False, "error"))
            return False
        if result.parser is None:
            result = attrs.evolve(result, parser=name)
        problems = validate(result)
        threshold = self.pipeline.threshold
        if problems:
            result = attrs.evolve(result, warnings=(*result.warnings, *problems))  # type: ignore[arg-type]
            reason = "invalid: " + "; ".join(problems)
        elif result.confidence < threshold:
            reason = f"confidence {result.confidence:.2f} below {threshold:.2f}"
        else:
            reason = "accepted"
        ok = reason == "accepted"
        tally.attempts.append(ParseAttempt(name, plugin, result, None, ms, ok, reason))
        vote = self.pipeline.fallback == "vote"
        if vote and not problems:
            tally.sound.append(len(tally.attempts) - 1)
        if tally.first is None:
            tally.first = result
        if not problems and tally.first_sound is None:
            tally.first_sound = result
        if ok and tally.accepted is None:
            tally.accepted = result
            # a vote asks everyone unless the first answer given was sure ("not mine" and errors
            # before it do not count: a provider's own parser may come first)
            tally.done = not vote or all(a.result is None for a in tally.attempts[:-1])
        return tally.done

    def _outcome(self, tally: _Tally, elapsed_ms: float) -> ChainOutcome:
        tally.done = True
        accepted = tally.accepted
        if len(tally.sound) > 1:  # only a voting pipeline collects them
            accepted = self._vote(tally.attempts, tally.sound) or accepted
        if accepted is not None:
            final = accepted if accepted.accepted else attrs.evolve(accepted, accepted=True)
        elif tally.first is not None:
            fallback = tally.first_sound if tally.first_sound is not None else tally.first
            final = attrs.evolve(fallback, accepted=False)
        else:
            final = ParseResult.noise(parser=None, confidence=0.0, accepted=False,
                                      warnings=("no parser answered",))
        return ChainOutcome(final, tuple(tally.attempts), self.pipeline.name, elapsed_ms)

    def _vote(self, attempts: list[ParseAttempt], sound: list[int]) -> ParseResult | None:
        """The majority answer among the sound attempts, its attempts marked accepted; None
        without a quorum."""
        from signalos.vote import majority  # only pipelines that vote pay for the scoring import

        won = majority([attempts[i].result for i in sound], self.pipeline.quorum)  # type: ignore[misc]
        if won is None:
            return None
        first, group = won
        names = ", ".join(attempts[sound[j]].parser for j in group)
        for k, i in enumerate(sound):
            a = attempts[i]
            chosen = k == first
            if chosen:
                reason = f"majority: {names}"
            else:
                reason = a.reason.replace("accepted", "outvoted") if a.accepted else a.reason
            attempts[i] = attrs.evolve(a, accepted=chosen, reason=reason)
        return attempts[sound[first]].result


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0
