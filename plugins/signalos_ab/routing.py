"""The ``ab`` router component: which variant serves a message, the routed parse, its outcome.

The router reads the running experiments from the workspace (again every ``refresh_s`` seconds,
so ``signalos ab stop`` or a ramp change reaches a running bot without a restart), assigns the
message's unit, parses with the variant's pipeline through ``Host.parse`` (so ``parse_completed``
still fires) and logs the parse to ``parse_log`` with its experiment, variant, latency,
confidence and warnings, through the background writer of ``signalos.parselog``.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from signalos.errors import ConfigError, SignalosError
from signalos.models import ChainOutcome, Message, ParseResult
from signalos.parselog import ParseLog, new_uid, routing_active
from signalos_ab.experiments import Assignment, Experiment, ExperimentError, load_all, now

if TYPE_CHECKING:
    from signalos.host import Host

OUTCOME_KINDS = ("success", "correction", "failed_order")


@attrs.frozen
class RoutedOutcome:
    """A routed parse: the chain's outcome that answers, the assignment behind it, the ids that
    join its outcome later, and in shadow mode the other variant's outcome (not served)."""

    outcome: ChainOutcome
    assignment: Assignment | None
    parse_uid: str
    request_uid: str
    shadow: ChainOutcome | None = None
    shadow_variant: str | None = None
    shadow_uid: str | None = None

    @property
    def result(self) -> ParseResult:
        return self.outcome.result

    @property
    def experiment(self) -> str | None:
        return self.assignment.experiment if self.assignment and self.assignment.exposed else None

    @property
    def variant(self) -> str | None:
        return self.assignment.variant if self.assignment and self.assignment.exposed else None


def unit_of(message: Message, unit: str) -> str:
    """The id a unit is bucketed by; a message without one is bucketed by its text (stable for
    that text, but not sticky per person)."""
    if unit == "user":
        value = message.user_id or message.chat_id
    elif unit == "channel":
        value = message.chat_id or message.provider
    else:
        value = message.message_id
    if value:
        return str(value)
    return "text:" + hashlib.sha256(str(message.text).encode("utf-8", "replace")).hexdigest()[:16]


def _schema(result: ParseResult | dict | str | None) -> dict | None:
    """A result or label as its normalised SCHEMA.md object (entry sorted, numbers as floats)."""
    if result is None:
        return None
    if isinstance(result, ParseResult):
        return result.to_schema()
    data = json.loads(result) if isinstance(result, str) else result
    try:
        return ParseResult.from_schema(data).to_schema()
    except (TypeError, ValueError, KeyError):
        return None


def outcome_rows(kind: str, served: dict[str, Any], shadows: list[dict[str, Any]], *, label: Any = None,
                 detail: str | None = None, actor: str | None = None) -> list[dict[str, Any]]:
    """The ``outcomes`` rows of one outcome of a served parse, and the derived outcomes of its
    shadow parses: a shadow that gave the same answer shares the served verdict; when the served
    answer was right (or a correction says what was right) a different shadow answer is judged
    against it; otherwise the shadow's verdict is unknown and no row is made."""
    if kind not in OUTCOME_KINDS:
        raise SignalosError(f"outcome must be one of {', '.join(OUTCOME_KINDS)}, got {kind!r}")
    stamp = now()
    truth = _schema(label) if label is not None else None
    served_ok = int(kind == "success")
    base = {"created_at": stamp, "kind": kind, "detail": detail, "actor": actor,
            "label": json.dumps(label, ensure_ascii=False) if label is not None else None}
    rows = [{**base, "parse_uid": served["parse_uid"], "request_uid": served.get("request_uid"),
             "experiment": served.get("experiment"), "variant": served.get("variant"), "success": served_ok,
             "derived": 0}]
    served_answer = _schema(served.get("result"))
    for shadow in shadows:
        answer = _schema(shadow.get("result"))
        if answer == served_answer:
            ok = served_ok
        elif kind == "success":
            ok = 0
        elif truth is not None:
            ok = int(answer == truth)
        else:
            continue
        rows.append({**base, "parse_uid": shadow["parse_uid"], "request_uid": shadow.get("request_uid"),
                     "experiment": shadow.get("experiment"), "variant": shadow.get("variant"),
                     "success": ok, "derived": 1})
    return rows


