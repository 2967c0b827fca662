"""The built-in evaluators: ``exact-match``, ``fields``, ``kinds``, ``latency``, ``errors``,
``slices``. A plugin like any third party's, registered through the ``signalos`` entry point.

Each factory takes ``(host, options)``, ``options`` being the ``[evaluators.NAME]`` table of
signalos.toml; each object has ``evaluate(run) -> dict``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl


def _lazy(module: str, cls: str):
    """A factory that imports its evaluator when first built, so start-up stays light (numpy)."""

    def factory(host, options):
        import importlib

        return getattr(importlib.import_module(f"signalos_eval.{module}"), cls)(host, options)

    factory.__name__ = cls
    return factory


@hookimpl(trylast=True)
def register_evaluators(register, host):
    register("exact-match", _lazy("exact_match", "ExactMatchEvaluator"))
    register("fields", _lazy("fields", "FieldsEvaluator"))
    register("kinds", _lazy("kinds", "KindsEvaluator"))
    register("latency", _lazy("diagnostics", "LatencyEvaluator"))
    register("errors", _lazy("diagnostics", "ErrorsEvaluator"))
    register("slices", _lazy("diagnostics", "SlicesEvaluator"))
