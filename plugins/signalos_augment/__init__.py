"""Built-in data augmenters (issue: dataset management). Registered names come with the augmenters."""
from __future__ import annotations
