"""The built-in data augmenters (``signalos data augment``), registered like a third party's.

Each keeps the label true and moves the spans with the text: ``case``, ``punctuation``,
``spacing``, ``emoji``, ``layout`` change how a message looks; ``reprice``, ``symbol-alias`` and
``keyword-language`` change what is written without changing what it means.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_augmenters(register, host):
    from signalos_augment.surface import (CaseAugmenter, EmojiAugmenter, LayoutAugmenter,
                                          PunctuationAugmenter, SpacingAugmenter)
    from signalos_augment.values import KeywordLanguageAugmenter, RepriceAugmenter, SymbolAliasAugmenter

    for cls in (CaseAugmenter, PunctuationAugmenter, SpacingAugmenter, EmojiAugmenter, RepriceAugmenter,
                SymbolAliasAugmenter, KeywordLanguageAugmenter, LayoutAugmenter):
        register(cls.name, cls)
