"""``/metrics``: the service's figures in the Prometheus text format (prometheus-client).

Each service has its own ``CollectorRegistry`` (two services in one process, as in the tests,
never share counters). Counted as they happen: parses (by pipeline, kind, parser and outcome),
parse and request latency histograms, requests by endpoint and status, errors the host
contained. Read at scrape time: the parse log's queue depth and written/spilled rows, the model
version each started learned parser serves, webhook deliveries, running experiments.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from signalos import __version__

if TYPE_CHECKING:
    from signalos.models import ChainOutcome
    from signalos.serve.service import Service

CONTENT_TYPE = CONTENT_TYPE_LATEST
# from 100 µs (a rules parse) to 10 s (a language model on a busy machine)
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0)


class Metrics:
    """The service's metrics; ``render()`` is the body of ``/metrics``."""

    def __init__(self, service: Service):
        self.registry = CollectorRegistry()
        r = self.registry
        self.parses = Counter("signalos_parses", "Messages parsed, by pipeline, kind, answering parser and "
                              "outcome (accepted or not_accepted)", ["pipeline", "kind", "parser", "outcome"],
                              registry=r)
        self.parse_seconds = Histogram("signalos_parse_duration_seconds", "Time the chain took for one message",
                                       ["pipeline"], buckets=LATENCY_BUCKETS, registry=r)
        self.requests = Counter("signalos_http_requests", "HTTP requests answered, by endpoint and status",
                                ["endpoint", "status"], registry=r)
        self.request_seconds = Histogram("signalos_http_request_duration_seconds",
                                         "Time from a request's first byte read to its answer, by endpoint",
                                         ["endpoint"], buckets=LATENCY_BUCKETS, registry=r)
        self.errors = Counter("signalos_errors", "Errors the host contained (a parser that raised, a moved "
                              "alias that failed to load, an event handler), by stage and component",
                              ["stage", "component"], registry=r)
        self._state = _StateCollector(service)
        # Several worker processes (signalos serve --workers N): their counters and histograms
        # are written to files in PROMETHEUS_MULTIPROC_DIR and summed at each scrape; the state
        # read at scrape time is the answering worker's.
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        if not self.multiprocess:
            r.register(self._state)
            ProcessCollector(registry=r)  # CPU seconds, memory, open files of this process
        self._parse_children: dict[tuple, Any] = {}
        self._request_children: dict[tuple, tuple[Any, Any]] = {}

    def observe_parse(self, outcome: ChainOutcome) -> None:
        result = outcome.result
        key = (outcome.pipeline, result.kind, result.parser or "none", result.accepted)
        children = self._parse_children.get(key)
        if children is None:  # labels() takes a lock and builds a key: done once per combination
            children = (self.parses.labels(key[0], key[1], key[2], "accepted" if key[3] else "not_accepted"),
                        self.parse_seconds.labels(outcome.pipeline))
            self._parse_children[key] = children
        children[0].inc()
        children[1].observe(outcome.elapsed_ms / 1000.0)

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        key = (endpoint, status)
        children = self._request_children.get(key)
        if children is None:
            children = (self.requests.labels(endpoint, str(status)), self.request_seconds.labels(endpoint))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def record_error(self, recorded: Any) -> None:
        """A host error listener: one more error of its stage and component."""
        self.errors.labels(recorded.stage, recorded.component).inc()

    def render(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(self._state)
        return generate_latest(registry)


class _StateCollector:
    """What is read from the service at scrape time rather than counted."""

    def __init__(self, service: Service):
        self.service = service

    def describe(self) -> list:
        return []  # collected only on scrape: the registry must not call collect() when registering

    def collect(self):
        s = self.service
        info = GaugeMetricFamily("signalos_build_info", "The signalos version serving", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        ready = GaugeMetricFamily("signalos_ready", "1 when the service takes requests (as /readyz says)")
        ready.add_metric([], 1 if s.readiness()[0] else 0)
        yield ready
        depth = GaugeMetricFamily("signalos_parse_log_queue_depth",
                                  "Parses and rows queued for the parse log, not yet written")
        depth.add_metric([], s.queue_depth())
        yield depth
        if s.log is not None:
            stats = s.log.stats
            for key, help_text in (("written", "Rows the parse log committed"),
                                   ("spilled", "Rows the parse log could not write (appended to its spill file)"),
                                   ("busy_retries", "Parse-log batches retried because the database was busy")):
                family = CounterMetricFamily(f"signalos_parse_log_{key}", help_text)
                family.add_metric([], stats.get(key, 0))
                yield family
        versions = GaugeMetricFamily("signalos_model_version_info",
                                     "The model version each started learned parser serves (value 1)",
                                     labels=["pipeline", "parser", "model", "version"])
        for pipeline, parser, spec in s.served_versions():
            model, _, version = spec.partition("@")
            versions.add_metric([pipeline, parser, model, version or spec], 1)
        yield versions
        if s.router is not None:
            running = GaugeMetricFamily("signalos_experiment_running", "A/B experiments routing requests",
                                        labels=["experiment"])
            for exp in s.router.experiments():
                running.add_metric([exp.name], 1)
            yield running
        webhooks = s.webhooks()
        if webhooks is not None:
            deliveries = CounterMetricFamily("signalos_webhook_deliveries", "Webhook events by endpoint and "
                                             "outcome: delivered, failed (given up), dropped (queue full)",
                                             labels=["endpoint", "outcome"])
            retries = CounterMetricFamily("signalos_webhook_retries", "Webhook delivery attempts retried",
                                          labels=["endpoint"])
            queued = GaugeMetricFamily("signalos_webhook_queue_depth", "Webhook events waiting",
                                       labels=["endpoint"])
            for name, st in webhooks.stats(s.host).items():
                for outcome in ("delivered", "failed", "dropped"):
                    deliveries.add_metric([name, outcome], st[outcome])
                retries.add_metric([name], st["retries"])
                queued.add_metric([name], st["queued"])
            yield deliveries
            yield retries
            yield queued
