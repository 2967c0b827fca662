"""Named components collected from plugins: parsers, augmenters, evaluators, routers, deployers."""
from __future__ import annotations

from typing import Any

import attrs

from signalos.errors import PluginError, UnknownComponentError


@attrs.frozen
class Entry:
    name: str
    factory: Any
    plugin: str


class Registry:
    """Components of one kind by name. Duplicate names are start-up errors naming both plugins;
    asking for an unknown name lists the names that exist."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def add(self, name: str, factory: Any, plugin: str) -> None:
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin!r} registered a {self.kind} with an invalid name {name!r}")
        if name in self._entries:
            other = self._entries[name].plugin
            raise PluginError(
                f"{self.kind} {name!r} is registered twice: by plugin {other!r} and by plugin {plugin!r}"
            )
        self._entries[name] = Entry(name, factory, plugin)

    def get(self, name: str) -> Entry:
        """The entry of ``name``; ``name@version`` or ``name@alias`` (a model of a learned
        component) is the entry of ``name``."""
        try:
            return self._entries[name.partition("@")[0]]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownComponentError(f"unknown {self.kind} {name!r}; available: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self):
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        return sorted(self._entries)
