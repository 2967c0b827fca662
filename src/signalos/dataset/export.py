"""``signalos data export``: the dataset as schema JSON Lines, Hugging Face token tags or spaCy DocBin.

One file per split (``train``, ``validation``, ``test``; ``unsplit`` for rows no split reached):

- ``jsonl``: the corpus line of SCHEMA.md plus ``spans`` and ``split`` (``signalos eval --data``
  reads it);
- ``hf``: ``{"tokens", "ner_tags" (BIO strings), "offsets", "kind", ...}`` per line, ``labels.json``
  (the tag list), and ``hf_dataset/`` (``datasets.DatasetDict.save_to_disk``) when the
  ``datasets`` library is installed;
- ``spacy``: ``SPLIT.spacy`` DocBin files with entities and ``doc.cats`` for the kind.

Spans come from ``labels.spans`` (``signalos data align``); a labelled row without them is
aligned on the fly with ``signalos.dataset.align.align_label`` when that module exists. Rows that
still have no spans are left out of ``hf`` and ``spacy`` (all-``O`` tags would teach the model
that the prices are not prices) and counted.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from signalos.dataset.repository import SPLITS, DataRow, Dataset, DatasetError
from signalos.dataset.tokens import BIO_LABELS, ENTITY_LABELS, SpanStats, bio_tags, kind_cats, spacy_doc
from signalos.errors import MissingDependencyError
from signalos.models import KINDS

EXPORT_FORMATS = ("jsonl", "hf", "spacy")
UNSPLIT = "unsplit"


def _aligner() -> Callable[[str, dict], Any] | None:
    try:
        from signalos.dataset.align import align_label
    except ImportError:
        return None
    return align_label


def row_spans(row: DataRow, aligner: Callable | None) -> tuple[dict[str, Any] | None, list[str]]:
    """The row's stored spans, else spans aligned now; and the fields that could not be aligned."""
    if row.spans is not None:
        return row.spans, []
    if row.label is None or row.label.get("kind") == "noise":
        return ({} if row.label is not None else None), []
    if aligner is None:
        return None, []
    result = aligner(row.text, row.label)
    spans = getattr(result, "spans", result)
    missing = list(getattr(result, "missing", []) or [])
    return ({k: [list(s) for s in v] for k, v in (spans or {}).items()}), missing


def corpus_line(row: DataRow, spans: dict[str, Any] | None) -> dict[str, Any]:
    """The SCHEMA.md corpus line of a row, with its spans and split."""
    line = {"id": row.source_id, "text": row.text, "provider": row.provider, "language": row.language,
            "origin": row.origin, "label": row.label, "spans": spans, "split": row.split,
            "multi": row.multi, "uncertain": row.uncertain, "note": row.note, "verified": row.verified,
            "label_source": row.label_source}
    if row.extra.get("source"):
        line["source"] = row.extra["source"]
    return line


