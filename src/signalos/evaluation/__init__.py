"""Evaluation: labelled messages in, measured accuracy and speed out.

``scoring`` holds the rules (those of shared/score.py), ``data`` reads labelled files, ``run``
parses them with a chain and runs the evaluator components (registered by plugins through
``register_evaluators``; the built-ins live in the ``signalos_eval`` plugin), ``compare`` tests two
runs against each other, ``report`` writes the HTML page, ``history`` stores runs in the workspace.

Names are imported on first use: registering the evaluators at start-up must not pull numpy into
every ``signalos`` command.
"""
import importlib

_EXPORTS = {
    "evaluate_labelled": "api", "compare_runs": "compare", "LabelledData": "data", "LabelledRow": "data",
    "load_labelled": "data", "DEFAULT_EVALUATORS": "run", "EvalItem": "run", "EvalRun": "run",
    "run_chain": "run", "run_evaluators": "run", "run_from_predictions": "run", "Tolerance": "scoring",
    "score_row": "scoring", "summarize": "scoring",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"signalos.evaluation.{module}"), name)
