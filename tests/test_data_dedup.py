"""Dedup: exact duplicates by normalised text, template clusters (identical and near), the report."""
from __future__ import annotations

import json

import numpy as np

from signalos.dataset.dedup import dedup_dataset, minhash_signatures, near_groups, shingles
from signalos.dataset.keys import template_hash, template_key
from signalos.dataset.repository import Dataset

import data_prep_support as support

FOOTER = "\nUse proper lot size and manage your risk\nJoin our VIP channel for more signals"


def rows():
    out = []
    # one channel template, other prices and symbols: one template cluster
    for sym, p in (("XAUUSD", 2404.25), ("GOLD", 1990), ("XAUUSD", 2401.2), ("BTCUSDT", 65000)):
        out.append({"text": f"{sym} buy now @ {p}\nSl: {p - 5}\nTp1: {p + 5}" + FOOTER, "provider": "a"})
    # the same template with a third target: a near duplicate of the first
    out.append({"text": "XAUUSD buy now @ 2300\nSl: 2295\nTp1: 2305\nTp2: 2310" + FOOTER, "provider": "a"})
    # exact duplicates: case, digits and spacing differ only
    out.append({"text": "Close half now and move SL to entry", "provider": "b"})
    out.append({"text": "close half now  and move sl to ENTRY", "provider": "c"})
    out.append({"text": "CLOSE HALF NOW AND MOVE SL TO ENTRY", "provider": "d"})
    # unrelated messages
    out.append({"text": "Good morning traders, markets open in one hour", "provider": "b"})
    out.append({"text": "Weekly results: +450 pips, 12 wins 2 losses", "provider": "b"})
    return out


def test_template_key_masks_numbers_and_symbols():
    assert template_key("XAUUSD buy @ 2404.25 sl 2398") == template_key("GOLD BUY @ 1990 SL 1985")


def test_shingles_and_signatures_estimate_jaccard():
    a = "§ buy now @ 0 sl: 0 tp0: 0 use proper lot size and manage your risk"
    b = "§ buy now @ 0 sl: 0 tp0: 0 tp0: 0 use proper lot size and manage your risk"
    c = "weekly results: 0 pips, 0 wins 0 losses"
    sa, sb = set(shingles(a)), set(shingles(b))
    true = len(sa & sb) / len(sa | sb)
    sig = minhash_signatures([a, b, c, a], num_perm=128)
    assert abs((sig[0] == sig[1]).mean() - true) < 0.15
    assert (sig[0] == sig[2]).mean() < 0.2
    assert (sig[0] == sig[3]).all()  # the same key, the same signature
    assert shingles("tp0 hit") == ["tp0 hit"]  # short keys are one shingle


def test_near_groups_join_leaders_and_do_not_depend_on_order():
    keys = {"h1": "§ buy now @ 0 sl: 0 tp0: 0 use proper lot size and manage your risk today",
            "h2": "§ buy now @ 0 sl: 0 tp0: 0 tp0: 0 use proper lot size and manage your risk today",
            "h3": "weekly results: 0 pips, 0 wins 0 losses"}
    sizes = {"h1": 5, "h2": 1, "h3": 2}
    leaders = near_groups(keys, sizes, threshold=0.6)
    assert leaders == {"h1": "h1", "h2": "h1", "h3": "h3"}
    reordered = dict(reversed(list(keys.items())))
    assert near_groups(reordered, sizes, threshold=0.6) == leaders


