"""The transformer and LLM parser plugins: components ``transformer`` and ``llm``.

Registered even without torch/transformers installed; using them then fails with
``pip install 'signalos[transformers]'``. Train with ``signalos train transformer`` and
``signalos train llm``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl
from signalos.plugins import lazy_factory


@hookimpl
def register_parsers(register, host):
    # imported when first built: every command loads this plugin, few use these parsers
    register("transformer", lazy_factory("signalos_transformers.encoder", "EncoderParser"))
    register("llm", lazy_factory("signalos_transformers.llm", "LlmParser"))