def export_dataset(dataset: Dataset, fmt: str, out_dir: str | Path, *, split: str = "all",
                   include_unlabelled: bool = False, include_duplicates: bool = False,
                   progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write the export; returns the report (files, rows per split, span figures, left-out rows)."""
    if fmt not in EXPORT_FORMATS:
        raise DatasetError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if split != "all" and split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; use one of {', '.join(SPLITS)} or all")
    nlp = _spacy_nlp() if fmt == "spacy" else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    aligner = _aligner()
    only_labelled = fmt != "jsonl" or not include_unlabelled
    rows = dataset.rows(split=None if split == "all" else split, only_labelled=only_labelled,
                        include_duplicates=include_duplicates)
    stats = SpanStats()
    buckets: dict[str, list[Any]] = {}
    counts: dict[str, int] = {}
    no_spans: list[str] = []
    unaligned_fields = 0
    aligned_now = 0
    for row in rows:
        name = row.split or UNSPLIT
        spans, missing = row_spans(row, aligner)
        if row.spans is None and spans:
            aligned_now += 1
        unaligned_fields += len(missing)
        if fmt == "jsonl":
            item: Any = corpus_line(row, spans)
        elif spans is None:
            no_spans.append(row.source_id)
            continue
        elif fmt == "hf":
            tokens, tags, row_stats = bio_tags(row.text, spans, row_id=row.source_id)
            stats.add(row_stats)
            item = {"id": row.source_id, "text": row.text, "tokens": [row.text[s:e] for s, e in tokens],
                    "offsets": [list(t) for t in tokens], "ner_tags": tags, "kind": row.kind,
                    "split": name, "provider": row.provider, "language": row.language,
                    "uncertain": row.uncertain}
        else:
            item, row_stats = spacy_doc(nlp, row.text, spans, row_id=row.source_id, cats=kind_cats(row.kind))
            stats.add(row_stats)
        buckets.setdefault(name, []).append(item)
        counts[name] = counts.get(name, 0) + 1
        if progress:
            progress(1)
    files = _write(fmt, out, buckets, nlp)
    report: dict[str, Any] = {"format": fmt, "out": str(out), "split": split, "files": files, "rows": counts,
                              "total": sum(counts.values()), "aligned_on_the_fly": aligned_now,
                              "unaligned_fields": unaligned_fields,
                              "left_out_without_spans": {"count": len(no_spans), "ids": no_spans[:50]}}
    if fmt != "jsonl":
        report["span_figures"] = stats.to_dict()
        report["labels"] = list(BIO_LABELS) if fmt == "hf" else list(ENTITY_LABELS)
    if fmt == "hf":
        report["hf_dataset"] = _save_hf_dataset(out, buckets)
    return report


def _write(fmt: str, out: Path, buckets: dict[str, list[Any]], nlp: Any) -> list[str]:
    files = []
    for name, items in sorted(buckets.items()):
        if fmt == "spacy":
            from spacy.tokens import DocBin

            path = out / f"{name}.spacy"
            DocBin(docs=items, store_user_data=False).to_disk(path)
        else:
            path = out / f"{name}.jsonl"
            with path.open("w", encoding="utf-8") as fh:
                for item in items:
                    fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        files.append(str(path))
    if fmt == "hf":
        path = out / "labels.json"
        path.write_text(json.dumps({"ner_tags": list(BIO_LABELS), "kinds": list(KINDS)}, indent=2) + "\n",
                        encoding="utf-8")
        files.append(str(path))
    return files


def _save_hf_dataset(out: Path, buckets: dict[str, list[dict[str, Any]]]) -> str | dict[str, str] | None:
    """``datasets.DatasetDict`` saved to ``out/hf_dataset`` when the library is installed; its path,
    None without the library, or ``{"error": ...}`` when saving failed."""
    try:
        import datasets
    except ImportError:
        return None
    features = datasets.Features({
        "id": datasets.Value("string"), "text": datasets.Value("string"),
        "tokens": datasets.Sequence(datasets.Value("string")),
        "offsets": datasets.Sequence(datasets.Sequence(datasets.Value("int32"))),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=list(BIO_LABELS))),
        "kind": datasets.ClassLabel(names=list(KINDS)), "split": datasets.Value("string"),
        "provider": datasets.Value("string"), "language": datasets.Value("string"),
        "uncertain": datasets.Value("bool"),
    })
    path = out / "hf_dataset"
    try:
        dd = datasets.DatasetDict({name: datasets.Dataset.from_list(items, features=features)
                                   for name, items in buckets.items()})
        dd.save_to_disk(str(path))
    except Exception as exc:  # a broken datasets/pyarrow install must not lose the JSONL export
        return {"error": f"datasets could not save the export: {type(exc).__name__}: {exc}"[:300]}
    return str(path)


def _spacy_nlp():
    try:
        import spacy
    except ImportError:
        raise MissingDependencyError("spacy", "spacy") from None
    # "xx" has no language-specific rules; tokens come from signalos.dataset.tokens anyway
    return spacy.blank("xx")
