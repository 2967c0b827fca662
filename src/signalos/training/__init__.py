"""What every trainer shares: the splits (``data``), entities and schema assembly (``spans``),
per-epoch figures and early stopping (``metrics``), confidence calibration (``calibration``).

The trainers themselves live with their parsers (``signalos_spacy.train``,
``signalos_transformers.train_encoder``, ``signalos_transformers.train_llm``) so that a missing
extra only affects its own plugin.
"""
