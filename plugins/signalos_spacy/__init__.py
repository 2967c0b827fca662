"""The spaCy NER parser plugin: component ``spacy-ner``.

Registered even without spaCy installed; using it then fails with
``pip install 'signalos[spacy]'``. Train a model with ``signalos train spacy``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl

NAME = "spacy-ner"


@hookimpl
def register_parsers(register, host):
    from signalos_spacy.parser import SpacyParser

    register(NAME, SpacyParser)
