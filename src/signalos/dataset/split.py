"""Train / validation / test splits: seeded, stratified, group-safe and reproducible.

- **Stratified** by provider × language × kind (configurable): each stratum is split in the
  requested ratios, so a channel's messages and the rare languages are in every split.
- **Group-safe**: a template cluster (``dedup``) is assigned whole; the messages of one template
  are never both trained on and tested on. A group belongs to the stratum most of its members are
  in.
- **Small strata** never fail: each stratum is filled by largest deficit against its share plus
  what the strata before it left over, so a stratum of one or two messages goes to train or, when
  train is ahead, round-robin to validation and test, and the totals stay near the ratios.
- **Augmented rows** (origin ``augmented`` or ``augmented_from`` set) never decide a split: they go
  to train when what they were made from is in train (or unknown), and to no split when it was held
  out, since a copy of a test message in train would leak it.
- **Generated rows** (those ``signalos data synth`` made) go to train: a generated message never
  scores a model, and the trainers use them only there. Imported rows marked synthetic (written
  by hand as examples) are split like any other.
- **Reproducible**: the order depends only on natural keys, the seed and the ratios, never on row
  ids or import order; ``split_hash`` (sha256 of the sorted ``natural_key<TAB>split`` lines) says
  whether two splits are the same.
"""
from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import attrs

from signalos.errors import SignalosError

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)
DEFAULT_STRATIFY = ("provider", "language", "kind")
STRATIFY_KEYS = ("provider", "language", "kind", "origin")


class SplitError(SignalosError):
    """The split cannot be made as asked (bad ratios, unknown stratification key). Seen by CLI
    users as one line."""


def parse_ratios(text: str | Sequence[float]) -> tuple[float, float, float]:
    """``"0.8,0.1,0.1"`` (or ``80,10,10``) → (0.8, 0.1, 0.1), normalised to sum 1."""
    try:
        values = [float(v) for v in (text.split(",") if isinstance(text, str) else text)]
    except ValueError:
        raise SplitError(f"ratios must be three numbers like 0.8,0.1,0.1, got {text!r}") from None
    if len(values) != 3 or any(v < 0 for v in values) or sum(values) <= 0:
        raise SplitError(f"ratios must be three non-negative numbers (train,validation,test), got {text!r}")
    total = sum(values)
    return tuple(round(v / total, 10) for v in values)  # type: ignore[return-value]


@attrs.frozen
class Member:
    """What the split needs to know about one message."""

    id: int
    natural_key: str
    stratum: tuple[str, ...]
    group: str                 # cluster id or the message's own key
    augmented: bool = False
    source: int | None = None  # augmented_from
    generated: bool = False    # made by `signalos data synth`: always train


def split_hash(assignment: dict[str, str | None]) -> str:
    """sha256 over the sorted ``natural_key<TAB>split`` lines of the messages given a split."""
    h = hashlib.sha256()
    for key, split in sorted((k, s) for k, s in assignment.items() if s):
        h.update(f"{key}\t{split}\n".encode("utf-8"))
    return h.hexdigest()


def assign(members: Sequence[Member], seed: int = 13,
           ratios: Sequence[float] = DEFAULT_RATIOS) -> dict[int, str | None]:
    """The split of every member: a pure function of the members (not of their order), the seed
    and the ratios. See the module docstring for the rules."""
    ratios = parse_ratios(list(ratios))
    originals = [m for m in members if not m.augmented and not m.generated]
    groups: dict[str, list[Member]] = defaultdict(list)
    for m in originals:
        groups[m.group].append(m)
    # a group's stratum is its members' most common one; its name is its smallest natural key, so
    # neither depends on cluster ids or import order
    strata: dict[tuple[str, ...], list[tuple[str, list[Member]]]] = defaultdict(list)
    for ms in groups.values():
        counts = Counter(m.stratum for m in ms)
        stratum = min(counts, key=lambda s: (-counts[s], s))
        strata[stratum].append((min(m.natural_key for m in ms), ms))

    out: dict[int, str | None] = {}
    carry = [0.0, 0.0, 0.0]
    for stratum in sorted(strata):
        entries = sorted(strata[stratum], key=lambda e: e[0])
        rng = random.Random(f"{seed}|{'|'.join(stratum)}")
        rng.shuffle(entries)
        entries.sort(key=lambda e: -len(e[1]))  # big groups first pack best; ties stay shuffled
        n = sum(len(ms) for _, ms in entries)
        target = [r * n + c for r, c in zip(ratios, carry)]
        filled = [0, 0, 0]
        for _, ms in entries:
            # the split furthest below its target takes the group; ties go to train first
            k = max(range(3), key=lambda i: (target[i] - filled[i] if ratios[i] > 0 else float("-inf"), -i))
            filled[k] += len(ms)
            for m in ms:
                out[m.id] = SPLITS[k]
        carry = [t - f for t, f in zip(target, filled)]

    by_id = {m.id: m for m in members}
    for m in members:
        if m.generated and not m.augmented:
            out[m.id] = "train"
        elif m.augmented:
            root = _root(m, by_id)
            held_out = root is not None and out.get(root) not in (None, "train")
            out[m.id] = None if held_out else "train"
    return out


