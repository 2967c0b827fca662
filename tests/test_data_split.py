"""Splits: reproducible, group-safe, stratified, fine with tiny strata, augmented rows in train."""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

import pytest

from signalos.dataset.dedup import dedup_dataset
from signalos.dataset.repository import Dataset
from signalos.dataset.split import Member, SplitError, assign, parse_ratios, split_dataset, split_hash

import data_prep_support as support


def members(n=2000, seed=0, providers=("a", "b", "c"), clusters=150):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        prov = rng.choice(providers)
        lang = rng.choice(["en", "en", "en", "ru"])
        kind = rng.choice(["signal", "signal", "update", "noise"])
        group = f"c{rng.randrange(clusters)}" if clusters and rng.random() < 0.3 else f"k{i}"
        out.append(Member(id=i + 1, natural_key=f"{prov}|{i}", stratum=(prov, lang, kind), group=group))
    return out


def test_parse_ratios():
    assert parse_ratios("0.8,0.1,0.1") == (0.8, 0.1, 0.1)
    assert parse_ratios("80,10,10") == (0.8, 0.1, 0.1)
    for bad in ("0.8,0.2", "a,b,c", "-1,1,1", "0,0,0"):
        with pytest.raises(SplitError):
            parse_ratios(bad)


def test_the_same_members_and_seed_give_the_same_split_whatever_the_order():
    ms = members()
    first = assign(ms, seed=13)
    shuffled = ms[:]
    random.Random(5).shuffle(shuffled)
    assert assign(shuffled, seed=13) == first
    # ids are not part of the identity: renumbered rows split the same way
    renumbered = [Member(id=m.id + 1000, natural_key=m.natural_key, stratum=m.stratum, group=m.group) for m in ms]
    again = assign(renumbered, seed=13)
    assert {m.natural_key: again[m.id + 1000] for m in ms} == {m.natural_key: first[m.id] for m in ms}
    assert assign(ms, seed=14) != first


def test_a_cluster_never_spans_two_splits():
    ms = members()
    result = assign(ms, seed=13)
    by_group = defaultdict(set)
    for m in ms:
        by_group[m.group].add(result[m.id])
    assert all(len(s) == 1 for s in by_group.values())


def test_strata_get_the_ratios_within_tolerance():
    ms = [m for m in members(6000, clusters=0)]
    result = assign(ms, seed=13, ratios=(0.7, 0.15, 0.15))
    per = defaultdict(Counter)
    for m in ms:
        per[m.stratum][result[m.id]] += 1
    for stratum, counts in per.items():
        n = sum(counts.values())
        assert abs(counts["train"] / n - 0.7) < 0.02, stratum
        assert abs(counts["test"] / n - 0.15) < 0.02, stratum
    total = Counter(result.values())
    assert abs(total["validation"] / len(ms) - 0.15) < 0.005


def test_tiny_strata_do_not_fail_and_the_totals_stay_near_the_ratios():
    # 60 strata of one message and 30 of two
    ms = [Member(id=i, natural_key=f"p{i}|x", stratum=(f"p{i}", "en", "signal"), group=f"k{i}") for i in range(60)]
    ms += [Member(id=100 + i, natural_key=f"q{i // 2}|{i}", stratum=(f"q{i // 2}", "fa", "noise"), group=f"k{100 + i}")
           for i in range(60)]
    result = assign(ms, seed=1)
    assert set(result) == {m.id for m in ms} and None not in result.values()
    total = Counter(result.values())
    assert total["train"] == 96 and total["validation"] == 12 and total["test"] == 12
    one = [Member(id=1, natural_key="only", stratum=("x",), group="k1")]
    assert assign(one, seed=3) == {1: "train"}
    assert assign([], seed=3) == {}


