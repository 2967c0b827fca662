"""The data a trainer sees: the train, validation and test splits, never mixed.

Rows come from the workspace dataset (``signalos data ...``) or from a labelled JSON Lines file
(``--data FILE``, the corpus line format). A file's rows keep a ``split`` they carry; the others
are split by a hash of their id and the seed, so the same file and seed always give the same
split. ``holdout_provider`` moves one provider's rows out of training entirely. Synthetic and
augmented rows (``generated``) only ever join the train split: a validation or test figure is
always one of messages a channel wrote.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import InputError, SignalosError
from signalos.models import ParseResult
from signalos.training.spans import align, entities_for, kind_class

SPLITS = ("train", "validation", "test")
HOLDOUT = "holdout"


@attrs.frozen
class Example:
    """One labelled message with its entities (start, end, label) and kind class."""

    id: str
    text: str
    label: dict[str, Any]
    entities: tuple[tuple[int, int, str], ...]
    split: str
    provider: str | None = None
    language: str | None = None
    origin: str | None = None

    @property
    def kind_class(self) -> str:
        return kind_class(self.label)

    def to_line(self) -> dict[str, Any]:
        """The corpus line of this row (for ``signalos eval --data``)."""
        return {"id": self.id, "text": self.text, "label": self.label, "provider": self.provider,
                "language": self.language, "origin": self.origin, "uncertain": False, "multi": False}


@attrs.frozen
class TrainingData:
    """The splits and where they came from; ``split_hash`` names the assignment in manifests."""

    train: tuple[Example, ...]
    validation: tuple[Example, ...]
    test: tuple[Example, ...]
    holdout: tuple[Example, ...] = ()
    source: str = ""
    split_hash: str = ""
    seed: int = 0
    holdout_provider: str | None = None

    def counts(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test),
                "holdout": len(self.holdout)}

    def describe(self) -> dict[str, Any]:
        return {"source": self.source, "split_hash": self.split_hash, "seed": self.seed,
                "holdout_provider": self.holdout_provider, "counts": self.counts()}

    def write_split(self, split: str, path: str | os.PathLike) -> Path:
        """Write one split as labelled JSON Lines for ``signalos eval --data``."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        rows = getattr(self, split)
        p.write_text("".join(json.dumps(r.to_line(), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return p


def hash_split(key: str, seed: int, ratios: Sequence[float] = (0.7, 0.1, 0.2)) -> str:
    """A deterministic split for ``key``: the same id and seed always land in the same split."""
    h = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:12], 16) / float(16 ** 12)
    if h < ratios[0]:
        return "train"
    if h < ratios[0] + ratios[1]:
        return "validation"
    return "test"


GENERATED_ORIGINS = ("synthetic", "augmented")


def generated(obj: dict[str, Any]) -> bool:
    """Whether a row was made by signalos (``signalos data synth`` / ``augment``), not written by a
    channel: such rows only ever train, whatever split a file gives them."""
    return obj.get("origin") in GENERATED_ORIGINS or bool(obj.get("augmented_from"))


def _example(obj: dict[str, Any], split: str) -> Example | None:
    text, label = obj.get("text"), obj.get("label")
    if not isinstance(text, str) or not isinstance(label, dict):
        return None
    try:
        ParseResult.from_schema(label)
    except (ValueError, TypeError, KeyError):
        return None
    spans = obj.get("spans")
    ents = entities_for(text, label, spans if isinstance(spans, dict) and spans else align(text, label))
    return Example(id=str(obj.get("id") or hashlib.sha256(text.encode()).hexdigest()[:16]), text=text,
                   label=label, entities=tuple(ents), split=split, provider=obj.get("provider"),
                   language=obj.get("language"), origin=obj.get("origin"))


def read_file(path: str | os.PathLike, *, seed: int = 0, holdout_provider: str | None = None,
              ratios: Sequence[float] = (0.7, 0.1, 0.2), keep_uncertain: bool = False) -> TrainingData:
    """The splits of a labelled JSON Lines file (uncertain rows left out unless kept)."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    buckets: dict[str, list[Example]] = {s: [] for s in (*SPLITS, HOLDOUT)}
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or (obj.get("uncertain") and not keep_uncertain):
            continue
        if generated(obj):
            split = "train"  # a generated row is never scored as if a channel had written it
        elif holdout_provider and obj.get("provider") == holdout_provider:
            split = HOLDOUT
        else:
            split = obj.get("split") if obj.get("split") in SPLITS else hash_split(str(obj.get("id", n)), seed, ratios)
        ex = _example(obj, split)
        if ex is not None:
            buckets[split].append(ex)
    if holdout_provider and not buckets[HOLDOUT]:
        raise SignalosError(f"--holdout-provider {holdout_provider!r}: no row of {p} has that provider")
    return _finish(buckets, f"file:{p}", seed, holdout_provider)


def _finish(buckets: dict[str, list[Example]], source: str, seed: int, holdout: str | None) -> TrainingData:
    assignment = sorted((ex.id, ex.split) for rows in buckets.values() for ex in rows)
    split_hash = hashlib.sha256(json.dumps(assignment).encode()).hexdigest()[:16]
    if not buckets["train"]:
        raise SignalosError(f"{source}: the train split is empty")
    return TrainingData(tuple(buckets["train"]), tuple(buckets["validation"]), tuple(buckets["test"]),
                        tuple(buckets[HOLDOUT]), source, split_hash, seed, holdout)


def read_workspace(workspace: Any, *, include_augmented: bool = False, include_synthetic: bool = False,
                   holdout_provider: str | None = None, seed: int = 0) -> TrainingData:
    """The splits recorded in the workspace dataset (``signalos data split``)."""
    try:
        from signalos.dataset.repository import Dataset
    except ImportError:
        raise SignalosError("this signalos has no dataset package: train from a file with --data FILE") from None
    ds = Dataset(workspace)
    buckets: dict[str, list[Example]] = {s: [] for s in (*SPLITS, HOLDOUT)}
    for split in SPLITS:
        extra = split == "train"  # augmented and synthetic rows only ever join the train split
        for row in ds.rows(split=split, include_augmented=include_augmented and extra,
                           include_synthetic=include_synthetic and extra, only_labelled=True):
            obj = _row_dict(row)
            if obj.get("uncertain"):
                continue  # a label a careful reader could give two ways teaches nothing
            if split != "train" and generated(obj):
                continue  # a split made before the rule: generated rows never score a model
            target = HOLDOUT if holdout_provider and obj.get("provider") == holdout_provider else split
            ex = _example(obj, target)
            if ex is not None:
                buckets[target].append(ex)
    if not any(buckets.values()):
        raise SignalosError("the workspace dataset has no labelled rows with a split: run `signalos data split`")
    data = _finish(buckets, f"workspace:{getattr(ds, 'path', workspace)}", seed, holdout_provider)
    # The manifest names the split by the hash `signalos data split` printed and recorded, so the
    # two can be compared; rows added to train since (augmented, synthetic) do not change it.
    runs = ds.db.execute("SELECT split_hash FROM split_runs ORDER BY id DESC LIMIT 1").fetchall() \
        if "split_runs" in ds.db.table_names() else []
    return attrs.evolve(data, split_hash=runs[0][0]) if runs else data


def _row_dict(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    if attrs.has(type(row)):
        out = attrs.asdict(row, recurse=False)
        out["id"] = getattr(row, "source_id", out.get("id"))  # the corpus id, not the table's
        return out
    return {k: getattr(row, k, None) for k in ("id", "text", "label", "spans", "provider", "language", "origin", "split")}


def synthetic_examples(n: int, seed: int = 0) -> list[Example]:
    """``n`` labelled synthetic messages from ``signalos.dataset.synth`` (train split only)."""
    if n <= 0:
        return []
    try:
        from signalos.dataset.synth import synth_records
    except ImportError:
        raise SignalosError("--synthetic needs signalos.dataset.synth, which this signalos does not have") from None
    out = []
    for i, row in enumerate(_take(synth_records(n, seed=seed), n)):
        obj = _row_dict(row)
        obj.setdefault("id", f"syn{seed}-{i}")
        ex = _example(obj, "train")
        if ex is not None:
            out.append(attrs.evolve(ex, origin=obj.get("origin") or "synthetic"))
    return out


def _take(rows: Iterable[Any], n: int) -> list[Any]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) >= n:
            break
    return out


# The train split the encoders' documented figures were measured with: the real rows topped up with
# synthetic messages in every language of the keyword tables (docs/training.md).
TOP_UP = 1000


def load(data: str | os.PathLike | None, workspace: Any, *, seed: int = 0, holdout_provider: str | None = None,
         include_augmented: bool = False, include_synthetic: bool = False, synthetic: int | None = 0,
         limit: int | None = None) -> TrainingData:
    """The splits a ``signalos train`` command uses: from ``data`` when given, else the workspace;
    ``synthetic`` generated rows (None: as many as top the train split up to ``TOP_UP``) and
    ``limit`` (a cap on train rows) apply to the train split only."""
    td = (read_file(data, seed=seed, holdout_provider=holdout_provider) if data is not None else
          read_workspace(workspace, include_augmented=include_augmented, include_synthetic=include_synthetic,
                         holdout_provider=holdout_provider, seed=seed))
    if synthetic is None:
        synthetic = max(0, TOP_UP - len(td.train))
    train = list(td.train) + synthetic_examples(synthetic, seed)
    if limit is not None:
        train = train[:limit]
    return attrs.evolve(td, train=tuple(train))
