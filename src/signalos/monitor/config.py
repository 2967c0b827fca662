"""The ``[monitor]`` table of signalos.toml: windows, thresholds, hysteresis, templates, retraining.

    [monitor]
    window = "15m"            # width of one window (s, m, h, d; or seconds)
    min_sample = 30           # a window with fewer parses decides nothing
    consecutive = 3           # K: windows in a row past a level to open, and past `clear` to close
    lookback = "7d"           # how far back the first check and the report look
    group_by = "provider"     # one alert per provider incident; "metric": one per provider and metric
    overall = true            # also watch all providers together

    [monitor.thresholds.success_rate]
    warning = 0.90            # below: warning; below critical: critical
    critical = 0.75
    clear = 0.93              # an open alert closes after K windows at or above this

    [monitor.providers.acme.success_rate]   # a provider's own levels, over the defaults
    warning = 0.80

    [monitor.templates]
    min_count = 3             # a template counts once seen this often (one-off chatter never does)
    baseline = "1d"           # templates of a provider's first day are its baseline, never new
    recent = "6h"             # a template first seen this recently is new

    [monitor.retrain]
    command = "signalos train spacy --json"
    timeout = "2h"
    cooldown = "6h"
    quality_metrics = ["success_rate"]
    quality_severity = "warning"
    feedback_items = 50
    new_template = true
    alias = "candidate"
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import ConfigError
from signalos.options import (as_float, as_tuple, flag, from_table, key_of, number, one_of, optional, table, tables,
                              texts, whole)

SEVERITIES = ("warning", "critical")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _seconds(value: Any) -> float | None:
    """Seconds from ``900``, ``"15m"``, ``"2h"``, ``"1d"``; None when it is no duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _DURATION.fullmatch(value) if isinstance(value, str) else None
    return float(m[1]) * _UNITS[m[2]] if m else None


def duration_s(value: Any, what: str) -> int:
    """Seconds from ``900``, ``"15m"``, ``"2h"``, ``"1d"``; a ConfigError naming ``what`` otherwise."""
    seconds = _seconds(value)
    if seconds is None:
        raise ConfigError(f"[monitor] {what}: expected a duration such as '15m', '2h' or '1d', got {value!r}")
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(f"[monitor] {what}: must be positive, got {value!r}")
    return int(round(seconds))


def _as_duration(value: Any) -> Any:
    """Converter: whole seconds from a duration; anything else is left for ``_duration`` to refuse."""
    seconds = _seconds(value)
    return int(round(seconds)) if seconds is not None and 0 <= seconds < float("inf") else value


def _duration(*, zero: bool = False):
    expected = "a duration such as '15m', '2h' or '1d'" + (" (0 turns it off)" if zero else "")

    def check(_: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if zero else 1):
            raise ConfigError(f"{key_of(attribute)}: expected {expected}, got {value!r}")
    return check