def test_dedup_marks_exact_duplicates_and_stores_clusters(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    ids = support.add_rows(ds, rows())
    report = dedup_dataset(ds, threshold=0.7)
    assert report.messages == 10 and report.exact_groups == 1 and report.duplicates == 2
    flags = dict(ds.db.execute("SELECT id, is_duplicate FROM messages").fetchall())
    assert [flags[i] for i in ids[5:8]] == [0, 1, 1]  # the first copy stays
    cluster = dict(ds.db.execute("SELECT id, cluster_id FROM messages").fetchall())
    # the four posts of one template and the near duplicate share a cluster
    assert len({cluster[i] for i in ids[:5]}) == 1 and cluster[ids[0]] is not None
    assert len({cluster[i] for i in ids[5:8]}) == 1 and cluster[ids[5]] is not None
    assert cluster[ids[8]] is None and cluster[ids[9]] is None  # alone: no cluster
    stored = {r["id"]: r for r in ds.db["clusters"].rows}
    big = stored[cluster[ids[0]]]
    assert big["size"] == 5 and big["kind"] == "near-template" and big["representative"] == ids[0]
    assert report.biggest[0]["size"] == 5 and report.biggest[0]["example"].startswith("XAUUSD buy now")
    assert report.near_merges == 1 and report.clusters == 2 and report.clustered_messages == 8


def test_dedup_again_replaces_the_previous_result(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    support.add_rows(ds, rows())
    first = dedup_dataset(ds, threshold=0.7)
    second = dedup_dataset(ds, threshold=0.7)
    assert second.clusters == first.clusters
    assert ds.db["clusters"].count == first.clusters
    assert ds.db.execute("SELECT sum(is_duplicate) FROM messages").fetchone()[0] == 2


def test_dedup_of_an_empty_dataset(tmp_path):
    report = dedup_dataset(Dataset.open(tmp_path / "ws"))
    assert report.messages == 0 and report.clusters == 0


def test_rows_without_a_stored_template_hash_are_keyed_on_the_fly(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    support.add_rows(ds, rows())
    ds.db.execute("UPDATE messages SET template_hash = NULL")
    ds.db.conn.commit()
    assert dedup_dataset(ds, threshold=0.7).clusters == 2
    assert template_hash("a 1") == template_hash("a 2")


def test_signatures_of_many_keys_match_one_at_a_time():
    keys = [f"§ buy {'now ' * (i % 4)}@ 0 sl 0 tp 0 word{i % 7}" for i in range(50)]
    together = minhash_signatures(keys)
    alone = np.vstack([minhash_signatures([k]) for k in keys])
    assert (together == alone).all()


def test_cli_dedup_json_and_human(tmp_path):
    ws = tmp_path / "ws"
    support.add_rows(Dataset.open(ws), rows())
    result = support.cli(["data", "dedup", "--json", "--threshold", "0.7", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["duplicates"] == 2 and out["clusters"] == 2 and out["biggest"][0]["size"] == 5
    human = support.cli(["data", "dedup", "--workspace", str(ws)])
    assert human.exit_code == 0 and "exact duplicates marked" in human.stdout


def test_dedup_gives_the_same_clusters_every_time(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    support.add_rows(ds, rows())

    def membership():
        groups = {}
        for mid, cid in ds.db.execute("SELECT id, cluster_id FROM messages WHERE cluster_id IS NOT NULL"):
            groups.setdefault(cid, set()).add(mid)
        return sorted(sorted(g) for g in groups.values())

    dedup_dataset(ds, threshold=0.7)
    first = membership()
    dedup_dataset(ds, threshold=0.7)
    assert membership() == first


def test_the_speed_benchmark_runs_on_a_small_sample(tmp_path):
    # benchmarks/ is not an installed package: load the script by path, as test_property does
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "dataset_speed.py"
    spec = importlib.util.spec_from_file_location("dataset_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = module.run(n=300, seed=3)
    api = report["api"]
    assert api["import"]["added"] == 300 and api["split"]["counts"]["train"] > 0
    assert set(api["seconds"]) == {"import", "dedup", "split"} and api["db_mb"] > 0  # its size: the benchmark's


def test_canonical_text_is_the_whitespace_runs_collapsed_as_re_reads_them():
    # canonical_text joins str.split()'s parts instead of substituting r"\s+": the hashes stored
    # in every database must not change, so the two are compared on every kind of space
    import re
    import sys

    from signalos.dataset.keys import canonical_text, text_hash
    from signalos.normalize import normalize_text

    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert re.fullmatch(r"\s+", spaces)
    texts = [f"{a}BUY{b}gold{c}@ 2342{a}{b}" for a, b, c in zip(spaces, spaces[1:] + spaces[:1], spaces[2:] + spaces[:2])]
    texts += ["", " ", "\u200bzero\u200bwidth", "TP1 ２３５０ hit", "Ｓｅｌｌ\u3000EURUSD\n\n1.0850 "]
    for text in texts:
        assert canonical_text(text) == re.sub(r"\s+", " ", normalize_text(text).casefold()).strip(), repr(text)
    assert text_hash(" Buy\tGOLD \n") == text_hash("buy gold")
