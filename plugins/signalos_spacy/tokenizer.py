"""The tokenizer of every spacy-ner pipeline, registered as ``signalos.tokenizer.v1``.

spaCy's default rules keep ``SL:167.60``, ``@0.8773`` and ``TP1@3000`` as one token, so a price
inside them cannot be an entity (2.5% of gold spans, silently dropped with warning W030). These
rules split at letter/digit boundaries, around ``:``, ``@`` and ``=``, at ``-`` and ``/`` between
digits, and after ``@ # $`` prefixes. Importing this module registers the function, which
``spacy.load`` needs (error E893 otherwise).
"""
from __future__ import annotations

from signalos.errors import MissingDependencyError

try:
    import spacy
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
except ImportError as exc:  # the plugin registers its name anyway; it fails when used
    raise MissingDependencyError("spacy", "spacy") from exc

TOKENIZER_NAME = "signalos.tokenizer.v1"

EXTRA_INFIXES = [
    r"(?<=[^\W\d_])(?=\d)",           # TP1, SL2300: letters then digits
    r"(?<=\d)(?=[^\W\d_kK])",         # 20x, 2300tp (but 30K stays one number)
    r"(?<=[kK])(?=[^\W\d_])",         # 30Kx
    r"[:@=]",                         # SL:167.60, @0.8773, TP1@3000, sl=2300
    r"(?<=\d)[-–—/](?=\d)",           # 4785-90, 1.0850/1.0860
    r"(?<=[^\W\d_])[-/](?=\d)",       # TP-2300
    r"(?<=\d)[,.](?=[^\W\d_])",       # 2300.TP
]
# Emoji, arrows and the invisible joiners around them (🟢LONG, ️#HOT) are never part of a field.
_PICTO = "[\u2000-\u2bff\u3000-\u303f\ufe0f\u200d\U0001f000-\U0001faff]"
EXTRA_INFIXES += [
    _PICTO,
    r"(?<=[A-Z])(?=[A-Z][a-z])",      # LONGLeverage, USDTLeverage
    r"(?<=[a-z])(?=[A-Z])",           # shortTP
    r"(?<=\d)[$%]",                   # 0.8700$Target
    r"[()\[\]]",                      # 1)0.302
    r"(?<=[^\d\s])[,;](?=\d)",          # 1.060$,1.040
]
EXTRA_PREFIXES = [r"[@#$]", r"[\(\[]", r"[-–—](?=\d)", _PICTO]
EXTRA_SUFFIXES = [r"(?<=\d)[-–—]", _PICTO]


def make_tokenizer(nlp) -> Tokenizer:
    defaults = nlp.Defaults
    infixes = list(defaults.infixes or ()) + EXTRA_INFIXES
    prefixes = list(defaults.prefixes or ()) + EXTRA_PREFIXES
    suffixes = list(defaults.suffixes or ()) + EXTRA_SUFFIXES
    return Tokenizer(
        nlp.vocab, rules={},  # no exceptions: "can't" splitting is irrelevant and "x20" must split
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=None, url_match=None,
    )


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_tokenizer():
    return make_tokenizer
