"""Evaluation: labelled messages in, measured accuracy and speed out.

``scoring`` holds the rules (those of shared/score.py), ``data`` reads labelled files, ``run``
parses them with a chain and runs the evaluator components (registered by plugins through
``register_evaluators``; the built-ins live in the ``signalos_eval`` plugin), ``compare`` tests two
runs against each other, ``report`` writes the HTML page, ``history`` stores runs in the workspace.
"""
from signalos.evaluation.api import evaluate_labelled
from signalos.evaluation.compare import compare_runs
from signalos.evaluation.data import LabelledData, LabelledRow, load_labelled
from signalos.evaluation.run import (
    DEFAULT_EVALUATORS, EvalItem, EvalRun, run_chain, run_evaluators, run_from_predictions,
)
from signalos.evaluation.scoring import Tolerance, score_row, summarize

__all__ = [
    "DEFAULT_EVALUATORS", "EvalItem", "EvalRun", "LabelledData", "LabelledRow", "Tolerance",
    "compare_runs", "evaluate_labelled", "load_labelled", "run_chain", "run_evaluators",
    "run_from_predictions", "score_row", "summarize",
]
