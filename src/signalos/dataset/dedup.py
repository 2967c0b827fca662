"""Duplicates and templates: which messages are the same text, and which the same channel template.

Two levels, both stored:

- **exact**: the same ``text_hash`` (case, digit script and spacing ignored). Every copy after the
  first (lowest id) gets ``messages.is_duplicate = 1``; trainers read without them.
- **template**: the text with numbers and instruments masked (``keys.template_key``). Messages with
  an identical key are grouped directly; distinct keys that are near each other (MinHash of word
  shingles, LSH at Jaccard ~0.8) are merged into one cluster. ``split`` keeps a cluster in one
  split, so a model is never tested on a template it was trained on.

Clusters of two or more messages are rows of ``clusters`` and ``messages.cluster_id`` points at
them; a message alone in its template has no cluster.
"""
from __future__ import annotations

import time
import zlib
from collections import defaultdict
from typing import Any

import attrs
import numpy as np
import regex

from signalos.dataset.keys import template_hash, template_key

NUM_PERM = 64
THRESHOLD = 0.8
SHINGLE = 3
_TOKEN = regex.compile(r"\w+|[^\w\s]")


@attrs.frozen
class DedupReport:
    """What ``dedup_dataset`` found and stored."""

    messages: int
    exact_groups: int          # texts written more than once
    duplicates: int            # rows marked is_duplicate (copies after the first)
    templates: int             # distinct template keys
    clusters: int              # stored clusters (two or more messages)
    near_merges: int           # template keys merged into another by MinHash LSH
    clustered_messages: int
    biggest: list[dict[str, Any]]
    seconds: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def shingles(key: str, size: int = SHINGLE) -> list[str]:
    """Word shingles of a template key (tokens: words and single punctuation marks). A key
    shorter than ``size`` tokens is one shingle, so short keys only match themselves."""
    toks = _TOKEN.findall(key)
    if len(toks) <= size:
        return [" ".join(toks)]
    return [" ".join(toks[i:i + size]) for i in range(len(toks) - size + 1)]


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser: spreads structured inputs (small token ids) over 32 bits."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The 32-bit hash of every shingle of every key, before datasketch's fmix32 pre-mix, and the
    index of the key each belongs to (in key order). A shingle is ``SHINGLE`` consecutive tokens;
    a key with fewer tokens is padded to one shingle."""
    # a token's id is a hash of its text, so a key's signature does not depend on the other keys
    vocab: dict[str, int] = {"": 0}
    ids: list[int] = []
    owners: list[int] = []
    for i, key in enumerate(keys):
        toks = _TOKEN.findall(key)
        toks += [""] * (SHINGLE - len(toks))  # padding: a short key is one shingle
        for t in toks:
            tid = vocab.get(t)
            if tid is None:
                tid = vocab[t] = zlib.crc32(t.encode("utf-8")) | 1
            ids.append(tid)
        owners.extend([i] * len(toks))
    tok = np.asarray(ids, dtype=np.uint32)
    owner = np.asarray(owners, dtype=np.int64)
    # one 32-bit hash per window of SHINGLE tokens that lies inside one key
    n = len(tok) - SHINGLE + 1
    mixed = _fmix32(tok)
    raw, window = tok[:n].copy(), mixed[:n].copy()
    for k in range(1, SHINGLE):
        raw = window * np.uint32(0x9E3779B1) ^ mixed[k:n + k]
        window = _fmix32(raw)
    valid = owner[:n] == owner[SHINGLE - 1:]
    return raw[valid], owner[:n][valid]


def minhash_signatures(keys: list[str], num_perm: int = NUM_PERM, seed: int = 1,
                       chunk: int = 250_000) -> np.ndarray:
    """MinHash signatures (``len(keys)`` × ``num_perm``, uint32) of the shingle sets of ``keys``.

    Exactly datasketch's ``MinHash(num_perm, seed, scheme="affine32")`` fed the hashes of
    ``shingle_hashes`` (the hash pre-mixed by fmix32, then ``a·h + b`` wrapping in 32 bits with
    datasketch's ``a`` and ``b``; a test pins the two equal), but computed for every shingle of
    every key at once with numpy. It stays hand-written for speed: datasketch hashes one set at a
    time in Python, which was most of the time of a 100,000-message dedup; its ``MinHashLSH``
    does the banding.
    """
    raw, shingle_owner = shingle_hashes(keys)
    values = _fmix32(raw)
    # datasketch's affine32 permutations (MinHash._init_permutations): a odd, b any, in 32 bits
    rng = np.random.RandomState(seed)
    a = rng.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = rng.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    out = np.empty((len(keys), num_perm), dtype=np.uint32)
    lo = 0
    while lo < len(values):
        # chunks end on a key boundary so each key's minimum is taken within one chunk
        hi = min(lo + chunk, len(values))
        while hi < len(values) and shingle_owner[hi] == shingle_owner[hi - 1]:
            hi += 1
        part = values[lo:hi, None] * a[None, :] + b[None, :]
        starts = np.flatnonzero(np.r_[True, shingle_owner[lo + 1:hi] != shingle_owner[lo:hi - 1]])
        out[shingle_owner[lo + starts]] = np.minimum.reduceat(part, starts, axis=0)
        lo = hi
    return out


def near_groups(keys: dict[str, str], sizes: dict[str, int], *, threshold: float = THRESHOLD,
                num_perm: int = NUM_PERM) -> dict[str, str]:
    """Map each template hash to the template hash of its cluster's leader.

    ``keys`` maps template hash → template key, ``sizes`` how many messages each holds. Leaders
    are taken biggest first (ties by hash, so the result does not depend on import order); every
    not yet placed template whose estimated Jaccard with a leader reaches ``threshold`` joins it.
    Joining a leader, never a member, keeps clusters from chaining into one giant cluster.
    """
    from datasketch import LeanMinHash, MinHashLSH

    order = sorted(keys, key=lambda h: (-sizes.get(h, 1), h))
    if len(order) < 2:
        return {h: h for h in order}
    sigs = minhash_signatures([keys[h] for h in order], num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches = [LeanMinHash(seed=1, hashvalues=row, scheme="affine32") for row in sigs]
    with lsh.insertion_session(buffer_size=50_000) as session:
        for i, mh in enumerate(sketches):
            session.insert(i, mh, check_duplication=False)
    leader = [-1] * len(order)
    for i, mh in enumerate(sketches):
        if leader[i] >= 0:
            continue
        leader[i] = i
        cands = [j for j in lsh.query(mh) if leader[j] < 0]
        if cands:
            # LSH returns candidates; the estimated Jaccard decides
            similar = (sigs[cands] == sigs[i]).mean(axis=1) >= threshold
            for j, ok in zip(cands, similar):
                if ok:
                    leader[j] = i
    return {h: order[leader[i]] for i, h in enumerate(order)}


def dedup_dataset(dataset, *, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, biggest: int = 10,
                  progress=None) -> DedupReport:
    """Find exact duplicates and template clusters of every message in ``dataset`` and store
    them (``is_duplicate``, ``clusters``, ``cluster_id``); returns the report. Running it again
    replaces the previous result. ``progress(stage)`` is called as each stage starts."""
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        seconds[name] = round(now - t0, 3)
        t0 = now

    if progress:
        progress("reading")
    rows = dataset.db.execute("SELECT id, text_hash, template_hash, text FROM messages ORDER BY id").fetchall()
    by_text: dict[str, list[int]] = defaultdict(list)
    by_template: dict[str, list[int]] = defaultdict(list)
    first_text: dict[str, str] = {}
    for mid, th, tph, text in rows:
        if tph is None:
            tph = template_hash(text)  # rows written before template hashes were stored
        by_text[th or tph].append(mid)
        by_template[tph].append(mid)
        first_text.setdefault(tph, text)
    lap("read")

    if progress:
        progress("exact duplicates")
    duplicates = {mid: True for ids in by_text.values() if len(ids) > 1 for mid in ids[1:]}
    exact_groups = sum(1 for ids in by_text.values() if len(ids) > 1)
    lap("exact")

    if progress:
        progress("near-duplicate templates")
    keys = {h: template_key(first_text[h]) for h in by_template}
    leader = near_groups(keys, {h: len(v) for h, v in by_template.items()}, threshold=threshold, num_perm=num_perm)
    lap("minhash_lsh")

    members: dict[str, list[int]] = defaultdict(list)
    merged: dict[str, int] = defaultdict(int)
    for h, ids in by_template.items():
        members[leader[h]].extend(ids)
        merged[leader[h]] += 1
    clusters = []
    for lead, ids in sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(ids) < 2:
            continue
        ids.sort()
        clusters.append({"kind": "near-template" if merged[lead] > 1 else "template", "key": lead,
                         "members": ids, "representative": ids[0]})

    if progress:
        progress("writing")
    with dataset.db.atomic():  # one transaction: a killed run leaves the previous result whole
        dataset.set_duplicates(duplicates, reset=True)
        cluster_ids = dataset.set_clusters(clusters, replace=True)
    lap("write")

    texts = dict(dataset.db.execute(
        "SELECT id, text FROM messages WHERE id IN (SELECT value FROM json_each(?))",
        [_json_ids(c["representative"] for c in clusters[:biggest])]).fetchall())
    top = [{"cluster_id": cid, "kind": c["kind"], "size": len(c["members"]), "templates": merged[c["key"]],
            "example": texts.get(c["representative"], "")[:160]}
           for cid, c in zip(cluster_ids, clusters[:biggest])]
    return DedupReport(
        messages=len(rows), exact_groups=exact_groups, duplicates=len(duplicates), templates=len(by_template),
        clusters=len(clusters), near_merges=sum(n - 1 for n in merged.values()),
        clustered_messages=sum(len(c["members"]) for c in clusters), biggest=top, seconds=seconds)


def _json_ids(ids) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


