"""The spaCy NER parser plugin (issue: training and learned parsers)."""
from __future__ import annotations
