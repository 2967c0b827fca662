"""The built-in evaluators: ``exact-match``, ``fields``, ``kinds``, ``latency``, ``errors``,
``slices``. A plugin like any third party's, registered through the ``signalos`` entry point.

Each factory takes ``(host, options)``, ``options`` being the ``[evaluators.NAME]`` table of
signalos.toml; each object has ``evaluate(run) -> dict``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl
from signalos.plugins import lazy_factory


def _lazy(module: str, cls: str):
    return lazy_factory(f"signalos_eval.{module}", cls)


@hookimpl(trylast=True)
def register_evaluators(register, host):
    register("exact-match", _lazy("exact_match", "ExactMatchEvaluator"))
    register("fields", _lazy("fields", "FieldsEvaluator"))
    register("kinds", _lazy("kinds", "KindsEvaluator"))
    register("latency", _lazy("diagnostics", "LatencyEvaluator"))
    register("errors", _lazy("diagnostics", "ErrorsEvaluator"))
    register("slices", _lazy("diagnostics", "SlicesEvaluator"))
