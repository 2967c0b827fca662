"""The transformer and LLM parser plugins (issue: training and learned parsers)."""
from __future__ import annotations
