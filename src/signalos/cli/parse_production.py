"""``signalos parse --log`` and ``--route KEY``: the command's parses as production parses.

:class:`ProductionParses` stands where ``signalos parse`` uses the host (``parse`` and
``parse_many`` with the same signatures), so the streaming code is the same with or without it:

- ``--log`` (or ``[parse] log = true``) writes every parse to the workspace's ``parse_log``
  through the background writer, as a bot embedding the host or ``signalos serve`` does, so that
  ``signalos monitor`` sees them;
- ``--route KEY`` (or ``[parse] route = "KEY"``) sends each message that has a value for KEY
  through the A/B router: a running experiment picks its variant and the parse is logged with
  the experiment, so ``signalos ab status`` counts it. KEY is ``user_id``, ``chat_id``,
  ``provider`` or ``message_id`` (keys of the input line); its value is the unit an experiment
  by user assigns (a channel experiment buckets by ``chat_id`` or ``provider`` as always). A
  message without it is parsed by the default pipeline, outside any experiment. Routed parses
  are always logged: an experiment is judged on them.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import attrs

from signalos.errors import SignalosError
from signalos.models import ChainOutcome, Message

ROUTE_KEYS = ("user_id", "chat_id", "provider", "message_id")


class ProductionParses:
    """The host's ``parse``/``parse_many``, logging and routing each parse (see the module)."""

    def __init__(self, host: Any, *, log: bool, route: str | None):
        if route is not None and route not in ROUTE_KEYS:
            raise SignalosError(f"--route {route!r}: expected one of {', '.join(ROUTE_KEYS)} (a key of the input lines)")
        self.host = host
        self.route = route
        self.logging = log
        self.router = None
        self.counts = {"logged": 0, "routed": 0, "in_experiment": 0, "without_key": 0}
        if route is not None:
            if "ab" not in host.routers:
                raise SignalosError("--route needs the A/B router plugin (signalos_ab), which is not loaded")
            import signalos_ab

            self.router = signalos_ab.router(host)
            self.log = self.router.log  # one writer for routed and plain parses
        else:
            from signalos.parselog import ParseLog

            self.log = ParseLog.for_workspace(host.workspace)

    @property
    def config(self) -> Any:
        return self.host.config

    def parse(self, message: Message, *, pipeline: str | None = None) -> ChainOutcome:
        unit = self._unit(message)
        if unit is not None:
            routed = self.router.parse(unit)
            self.counts["routed"] += 1
            self.counts["in_experiment"] += routed.experiment is not None
            self.counts["logged"] += 1
            return routed.outcome
        outcome = self.host.parse(message, pipeline=pipeline)
        self._log(message, outcome)
        return outcome

    def parse_many(self, messages: Sequence[Message], *, pipeline: str | None = None) -> list[ChainOutcome]:
        if self.router is not None:  # routing is per message: each may get another variant
            return [self.parse(m, pipeline=pipeline) for m in messages]
        outcomes = self.host.parse_many(messages, pipeline=pipeline)
        for message, outcome in zip(messages, outcomes):
            self._log(message, outcome)
        return outcomes

    def _unit(self, message: Message) -> Message | None:
        """The message to route (its user_id set to the KEY's value), or None: not routed."""
        if self.router is None:
            return None
        value = getattr(message, self.route)
        if value is None:
            self.counts["without_key"] += 1
            return None
        return message if self.route == "user_id" else attrs.evolve(message, user_id=value)

    def _log(self, message: Message, outcome: ChainOutcome) -> None:
        if self.logging or self.router is not None:
            self.log.log_parse(message, outcome)
            self.counts["logged"] += 1

    def close(self) -> dict[str, Any]:
        """Write every queued row; what was logged and routed, and where."""
        flushed = self.log.flush()
        self.log.close()
        return {**self.counts, "written": flushed, "database": str(self.log.db_path),
                "errors": list(self.log.errors)}


def production_parses(host: Any, *, log: bool | None, route: str | None, pipeline_named: bool) -> ProductionParses | None:
    """The wrapper when logging or routing is asked (by flag, else by ``[parse]`` of the
    configuration), else None: the command parses with the bare host."""
    from signalos.options import section_options

    defaults = section_options(host.config, "parse")
    log = defaults.log if log is None else log
    if route is not None and pipeline_named:
        raise SignalosError("--route lets the A/B router choose the pipeline: give no --pipeline, --chain or "
                            "--fallback with it")
    if route is None and not pipeline_named:
        route = defaults.route  # a pipeline named on the command line is never routed
    if not log and route is None:
        return None
    return ProductionParses(host, log=log, route=route)


def report_when_done(production: ProductionParses) -> None:
    """When the command ends, however it ends (exit status 3 for skipped lines included): write
    the queued rows and say on stderr where they went (stdout carries only the parses)."""
    from signalos.cli import common

    def report() -> None:
        summary = production.close()
        routed = ""
        if production.router is not None:
            routed = f"; {summary['routed']} routed, {summary['in_experiment']} of them in an experiment"
            if summary["without_key"]:
                routed += f"; {summary['without_key']} without {production.route} (default pipeline)"
        sys.stderr.write(f"parse log: {summary['logged']} parses logged to {summary['database']}{routed}\n")
        for error in summary["errors"]:
            common.warn(f"parse log: {error}")
        if not summary["written"]:
            common.warn("parse log: not every row was written before the timeout")

    ctx = common._current_context()
    if ctx is not None:
        ctx.call_on_close(report)
    else:  # called outside a click command (a test calling parse_command directly)
        import atexit

        atexit.register(report)
