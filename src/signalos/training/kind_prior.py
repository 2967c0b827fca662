"""The rules' kind of a message as a prior for a learned parser's kind class.

A learned parser's kind classifier (spaCy's text classifier, the encoder's first token) reads the
rules' words as features, yet on the corpus's test split it still calls a signal noise, or a stop
hit a cancel, where the regex parser reads the kind right (spacy-ner: 19 of its 27 misses, every
one a message regex reads right). The rules' kind class (``signalos_regex.features.reading_class``)
is therefore blended with the model's class probabilities::

    score(c) = (1 - w) * p_model(c) + w * [c == rules' class]

``w`` is learned on the validation split when the model is trained (``choose``, from
``WEIGHTS``) and saved in the manifest (``metrics["kind_prior"]``); the fields always come from
the model's entities. ``w = 0`` is the model alone; at 0.2 or 0.4 the model overrules the rules
when it is sure enough (above 0.25 or 0.67 more probability for its class than for the rules'); at
``w >= 0.5`` the rules' class always wins. A model saved without the choice uses ``w = 0``.

The score given with the class (what the parser's calibration maps to a confidence) is the
model's own probability of the class chosen, whatever ``w``: where the rules overrule the model
the answer is as unsure as the model is of it, so a chain or the review queue still sees the
doubt (a blended score would be 1.0 for every message at ``w = 1``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

WEIGHTS = (0.0, 0.2, 0.4, 1.0)


def blend(probs: Mapping[str, float], prior: str | None, weight: float) -> tuple[str, float]:
    """The kind class with the highest blended score, and the model's probability of it.
    ``probs`` are the model's class probabilities; ``prior`` the rules' class (it may be one the
    model lacks, such as an unusual pair of actions: it scores ``weight``, and the model's
    probability of it is 0)."""
    if not weight or prior is None:
        best = max(probs, key=probs.__getitem__)
        return best, float(probs[best])
    scores = {c: (1.0 - weight) * float(p) for c, p in probs.items()}
    scores[prior] = scores.get(prior, 0.0) + weight
    best = max(scores, key=scores.__getitem__)
    return best, float(probs.get(best, 0.0))


def choose(exact_with: Callable[[float], float]) -> dict[str, Any]:
    """The weight whose decoding reads the validation split best (``exact_with(weight)`` is its
    exact match); on a tie the lighter prior, so the model keeps what it does as well alone."""
    figures = {w: exact_with(w) for w in WEIGHTS}
    used = max(WEIGHTS, key=lambda w: (figures[w], -w))
    return {"used": used, "validation_exact": {str(w): f for w, f in figures.items()}}


def choose_with_action_words(exact_with: Callable[[float, bool], float]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The weight and the decoding of updates (from the action words or from the class,
    ``signalos.training.spans.choose_action_words``) that read the validation split best together:
    ``exact_with(weight, action_words)`` is the exact match of each pair. How an update's actions
    read best depends on whose class gives them, so the two are chosen at once; returns the
    manifest's ``kind_prior`` and ``action_words`` entries."""
    from signalos.training.spans import choose_action_words

    table = {(w, words): exact_with(w, words) for w in WEIGHTS for words in (True, False)}
    prior = choose(lambda w: max(table[w, True], table[w, False]))
    return prior, choose_action_words(lambda words: table[prior["used"], words])


def prior_weight(metrics: Mapping[str, Any] | None) -> float:
    """A model's weight (``choose``, saved as ``metrics["kind_prior"]``); 0 for a model without one."""
    return float(((metrics or {}).get("kind_prior") or {}).get("used", 0.0))
