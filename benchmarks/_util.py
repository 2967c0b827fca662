"""What every benchmark shares: where the repository is, percentiles, printing a report."""
from __future__ import annotations

import json
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def machine() -> dict[str, Any]:
    """Enough about the machine to tell two runs' figures apart, and how busy it was: with a
    load above the CPU count, wall-clock figures measure the neighbours too."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    from signalos import compiled

    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "load_1min": None if load is None else round(load, 2),
            "compiled": compiled()}


def busy_note(m: dict[str, Any]) -> str:
    """A warning line when the machine was loaded, else ''."""
    load, cpus = m.get("load_1min"), m.get("cpus") or 1
    if load is None or load <= cpus:
        return ""
    return (f"  note: load average {load} on {cpus} CPUs: wall-clock figures include waiting for "
            "other processes; the CPU-time figures are closer to the code's own cost")


def emit(report: dict[str, Any], as_json: bool, human) -> None:
    """Print ``report`` as one JSON object, or call ``human(report)`` to print it for people."""
    if as_json:
        json.dump(report, sys.stdout)
        sys.stdout.write("\n")
    else:
        human(report)


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "meets target" if ok else "BELOW TARGET" if higher_is_better else "OVER TARGET"
