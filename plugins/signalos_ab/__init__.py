"""The A/B router plugin: component ``ab``.

Experiments live in the workspace database (``experiments``, ``assignments``, ``outcomes``,
``experiment_looks``). Each splits users or channels between two or more variants (a pipeline,
a chain ``a,b`` or a model version ``spacy-ner@1.2.0``) by a salted hash, sticky and identical in
every process; every routed parse goes to ``parse_log`` with its experiment and variant, and
outcomes (a success, a correction, a failed order) are joined to it by ``parse_uid``.

    import signalos_ab

    signalos_ab.start(host, "ner-v2", {"control": "spacy-ner@1.2.0", "treatment": "spacy-ner@1.3.0"},
                      settings={"mde": 0.02, "auto_promote": True, "golden": "golden.jsonl"})
    routed = signalos_ab.route_and_parse(host, Message(text, chat_id="...", user_id="..."))
    ...                                   # trade routed.result
    signalos_ab.record_outcome(host, routed, "success")      # or "correction" (label=...), "failed_order"
    report = signalos_ab.check(host, "ner-v2")               # every hour: mSPRT, SRM, guardrails, promotion

Statistics are in :mod:`signalos.abstats`; ``signalos ab start|status|stop|promote`` is the CLI.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from signalos.hookspecs import hookimpl
from signalos.plugins import lazy_factory

if TYPE_CHECKING:
    import sqlite_utils

    from signalos.host import Host
    from signalos.models import Message
    from signalos_ab.experiments import Experiment
    from signalos_ab.routing import ABRouter, RoutedOutcome

NAME = "ab"


@hookimpl(trylast=True)
def register_routers(register, host):
    register(NAME, lazy_factory("signalos_ab.routing", "ABRouter"))


def router(host: Host, name: str = NAME, *, workspace: Any = None) -> ABRouter:
    """The host's router component (built once, with its ``[routers.ab]`` options), or a router
    on another ``workspace`` (as ``signalos ab --workspace DIR`` uses)."""
    if workspace is None:
        return host.component("routers", name)
    options = {**host.config.options("routers", name), "workspace": str(workspace)}
    return host.routers.get(name).factory(host, options)


def route_and_parse(host: Host, message: Message | str, experiment: str | None = None) -> RoutedOutcome:
    """Parse ``message`` with the variant its unit is assigned to (the default pipeline when no
    running experiment takes it) and log the parse; see ``ABRouter.parse``."""
    return router(host).parse(message, experiment)


def record_outcome(host: Host, parse: RoutedOutcome | str, kind: str, **kw: Any) -> list[dict[str, Any]]:
    """Record ``success``, ``correction`` (``label=``) or ``failed_order`` for a routed parse or a
    ``parse_uid``."""
    return router(host).record_outcome(parse, kind, **kw)


def start(host: Host, name: str, variants: Any, *, workspace: Any = None, **kw: Any) -> Experiment:
    """Define, check and start an experiment (see ``experiments.define`` for the options)."""
    from signalos_ab.experiments import define, save_new

    exp = define(name, variants, **kw)
    r = router(host, workspace=workspace)
    r.check(exp)
    db = r.db()
    try:
        save_new(db, exp)
    finally:
        db.close()
    r.experiments(refresh=True)
    return exp


@contextmanager
def _changing_experiments(host: Host, workspace: Any, *,
                          flush: bool) -> Iterator[tuple[ABRouter, sqlite_utils.Database]]:
    """The router and a connection to its database, for a change to an experiment. ``flush``
    first writes the parses still buffered, so figures read from ``parse_log`` include them;
    afterwards the router re-reads its experiments, whether or not the change went through."""
    r = router(host, workspace=workspace)
    if flush:
        r.flush()
    db = r.db()
    try:
        yield r, db
    finally:
        db.close()
        r.experiments(refresh=True)


def check(host: Host, name: str, *, workspace: Any = None, **kw: Any) -> dict[str, Any]:
    """Evaluate, record a look and auto-promote when allowed; see ``analysis.check``."""
    from signalos_ab.analysis import check as _check

    with _changing_experiments(host, workspace, flush=True) as (r, db):
        return _check(host, db, name, workspace=r.workspace, **kw)


def stop(host: Host, name: str, reason: str = "", *, workspace: Any = None) -> Experiment:
    """Stop routing to an experiment; its units go back to the default pipeline."""
    from signalos_ab.experiments import stop as _stop

    with _changing_experiments(host, workspace, flush=False) as (_, db):
        return _stop(db, name, reason)


def promote(host: Host, name: str, *, workspace: Any = None, **kw: Any) -> dict[str, Any]:
    """Promote the winner (or ``variant=``) through the deployer; see ``analysis.promote``."""
    from signalos_ab.analysis import promote as _promote

    with _changing_experiments(host, workspace, flush=True) as (r, db):
        return _promote(host, db, name, workspace=r.workspace, **kw)


__all__ = ["NAME", "check", "promote", "record_outcome", "register_routers", "route_and_parse", "router",
           "start", "stop"]
