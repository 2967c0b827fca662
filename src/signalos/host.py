"""The host: one plugin manager, its registries and the pipelines built from configuration."""
from __future__ import annotations

import collections
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pluggy

from signalos.aliaswatch import AliasWatcher, followed_alias, warm
from signalos.chain import Chain
from signalos.config import Config, PipelineConfig
from signalos.errors import ConfigError, PluginError, SignalosError
from signalos.models import ChainOutcome, Message
from signalos.plugins import make_plugin_manager
from signalos.registry import Registry

COMPONENT_HOOKS = {
    "parsers": "register_parsers",
    "augmenters": "register_augmenters",
    "evaluators": "register_evaluators",
    "routers": "register_routers",
    "deployers": "register_deployers",
}


@attrs.frozen
class RecordedError:
    """An exception a component raised and the host contained. ``stage`` says where: ``parse``
    (a parser raised while parsing; the chain went on), ``reload`` (a moved alias failed to load;
    the old version kept serving), ``parse_completed`` / ``alert_raised`` (an event handler), or
    ``other`` (an evaluator)."""

    component: str
    plugin: str | None
    error: str
    traceback: str
    stage: str = "other"


class Host:
    """Everything a process needs to parse: configuration, plugins, components, pipelines.

    Two hosts in one process never share plugins or state. Tests build
    ``Host(load_entrypoints=False, plugins=[my_plugin])``.
    """

    def __init__(self, config: Config | dict | str | os.PathLike | None = None, *,
                 load_entrypoints: bool = True, plugins: Iterable[object] = ()):
        self.config = Config.coerce(config)
        self.pm: pluggy.PluginManager = make_plugin_manager(load_entrypoints=load_entrypoints, plugins=plugins)
        self.registries: dict[str, Registry] = {kind: Registry(kind[:-1]) for kind in COMPONENT_HOOKS}
        for kind, hook in COMPONENT_HOOKS.items():
            self._collect(hook, self.registries[kind])
        self._instances: dict[tuple[str, str], Any] = {}
        self._followed: dict[tuple[str, str], tuple] = {}  # parsers serving an alias, see _follow_alias
        self._alias_watchers: dict[Path, AliasWatcher] = {}
        self._alias_lock = threading.Lock()  # one thread reloads a moved alias; the others keep serving
        self._chains: dict[str, Chain] = {}
        self._parse_completed = self.pm.hook.parse_completed  # asked after every parse
        # Bounded so a long-running bot with a broken plugin does not grow without limit.
        self.errors: collections.deque[RecordedError] = collections.deque(maxlen=1000)
        # Called with each error as it is recorded: the CLI prints them on stderr, so a parser
        # that crashes on every message is seen even though every message still gets an answer.
        self.error_listeners: list[Callable[[RecordedError], None]] = []

    # registries -----------------------------------------------------------------------------
    @property
    def parsers(self) -> Registry:
        return self.registries["parsers"]

    @property
    def augmenters(self) -> Registry:
        return self.registries["augmenters"]

    @property
    def evaluators(self) -> Registry:
        return self.registries["evaluators"]

    @property
    def routers(self) -> Registry:
        return self.registries["routers"]

    @property
    def deployers(self) -> Registry:
        return self.registries["deployers"]

    def _collect(self, hook_name: str, registry: Registry) -> None:
        # Each implementation is called on its own so a registration names its plugin, and
        # a plugin that fails while registering is reported by name.
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            plugin = impl.plugin_name

            def register(name: str, factory: Any, _plugin: str = plugin) -> None:
                registry.add(name, factory, _plugin)

            try:
                impl.function(register=register, host=self)
            except SignalosError:
                raise
            except Exception as exc:
                raise PluginError(f"plugin {plugin!r} failed in {hook_name}: {type(exc).__name__}: {exc}") from exc

    def component(self, kind: str, name: str) -> Any:
        """The instance of a named component, built once with its ``[kind.name]`` options.

        ``name@ref`` (``spacy-ner@1.2.0``, ``spacy-ner@production``) builds the component with
        ``options["model"] = ref``: a learned parser serves that version or alias of its model.
        A parser serving an alias (``@production``, or a bare learned parser) is rebuilt when the
        alias moves, even by another process (see :mod:`signalos.aliaswatch`).
        """
        key = (kind, name)
        if key not in self._instances:
            entry = self.component_entry(kind, name)
            base, _, ref = name.partition("@")
            options = self.config.options(kind, base)
            if ref:
                options.update(self.config.options(kind, name))  # a [parsers."name@ref"] table, if any
                options["model"] = ref
            self._instances[key] = entry.factory(self, options)
            self._follow_alias(key, options)
        elif key in self._followed:
            self._reload_if_alias_moved(key)
        return self._instances[key]

    def component_entry(self, kind: str, name: str) -> Any:
        """The registry entry that builds ``name``: its own, or for ``[parsers.NAME] component =
        "OTHER"`` the entry of OTHER."""
        # ``[parsers.NAME] component = "spacy-ner"`` makes NAME a second instance of spacy-ner with
        # its own options (a channel's own model beside the general one)
        base = name.partition("@")[0]
        target = self.config.options(kind, base).get("component")
        if isinstance(target, str) and base not in self.registries[kind]:
            return self.registries[kind].get(target)
        return self.registries[kind].get(name)

    # alias moves -----------------------------------------------------------------------------
    def _alias_watcher(self, workspace: str | os.PathLike | None) -> AliasWatcher:
        path = Path(workspace or self.workspace)
        if path not in self._alias_watchers:
            self._alias_watchers[path] = AliasWatcher(path / "signalos.db")
        return self._alias_watchers[path]

    def _follow_alias(self, key: tuple[str, str], options: dict[str, Any]) -> None:
        # A parser serving an alias (spacy-ner@production) remembers the version it was built
        # on, so a deploy made by another process is picked up without a restart.
        followed = followed_alias(key[0], key[1], options)
        if followed is None:
            return
        watcher = self._alias_watcher(options.get("workspace"))
        self._followed[key] = (followed, options, watcher, watcher.version(*followed, fresh=True))

    def _reload_if_alias_moved(self, key: tuple[str, str]) -> None:
        # asked before every use: the common answer (the alias has not moved) takes no host lock
        followed, _, watcher, served = self._followed[key]
        current = watcher.version(*followed)
        if current == served:
            return
        with self._alias_lock:
            followed, options, watcher, served = self._followed[key]
            if current == served:
                return  # another thread took this move
            # One attempt per move; until the new version has loaded the old instance keeps
            # serving, and if it fails to load the old one goes on serving and the error is recorded.
            self._followed[key] = (followed, options, watcher, current)
        entry = self.component_entry(key[0], key[1])
        try:
            fresh = entry.factory(self, dict(options))
            warm(fresh)
        except Exception as exc:
            import traceback

            self.record_error(key[1], entry.plugin, exc, traceback.format_exc(), stage="reload")
            return
        self._instances[key] = fresh

    def parser(self, name: str) -> Any:
        return self.component("parsers", name)

    # parsing ---------------------------------------------------------------------------------
    def chain(self, pipeline: str | None = None) -> Chain:
        """The chain of a pipeline (the default one unless named), started on first use: every
        parser is built and loads its model then, and one that cannot (its model missing or
        damaged, an option it refuses) is a ConfigError naming the pipeline and the parser."""
        cfg = self.config.pipeline(pipeline)
        if cfg.name not in self._chains:
            self._chains[cfg.name] = self._start_chain(cfg)
        return self._chains[cfg.name]

    def _start_chain(self, cfg: PipelineConfig) -> Chain:
        # A parser that cannot work would otherwise fail on every message, each failure
        # recorded and answered as noise: the process would run, exit 0 and parse nothing.
        for name in cfg.parsers:
            self.component_entry("parsers", name)  # a misspelt parser fails here, listing what exists
            try:
                warm(self.parser(name))
            except Exception as exc:
                cause = str(exc) if isinstance(exc, SignalosError) else f"{type(exc).__name__}: {exc}"
                raise ConfigError(f"pipeline {cfg.name!r}: parser {name!r} cannot start: {cause}") from exc
        return Chain(self, cfg)

    def use_pipeline(self, name: str, parsers: Iterable[str], threshold: float = 0.5, *,
                     fallback: str = "first", quorum: int = 2) -> Chain:
        """Add (or replace) a pipeline at run time, e.g. from ``--chain a,b``. Its parsers start
        first: a pipeline that cannot start raises ConfigError and is not added."""
        config = self.config.with_pipeline(name, list(parsers), threshold, fallback=fallback, quorum=quorum)
        chain = self._start_chain(config.pipeline(name))
        self.config = config
        self._chains[name] = chain
        return chain

    def parse(self, message: Message | str, *, pipeline: str | None = None) -> ChainOutcome:
        """Parse one message with a pipeline (the default one unless named). Never raises on any
        text unless the pipeline's ``on_error`` is ``"raise"``; a parser that raises is recorded
        in ``errors`` and the chain goes on. A pipeline that cannot start (see ``chain``) raises
        ConfigError on the first call, whatever the text."""
        message = Message.coerce(message)
        outcome = self.chain(pipeline or self.config.pipeline_for(message.provider)).parse(message)
        self._emit_parse_completed(message, outcome)
        return outcome

    def parse_many(self, messages: Sequence[Message | str], *, pipeline: str | None = None) -> list[ChainOutcome]:
        """``parse`` for a batch, with the same answers in the same order; a parser with a
        ``parse_many`` (the llm) answers all the messages that reach it in one call."""
        messages = [Message.coerce(m) for m in messages]
        if pipeline is None and self.config.provider_pipelines:
            # each provider's messages go through its own pipeline, answered in the input's order
            groups: dict[str | None, list[int]] = {}
            for i, m in enumerate(messages):
                groups.setdefault(self.config.pipeline_for(m.provider), []).append(i)
            outcomes: list[ChainOutcome] = [None] * len(messages)  # type: ignore[list-item]
            for pipe, idx in groups.items():
                for i, outcome in zip(idx, self.chain(pipe).parse_many([messages[i] for i in idx])):
                    outcomes[i] = outcome
        else:
            outcomes = self.chain(pipeline).parse_many(messages)
        for message, outcome in zip(messages, outcomes):
            self._emit_parse_completed(message, outcome)
        return outcomes

    def _emit_parse_completed(self, message: Message, outcome: ChainOutcome) -> None:
        for impl in self._parse_completed.get_hookimpls():
            try:
                impl.function(message=message, result=outcome.result, host=self)
            except Exception as exc:
                import traceback

                self.record_error("parse_completed", impl.plugin_name, exc, traceback.format_exc(),
                                  stage="parse_completed")

    def emit_alert_raised(self, alert: Any) -> None:
        """Call every ``alert_raised`` implementation with ``alert`` (the monitor does, once per
        change of an alert). An exception is recorded in ``host.errors``, never raised."""
        for impl in self.pm.hook.alert_raised.get_hookimpls():
            try:
                impl.function(alert=alert, host=self)
            except Exception as exc:
                import traceback

                self.record_error("alert_raised", impl.plugin_name, exc, traceback.format_exc(),
                                  stage="alert_raised")

    def record_error(self, component: str, plugin: str | None, exc: BaseException, tb: str = "", *,
                     stage: str = "other") -> None:
        """Keep an exception a component raised (see RecordedError) and tell the listeners."""
        recorded = RecordedError(component, plugin, f"{type(exc).__name__}: {exc}", tb, stage)
        self.errors.append(recorded)
        for listener in self.error_listeners:
            try:
                listener(recorded)
            except Exception:  # a broken listener (a closed stderr) must not turn into a parse error
                pass

    # introspection ---------------------------------------------------------------------------
    def plugins_info(self) -> list[dict[str, Any]]:
        """Every registered plugin with its hooks and the components it registered."""
        out = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda p: p[0]):
            if plugin is None:
                continue
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            components = {
                kind: sorted(e.name for e in reg if e.plugin == name)
                for kind, reg in self.registries.items()
            }
            dist = None
            for p, d in self.pm.list_plugin_distinfo():
                if p is plugin:
                    dist = {"name": d.project_name, "version": d.version}
            out.append({"name": name, "hooks": hooks, "dist": dist,
                        "components": {k: v for k, v in components.items() if v}})
        return out

    @property
    def workspace(self) -> Path:
        ws = os.environ.get("SIGNALOS_WORKSPACE") or self.config.workspace or ".signalos"
        return Path(ws)