def _seconds(value: Any) -> float:
    """``[routers.ab] refresh_s``: seconds, 0 or more (0: re-read on every message), else one
    ConfigError naming the key."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if isinstance(value, bool) or not seconds >= 0 or seconds == float("inf"):
        raise ConfigError(f"[routers.ab] refresh_s: expected a number of seconds (0 or more), got {value!r}")
    return seconds


class ABRouter:
    """Component ``ab``. Options (``[routers.ab]``): ``workspace`` (default: the host's),
    ``refresh_s`` (how often running experiments are re-read, default 5)."""

    def __init__(self, host: Host, options: dict[str, Any] | None = None):
        options = options or {}
        self.host = host
        self.workspace = Path(options.get("workspace") or host.workspace)
        self.refresh_s = _seconds(options.get("refresh_s", 5.0))
        self.errors: list[str] = []  # damaged experiment rows, an unreadable workspace: said, not raised
        self._lock = threading.RLock()
        self._log: ParseLog | None = None
        self._experiments: list[Experiment] = []
        self._loaded_at = -1e18
        self._pipelines: dict[str, str] = {}
        self._assigned: set[tuple[str, str]] = set()

    # the workspace -------------------------------------------------------------------------------
    @property
    def log(self) -> ParseLog:
        if self._log is None:
            with self._lock:
                if self._log is None:
                    self._log = ParseLog.for_workspace(self.workspace)
        return self._log

    def db(self):
        """A fresh connection to the workspace database (migrated); the caller closes it."""
        from signalos.store import DB_NAME, open_database

        return open_database(self.workspace / DB_NAME)

    def experiments(self, *, refresh: bool = False) -> list[Experiment]:
        """The running experiments, re-read at most every ``refresh_s`` seconds."""
        if refresh or time.monotonic() - self._loaded_at > self.refresh_s:
            with self._lock:
                if refresh or time.monotonic() - self._loaded_at > self.refresh_s:
                    damaged: list[str] = []
                    try:
                        db = self.db()
                        try:
                            self._experiments = load_all(db, "running", damaged=damaged)
                        finally:
                            db.close()
                    except SignalosError as exc:
                        # the workspace cannot be read now: keep serving what was read last
                        damaged.append(str(exc))
                    for text in damaged:
                        self._note(text)
                    self._loaded_at = time.monotonic()
        return self._experiments

    def _note(self, text: str) -> None:
        if text not in self.errors[-20:]:
            self.errors.append(text)
        del self.errors[:-100]

    # routing -------------------------------------------------------------------------------------
    def assign(self, message: Message | str, experiment: str | None = None) -> Assignment | None:
        """The assignment of the message's unit in ``experiment`` (or in the first running
        experiment that owns it), or None when no running experiment takes it."""
        message = Message.coerce(message)
        for exp in self.experiments():
            if experiment is not None and exp.name != experiment:
                continue
            found = exp.assign(unit_of(message, exp.unit))
            if found is not None:
                return found
        return None

    def route(self, message: Message | str) -> str:
        """The pipeline that serves ``message`` (the ``register_routers`` contract)."""
        assignment = self.assign(message)
        return self.pipeline_for(assignment.target) if assignment else self.host.config.pipeline().name

    def pipeline_for(self, target: str) -> str:
        """The pipeline of a variant target: a configured pipeline by name, else the chain of the
        comma-separated parser names (``spacy-ner@1.2.0,regex``), added to the host once."""
        if target in self.host.config.pipelines:
            return target
        with self._lock:
            if target not in self._pipelines:
                parsers = [p.strip() for p in target.split(",") if p.strip()]
                name = ",".join(parsers)
                if name not in self.host.config.pipelines:
                    self.host.use_pipeline(name, parsers, self.host.config.pipeline().threshold)
                self._pipelines[target] = name
            return self._pipelines[target]

    def check(self, exp: Experiment) -> None:
        """Fail now, naming the variant, when a target names no pipeline and no known parser."""
        for v in exp.variants:
            try:
                self.pipeline_for(v.target)
            except SignalosError as exc:
                raise ExperimentError(f"variant {v.name!r} of {exp.name!r}: {exc}") from None

    def parse(self, message: Message | str, experiment: str | None = None) -> RoutedOutcome:
        """Route one message, parse it with its variant and log the parse. Never raises on any
        text (unless a pipeline's ``on_error`` is ``raise``)."""
        message = Message.coerce(message)
        try:
            assignment = self.assign(message, experiment)
            exp = self._experiment(assignment.experiment) if assignment else None
            pipeline = self.pipeline_for(assignment.target) if assignment else None
        except SignalosError as exc:
            # a variant whose target no longer resolves: the message gets the default pipeline,
            # outside any experiment, and the router says why in ``errors``
            self._note(f"routing failed, default pipeline used: {exc}")
            assignment = exp = pipeline = None
        request_uid, parse_uid = new_uid(), new_uid()
        token = routing_active.set(True)
        try:
            outcome = self.host.parse(message, pipeline=pipeline)
            shadow = shadow_variant = None
            if exp is not None and assignment.exposed and exp.mode == "shadow":
                other = next(v for v in exp.variants if v.name != exp.control)
                # The shadow's answer is never served, so no parse_completed event for it.
                shadow = self.host.chain(self.pipeline_for(other.target)).parse(message)
                shadow_variant = other.name
        finally:
            routing_active.reset(token)
        exposed = assignment is not None and assignment.exposed
        context = {"parse_uid": parse_uid, "request_uid": request_uid}
        if assignment is not None:
            context["unit_id"] = assignment.unit_id
        if exposed:
            context.update(experiment=assignment.experiment, variant=assignment.variant, role="served")
            self._record_assignment(assignment)
        self.log.log_parse(message, outcome, **context)
        shadow_uid = None
        if shadow is not None:
            shadow_uid = self.log.log_parse(message, shadow, parse_uid=new_uid(), request_uid=request_uid,
                                            unit_id=assignment.unit_id, experiment=assignment.experiment,
                                            variant=shadow_variant, role="shadow")
        return RoutedOutcome(outcome, assignment, parse_uid, request_uid, shadow, shadow_variant, shadow_uid)

    def _experiment(self, name: str) -> Experiment | None:
        return next((e for e in self._experiments if e.name == name), None)

    def _record_assignment(self, a: Assignment) -> None:
        key = (a.experiment, a.unit_id)
        if key in self._assigned:
            return
        if len(self._assigned) > 1_000_000:
            self._assigned.clear()  # only saves writes: the row is INSERT OR IGNORE anyway
        self._assigned.add(key)
        self.log.log_row("assignments", {"experiment": a.experiment, "unit_id": a.unit_id, "variant": a.variant,
                                         "bucket": a.bucket, "exposed": int(a.exposed), "first_seen": now()},
                         or_ignore=True)

    # outcomes ------------------------------------------------------------------------------------
    def record_outcome(self, parse: RoutedOutcome | str, kind: str, *, label: Any = None, detail: str | None = None,
                       actor: str | None = None) -> list[dict[str, Any]]:
        """Record what happened to a parse: ``success``, ``correction`` (``label`` = the right
        SCHEMA.md object) or ``failed_order``. ``parse`` is a RoutedOutcome or a ``parse_uid``.
        Returns the outcome rows queued (the served parse's, and derived ones for its shadow)."""
        kind = kind.replace("-", "_")
        if isinstance(parse, RoutedOutcome):
            served = {"parse_uid": parse.parse_uid, "request_uid": parse.request_uid,
                      "experiment": parse.experiment, "variant": parse.variant, "result": parse.result}
            shadows = []
            if parse.shadow is not None:
                shadows.append({"parse_uid": parse.shadow_uid, "request_uid": parse.request_uid,
                                "experiment": parse.experiment, "variant": parse.shadow_variant,
                                "result": parse.shadow.result})
        else:
            served, shadows = self._logged(parse)
        rows = outcome_rows(kind, served, shadows, label=label, detail=detail, actor=actor)
        for row in rows:
            self.log.log_row("outcomes", row)
        if kind == "correction" and label is not None:
            # The dataset's feedback reads corrections from parse_log.correction.
            self.log.log_sql("UPDATE parse_log SET correction = ? WHERE parse_uid = ?",
                             (json.dumps(label, ensure_ascii=False), served["parse_uid"]))
        return rows

    def _logged(self, parse_uid: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        self.log.flush()
        db = self.db()
        try:
            rows = list(db.query("SELECT parse_uid, request_uid, experiment, variant, role, result FROM parse_log "
                                 "WHERE parse_uid = ?", [parse_uid]))
            if not rows:
                raise SignalosError(f"no logged parse with parse_uid {parse_uid!r} in {self.workspace}")
            served = rows[0]
            shadows = []
            if served["request_uid"] and served["role"] == "served":
                shadows = list(db.query("SELECT parse_uid, request_uid, experiment, variant, result FROM parse_log "
                                        "WHERE request_uid = ? AND role = 'shadow'", [served["request_uid"]]))
        finally:
            db.close()
        return served, shadows

    def flush(self) -> bool:
        return self._log.flush() if self._log is not None else True

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
