"""The transformer and LLM parser plugins: components ``transformer`` and ``llm``.

Registered even without torch/transformers installed; using them then fails with
``pip install 'signalos[transformers]'``. Train with ``signalos train transformer`` and
``signalos train llm``.
"""
from __future__ import annotations

from signalos.hookspecs import hookimpl


@hookimpl
def register_parsers(register, host):
    from signalos_transformers.encoder import EncoderParser
    from signalos_transformers.llm import LlmParser

    register("transformer", EncoderParser)
    register("llm", LlmParser)
