"""Building a plugin manager: one per Host, nothing loaded at import time."""
from __future__ import annotations

import importlib
import os
from collections.abc import Iterable

import pluggy

from signalos import hookspecs
from signalos.errors import PluginError

ENTRYPOINT_GROUP = "signalos"


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]


def make_plugin_manager(*, load_entrypoints: bool = True, plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """Return a new PluginManager with the signalos hookspecs and the selected plugins.

    ``SIGNALOS_LOAD_PLUGINS`` (comma-separated entry-point names or importable modules) replaces
    the entry-point scan with exactly those plugins; ``SIGNALOS_DISABLED_PLUGINS`` blocks names.
    A hook implementation that no hookspec declares (a typo) raises PluginError naming the plugin.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in _env_list("SIGNALOS_DISABLED_PLUGINS") or []:
        pm.set_blocked(name)
    if load_entrypoints:
        only = _env_list("SIGNALOS_LOAD_PLUGINS")
        if only is None:
            try:
                pm.load_setuptools_entrypoints(ENTRYPOINT_GROUP)
            except Exception as exc:  # a plugin that fails to import must name itself
                raise PluginError(f"loading signalos plugins failed: {type(exc).__name__}: {exc}") from exc
        else:
            _load_named(pm, only)
    for plugin in plugins:
        name = getattr(plugin, "__name__", None) or getattr(plugin, "name", None) or repr(plugin)
        if pm.is_blocked(name):
            continue
        pm.register(plugin, name=name)
    check_pending(pm)
    return pm


def _load_named(pm: pluggy.PluginManager, names: list[str]) -> None:
    from importlib.metadata import entry_points

    eps = {ep.name: ep for ep in entry_points(group=ENTRYPOINT_GROUP)}
    for name in names:
        if pm.is_blocked(name) or pm.get_plugin(name) is not None:
            continue
        try:
            module = eps[name].load() if name in eps else importlib.import_module(name)
        except Exception as exc:
            raise PluginError(f"SIGNALOS_LOAD_PLUGINS names {name!r}, which cannot be loaded: {exc}") from exc
        pm.register(module, name=name)


def check_pending(pm: pluggy.PluginManager) -> None:
    """Fail when a plugin implements a hook no spec declares, naming the plugin and the hook."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = pm.get_name(exc.plugin) if exc.plugin is not None else "?"
        raise PluginError(f"plugin {plugin_name!r}: {exc}") from exc


def lazy_factory(module: str, attr: str):
    """A component factory that imports ``module.attr`` when the component is first built.

    Built-in plugins register with these, so loading every installed plugin (which each command
    does) never imports numpy, spaCy or torch for a component the command will not use."""

    def factory(host, options):
        return getattr(importlib.import_module(module), attr)(host, options)

    factory.__name__ = attr
    factory.__qualname__ = f"lazy_factory({module}.{attr})"
    return factory