def _metric_names(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    for name in value:
        if name not in DEFAULT_METRICS:
            raise ConfigError(f"{key_of(attribute)}: unknown metric {name!r}; known: {', '.join(DEFAULT_METRICS)}")


def _command(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key_of(attribute)}: expected a command line or a list of arguments, got {value!r}")


def _as_command(value: Any) -> Any:
    """Converter: a command line is split as a shell would (no shell runs it); a list is kept."""
    return tuple(shlex.split(value)) if isinstance(value, str) else as_tuple(value)


@attrs.frozen
class MetricSpec:
    """One watched metric: which way is bad and its three levels.

    ``bad = "low"``: a value below ``warning`` is a warning, below ``critical`` critical, and an
    open alert clears at ``clear`` or above; ``bad = "high"`` mirrors it. ``alert = False`` keeps
    the metric in status and charts only.
    """

    name: str
    label: str
    bad: str
    warning: float | None = None
    critical: float | None = None
    clear: float | None = None
    sample: str = "n"  # which count is the metric's sample: n, answered or signals
    alert: bool = True
    unit: str = ""

    def level(self, value: float | None) -> str:
        """``critical``, ``warning``, ``clear`` or ``hold`` (between warning and clear)."""
        if value is None or not self.alert or self.warning is None:
            return "hold"
        low = self.bad == "low"
        past = (lambda v, x: v < x) if low else (lambda v, x: v > x)
        if self.critical is not None and past(value, self.critical):
            return "critical"
        if past(value, self.warning):
            return "warning"
        clear = self.warning if self.clear is None else self.clear
        if (value >= clear) if low else (value <= clear):
            return "clear"
        return "hold"

    def with_table(self, table: dict[str, Any], where: str) -> MetricSpec:
        """These levels changed by a ``[monitor.thresholds.NAME]`` table (checked: ConfigError)."""
        levels = from_table(Levels, table, where)
        spec = attrs.evolve(self, **{k: getattr(levels, k) for k in table})
        spec.check(where)
        return spec

    def check(self, where: str) -> None:
        if self.warning is None:
            return
        worse = (lambda a, b: a <= b) if self.bad == "low" else (lambda a, b: a >= b)
        if self.critical is not None and not worse(self.critical, self.warning):
            raise ConfigError(f"[{where}]: critical {self.critical} must be {'below' if self.bad == 'low' else 'above'} "
                              f"warning {self.warning}")
        if self.clear is not None and worse(self.clear, self.warning) and self.clear != self.warning:
            raise ConfigError(f"[{where}]: clear {self.clear} must be {'at or above' if self.bad == 'low' else 'at or below'} "
                              f"warning {self.warning}")


@attrs.frozen
class Levels:
    """A ``[monitor.thresholds.NAME]`` or ``[monitor.providers.P.NAME]`` table."""

    warning: float | None = attrs.field(default=None, converter=as_float, validator=optional(number()))
    critical: float | None = attrs.field(default=None, converter=as_float, validator=optional(number()))
    clear: float | None = attrs.field(default=None, converter=as_float, validator=optional(number()))
    alert: bool = attrs.field(default=True, validator=flag)


# The defaults: a channel parser that answers 9 in 10 messages is healthy; one that falls back,
# hesitates or meets unknown instruments often has met a format it was not built for.
DEFAULT_METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("success_rate", "success rate", "low", 0.90, 0.75, 0.93),
    MetricSpec("fallback_rate", "fallback rate", "high", 0.30, 0.50, 0.25, sample="answered"),
    MetricSpec("mean_confidence", "mean confidence", "low", 0.60, 0.40, 0.65),
    MetricSpec("latency_p50_ms", "latency p50", "high", alert=False, unit="ms"),
    MetricSpec("latency_p95_ms", "latency p95", "high", 1000.0, 5000.0, 800.0, unit="ms"),
    MetricSpec("warning_rate", "validation-warning rate", "high", 0.20, 0.40, 0.15),
    MetricSpec("unknown_symbol_rate", "unknown-symbol rate", "high", 0.10, 0.25, 0.07, sample="signals"),
    MetricSpec("new_template_share", "share in new templates", "high", 0.30, 0.60, 0.15),
    MetricSpec("new_templates", "new templates", "high", alert=False),
)}


@attrs.frozen
class TemplateConfig:
    """``[monitor.templates]``."""

    min_count: int = attrs.field(default=3, validator=whole(1))
    baseline_s: int = attrs.field(default=86400, alias="baseline", converter=_as_duration,
                                  validator=_duration(zero=True))
    recent_s: int = attrs.field(default=6 * 3600, alias="recent", converter=_as_duration, validator=_duration())


@attrs.frozen
class RetrainConfig:
    """``[monitor.retrain]``. The command runs only when the caller asks (``monitor check
    --retrain``): see ``Monitor.check``."""

    command: tuple[str, ...] = attrs.field(default=(), converter=_as_command, validator=_command)
    timeout_s: int = attrs.field(default=2 * 3600, alias="timeout", converter=_as_duration, validator=_duration())
    cooldown_s: int = attrs.field(default=6 * 3600, alias="cooldown", converter=_as_duration,
                                  validator=_duration(zero=True))
    quality_metrics: tuple[str, ...] = attrs.field(default=("success_rate",), converter=as_tuple,
                                                   validator=[texts(), _metric_names])
    quality_severity: str = attrs.field(default="warning", validator=one_of(*SEVERITIES))
    feedback_items: int = attrs.field(default=50, validator=whole(0))
    new_template: bool = attrs.field(default=True, validator=flag)
    alias: str | None = attrs.field(default="candidate", converter=lambda v: v or None,
                                    validator=optional(lambda _, a, v: isinstance(v, str) or
                                                       _bad(a, "an alias name", v)))


