"""Times as the workspace stores them: ISO 8601 in UTC, and whole seconds since the epoch."""
from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc


def epoch(value: str | dt.datetime | float | int | None) -> int | None:
    """Whole seconds since 1970 of an ISO 8601 text (naive means UTC), a datetime or a number."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() // 1)


def iso(seconds: float | int) -> str:
    """``2026-11-26T23:15:00+00:00`` for a time in seconds since 1970."""
    return dt.datetime.fromtimestamp(int(seconds), UTC).isoformat(timespec="seconds")


def now_s() -> int:
    return int(dt.datetime.now(UTC).timestamp())