def test_augmented_rows_only_go_to_train():
    ms = members(500, clusters=0)
    base = assign(ms, seed=13)
    extra = [Member(id=10_000 + m.id, natural_key=f"aug|{m.id}", stratum=m.stratum, group=f"k-aug{m.id}",
                    augmented=True, source=m.id) for m in ms]
    extra.append(Member(id=99_999, natural_key="aug|orphan", stratum=("a", "en", "signal"), group="k-o",
                        augmented=True, source=None))
    result = assign(ms + extra, seed=13)
    assert {m.id: result[m.id] for m in ms} == base  # augmented rows change nothing else
    for m in extra[:-1]:
        assert result[m.id] == ("train" if base[m.source] == "train" else None)
    assert result[99_999] == "train"


def test_split_hash_is_over_keys_and_splits():
    a = split_hash({"k1": "train", "k2": "test", "k3": None})
    assert a == split_hash({"k2": "test", "k1": "train"})
    assert a != split_hash({"k1": "test", "k2": "train"})


def dataset_with_rows(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    rows = support.labelled_rows()
    for i in range(60):
        rows.append({"text": f"GBPUSD sell {1.2 + i / 1000:.4f} sl {1.21 + i / 1000:.4f} tp {1.19 + i / 1000:.4f}",
                     "provider": "fx-ch", "language": "en",
                     "label": support.signal("GBPUSD", "sell", [1.2], 1.21, [1.19])})
        rows.append({"text": f"message number {i} about nothing in particular {'x' * (i % 5)} {i * 7}",
                     "provider": "chat", "language": "en", "label": {"kind": "noise"}})
    ids = support.add_rows(ds, rows)
    return ds, ids


def test_split_dataset_is_group_safe_recorded_and_reproducible(tmp_path):
    ds, _ = dataset_with_rows(tmp_path)
    dedup_dataset(ds)
    report = split_dataset(ds, seed=13)
    assert sum(report.counts.values()) == ds.count() and report.run_id == 1
    rows = list(ds.rows())
    by_cluster = defaultdict(set)
    for r in rows:
        if r.cluster_id is not None:
            by_cluster[r.cluster_id].add(r.split)
    assert by_cluster and all(len(s) == 1 for s in by_cluster.values())
    stored = ds.db["split_runs"].get(report.run_id)
    assert stored["split_hash"] == report.split_hash and stored["seed"] == 13
    assert json.loads(stored["counts"]) == report.counts
    again = split_dataset(ds, seed=13)
    assert again.split_hash == report.split_hash and again.run_id == 2
    assert split_dataset(ds, seed=99).split_hash != report.split_hash


def test_split_dataset_keeps_augmented_rows_in_train(tmp_path):
    ds, ids = dataset_with_rows(tmp_path)
    batch = ds.add_batch("augment")
    ds.add_messages([{"text": f"augmented copy {i}", "origin": "augmented", "augmented_from": mid,
                      "provider": "fx-ch", "language": "en"} for i, mid in enumerate(ids)], batch)
    report = split_dataset(ds, seed=13)
    held = {r.id: r.split for r in ds.rows()}
    for r in ds.rows():
        if r.augmented_from is not None:
            assert r.split == ("train" if held[r.augmented_from] == "train" else None)
    assert report.augmented_held_out == sum(1 for i in ids if held[i] != "train")


def test_unknown_stratify_key(tmp_path):
    ds, _ = dataset_with_rows(tmp_path)
    with pytest.raises(SplitError, match="cannot stratify"):
        split_dataset(ds, stratify=["colour"])


def test_cli_split(tmp_path):
    ds, _ = dataset_with_rows(tmp_path)
    ws = str(tmp_path / "ws")
    result = support.cli(["data", "split", "--json", "--seed", "7", "--ratios", "0.6,0.2,0.2", "--workspace", ws])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["seed"] == 7 and out["ratios"] == [0.6, 0.2, 0.2] and len(out["split_hash"]) == 64
    human = support.cli(["data", "split", "--seed", "7", "--ratios", "0.6,0.2,0.2", "--workspace", ws])
    assert human.exit_code == 0 and out["split_hash"] in human.stdout
    bad = support.cli(["data", "split", "--ratios", "1,2", "--workspace", ws])
    assert bad.exit_code != 0