def _bad(attribute: attrs.Attribute, expected: str, value: Any) -> None:
    raise ConfigError(f"{key_of(attribute)}: expected {expected}, got {value!r}")


@attrs.frozen
class _Nested:
    """The sub-tables of ``[monitor]``, checked for shape before they are read."""

    thresholds: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    providers: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    templates: dict[str, Any] = attrs.field(factory=dict, validator=table)
    retrain: dict[str, Any] = attrs.field(factory=dict, validator=table)


@attrs.frozen
class MonitorConfig:
    """Everything the monitor reads from ``[monitor]``; ``MonitorConfig()`` is the defaults."""

    window_s: int = attrs.field(default=900, alias="window", converter=_as_duration, validator=_duration())
    min_sample: int = attrs.field(default=30, validator=whole(1))
    consecutive: int = attrs.field(default=3, validator=whole(1))
    lookback_s: int = attrs.field(default=7 * 86400, alias="lookback", converter=_as_duration,
                                  validator=_duration())
    group_by: str = attrs.field(default="provider", validator=one_of("provider", "metric"))
    overall: bool = attrs.field(default=True, validator=flag)
    metrics: dict[str, MetricSpec] = attrs.field(factory=lambda: dict(DEFAULT_METRICS))
    providers: dict[str, dict[str, MetricSpec]] = attrs.field(factory=dict)
    templates: TemplateConfig = TemplateConfig()
    retrain: RetrainConfig = RetrainConfig()
    base_dir: Path = attrs.field(factory=Path.cwd)

    def spec(self, scope: str, metric: str) -> MetricSpec:
        """The levels of ``metric`` for a provider (its own table when it has one) or ``*``."""
        return self.providers.get(scope, {}).get(metric) or self.metrics[metric]

    @classmethod
    def for_host(cls, host) -> MonitorConfig:
        cfg = host.config
        return cls.from_table(cfg.section("monitor"), base_dir=cfg.base_dir)

    @classmethod
    def from_table(cls, table: dict[str, Any] | None, base_dir: Path | None = None) -> MonitorConfig:
        """The ``[monitor]`` table, checked: ConfigError names the key at fault."""
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"[monitor]: expected a table, got {table!r}")
        table = dict(table or {})
        nested = {k: table.pop(k) for k in ("thresholds", "providers", "templates", "retrain") if k in table}
        shape = from_table(_Nested, nested, "monitor")
        metrics = dict(DEFAULT_METRICS)
        for name, sub in shape.thresholds.items():
            _metric(name, "monitor.thresholds")
            metrics[name] = metrics[name].with_table(sub, f"monitor.thresholds.{name}")
        providers: dict[str, dict[str, MetricSpec]] = {}
        for provider, sub in shape.providers.items():
            where = f"monitor.providers.{provider}"
            providers[provider] = {name: metrics[_metric(name, where)].with_table(t, f"{where}.{name}")
                                   for name, t in _tables(sub, where).items()}
        given: dict[str, Any] = {"base_dir": base_dir or Path.cwd(), "metrics": metrics, "providers": providers}
        if "templates" in nested:
            given["templates"] = from_table(TemplateConfig, nested["templates"], "monitor.templates")
        if "retrain" in nested:
            given["retrain"] = from_table(RetrainConfig, nested["retrain"], "monitor.retrain")
        known = {key_of(f) for f in attrs.fields(cls)} - set(given)
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"[monitor]: unknown keys {', '.join(unknown)}; known: "
                              f"{', '.join(sorted(known | set(nested) | {'thresholds', 'providers'}))}")
        return from_table(cls, table, "monitor", **given)


def _tables(value: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """A provider's table of metric tables; the entry that is not a table is named."""
    for name, entry in value.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"[{where}] {name}: expected a table, got {entry!r}")
    return value


def _metric(name: str, where: str) -> str:
    if name not in DEFAULT_METRICS:
        raise ConfigError(f"[{where}.{name}]: unknown metric; known: {', '.join(DEFAULT_METRICS)}")
    return name
