"""Data augmentation: the augmenter protocol, span-keeping text edits and the driver.

An augmenter is a component registered through ``register_augmenters``: ``factory(host, options)``
returns an object with a ``name`` and ``augment(example, rng) -> list[Example]``. It must return
examples whose labels are still true of their texts and whose spans point at the new text (an
augmenter that edits text through :func:`apply_edits` gets that for free). Randomness comes only
from ``rng`` so a run can be repeated.

``augment_examples`` drives them over labelled examples: with ``factor`` 2 every example gets one
derived copy on average, ``factor`` 3 two, 1.5 every other one. Each copy's random generator is
seeded from the run's seed and the example's text, so re-running adds the same texts (and the
dataset's natural keys skip them) and new examples do not change the copies of old ones.
"""
from __future__ import annotations

import hashlib
import random
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from signalos.errors import SignalosError
from signalos.models import ParseResult
from signalos.validate import validate

Spans = dict[str, list[list[int]]]
# Telegram's limit on one message: a longer text is not a message a parser will be trained to read
MAX_CHARS = 4096


class AugmentError(SignalosError):
    """An augmentation run that cannot start (no augmenters, a factor below 1); the CLI user sees
    it as one line."""


@attrs.frozen
class Example:
    """One labelled message as augmenters see it: ``label`` is a SCHEMA.md dict, ``spans`` maps a
    field to ``[[start, end], ...]`` character ranges of ``text`` (None when not aligned)."""

    text: str
    label: dict[str, Any]
    spans: Spans | None = None
    provider: str | None = None
    language: str | None = None


@runtime_checkable
class Augmenter(Protocol):
    """What ``factory(host, options)`` returns."""

    name: str

    def augment(self, example: Example, rng: random.Random) -> list[Example]:
        """New examples derived from ``example`` (an empty list when none applies)."""


@attrs.frozen
class Edit:
    """Replace ``text[start:end]`` by ``new`` (``start == end`` inserts)."""

    start: int
    end: int
    new: str


def _map_position(pos: int, edits: Sequence[Edit], shifts: Sequence[int], *, is_end: bool) -> int:
    # ``shifts[i]`` is how far the text after edit i has moved, counting edit i and those before.
    out = pos
    for edit, shift in zip(edits, shifts):
        a, b = edit.start, edit.end
        if a < pos < b:  # inside a replaced stretch: snap to the replacement's edge
            start = a + shift - (len(edit.new) - (b - a))
            return start + len(edit.new) if is_end else start
        if b < pos or (b == pos and (not is_end or a < b)):
            out = pos + shift
        else:
            break
    return out


def apply_edits(example: Example, edits: Iterable[Edit], **changes: Any) -> Example:
    """``example`` with non-overlapping ``edits`` applied; its spans move with the text.

    A span whose characters an edit replaces exactly (a re-priced number) becomes the span of the
    replacement; an insertion at a span's edge stays outside it. ``changes`` sets other fields
    (``label=``, ``language=``). Raises ValueError when edits overlap.
    """
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    text = example.text
    parts, last, shifts, shift = [], 0, [], 0
    for e in ordered:
        if e.start < last or e.end < e.start or e.end > len(text):
            raise ValueError(f"overlapping or out-of-range edit {e}")
        parts += [text[last:e.start], e.new]
        last = e.end
        shift += len(e.new) - (e.end - e.start)
        shifts.append(shift)
    parts.append(text[last:])
    new_text = "".join(parts)
    spans = changes.pop("spans", example.spans)
    if spans is not None and ordered:
        moved: Spans = {}
        for field, ranges in spans.items():
            out = []
            for s, e in ranges:
                ns = _map_position(s, ordered, shifts, is_end=False)
                ne = _map_position(e, ordered, shifts, is_end=True)
                if 0 <= ns < ne <= len(new_text):
                    out.append([ns, ne])
            moved[field] = out
        spans = moved
    return attrs.evolve(example, text=new_text, spans=spans, **changes)


