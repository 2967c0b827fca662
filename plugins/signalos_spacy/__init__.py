"""The spaCy NER parser plugin: component ``spacy-ner``.

Registered even without spaCy installed; using it then fails with
``pip install 'signalos[spacy]'``. Train a model with ``signalos train spacy``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl
from signalos.plugins import lazy_factory

NAME = "spacy-ner"


@hookimpl
def register_parsers(register, host):
    register(NAME, lazy_factory("signalos_spacy.parser", "SpacyParser"))  # imported when first built
