"""The dataset of a workspace: import, labels, spans, dedup, splits, augmentation, export.

``signalos.dataset.repository.Dataset`` is the one way in; see its module docstring.
"""
from signalos.dataset.keys import natural_key, template_hash, template_key, text_hash
from signalos.dataset.repository import DataRow, Dataset, DatasetError

__all__ = ["DataRow", "Dataset", "DatasetError", "natural_key", "template_hash", "template_key", "text_hash"]
