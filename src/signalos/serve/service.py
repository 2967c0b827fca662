"""What ``signalos serve`` does for each request, without HTTP: parse, route, log, count.

A :class:`Service` wraps one :class:`~signalos.host.Host`. A request that names no pipeline and
carries a unit key (``user_id``, ``chat_id`` or ``provider``) while an A/B experiment is running
goes through the ``ab`` router, which picks the variant and logs the parse with its experiment;
every other request is parsed by its pipeline (the default one unless named) and logged here.
Both write through the same background writer (:class:`signalos.parselog.ParseLog`), so a parse
costs the request microseconds of logging, and ``close`` writes everything queued.

Learned parsers serving an alias follow ``signalos models deploy`` without a restart, as in any
host; a background thread asks about each followed parser every few seconds, so that the reload
(loading a model) usually happens there rather than inside a request.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from signalos.errors import ConfigError, SignalosError
from signalos.models import ChainOutcome, Message
from signalos.options import ServeOptions, section_options

if TYPE_CHECKING:
    from signalos.host import Host
    from signalos.parselog import ParseLog

TOKEN_ENV = "SIGNALOS_SERVE_TOKEN"
UNIT_KEYS = ("user_id", "chat_id", "provider")  # what an A/B experiment buckets a message by
MESSAGE_FIELDS = ("provider", "chat_id", "user_id", "message_id", "reply_to")


class RequestError(SignalosError):
    """A request the service refuses (an unknown pipeline, too many messages); the HTTP layer
    answers ``status`` with the message as a JSON error. Seen by API clients."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@attrs.frozen
class ServeSettings:
    """``[serve]`` of signalos.toml with the command's flags applied (see ``ServeOptions`` for
    each key); the token also comes from ``$SIGNALOS_SERVE_TOKEN``."""

    options: ServeOptions

    @classmethod
    def resolve(cls, config: Any, **flags: Any) -> ServeSettings:
        """The configuration's ``[serve]``, then ``$SIGNALOS_SERVE_TOKEN``, then each flag that
        is not None; checked as the file is (ConfigError names the key)."""
        from signalos.options import from_table

        base = attrs.asdict(section_options(config, "serve"))
        if os.environ.get(TOKEN_ENV):
            base["token"] = os.environ[TOKEN_ENV]
        base.update({k: v for k, v in flags.items() if v is not None})
        try:
            return cls(from_table(ServeOptions, base, "serve"))
        except ConfigError as exc:
            raise ConfigError(f"{exc} (from signalos.toml, ${TOKEN_ENV} or a flag)") from None

    def __getattr__(self, name: str) -> Any:  # settings.port, settings.token, ...
        return getattr(self.options, name)


