"""The outgoing webhooks plugin: accepted signals and updates, and the monitor's alerts, POSTed
to the URLs of ``[webhooks.endpoints.NAME]`` in signalos.toml.

It implements the ``parse_completed`` and ``alert_raised`` events. The hook only puts the event
on each matching endpoint's bounded queue (microseconds, never a network call); one sender thread
per endpoint delivers in order, with retries and exponential backoff, and signs each body with
HMAC-SHA256 when the endpoint has a secret. A full queue drops the event and counts it: a dead
receiver never slows or stops parsing. See docs/serving.md for the payloads and the signature.

    [webhooks.endpoints.copier]
    url = "http://127.0.0.1:9000/signals"
    secret_env = "COPIER_WEBHOOK_SECRET"     # or secret = "..."
    events = ["signal", "update", "alert"]    # the default; "noise" too if wanted
"""
from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from signalos.errors import ConfigError
from signalos.hookspecs import hookimpl
from signalos_webhooks.dispatch import Dispatcher, sign, verify

if TYPE_CHECKING:
    from signalos.host import Host

NAME = "webhooks"
# One dispatcher per host (two hosts in one process never share queues); None when the host's
# configuration has no endpoint. Weak keys: a host that is gone takes its entry with it.
_DISPATCHERS: weakref.WeakKeyDictionary[Any, Dispatcher | ConfigError | None] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def dispatcher(host: Host) -> Dispatcher | None:
    """The host's dispatcher, built on first use from ``[webhooks]``; None without endpoints.
    A configuration it cannot use (``secret_env`` naming an unset variable) raises ConfigError,
    then and on every later call: the host records it once per parse, parsing goes on."""
    try:
        found = _DISPATCHERS[host]
    except KeyError:
        with _LOCK:
            if host not in _DISPATCHERS:
                _DISPATCHERS[host] = _build(host)
            found = _DISPATCHERS[host]
    if isinstance(found, Exception):
        raise found
    return found


def _build(host: Host) -> Dispatcher | ConfigError | None:
    from signalos.options import section_options

    options = section_options(host.config, "webhooks")
    if not options.endpoints:
        return None
    try:
        return Dispatcher(options)
    except ConfigError as exc:  # kept: the configuration is read once per host
        return exc


def stats(host: Host) -> dict[str, dict[str, int]]:
    """Per endpoint: ``queued`` (now), ``delivered``, ``failed`` (given up), ``retries``,
    ``dropped`` (queue full); empty when the host has no webhooks."""
    d = _DISPATCHERS.get(host)
    return d.stats() if isinstance(d, Dispatcher) else {}


def close(host: Host, timeout: float | None = None) -> None:
    """Deliver what is queued (waiting at most ``timeout``, default ``drain_s``) and stop."""
    d = _DISPATCHERS.get(host)
    if isinstance(d, Dispatcher):
        d.close(timeout)


@hookimpl
def parse_completed(message, result, host):
    d = dispatcher(host)
    if d is not None:
        d.parse_completed(message, result)


@hookimpl
def alert_raised(alert, host):
    d = dispatcher(host)
    if d is not None:
        d.alert_raised(alert)


__all__ = ["Dispatcher", "NAME", "alert_raised", "close", "dispatcher", "parse_completed", "sign", "stats",
           "verify"]
