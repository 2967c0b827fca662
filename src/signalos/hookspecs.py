"""The hooks a signalos plugin may implement.

Registration hooks hand the plugin a ``register(name, factory)`` callback; the host, not pluggy's
call order, decides which component runs (configuration names and orders them). Events are called
on every implementation and their return values are ignored.

Every hook receives ``host``, so signatures never need to change when the host grows.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    import typer

    from signalos.host import Host
    from signalos.models import Message, ParseResult
    from signalos.monitor.alerts import Alert

PROJECT = "signalos"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Register = Callable[[str, Any], None]


@hookspec
def register_parsers(register: Register, host: Host) -> None:
    """Register parser components.

    Called once while the host starts. Call ``register(name, factory)`` for each parser, where
    ``factory(host, options)`` returns an object with ``parse(message) -> ParseResult | None``
    (``options`` is the ``[parsers.NAME]`` table of signalos.toml, possibly empty). Returning
    ``None`` means "not mine": the chain moves on. A parser should never raise on any text; if it
    does the chain records the error and goes on.

    :param register: ``register(name, factory)``; a name already registered by another plugin is
        a start-up error naming both plugins.
    :param host: the host being built.
    """


@hookspec
def register_augmenters(register: Register, host: Host) -> None:
    """Register data augmenters: ``register(name, factory)``, ``factory(host, options)`` returning an
    object with ``augment(example, rng) -> list[example]``. Called once while the host starts."""


@hookspec
def register_evaluators(register: Register, host: Host) -> None:
    """Register evaluators: ``register(name, factory)``, ``factory(host, options)`` returning an
    object with ``evaluate(run) -> dict`` over a finished evaluation run. Called once while the host
    starts; ``signalos eval --evaluator NAME`` picks them.

    ``run`` is a :class:`signalos.evaluation.EvalRun`: ``run.items`` pairs each labelled row
    (``item.row``: id, text, label, provider, language) with the chain's answer (``item.predicted``
    ParseResult, ``item.prediction`` its schema dict, ``item.attempts``, ``item.latency_ms``);
    ``run.scores()`` gives the per-message verdicts of the shared scoring rules. ``options`` is the
    ``[evaluators.NAME]`` table of signalos.toml. The returned dict must be JSON-serialisable.
    """


@hookspec
def register_routers(register: Register, host: Host) -> None:
    """Register A/B routers: ``register(name, factory)``, ``factory(host, options)`` returning an
    object with ``route(message) -> str`` naming the model version or pipeline to serve that
    message. Called once while the host starts."""


@hookspec
def register_deployers(register: Register, host: Host) -> None:
    """Register deployers: ``register(name, factory)``, ``factory(host, options)`` returning an
    object that promotes and rolls back model versions. Called once while the host starts."""


@hookspec
def register_commands(app: typer.Typer, host: Host) -> None:
    """Add sub-commands to the ``signalos`` CLI.

    Called once when the CLI is built, after the built-in commands exist.

    :param app: the root ``typer.Typer``; add commands or ``app.add_typer(...)`` groups to it.
    :param host: the host the CLI runs with.
    """


@hookspec
def parse_completed(message: Message, result: ParseResult, host: Host) -> None:
    """Event: the chain has answered one message.

    Called after every ``Host.parse``, on every implementation; return values are ignored and an
    exception is recorded in the host's event errors, never raised to the caller. Use it to log,
    sample or monitor parses.

    :param message: the message that was parsed.
    :param result: the chain's answer (``result.parser`` says which parser gave it).
    :param host: the host that parsed it.
    """


@hookspec
def alert_raised(alert: Alert, host: Host) -> None:
    """Event: the monitor opened, escalated or resolved an alert.

    Called by ``signalos monitor check`` (``Monitor.check``) once per change of an alert, on every
    implementation; return values are ignored and an exception is recorded in ``host.errors``,
    never raised to the monitor. The built-in implementation writes the alert to the workspace's
    ``alerts`` table and to the ``signalos.monitor`` logger; a plugin can post it to a chat.

    :param alert: a frozen :class:`signalos.monitor.Alert`: ``key`` (stable for one incident),
        ``event`` (``"opened"``, ``"escalated"`` or ``"resolved"``), ``status``, ``severity``
        (``"warning"`` or ``"critical"``), ``provider`` (None for all providers), ``metrics``
        (each breaching metric with its value and levels), ``message`` (one line for humans),
        the window it was decided on, and ``workspace`` (the directory the monitor read).
    :param host: the host the monitor runs with.
    """
