"""signalos.toml: named pipelines and per-component options.

    default_pipeline = "default"

    [pipelines.default]
    parsers = ["my-channel", "regex"]   # tried in this order
    threshold = 0.5                     # minimum confidence to accept an answer
    on_error = "continue"               # or "raise": a parser exception stops the parse
    fallback = "first"                  # or "vote": when the first parser is unsure, ask all
    quorum = 2                          # how many parsers must agree for a vote to win

    [parsers.regex]
    keywords = ["extra_keywords.toml"]  # options handed to the component's factory
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import ConfigError

ON_ERROR = ("continue", "raise")
FALLBACKS = ("first", "vote")
DEFAULT_PARSERS = ("regex",)


@attrs.frozen
class PipelineConfig:
    name: str
    parsers: tuple[str, ...] = attrs.field(converter=tuple)
    threshold: float = 0.5
    on_error: str = "continue"
    fallback: str = "first"
    quorum: int = 2

    @classmethod
    def from_table(cls, name: str, table: dict[str, Any]) -> PipelineConfig:
        parsers = table.get("parsers")
        if not isinstance(parsers, list) or not parsers or not all(isinstance(p, str) for p in parsers):
            raise ConfigError(f"pipeline {name!r}: 'parsers' must be a non-empty list of parser names")
        threshold = table.get("threshold", 0.5)
        if not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            raise ConfigError(f"pipeline {name!r}: 'threshold' must be a number between 0 and 1")
        on_error = table.get("on_error", "continue")
        if on_error not in ON_ERROR:
            raise ConfigError(f"pipeline {name!r}: 'on_error' must be one of {', '.join(ON_ERROR)}")
        fallback = table.get("fallback", "first")
        if fallback not in FALLBACKS:
            raise ConfigError(f"pipeline {name!r}: 'fallback' must be one of {', '.join(FALLBACKS)}")
        quorum = table.get("quorum", 2)
        if not isinstance(quorum, int) or isinstance(quorum, bool) or quorum < 1:
            raise ConfigError(f"pipeline {name!r}: 'quorum' must be a whole number of parsers, at least 1")
        return cls(name=name, parsers=parsers, threshold=float(threshold), on_error=on_error, fallback=fallback,
                   quorum=quorum)


@attrs.frozen
class Config:
    """The whole configuration. ``components[kind][name]`` holds the options table of a component,
    e.g. ``components["parsers"]["regex"]``; ``base_dir`` resolves relative paths in options."""

    pipelines: dict[str, PipelineConfig] = attrs.field(factory=dict)
    default_pipeline: str = "default"
    components: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    workspace: Path | None = None
    base_dir: Path = attrs.field(factory=Path.cwd)
    # Top-level tables no other field reads (``[monitor]``, ...), kept whole for the module that owns them.
    sections: dict[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self):
        if "default" not in self.pipelines:
            self.pipelines["default"] = PipelineConfig("default", DEFAULT_PARSERS)

    def pipeline(self, name: str | None = None) -> PipelineConfig:
        name = name or self.default_pipeline
        try:
            return self.pipelines[name]
        except KeyError:
            raise ConfigError(f"unknown pipeline {name!r}; configured: {', '.join(sorted(self.pipelines))}") from None

    def options(self, kind: str, name: str) -> dict[str, Any]:
        return dict(self.components.get(kind, {}).get(name, {}))

    def section(self, name: str) -> dict[str, Any]:
        """The top-level table ``[name]`` of signalos.toml (e.g. ``[monitor]``), empty when absent."""
        return dict(self.sections.get(name) or {})

    def with_pipeline(self, name: str, parsers, threshold: float = 0.5, on_error: str = "continue",
                      fallback: str = "first", quorum: int = 2) -> Config:
        """A copy with one more (or a replaced) pipeline, e.g. for ``--chain a,b`` on the CLI."""
        if fallback not in FALLBACKS:
            raise ConfigError(f"fallback must be one of {', '.join(FALLBACKS)}, not {fallback!r}")
        pipelines = dict(self.pipelines)
        pipelines[name] = PipelineConfig(name, tuple(parsers), threshold, on_error, fallback, quorum)
        return attrs.evolve(self, pipelines=pipelines)

    @classmethod
    def from_dict(cls, data: dict[str, Any], base_dir: Path | None = None) -> Config:
        pipes_table = data.get("pipelines", {})
        if not isinstance(pipes_table, dict):
            raise ConfigError("'pipelines' must be a table of named pipelines")
        pipelines = {name: PipelineConfig.from_table(name, t) for name, t in pipes_table.items()}
        components = {
            kind: data[kind] for kind in ("parsers", "augmenters", "evaluators", "routers", "deployers")
            if isinstance(data.get(kind), dict)
        }
        workspace = data.get("workspace")
        cfg = cls(
            pipelines=pipelines, default_pipeline=data.get("default_pipeline", "default"),
            components=components, workspace=Path(workspace) if workspace else None,
            base_dir=base_dir or Path.cwd(),
            sections={k: v for k, v in data.items() if isinstance(v, dict) and k != "pipelines" and k not in components},
        )
        cfg.pipeline()  # the default pipeline must exist
        return cfg

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Config:
        """Read ``path``, else ``$SIGNALOS_CONFIG``, else ``./signalos.toml`` when present, else defaults."""
        if path is None:
            path = os.environ.get("SIGNALOS_CONFIG")
            if path is None and Path("signalos.toml").is_file():
                path = "signalos.toml"
        if path is None:
            return cls()
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {p}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: invalid TOML: {exc}") from None
        return cls.from_dict(data, base_dir=p.resolve().parent)

    @classmethod
    def coerce(cls, value: Config | dict | str | os.PathLike | None) -> Config:
        if isinstance(value, Config):
            return value
        if isinstance(value, dict):
            return cls.from_dict(value)
        return cls.load(value)
