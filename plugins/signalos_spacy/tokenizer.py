"""The tokenizer of every spacy-ner pipeline, registered as ``signalos.tokenizer.v1``.

spaCy's default rules keep ``SL:167.60``, ``@0.8773`` and ``TP1@3000`` as one token, so a price
inside them cannot be an entity (2.5% of gold spans, silently dropped with warning W030). These
rules split at letter/digit boundaries, around ``:``, ``@`` and ``=``, at ``-`` and ``/`` between
digits, and after ``@ # $`` prefixes (v2 adds full-width punctuation and a few glued forms, below).
Importing this module registers the function, which
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

TOKENIZER_V1 = "signalos.tokenizer.v1"
TOKENIZER_V2 = "signalos.tokenizer.v2"
TOKENIZER_V3 = "signalos.tokenizer.v3"  # v2 and the tables' classes as NORM
TOKENIZER_NAME = "signalos.tokenizer.v4"  # what new pipelines use: v3 and the regex parser's reading of the numbers

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


# v2 (every pipeline trained since): full-width punctuation (``进场位置：0.10331``, ``止损；0.0173``),
# runs of dashes and markdown stars before a price, ``_`` and ``/`` after a digit, ``#`` inside,
# two decimals joined by a comma (``131.850,131.000``) and a target's number glued to its price
# (``2.1.96950``): 1.1% of the gold spans of the real corpus fell inside such a token.
_FULLWIDTH = "[\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\uff5c\u3001\u3002\u3010\u3011\u300c\u300d]"
V2_INFIXES = [
    _FULLWIDTH,
    r"-{2,}|\*+|#",
    r"(?<=\d)[_/]",                  # 1345_1347, 1.2670/$
    r"(?<=\d);",                     # 1.2;TP
    r"(?:(?<=\.\d)|(?<=\.\d\d)|(?<=\.\d{3})|(?<=\.\d{4})|(?<=\.\d{5})),(?=\d+\.\d)",  # 131.850,131.000
    r"(?<=(?<![\d.])\d)\.(?=\d+\.\d)",  # TP2.1.96950: target 2, 1.96950
]
V2_PREFIXES = [_FULLWIDTH, r"-{2,}", r"\*+"]
V2_SUFFIXES = [_FULLWIDTH, r"\*+"]


def make_tokenizer(nlp, v2: bool = False) -> Tokenizer:
    defaults = nlp.Defaults
    infixes = list(defaults.infixes or ()) + EXTRA_INFIXES + (V2_INFIXES if v2 else [])
    prefixes = list(defaults.prefixes or ()) + EXTRA_PREFIXES + (V2_PREFIXES if v2 else [])
    suffixes = list(defaults.suffixes or ()) + EXTRA_SUFFIXES + (V2_SUFFIXES if v2 else [])
    return Tokenizer(
        nlp.vocab, rules={},  # no exceptions: "can't" splitting is irrelevant and "x20" must split
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=None, url_match=None,
    )


@spacy.registry.tokenizers(TOKENIZER_V1)
def create_tokenizer():
    """The rules of the models trained before v2; they load with the rules they learned on."""
    return make_tokenizer


@spacy.registry.tokenizers(TOKENIZER_V2)
def create_tokenizer_v2():
    return lambda nlp: make_tokenizer(nlp, v2=True)


@spacy.registry.tokenizers(TOKENIZER_V3)
def create_tokenizer_v3():
    """v2's rules; then every token inside a word the regex parser's tables know gets that word's
    class as its NORM (``features.set_norms``), so what the model learns of a label word in one
    language holds in every language of the tables."""
    from signalos_spacy.features import LexiconTokenizer

    return lambda nlp: LexiconTokenizer(make_tokenizer(nlp, v2=True))


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_tokenizer_v4():
    """v3, and every number the regex parser reads as a field gets that reading as its NORM
    (``⟨read:take_profit⟩``; ``signalos_regex.features.reading_spans``)."""
    from signalos_spacy.features import LexiconTokenizer

    return lambda nlp: LexiconTokenizer(make_tokenizer(nlp, v2=True), reading=True)
