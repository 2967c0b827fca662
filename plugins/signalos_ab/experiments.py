"""Experiments: their definition, sticky bucketing of units, and their rows in the workspace.

A unit (a user, or a channel) falls in one of 10,000 buckets by a salted hash, so it sees the same
variant on every message, in every process, with no lookup:

- the layer bucket, ``sha256("layer:" + layer + ":" + unit)``, decides which experiment of a
  layer the unit belongs to: each experiment owns a bucket range of its layer, and two running
  experiments of one layer may not overlap (mutual exclusion);
- the ramp bucket, ``sha256(salt + ":" + experiment + ":ramp:" + unit)``, decides exposure: a
  ramp of 10 % exposes buckets 0-999, and raising the ramp keeps everyone exposed before;
- the variant bucket, ``sha256(salt + ":" + experiment + ":" + unit)``, picks the variant by the
  cumulative weights. It is independent of the ramp bucket, so a ramp never moves a unit from
  one variant to another.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
from typing import Any

import attrs

from signalos.errors import SignalosError

BUCKETS = 10_000
UNITS = ("user", "channel", "message")
MODES = ("split", "shadow")
STATUSES = ("running", "stopped", "promoted")
DEFAULT_LAYER = "main"
MAX_WEIGHT = 1_000_000.0  # weights are relative; beyond this they only hide a typo or an overflow
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # fullmatch: no trailing newline


class ExperimentError(SignalosError):
    """An experiment that cannot be started, found or changed (bad weights, overlapping buckets,
    unknown name). Seen by CLI users and API callers."""


def bucket(*parts: str) -> int:
    """The bucket (0-9999) of a key: sha256 of the parts joined by ':'."""
    digest = hashlib.sha256(":".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@attrs.frozen
class Variant:
    """One arm: ``target`` is a pipeline name, a chain ``a,b`` or a ``component@version``."""

    name: str
    target: str
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "weight": self.weight}


@attrs.frozen
class Settings:
    """How an experiment is judged and when it may promote its winner.

    ``mde``: the smallest absolute change of the success rate worth detecting (sample size and
    the mSPRT mixing spread ``tau``, which defaults to it). Guardrails: the winner's median and
    95th-percentile latency may exceed the control's by at most ``max_latency_increase``
    (relative; differences under ``latency_floor_ms`` never count, and a slower median must also
    be significant by Mann-Whitney), and its validation-warning rate by at most
    ``max_warning_increase`` (absolute).
    ``outcome_policy``: ``explicit`` counts only parses with a recorded outcome;
    ``silence-is-success`` counts every parse without a complaint as a success.
    """

    alpha: float = 0.05
    power: float = 0.8
    mde: float = 0.02
    tau: float | None = None
    base_rate: float | None = None
    min_outcomes: int = 100
    max_latency_increase: float = 0.25
    latency_floor_ms: float = 1.0
    max_warning_increase: float = 0.01
    auto_promote: bool = False
    golden: str | None = None
    deployer: str = "blue-green"
    outcome_policy: str = attrs.field(default="explicit",
                                      validator=attrs.validators.in_(("explicit", "silence-is-success")))

    @property
    def mixing_tau(self) -> float:
        return self.tau if self.tau else self.mde

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Settings:
        fields = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in fields})


@attrs.frozen
class Assignment:
    """Where one message goes: the experiment and variant of its unit, or ``exposed=False`` when
    the unit is outside the ramp (it gets the control and is left out of the analysis)."""

    experiment: str
    variant: str
    target: str
    unit_id: str
    bucket: int
    exposed: bool


@attrs.frozen
class Experiment:
    name: str
    variants: tuple[Variant, ...] = attrs.field(converter=tuple)
    control: str = ""
    unit: str = "user"
    mode: str = "split"
    salt: str = ""
    layer: str = DEFAULT_LAYER
    bucket_start: int = 0
    bucket_end: int = BUCKETS
    ramp: float = 100.0
    status: str = "running"
    settings: Settings = attrs.field(factory=Settings)
    created_at: str | None = None
    started_at: str | None = None
    stopped_at: str | None = None
    status_reason: str | None = None
    winner: str | None = None
    promotion: dict[str, Any] | None = None
    actor: str | None = None

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise ExperimentError(f"experiment {self.name!r} has no variant {name!r}; "
                              f"variants: {', '.join(v.name for v in self.variants)}")

    @property
    def weights(self) -> list[float]:
        return [v.weight for v in self.variants]

    def owns(self, unit_id: str) -> bool:
        """Whether the unit's layer bucket is in this experiment's range."""
        return self.bucket_start <= bucket("layer", self.layer, unit_id) < self.bucket_end

    def assign(self, unit_id: str) -> Assignment | None:
        """The unit's assignment, or None when another experiment of the layer owns it."""
        if not self.owns(unit_id):
            return None
        control = self.variant(self.control)
        if bucket(self.salt, self.name, "ramp", unit_id) >= round(self.ramp * BUCKETS / 100):
            return Assignment(self.name, control.name, control.target, unit_id, -1, False)
        if self.mode == "shadow":  # the control answers everyone; the other variant shadows it
            return Assignment(self.name, control.name, control.target, unit_id, -1, True)
        b = bucket(self.salt, self.name, unit_id)
        total = sum(self.weights)
        edge = 0.0
        for v in self.variants:
            edge += v.weight / total * BUCKETS
            if b < edge:
                return Assignment(self.name, v.name, v.target, unit_id, b, True)
        last = self.variants[-1]  # rounding of the last edge
        return Assignment(self.name, last.name, last.target, unit_id, b, True)

    def to_row(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status, "mode": self.mode, "unit": self.unit, "salt": self.salt,
            "layer": self.layer, "bucket_start": self.bucket_start, "bucket_end": self.bucket_end,
            "ramp": self.ramp, "variants": json.dumps([v.to_dict() for v in self.variants]),
            "control": self.control, "settings": json.dumps(self.settings.to_dict()),
            "created_at": self.created_at, "started_at": self.started_at, "stopped_at": self.stopped_at,
            "status_reason": self.status_reason, "winner": self.winner,
            "promotion": json.dumps(self.promotion) if self.promotion is not None else None, "actor": self.actor,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Experiment:
        """The experiment of a stored row; ExperimentError naming it when the row is damaged (a
        ``variants`` column that is not a JSON list of variants, edited by hand or cut short)."""
        try:
            return cls._from_row(row)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ExperimentError(f"experiment {row.get('name')!r}: its stored row is damaged "
                                  f"({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_row(cls, row: dict[str, Any]) -> Experiment:
        variants = json.loads(row["variants"])
        if not isinstance(variants, list) or not variants or not all(isinstance(v, dict) for v in variants):
            raise ValueError(f"variants is not a list of variants: {str(row['variants'])[:80]!r}")
        return cls(
            name=row["name"], variants=[Variant(**v) for v in variants], control=row["control"],
            unit=row["unit"], mode=row["mode"], salt=row["salt"] or "", layer=row["layer"] or DEFAULT_LAYER,
            bucket_start=row["bucket_start"], bucket_end=row["bucket_end"], ramp=row["ramp"], status=row["status"],
            settings=Settings.from_dict(json.loads(row["settings"] or "{}")), created_at=row["created_at"],
            started_at=row["started_at"], stopped_at=row["stopped_at"], status_reason=row["status_reason"],
            winner=row["winner"], promotion=json.loads(row["promotion"]) if row["promotion"] else None,
            actor=row["actor"],
        )

    def to_dict(self) -> dict[str, Any]:
        out = self.to_row()
        out.update(variants=[v.to_dict() for v in self.variants], settings=self.settings.to_dict(),
                   promotion=self.promotion)
        out.pop("salt")
        return out


def define(name: str, variants: list[Variant] | dict[str, str], *, control: str | None = None, unit: str = "user",
           mode: str = "split", layer: str = DEFAULT_LAYER, buckets: tuple[int, int] = (0, BUCKETS),
           ramp: float = 100.0, salt: str | None = None, settings: Settings | dict | None = None,
           actor: str | None = None) -> Experiment:
    """A checked, not yet stored experiment. ``variants`` is a list of Variant or a mapping of
    name to target (even weights); the control is the first variant unless named."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ExperimentError(f"invalid experiment name {name!r}: letters, digits, '.', '_' or '-'")
    if isinstance(variants, dict):
        variants = [Variant(n, t) for n, t in variants.items()]
    variants = list(variants)
    if len(variants) < 2:
        raise ExperimentError("an experiment needs two or more variants")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise ExperimentError(f"variant names must differ: {', '.join(names)}")
    for v in variants:
        if not isinstance(v.name, str) or not _NAME.fullmatch(v.name) or not isinstance(v.target, str) \
                or not v.target.strip():
            raise ExperimentError(f"variant {v.name!r}: a name of letters/digits and a pipeline or parser target")
        if isinstance(v.weight, bool) or not isinstance(v.weight, (int, float)) or not 0 < v.weight <= MAX_WEIGHT:
            raise ExperimentError(f"variant {v.name!r}: the weight must be positive and at most "
                                  f"{MAX_WEIGHT:,.0f}, got {v.weight!r}")
    total = sum(v.weight for v in variants)
    for v in variants:
        # inf or 1e308 beside 1 would send every unit to one arm while the others look started
        if v.weight / total * BUCKETS < 1:
            raise ExperimentError(f"variant {v.name!r}: weight {v.weight:g} of {total:g} gets no bucket of "
                                  f"{BUCKETS:,}; give the arms weights closer to each other")
    control = control or names[0]
    if control not in names:
        raise ExperimentError(f"control {control!r} is not one of the variants: {', '.join(names)}")
    if unit not in UNITS:
        raise ExperimentError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    if mode not in MODES:
        raise ExperimentError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "shadow" and len(variants) != 2:
        raise ExperimentError("a shadow experiment compares exactly two variants: the control answers, the other shadows")
    start, end = buckets
    if not 0 <= start < end <= BUCKETS:
        raise ExperimentError(f"bucket range must be within 0-{BUCKETS} and not empty, got {start}-{end}")
    if isinstance(ramp, bool) or not isinstance(ramp, (int, float)) or not 0 <= ramp <= 100:
        raise ExperimentError(f"ramp is a percentage (0-100), got {ramp}")
    if not isinstance(settings, Settings):
        try:
            settings = Settings.from_dict(settings)
        except (TypeError, ValueError) as exc:
            raise ExperimentError(f"invalid settings: {exc}") from None
    stamp = now()
    return Experiment(name=name, variants=variants, control=control, unit=unit, mode=mode,
                      salt=salt if salt is not None else secrets.token_hex(8), layer=layer or DEFAULT_LAYER,
                      bucket_start=start, bucket_end=end, ramp=float(ramp), settings=settings,
                      created_at=stamp, started_at=stamp,
                      actor=actor or os.environ.get("USER") or "signalos")


# storage -------------------------------------------------------------------------------------------

def save_new(db, exp: Experiment) -> Experiment:
    """Store and start ``exp``; refused when its name exists or its buckets overlap a running
    experiment of the same layer. The check and the insert share one write transaction, so two
    processes starting experiments at once cannot both take the same buckets."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if list(db.query("SELECT name FROM experiments WHERE name = ?", [exp.name])):
            raise ExperimentError(f"experiment {exp.name!r} already exists; stop it and choose a new name")
        for row in db.query("SELECT name, bucket_start, bucket_end FROM experiments "
                            "WHERE status = 'running' AND layer = ?", [exp.layer]):
            if row["bucket_start"] < exp.bucket_end and exp.bucket_start < row["bucket_end"]:
                raise ExperimentError(
                    f"buckets {exp.bucket_start}-{exp.bucket_end} of layer {exp.layer!r} overlap running "
                    f"experiment {row['name']!r} ({row['bucket_start']}-{row['bucket_end']}); give another "
                    f"--buckets range or --layer")
        db["experiments"].insert(exp.to_row())
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return exp


def load(db, name: str) -> Experiment:
    rows = list(db.query("SELECT * FROM experiments WHERE name = ?", [name]))
    if not rows:
        known = ", ".join(r["name"] for r in db.query("SELECT name FROM experiments ORDER BY created_at")) or "none"
        raise ExperimentError(f"unknown experiment {name!r}; experiments: {known}")
    return Experiment.from_row(rows[0])


def load_all(db, status: str | None = None, *, damaged: list[str] | None = None) -> list[Experiment]:
    """The stored experiments (those with ``status``). A damaged row raises ExperimentError,
    unless ``damaged`` is a list: then the row is described there and the others are returned
    (the router keeps serving the experiments it can read)."""
    sql, args = "SELECT * FROM experiments", []
    if status:
        sql, args = sql + " WHERE status = ?", [status]
    out = []
    for row in db.query(sql + " ORDER BY started_at, name", args):
        try:
            out.append(Experiment.from_row(row))
        except ExperimentError as exc:
            if damaged is None:
                raise
            damaged.append(str(exc))
    return out


def update(db, name: str, **changes: Any) -> Experiment:
    """Change columns of a stored experiment (status, ramp, winner, promotion ...)."""
    exp = attrs.evolve(load(db, name), **changes)
    row = exp.to_row()
    with db.conn:
        db["experiments"].update(name, {k: row[k] for k in changes})
    return exp


def stop(db, name: str, reason: str = "") -> Experiment:
    exp = load(db, name)
    if exp.status != "running":
        raise ExperimentError(f"experiment {name!r} is already {exp.status}")
    return update(db, name, status="stopped", stopped_at=now(), status_reason=reason or "stopped")


def set_ramp(db, name: str, ramp: float) -> Experiment:
    if not 0 <= ramp <= 100:
        raise ExperimentError(f"ramp is a percentage (0-100), got {ramp}")
    exp = load(db, name)
    if ramp < exp.ramp:
        # Lowering the ramp sends exposed units back to the control: their data stays, but they
        # would see the variant switch, which is why only increases are allowed.
        raise ExperimentError(f"the ramp only goes up (now {exp.ramp:g} %); stop the experiment instead")
    return update(db, name, ramp=float(ramp))
