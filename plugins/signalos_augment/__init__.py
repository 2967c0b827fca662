"""The built-in data augmenters (``signalos data augment``), registered like a third party's.

Each keeps the label true and moves the spans with the text: ``case``, ``punctuation``,
``spacing``, ``emoji``, ``layout`` change how a message looks; ``reprice``, ``symbol-alias`` and
``keyword-language`` and ``keyword-synonym`` change what is written without changing what it means.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl
from signalos.plugins import lazy_factory


# name -> (module, class); imported when first built, so loading plugins stays light
BUILTINS = {
    "case": ("surface", "CaseAugmenter"), "punctuation": ("surface", "PunctuationAugmenter"),
    "spacing": ("surface", "SpacingAugmenter"), "emoji": ("surface", "EmojiAugmenter"),
    "reprice": ("values", "RepriceAugmenter"), "symbol-alias": ("values", "SymbolAliasAugmenter"),
    "keyword-language": ("values", "KeywordLanguageAugmenter"), "layout": ("surface", "LayoutAugmenter"),
    "keyword-synonym": ("values", "KeywordSynonymAugmenter"),
}


@hookimpl(trylast=True)
def register_augmenters(register, host):
    for name, (module, cls) in BUILTINS.items():
        register(name, lazy_factory(f"signalos_augment.{module}", cls))
