"""Learned models loaded once per process and shared by every parser that serves them.

A host builds its own parser objects, and a server may run several hosts and many threads; the
model behind them (a spaCy pipeline, an encoder, an LLM of a gigabyte) is loaded once and read by
all of them: inference never changes it. The table holds models weakly: once no parser holds a
model (a deploy moved every host to a new version), it is freed.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any


class Shared:
    """A loaded model (``value``); a parser keeps this object for as long as it serves the model."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value: Any):
        self.value = value


_SHARED: weakref.WeakValueDictionary[tuple, Shared] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


def shared_load(key: tuple, load: Callable[[], Any]) -> Shared:
    """``Shared(load())`` once per process for ``key`` (the kind, the model's directory and
    version, and whatever else shapes the loaded object); later calls, from any thread, get the
    same object while some parser holds it. A failed load is not kept: the next caller tries again."""
    with _LOCK:  # loads are rare and long: one at a time keeps two threads from loading one model twice
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = Shared(load())
        return found