def label_problems(label: dict[str, Any]) -> list[str]:
    """What the shared validator finds wrong with a label (``[]`` when it is a sound order);
    a label that breaks the schema is one problem."""
    try:
        return validate(ParseResult.from_schema(label))
    except (TypeError, ValueError) as exc:
        return [f"label breaks the schema: {exc}"]


def spans_fit(example: Example) -> bool:
    return all(0 <= s < e <= len(example.text) for ranges in (example.spans or {}).values() for s, e in ranges)


@attrs.frozen
class Augmented:
    """One derived example: which source (``source``, the caller's key), which augmenter."""

    source: Any
    augmenter: str
    example: Example


@attrs.define
class AugmentReport:
    """What a run did: copies made per augmenter and why others were dropped."""

    sources: int = 0
    made: Counter = attrs.field(factory=Counter)
    dropped: Counter = attrs.field(factory=Counter)  # reason -> count
    errors: list[str] = attrs.field(factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sources": self.sources, "made": sum(self.made.values()), "by_augmenter": dict(sorted(self.made.items())),
                "dropped": dict(sorted(self.dropped.items())), "errors": self.errors[:20]}


def copy_rng(seed: int, text: str, copy: int) -> random.Random:
    """The generator of one copy of one example: the same for the same seed, text and copy."""
    digest = hashlib.sha256(f"{seed}\x00{copy}\x00{text}".encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def augmenters_for(host: Any, names: Sequence[str] | None = None) -> list[Any]:
    """The augmenter components named (default: every registered one), built with their options.
    An unknown name is an error listing what is registered."""
    names = list(names) if names else [entry.name for entry in host.augmenters]
    if not names:
        raise AugmentError("no augmenters are registered (is the signalos_augment plugin installed?)")
    return [host.component("augmenters", name) for name in names]


def augment_examples(host: Any, sources: Iterable[tuple[Any, Example]], *, names: Sequence[str] | None = None,
                     factor: float = 2.0, seed: int = 0, report: AugmentReport | None = None,
                     realign: Any = None) -> Iterator[Augmented]:
    """Derived examples of ``sources`` (pairs of a caller's key and an Example).

    ``factor`` is the size the data should reach, as a multiple of the sources. Each copy tries
    the augmenters in a random order and keeps the first new text whose label still validates as
    well as the source's did. A failing augmenter is recorded in ``report.errors`` (and in the
    host's errors) and the run goes on. ``realign(text, label)`` fills spans that an augmenter
    left empty when the source had them.
    """
    if factor < 1:
        raise AugmentError(f"factor must be 1 or more, got {factor}")
    report = report if report is not None else AugmentReport()
    components = augmenters_for(host, names)
    extra = factor - 1.0
    whole, part = int(extra), extra - int(extra)
    for key, example in sources:
        report.sources += 1
        if len(example.text) > MAX_CHARS:
            report.dropped[f"longer than {MAX_CHARS} characters"] += 1
            continue
        base_problems = set(label_problems(example.label))
        seen = {example.text}
        picker = copy_rng(seed, example.text, -1)
        copies = whole + (1 if picker.random() < part else 0)
        for copy in range(copies):
            rng = copy_rng(seed, example.text, copy)
            order = list(components)
            rng.shuffle(order)
            made = None
            for component in order:
                made = _try(component, example, rng, seen, base_problems, report, host, realign)
                if made is not None:
                    break
            if made is None:
                report.dropped["no augmenter applied"] += 1
                continue
            seen.add(made.text)
            report.made[component.name] += 1
            yield Augmented(key, component.name, made)


def _try(component, example, rng, seen, base_problems, report, host, realign) -> Example | None:
    name = getattr(component, "name", type(component).__name__)
    try:
        candidates = list(component.augment(example, rng) or [])
    except Exception as exc:  # one broken augmenter must not stop the run: record and go on
        report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        if hasattr(host, "record_error"):
            host.record_error(f"augmenters.{name}", None, exc, traceback.format_exc())
        return None
    rng.shuffle(candidates)
    for cand in candidates:
        if not isinstance(cand, Example) or cand.text in seen or not cand.text.strip():
            continue
        if cand.label.get("kind") != example.label.get("kind") or set(label_problems(cand.label)) - base_problems:
            report.dropped[f"{name}: label no longer valid"] += 1
            continue
        if example.spans is not None and cand.spans is None and realign is not None:
            cand = attrs.evolve(cand, spans=realign(cand.text, cand.label))
        if not spans_fit(cand):
            report.dropped[f"{name}: spans outside the text"] += 1
            continue
        return cand
    return None


# --- the workspace dataset -------------------------------------------------------------------------

def augment_dataset(host: Any, ds: Any, *, names: Sequence[str] | None = None, factor: float = 2.0, seed: int = 0,
                    progress: Any = None, chunk_size: int = 1000) -> dict[str, Any]:
    """Augment the train split of a :class:`signalos.dataset.repository.Dataset` in place.

    Sources are the labelled, certain, single-signal train rows that are neither augmented nor
    marked duplicate. Each derived row is stored with origin ``augmented``, ``augmented_from`` its
    source's id, split ``train`` and a label whose source is ``augment:<name>``. A text already in
    the workspace (in any split, under any provider) is not added again, so re-running with the
    same seed adds nothing. A derived text that reads like a message outside train (the same text
    up to case and spacing, ``keys.text_hash``) is dropped: it would leak that message into train.
    """
    from signalos.dataset.keys import text_hash

    report = AugmentReport()
    names = list(names) if names else None
    tag = hashlib.sha256(f"augment|{seed}|{factor}|{','.join(names or ['*'])}".encode()).hexdigest()
    batch_id = ds.add_batch("augment", path=None, format="augment", file_sha256=tag)
    sources = ((row.id, Example(row.text, row.label, row.spans, row.provider, row.language))
               for row in ds.rows(split="train", include_augmented=False, only_labelled=True, include_duplicates=False)
               if not row.uncertain and not row.multi)

    def realign(text: str, label: dict[str, Any]) -> Spans | None:
        from signalos.dataset.align import align_label

        return align_label(text, label).spans

    added = skipped = 0
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal added, skipped, pending
        held_out = _held_out_hashes(ds, {r["_hash"] for r in pending})
        rows = [r for r in pending if r["_hash"] not in held_out]
        if len(rows) < len(pending):
            report.dropped["same text as a message outside train"] += len(pending) - len(rows)
        for r in rows:
            r.pop("_hash")
        a, s = ds.add_messages(rows, batch_id)
        added, skipped = added + a, skipped + s
        if progress:
            progress(len(pending))
        pending = []

    for item in augment_examples(host, sources, names=names, factor=factor, seed=seed, report=report, realign=realign):
        ex = item.example
        # The dataset's text hash ignores case and spacing, which is what "case" and "spacing"
        # change: the key of a derived row is its exact text, so it is not taken for its source.
        exact = hashlib.sha256(ex.text.encode("utf-8", "surrogatepass")).hexdigest()
        pending.append({"natural_key": f"{ex.provider or ''}|augment:{exact}", "text": ex.text,
                        "provider": ex.provider, "language": ex.language, "origin": "augmented",
                        "augmented_from": item.source, "split": "train", "label": ex.label, "spans": ex.spans,
                        "label_source": f"augment:{item.augmenter}",
                        "extra": {"augmenter": item.augmenter, "seed": seed}, "_hash": text_hash(ex.text)})
        if len(pending) >= chunk_size:
            flush()
    if pending:
        flush()
    ds.finish_batch(batch_id)
    out = report.to_dict()
    out.update(batch_id=batch_id, added=added, already_there=skipped, factor=factor, seed=seed,
               augmenters=names or [e.name for e in host.augmenters])
    return out


def _held_out_hashes(ds: Any, hashes: set[str]) -> set[str]:
    """Which of ``hashes`` belong to messages not in train (validation, test or not split yet)."""
    found: set[str] = set()
    items = list(hashes)
    for i in range(0, len(items), 900):
        part = items[i:i + 900]
        marks = ",".join("?" * len(part))
        found.update(r[0] for r in ds.db.execute(
            f"SELECT text_hash FROM messages WHERE text_hash IN ({marks}) AND coalesce(split, '') != 'train'", part))
    return found
