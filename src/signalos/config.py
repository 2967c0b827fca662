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

    [parsers.channel-acme]              # a second instance of a component, with its own options
    component = "spacy-ner"
    name = "channel-acme"

    [providers."acme"]                  # this provider's messages go through this pipeline
    pipeline = "acme"

The file is checked whole when it is read (the host starts): a wrong type, an unknown key or an
unreadable file named in a built-in component's options is one ConfigError naming the key (see
``signalos.options``), never a parser that quietly answers noise.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import ConfigError
from signalos.options import (SECTIONS, as_float, as_tuple, check_component_options, check_sections, from_table,
                              name_of, number, one_of, optional, read_toml, table, tables, texts, whole)

ON_ERROR = ("continue", "raise")
FALLBACKS = ("first", "vote")
DEFAULT_PARSERS = ("regex",)
COMPONENT_KINDS = ("parsers", "augmenters", "evaluators", "routers", "deployers")
TOP_LEVEL_VALUES = ("default_pipeline", "workspace")  # every other top-level key is a table


@attrs.frozen
class PipelineConfig:
    """``[pipelines.NAME]``: which parsers, in which order, and how their answers are judged."""

    name: str
    parsers: tuple[str, ...] = attrs.field(converter=as_tuple, validator=texts(empty=False))
    threshold: float = attrs.field(default=0.5, converter=as_float, validator=number(0.0, 1.0))
    on_error: str = attrs.field(default="continue", validator=one_of(*ON_ERROR))
    fallback: str = attrs.field(default="first", validator=one_of(*FALLBACKS))
    quorum: int = attrs.field(default=2, validator=whole(1))

    @classmethod
    def from_table(cls, name: str, table: dict[str, Any]) -> PipelineConfig:
        return from_table(cls, table, f"pipelines.{name}", name=name)


@attrs.frozen
class TopLevel:
    """The top level of signalos.toml: its two values, and the tables whose shape is known here
    (each component kind and ``pipelines``/``providers`` hold named tables; the sections read
    by other modules are tables). A wrong type is a ConfigError naming the key."""

    default_pipeline: str = attrs.field(default="default", validator=name_of("a pipeline name"))
    workspace: str | None = attrs.field(default=None, validator=optional(name_of("a directory")))
    pipelines: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    providers: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    parsers: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    augmenters: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    evaluators: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    routers: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    deployers: dict[str, Any] = attrs.field(factory=dict, validator=tables)
    monitor: dict[str, Any] = attrs.field(factory=dict, validator=table)
    serve: dict[str, Any] = attrs.field(factory=dict, validator=table)
    parse: dict[str, Any] = attrs.field(factory=dict, validator=table)
    webhooks: dict[str, Any] = attrs.field(factory=dict, validator=table)

    @classmethod
    def read(cls, data: dict[str, Any]) -> TopLevel:
        """The known keys of ``data`` checked; any other key must be a table (a section some
        plugin reads), else it is a misspelt key."""
        known = {f.name for f in attrs.fields(cls)}
        for key, value in data.items():
            if key not in known and not isinstance(value, dict):
                raise ConfigError(f"unknown top-level key {key!r}; known: {', '.join(TOP_LEVEL_VALUES)} "
                                  "and tables such as [pipelines.NAME] or [parsers.NAME]")
        return cls(**{k: v for k, v in data.items() if k in known})


@attrs.frozen
class ProviderRoute:
    """``[providers."NAME"]``: the pipeline that parses this provider's messages."""

    pipeline: str = attrs.field(validator=name_of("a pipeline name"))


assert set(SECTIONS) <= {f.name for f in attrs.fields(TopLevel)}, "a section of options.SECTIONS lacks its type here"


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
    # provider -> pipeline: a channel onboarded with its own model is parsed by its own chain
    provider_pipelines: dict[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self):
        if "default" not in self.pipelines:
            self.pipelines["default"] = PipelineConfig("default", DEFAULT_PARSERS)

    def pipeline(self, name: str | None = None) -> PipelineConfig:
        name = name or self.default_pipeline
        try:
            return self.pipelines[name]
        except KeyError:
            raise ConfigError(f"unknown pipeline {name!r}; configured: {', '.join(sorted(self.pipelines))}") from None

    def pipeline_for(self, provider: str | None) -> str | None:
        """The pipeline ``[providers."NAME"]`` routes a provider's messages to, else None."""
        return self.provider_pipelines.get(provider) if provider else None

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
        """The configuration of a parsed signalos.toml, checked whole (ConfigError names the key)."""
        if not isinstance(data, dict):
            raise ConfigError(f"the configuration must be a table, got {type(data).__name__}")
        base_dir = base_dir or Path.cwd()
        top = TopLevel.read(data)
        default_pipeline, workspace = top.default_pipeline, top.workspace
        pipelines = {name: PipelineConfig.from_table(name, t) for name, t in top.pipelines.items()}
        components = {kind: data[kind] for kind in COMPONENT_KINDS if kind in data}
        for kind, named in components.items():
            for name, options in named.items():
                check_component_options(kind, name, options, base_dir)
        provider_pipelines = _provider_pipelines(top.providers, pipelines)
        cfg = cls(
            pipelines=pipelines, default_pipeline=default_pipeline,
            components=components, workspace=Path(workspace) if workspace else None,
            base_dir=base_dir,
            sections={k: v for k, v in data.items()
                      if isinstance(v, dict) and k not in ("pipelines", "providers") and k not in components},
            provider_pipelines=provider_pipelines,
        )
        cfg.pipeline()  # the default pipeline must exist
        if "monitor" in cfg.sections:
            from signalos.monitor.config import MonitorConfig

            MonitorConfig.from_table(cfg.sections["monitor"], base_dir=base_dir)  # checked now, used later
        check_sections(cfg.sections)  # [serve], [parse], [webhooks]: checked now, used later
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
        data = read_toml(p, f"configuration {p}")
        try:
            return cls.from_dict(data, base_dir=p.resolve().parent)
        except ConfigError as exc:
            raise ConfigError(f"{p}: {exc}") from None

    @classmethod
    def coerce(cls, value: Config | dict | str | os.PathLike | None) -> Config:
        if isinstance(value, Config):
            return value
        if isinstance(value, dict):
            return cls.from_dict(value)
        return cls.load(value)


def _provider_pipelines(routes: dict[str, Any], pipelines: dict[str, PipelineConfig]) -> dict[str, str]:
    """``[providers."NAME"] pipeline = "P"``: provider -> pipeline, each pipeline configured."""
    out = {name: from_table(ProviderRoute, t, f"providers.{name}").pipeline for name, t in routes.items()}
    for name, pipe in out.items():
        if pipe not in pipelines and pipe != "default":
            raise ConfigError(f"[providers.{name!r}] pipeline: unknown pipeline {pipe!r}; configured: "
                              f"{', '.join(sorted(pipelines)) or 'default'}")
    return out
