"""A new channel from a few labels: import its export, let the chain parse it, label the messages
the chain is least sure of, and learn a model of the channel's own layout and words.

    from signalos import Host
    from signalos.onboarding import Channel, LearnOptions

    channel = Channel(Host(), "acme-signals")
    channel.import_file("result.json")              # a Telegram export, JSONL, CSV or text
    channel.triage()                                # parse all, queue the doubtful ones first
    channel.review_file("review.jsonl", limit=20)   # label these (an editor, any annotation tool)
    channel.label("review.jsonl")                   # verified labels back in
    report = channel.learn(LearnOptions(min_labels=20))
    channel.deploy()                                # through the blue-green gate, golden = held back

The channel's model is a ``spacy-ner`` model adapted from a general one (``signalos_spacy.adapt``),
registered as ``channel-<provider>`` with the alias ``candidate``; ``learn`` writes the
signalos.toml tables that route the provider to ``[channel model, the chain it had]`` (or the chain
first, the model after, when the chain already reads the channel well). The command line is
``signalos channel``.
"""
from __future__ import annotations

from signalos.onboarding.channel import (
    BASE_MODEL, BASE_SHAPE, Channel, LearnOptions, OnboardingError, slug, train_base,
)
from signalos.onboarding.uncertainty import Doubt, assess, rank

__all__ = ["BASE_MODEL", "BASE_SHAPE", "Channel", "Doubt", "LearnOptions", "OnboardingError", "assess", "rank", "slug",
           "train_base"]
