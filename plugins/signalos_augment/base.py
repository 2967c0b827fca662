"""What every built-in augmenter shares: a name and the options it was built with."""
from __future__ import annotations

from typing import Any


class AugmenterBase:
    """``factory(host, options)`` of a built-in augmenter; ``options`` is its ``[augmenters.NAME]``
    table of signalos.toml."""

    name = ""

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None):
        self.options = dict(options or {})
