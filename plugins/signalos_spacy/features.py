"""What the regex parser's tables know about a message's words, given to the spaCy model as the
NORM of its tokens (tokenizers ``signalos.tokenizer.v3`` and ``v4``).

A label, direction or order word of any language of the tables ("SL", "止损", "стоп", "حد ضرر")
gets one class as its NORM (``⟨label:stop_loss⟩``), and so does a word inside an update or noise
pattern (``⟨update:tp_hit⟩``) and the symbol the tables find (``⟨symbol⟩``). The NER's embedding
reads NORM beside the word's prefix, suffix and shape, so what it learns of "SL 2335" in one
language holds for "止损 2335" in another: a gazetteer feature, learned from, not a rule. The
classes come from ``signalos_regex.features``.

Tokenizer ``signalos.tokenizer.v4`` adds the regex parser's own reading of the numbers
(``⟨read:stop_loss⟩`` as the NORM of the number it read as the stop): the model starts from the
rules' answer and learns where a layout makes it wrong.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signalos_regex.features import Reader, token_classes


def set_norms(doc: Any, reading: bool = False, reader: Reader | None = None) -> Any:
    """Give each token of ``doc`` inside a keyword span the span's class as its NORM (numbers keep
    theirs unless ``reading``, where a number the regex parser read gets its reading;
    ``signalos_regex.features.token_classes``, with ``reader``'s tables); returns ``doc``."""
    offsets = [(tok.idx, tok.idx + len(tok.text)) for tok in doc]
    for tok, cls in zip(doc, token_classes(doc.text, offsets, reading, reader)):
        if cls is not None:
            tok.norm_ = cls
    return doc


TABLES_DIR = "tokenizer_tables"  # beside the pipeline's tokenizer file: a channel's own words


class LexiconTokenizer:
    """A spaCy tokenizer, then ``set_norms`` on each doc; serialised as the tokenizer it wraps and,
    when it reads a channel's own words (``use_tables``), their TOML files in ``tokenizer_tables/``
    beside it, so the model reads them wherever it is loaded."""

    def __init__(self, inner: Any, reading: bool = False):
        self.inner = inner
        self.reading = reading
        self.reader: Reader | None = None  # None: the built-in tables
        self._tables: dict[str, str] = {}  # file name -> TOML text, as saved

    def use_tables(self, keyword_files: Sequence[str | Path] = (), symbol_files: Sequence[str | Path] = ()) -> None:
        """Read messages with the built-in tables and these files (``signalos train words``'s
        keywords and symbols tables) from now on; no files: the built-in tables again."""
        self._tables = {f"keywords-{i}.toml": Path(f).read_text(encoding="utf-8") for i, f in enumerate(keyword_files)}
        self._tables.update({f"symbols-{i}.toml": Path(f).read_text(encoding="utf-8") for i, f in enumerate(symbol_files)})
        self.reader = Reader(keyword_files, symbol_files) if self._tables else None

    def __call__(self, text: str) -> Any:
        return set_norms(self.inner(text), self.reading, self.reader)

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def to_disk(self, path, **kwargs):
        out = self.inner.to_disk(path, **kwargs)
        if self._tables:
            folder = Path(path).parent / TABLES_DIR
            folder.mkdir(exist_ok=True)
            for name, text in self._tables.items():
                (folder / name).write_text(text, encoding="utf-8")
        return out

    def from_disk(self, path, **kwargs):
        self.inner.from_disk(path, **kwargs)
        folder = Path(path).parent / TABLES_DIR
        if folder.is_dir():
            def saved(kind: str) -> list[Path]:
                return sorted(folder.glob(f"{kind}-*.toml"), key=lambda f: int(f.stem.rpartition("-")[2]))

            self.use_tables(saved("keywords"), saved("symbols"))
        return self

    def to_bytes(self, **kwargs):
        return self.inner.to_bytes(**kwargs)

    def from_bytes(self, data, **kwargs):
        self.inner.from_bytes(data, **kwargs)
        return self
