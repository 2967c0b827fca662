"""The built-in evaluators: ``exact-match``, ``fields``, ``kinds``, ``latency``, ``errors``,
``slices``. A plugin like any third party's, registered through the ``signalos`` entry point.

Each factory takes ``(host, options)``, ``options`` being the ``[evaluators.NAME]`` table of
signalos.toml; each object has ``evaluate(run) -> dict``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_evaluators(register, host):
    from signalos_eval.diagnostics import ErrorsEvaluator, LatencyEvaluator, SlicesEvaluator
    from signalos_eval.exact_match import ExactMatchEvaluator
    from signalos_eval.fields import FieldsEvaluator
    from signalos_eval.kinds import KindsEvaluator

    register("exact-match", ExactMatchEvaluator)
    register("fields", FieldsEvaluator)
    register("kinds", KindsEvaluator)
    register("latency", LatencyEvaluator)
    register("errors", ErrorsEvaluator)
    register("slices", SlicesEvaluator)