def _root(m: Member, by_id: dict[int, Member]) -> int | None:
    seen = set()
    while m.source is not None and m.source in by_id and m.source not in seen:
        seen.add(m.id)
        m = by_id[m.source]
    return m.id if not m.augmented else None


@attrs.frozen
class SplitReport:
    """What ``split_dataset`` did."""

    run_id: int | None
    seed: int
    ratios: tuple[float, float, float]
    stratify: tuple[str, ...]
    split_hash: str
    counts: dict[str, int]
    strata: int
    groups: int
    augmented_held_out: int
    proportions: dict[str, float]
    clustered_messages: int = 0  # 0: dedup has not run, every message is its own group

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def load_members(dataset, stratify: Sequence[str] = DEFAULT_STRATIFY) -> list[Member]:
    """Every message of ``dataset`` with its stratum and group (cluster or itself)."""
    unknown = [k for k in stratify if k not in STRATIFY_KEYS]
    if unknown:
        raise SplitError(f"cannot stratify by {unknown[0]!r}; use some of {', '.join(STRATIFY_KEYS)}")
    sql = """
    SELECT m.id, m.natural_key, m.provider, m.language, m.origin, m.cluster_id, m.augmented_from,
           (SELECT json_extract(l.label, '$.kind') FROM labels l WHERE l.message_id = m.id
            ORDER BY l.id DESC LIMIT 1) AS kind,
           coalesce((SELECT b.format = 'synth' FROM batches b WHERE b.id = m.batch_id), 0) AS generated
    FROM messages m
    """
    out = []
    for mid, key, provider, language, origin, cluster, source, kind, generated in dataset.db.execute(sql):
        values = {"provider": provider, "language": language, "origin": origin, "kind": kind or "unlabelled"}
        out.append(Member(
            id=mid, natural_key=key, stratum=tuple(str(values[k] or "?") for k in stratify),
            group=f"c{cluster}" if cluster is not None else f"k{key}",
            augmented=source is not None or origin == "augmented", source=source, generated=bool(generated)))
    return out


def split_dataset(dataset, *, seed: int = 13, ratios: Sequence[float] | str = DEFAULT_RATIOS,
                  stratify: Sequence[str] = DEFAULT_STRATIFY, record: bool = True) -> SplitReport:
    """Assign every message of ``dataset`` to a split, store it and record the run."""
    ratios = parse_ratios(ratios)
    members = load_members(dataset, stratify)
    result = assign(members, seed=seed, ratios=ratios)
    keys = {m.id: m.natural_key for m in members}
    digest = split_hash({keys[i]: s for i, s in result.items()})
    counts = {s: 0 for s in SPLITS}
    for s in result.values():
        if s:
            counts[s] += 1
    held_out = sum(1 for m in members if m.augmented and result[m.id] is None)
    total = sum(counts.values()) or 1
    with dataset.db.atomic():  # the assignment and its record are written together or not at all
        dataset.set_split(result)
        run_id = dataset.record_split_run(seed, list(ratios), list(stratify), digest, counts) if record else None
    return SplitReport(
        run_id=run_id, seed=seed, ratios=ratios, stratify=tuple(stratify), split_hash=digest, counts=counts,
        strata=len({m.stratum for m in members if not m.augmented and not m.generated}),
        groups=len({m.group for m in members if not m.augmented and not m.generated}), augmented_held_out=held_out,
        proportions={s: round(c / total, 4) for s, c in counts.items()},
        clustered_messages=sum(1 for m in members if m.group.startswith("c")))