class Service:
    """One host serving requests: ``start`` before the first, ``close`` after the last."""

    def __init__(self, host: Host, settings: ServeSettings | None = None):
        from signalos.serve import require

        require()  # MissingDependencyError naming the extra, before anything else
        from signalos.serve.metrics import Metrics

        self.host = host
        self.settings = settings or ServeSettings.resolve(host.config)
        self.metrics = Metrics(self)
        self.log: ParseLog | None = None
        self.router: Any = None
        self.started = False
        self.closing = False
        self.started_at = time.time()
        self.summary: dict[str, Any] = {}  # what close() wrote, once the server has stopped
        # moving average of a parse's CPU milliseconds, by what a request names: a pipeline, or
        # "auto" (the default, a provider's, an experiment's); see ``inline``
        self._latency: dict[str, float] = {}
        self._parses: dict[str, int] = {}  # parses measured, by the same key
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None
        host.error_listeners.append(self.metrics.record_error)

    # life ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the default pipeline (and ``preload``), the parse log, the router and the
        webhooks: a model that cannot load or a webhook secret that is missing fails here,
        before the server listens, as a ConfigError."""
        if self.settings.pipeline:
            self.host.config.pipeline(self.settings.pipeline)  # unknown: ConfigError listing the configured
            # this process's default: requests naming no pipeline, and units outside any experiment
            self.host.config = attrs.evolve(self.host.config, default_pipeline=self.settings.pipeline)
        for name in (None, *self.settings.preload):
            self.host.chain(name)
        if "ab" in self.host.routers:
            import signalos_ab

            self.router = signalos_ab.router(self.host)
            for experiment in self.router.experiments(refresh=True):
                # each variant's chain (and model) starts now rather than in its first request;
                # one that cannot start is the router's to report: its units get the default
                try:
                    self.router.check(experiment)
                except SignalosError:
                    pass
        if self.settings.log or self.router is not None:
            from signalos.parselog import ParseLog

            # the router's writer when there is one: one thread, one connection for every row
            self.log = self.router.log if self.router is not None else ParseLog.for_workspace(self.host.workspace)
        webhooks = self.webhooks()
        if webhooks is not None:
            webhooks.dispatcher(self.host)
        self._follower = threading.Thread(target=self._follow_aliases, name="signalos-serve-aliases", daemon=True)
        self._follower.start()
        self.started = True

    def close(self, timeout: float = 60.0) -> dict[str, Any]:
        """Stop taking requests as ready, write every queued parse-log row, deliver the queued
        webhooks (within their ``drain_s``); returns what was written."""
        self.closing = True
        self._stop.set()
        summary: dict[str, Any] = {}
        if self.log is not None:
            flushed = self.log.flush(timeout)
            self.log.close(timeout)
            summary["parse_log"] = {**self.log.stats, "flushed": flushed, "errors": list(self.log.errors)}
        webhooks = self.webhooks()
        if webhooks is not None:
            webhooks.close(self.host)
            summary["webhooks"] = webhooks.stats(self.host)
        return summary

    def _follow_aliases(self) -> None:
        # Asking for a parser is what makes the host notice a moved alias and load the new
        # version; asked here, the load happens off the request path (the old version serves
        # until the new one is ready).
        from signalos.aliaswatch import check_interval

        interval = max(0.05, min(check_interval(), 5.0))
        while not self._stop.wait(interval):
            for chain in list(self.host._chains.values()):
                for name in chain.pipeline.parsers:
                    try:
                        self.host.parser(name)
                    except Exception:  # recorded by the host (stage "reload"); keep following
                        pass

    # readiness -------------------------------------------------------------------------------
    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready once started, not shutting down, and with a live parse-log writer."""
        log_alive = self.log is None or self.log._thread is None or self.log._thread.is_alive()
        ready = self.started and not self.closing and log_alive
        detail = {"ready": ready, "started": self.started, "closing": self.closing,
                  "pipelines": sorted(self.host._chains), "default_pipeline": self.host.config.pipeline().name,
                  "parse_ms": {k: round(v, 3) for k, v in self._latency.items()},
                  "parse_log": None if self.log is None else {"alive": log_alive, "queued": self.queue_depth()},
                  "experiments": [e.name for e in self.router.experiments()] if self.router is not None else []}
        return ready, detail

    def queue_depth(self) -> int:
        pending = self.log._pending if self.log is not None else None
        return len(pending) if pending is not None else 0

    # parsing ---------------------------------------------------------------------------------
    def inline(self, pipeline: str | None) -> bool:
        """Whether a request for ``pipeline`` (None: the default) should be parsed on the event
        loop: its parses have averaged under ``inline_ms`` of CPU. A pipeline not yet measured is
        not, so a slow one (a language model, a model still to load) never blocks the loop long."""
        if not self.settings.threads:
            return True
        average = self._latency.get(pipeline or "auto")
        return average is not None and average < self.settings.inline_ms

    def _measured(self, key: str, started: float) -> None:
        # The parse's CPU time in this thread, not the wall clock: on a busy machine a rules
        # parse may wait milliseconds for a core, which says nothing of what it costs.
        ms = (time.thread_time() - started) * 1000.0
        previous = self._latency.get(key)
        count = self._parses[key] = self._parses.get(key, 0) + 1
        if previous is None or count == 2:
            # the first parse carries what happens once (imports, a chain's start, a model's load):
            # the second replaces it, so a cheap pipeline first measured on a busy core still goes
            # to the loop
            self._latency[key] = ms
        else:
            # a slow parse weighs in at once (a model), a single odd one fades (a hostile text)
            self._latency[key] = previous + (0.3 if ms > previous else 0.02) * (ms - previous)

    def _pipeline(self, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            self.host.chain(name)
        except ConfigError as exc:
            # an unknown name is the client's mistake; a configured pipeline that cannot start is ours
            raise RequestError(str(exc), 422 if name not in self.host.config.pipelines else 503) from None
        return name

    def _routes(self, message: Message, pipeline: str | None) -> bool:
        if pipeline is not None or self.router is None:
            return False
        if not any(getattr(message, key) for key in UNIT_KEYS):
            return False
        return bool(self.router.experiments())

    def parse(self, fields: dict[str, Any], *, pipeline: str | None = None, attempts: bool = False) -> dict[str, Any]:
        """One message (``fields``: ``text`` and the optional message keys, ``id``) as the
        response object: the result, its ``parse_uid``, pipeline and, when routed, experiment
        and variant."""
        key, started = pipeline or "auto", time.thread_time()
        pipeline = self._pipeline(pipeline)
        message = _message(fields)
        if self._routes(message, pipeline):
            routed = self.router.parse(message)
            self._measured(key, started)
            return self._answer(fields, routed.outcome, routed.parse_uid, attempts, routed.experiment, routed.variant)
        outcome = self.host.parse(message, pipeline=pipeline)
        self._measured(key, started)
        uid = self.log.log_parse(message, outcome) if self.log is not None and self.settings.log else None
        return self._answer(fields, outcome, uid, attempts)

    def parse_batch(self, items: Sequence[dict[str, Any]], *, pipeline: str | None = None,
                    attempts: bool = False) -> list[dict[str, Any]]:
        """Many messages, answered in order: the routed ones one by one through the router, the
        others together through ``Host.parse_many`` (a batching parser generates for all)."""
        if len(items) > self.settings.max_batch:
            raise RequestError(f"{len(items)} messages in one batch; at most {self.settings.max_batch} "
                               "([serve] max_batch)", 413)
        pipeline = self._pipeline(pipeline)
        messages = [_message(f) for f in items]
        answers: list[dict[str, Any] | None] = [None] * len(items)
        plain = []
        for i, message in enumerate(messages):
            if self._routes(message, pipeline) and self.router.assign(message) is not None:
                routed = self.router.parse(message)
                answers[i] = self._answer(items[i], routed.outcome, routed.parse_uid, attempts, routed.experiment,
                                          routed.variant)
            else:
                plain.append(i)
        if plain:
            outcomes = self.host.parse_many([messages[i] for i in plain], pipeline=pipeline)
            logging = self.log is not None and self.settings.log
            for i, outcome in zip(plain, outcomes):
                uid = self.log.log_parse(messages[i], outcome) if logging else None
                answers[i] = self._answer(items[i], outcome, uid, attempts)
        return answers  # type: ignore[return-value]

    def _answer(self, fields: dict[str, Any], outcome: ChainOutcome, uid: str | None, attempts: bool,
                experiment: str | None = None, variant: str | None = None) -> dict[str, Any]:
        self.metrics.observe_parse(outcome)
        out = outcome.to_dict(with_attempts=attempts)
        out.update(parse_uid=uid, pipeline=outcome.pipeline, experiment=experiment, variant=variant,
                   elapsed_ms=round(outcome.elapsed_ms, 3))
        if fields.get("id") is not None:
            out["id"] = fields["id"]
        return out

    # introspection ---------------------------------------------------------------------------
    def webhooks(self) -> Any:
        """The webhooks plugin module when this host has it registered (by entry point or by
        hand), else None."""
        try:
            import signalos_webhooks
        except ImportError:
            return None
        return signalos_webhooks if self.host.pm.is_registered(signalos_webhooks) else None

    def pipelines(self) -> list[dict[str, Any]]:
        cfg = self.host.config
        return [{"name": p.name, "parsers": list(p.parsers), "threshold": p.threshold, "fallback": p.fallback,
                 "quorum": p.quorum, "default": p.name == cfg.pipeline().name, "started": p.name in self.host._chains}
                for p in cfg.pipelines.values()]

    def served_versions(self) -> list[tuple[str, str, str]]:
        """(pipeline, parser, version) of every started parser that says which model it serves."""
        out = []
        for chain in list(self.host._chains.values()):
            for name in chain.pipeline.parsers:
                instance = self.host._instances.get(("parsers", name))
                version = getattr(instance, "version", None) if instance is not None else None
                if isinstance(version, str) and version:
                    out.append((chain.pipeline.name, name, version))
        return out


def _message(fields: dict[str, Any]) -> Message:
    return Message(fields["text"], **{k: fields[k] for k in MESSAGE_FIELDS if fields.get(k) is not None})
