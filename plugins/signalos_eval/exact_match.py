"""``exact-match``: the share of messages parsed exactly right, with a bootstrap interval."""
from __future__ import annotations

from typing import Any

from signalos.evaluation.scoring import Tolerance, summarize
from signalos.evaluation.stats import proportion_ci


class ExactMatchEvaluator:
    """Exact match by the rules of shared/score.py, plus a 95% percentile-bootstrap interval.

    Options: ``confidence`` (0.95), ``n_resamples`` (10000), ``seed`` (0), and the tolerance keys
    ``rel_tol``, ``abs_tol``, ``pips``, ``pip_sizes``.
    """

    def __init__(self, host, options: dict[str, Any]):
        self.options = options
        self.confidence = float(options.get("confidence", 0.95))
        self.n_resamples = int(options.get("n_resamples", 10000))
        self.seed = int(options.get("seed", 0))

    def evaluate(self, run) -> dict[str, Any]:
        scores = run.scores(Tolerance.from_options(self.options, run.tolerance))
        out = summarize(scores)
        correct = sum(s.exact for s in scores)
        out["correct"] = correct
        out["confidence"] = self.confidence
        out["ci"] = proportion_ci(
            correct, len(scores), confidence=self.confidence, n_resamples=self.n_resamples, seed=self.seed)
        out["ci_method"] = f"percentile bootstrap, {self.n_resamples} resamples, seed {self.seed}"
        return out
