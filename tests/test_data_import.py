"""`signalos data import` and the Dataset repository: formats, idempotence, broken records, crash safety."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from signalos.dataset import Dataset, DatasetError, template_key, text_hash
from signalos.testing import run_cli

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "real.jsonl"
SIGNAL = {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "order_type": None, "entry": [2300.0],
          "stop_loss": 2290.0, "take_profits": [2310.0], "leverage": None, "stop_loss_pips": None,
          "take_profit_pips": []}


def _import(ws: Path, *args: str):
    result = run_cli(["data", "import", *args, "--workspace", str(ws), "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == (3 if out["problems"] else 0), result.output  # 3: some lines skipped
    return out, result


def _write_jsonl(path: Path, objs) -> Path:
    path.write_text("".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objs),
                    encoding="utf-8")
    return path


@pytest.mark.skipif(not CORPUS.is_file(), reason="the shared corpus is not beside this checkout")
def test_real_corpus_imports_with_labels_and_flags_and_reimport_adds_nothing(tmp_path):
    out, _ = _import(tmp_path, str(CORPUS))
    assert (out["records"], out["added"], out["problems"]) == (612, 612, [])
    ds = Dataset.open(tmp_path)
    assert ds.count() == 612
    assert ds.count(only_labelled=True) == 612
    expected_uncertain = sum(json.loads(line)["uncertain"] for line in CORPUS.open(encoding="utf-8"))
    assert sum(r.uncertain for r in ds.rows()) == expected_uncertain > 0
    first = next(ds.rows())
    assert first.extra["id"] == "r0000" and first.label["kind"] == "signal" and first.label_source == "import"
    again, _ = _import(tmp_path, str(CORPUS))
    assert (again["added"], again["skipped"], again["already_imported"]) == (0, 612, True)
    assert ds.count() == 612


def test_broken_line_is_named_and_every_other_line_imported(tmp_path):
    src = _write_jsonl(tmp_path / "broken.jsonl", [
        {"id": "a", "text": "XAUUSD buy 2300 sl 2290 tp 2310", "label": SIGNAL, "provider": "p"},
        {"id": "b", "text": "GOLD sell now", "provider": "p"},
        '{"id": "c", "text": "broken',
        {"id": "d", "text": "EURUSD buy 1.08", "label": {"kind": "bogus"}, "provider": "p"},
        {"id": "e", "no_text": True},
        {"id": "f", "text": "close all", "label": {"kind": "update", "symbol": None,
                                                  "actions": [{"type": "close"}]}},
    ])
    out, result = _import(tmp_path / "ws", str(src))
    assert out["added"] == 4  # a, b, d (without its label), f
    positions = {p["position"]: p for p in out["problems"]}
    assert set(positions) == {"line 3", "line 4", "line 5"}
    assert positions["line 4"]["message_kept"] is True and "kind" in positions["line 4"]["error"]
    assert "bad JSON" in positions["line 3"]["error"]
    assert "line 3" in result.stderr and "skipped" in result.stderr
    ds = Dataset.open(tmp_path / "ws")
    labels = {r.extra.get("id"): r.label for r in ds.rows()}
    assert labels["d"] is None and labels["a"]["symbol"] == "XAUUSD" and labels["f"]["kind"] == "update"


def test_csv_with_label_column_and_a_bad_row(tmp_path):
    src = tmp_path / "msgs.csv"
    src.write_text('text,provider,label,uncertain\n'
                   '"XAUUSD buy 2300\nsl 2290",chan,"{""kind"": ""noise""}",true\n'
                   'only text,chan,,\n'
                   'a,b,c,d,e,f\n'
                   ',chan,,\n', encoding="utf-8")
    out, _ = _import(tmp_path / "ws", str(src))
    assert out["format"] == "csv" and out["added"] == 2
    assert {p["position"] for p in out["problems"]} == {"line 5", "line 6"}
    rows = list(Dataset.open(tmp_path / "ws").rows())
    assert rows[0].text == "XAUUSD buy 2300\nsl 2290" and rows[0].uncertain and rows[0].label == {"kind": "noise"}


def test_plain_text_blocks_and_per_line(tmp_path):
    src = tmp_path / "posts.txt"
    src.write_text("XAUUSD BUY 2300\nSL 2290\n\n\nclose all now\n", encoding="utf-8")
    out, _ = _import(tmp_path / "a", str(src), "--provider", "chan")
    assert out["added"] == 2
    assert [r.text for r in Dataset.open(tmp_path / "a").rows()] == ["XAUUSD BUY 2300\nSL 2290", "close all now"]
    out, _ = _import(tmp_path / "b", str(src), "--per-line", "--format", "text")
    assert out["added"] == 3


def test_telegram_export(tmp_path):
    export = {"name": "Gold Signals VIP", "type": "public_channel", "id": 777, "messages": [
        {"id": 1, "type": "service", "action": "create_channel", "date": "2024-01-01T10:00:00", "text": ""},
        {"id": 2, "type": "message", "date": "2024-01-01T10:01:00", "edited": "2024-01-01T10:05:00",
         "text": ["XAUUSD ", {"type": "bold", "text": "BUY"}, " 2300\nSL 2290"]},
        {"id": 3, "type": "message", "date": "2024-01-01T11:00:00", "reply_to_message_id": 2,
         "text": "TP1 hit ✅"},
        {"id": 4, "type": "message", "date": "2024-01-01T12:00:00", "text": "", "photo": "photos/1.jpg"},
        "garbage",
    ]}
    src = tmp_path / "result.json"
    src.write_text(json.dumps(export), encoding="utf-8")
    out, _ = _import(tmp_path / "ws", str(src))
    assert (out["format"], out["added"], out["ignored"]) == ("telegram", 2, 2)
    assert [p["position"] for p in out["problems"]] == ["message 4"]
    rows = list(Dataset.open(tmp_path / "ws").rows())
    assert rows[0].text == "XAUUSD BUY 2300\nSL 2290" and rows[0].provider == "Gold Signals VIP"
    assert (rows[0].message_id, rows[0].chat_id, rows[0].date) == ("2", "777", "2024-01-01T10:01:00")
    assert rows[1].reply_to == "2"
    again, _ = _import(tmp_path / "ws", str(src))
    assert again["added"] == 0


def test_same_text_under_two_message_ids_stays_two_messages(tmp_path):
    ds = Dataset.open(tmp_path)
    batch = ds.add_batch("import")
    rows = [{"text": "close all", "provider": "c", "message_id": "1"},
            {"text": "close all", "provider": "c", "message_id": "2"},
            {"text": "close all", "provider": "c", "message_id": "2"}]
    assert ds.add_messages(rows, batch) == (2, 1)


def test_repository_labels_splits_clusters_and_filters(tmp_path):
    ds = Dataset.open(tmp_path)
    batch = ds.add_batch("import")
    rows = [{"text": "XAUUSD buy 2300 sl 2290 tp 2310", "label": SIGNAL},
            {"text": "hello"},
            {"text": "GOLD buy 1990 sl 1980 tp 2000", "origin": "synthetic", "label": SIGNAL},
            {"text": "XAUUSD buy 2301 sl 2290 tp 2310", "origin": "augmented", "augmented_from": 1, "label": SIGNAL}]
    assert ds.add_messages(rows, batch) == (4, 0)
    assert ds.count(only_labelled=True) == 3
    assert ds.count(include_synthetic=False, include_augmented=False) == 2
    assert ds.count(kinds="signal") == 3 and ds.count(kinds=["noise"]) == 0
    label_id = ds.add_label(2, {"kind": "noise"}, "human", verified=True)
    row = ds.get(2)
    assert (row.label, row.verified, row.label_source, row.label_id) == ({"kind": "noise"}, True, "human", label_id)
    ds.add_label(2, {"kind": "update", "actions": [{"type": "close"}]}, "model:x@1")
    assert ds.get(2).kind == "update" and not ds.get(2).verified  # the newest label is the label
    ds.set_spans(ds.get(1).label_id, {"symbol": [(0, 6)]})
    assert ds.get(1).spans == {"symbol": [[0, 6]]}
    ds.set_split({1: "train", 2: "test"})
    assert [r.id for r in ds.rows(split="train")] == [1]
    assert ds.count(split="none") == 2 and ds.count(split=["train", "test"]) == 2
    with pytest.raises(DatasetError):
        ds.set_split({1: "dev"})
    with pytest.raises(DatasetError):
        ds.add_label(99, {"kind": "noise"}, "human")
    with pytest.raises(DatasetError):
        ds.add_label(1, {"kind": "signal", "direction": "up"}, "human")
    (cid,) = ds.set_clusters([{"kind": "template", "key": "k", "members": [1, 4], "representative": 1}])
    ds.set_duplicates({4: True})
    assert ds.get(4).cluster_id == cid and ds.get(4).is_duplicate
    assert ds.count(include_duplicates=False) == 3


def test_keys_ignore_case_digits_spacing_and_mask_prices():
    assert text_hash("XAUUSD  buy ۲۳۰۰") == text_hash("xauusd buy\n2300")
    assert template_key("XAUUSD buy @ 2404.25 SL 2398") == template_key("GOLD BUY @ 1990 sl 1985")
    assert template_key("EURUSD.m sell 1.0850") == "§ sell 0"


def test_dataset_opens_from_a_host_and_a_workspace(tmp_path, signalos_host):
    from signalos.store import Workspace

    host = signalos_host(config={"workspace": str(tmp_path / "w")})
    assert Dataset.open(host).count() == 0
    assert (tmp_path / "w" / "signalos.db").is_file()
    assert Dataset(Workspace(tmp_path / "w")).count() == 0


def test_killing_an_import_halfway_leaves_a_consistent_database(tmp_path):
    total, chunk = 20_000, 50
    src = tmp_path / "big.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(total):
            label = dict(SIGNAL, entry=[2000.0 + i], stop_loss=1990.0 + i, take_profits=[2010.0 + i])
            fh.write(json.dumps({"id": f"s{i}", "text": f"XAUUSD buy {2000 + i} sl {1990 + i} tp {2010 + i}",
                                 "provider": "bench", "label": label}) + "\n")
    ws = tmp_path / "ws"
    db_path = ws / "signalos.db"
    env = dict(os.environ, SIGNALOS_NO_PLUGIN_COMMANDS="1")
    cmd = [sys.executable, "-m", "signalos", "data", "import", str(src), "--workspace", str(ws),
           "--chunk-size", str(chunk), "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if db_path.exists():
                try:
                    with sqlite3.connect(db_path, timeout=5) as con:
                        seen = con.execute("SELECT count(*) FROM messages").fetchone()[0]
                except sqlite3.OperationalError:
                    seen = 0  # tables not created yet
                if seen >= 5 * chunk:
                    break
            time.sleep(0.01)
        assert proc.poll() is None, f"the import ended before it could be killed: {proc.stderr.read()[-2000:]!r}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    with sqlite3.connect(db_path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        messages = con.execute("SELECT count(*) FROM messages").fetchone()[0]
        unlabelled = con.execute("SELECT count(*) FROM messages WHERE id NOT IN "
                                 "(SELECT message_id FROM labels)").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM labels WHERE message_id NOT IN "
                              "(SELECT id FROM messages)").fetchone()[0]
        finished = con.execute("SELECT finished_at FROM batches").fetchall()
    assert 0 < messages < total
    assert messages % chunk == 0  # whole transactions only
    assert (unlabelled, orphans) == (0, 0)
    assert finished == [(None,)]
    out, _ = _import(ws, str(src), "--chunk-size", "1000")
    assert out["resumed"] and out["added"] == total - messages and out["skipped"] == messages
    ds = Dataset.open(ws)
    assert ds.count() == ds.count(only_labelled=True) == total
    assert ds.db.execute("SELECT count(*), count(finished_at) FROM batches").fetchone() == (1, 1)


def test_unreadable_file_is_one_error_and_leaves_no_batch(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("message,provider\nhello,p\n", encoding="utf-8")
    result = run_cli(["data", "import", str(src), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code != 0
    assert "needs a 'text' column" in str(result.exception)
    assert Dataset.open(tmp_path / "ws").db.execute("SELECT count(*) FROM batches").fetchone() == (0,)


def test_full_telegram_account_export_and_json_list(tmp_path):
    export = {"chats": {"list": [
        {"name": "A", "id": 1, "messages": [{"id": 1, "type": "message", "text": "EURUSD buy 1.08"}]},
        {"name": "B", "id": 2, "messages": [{"id": 1, "type": "message", "text": "EURUSD buy 1.08"}]},
    ]}}
    src = tmp_path / "result.json"
    src.write_text(json.dumps(export), encoding="utf-8")
    out, _ = _import(tmp_path / "ws", str(src))
    assert out["added"] == 2  # the same text in two chats is two messages
    assert sorted(r.provider for r in Dataset.open(tmp_path / "ws").rows()) == ["A", "B"]
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"text": "close all"}, 5, {"text": "TP1 hit"}]), encoding="utf-8")
    out, _ = _import(tmp_path / "ws2", str(listed))
    assert out["format"] == "jsonl" and out["added"] == 2
    assert [p["position"] for p in out["problems"]] == ["item 1"]


def test_add_messages_inside_a_callers_transaction(tmp_path):
    ds = Dataset.open(tmp_path)
    batch = ds.add_batch("import")
    with ds.db.atomic():
        assert ds.add_messages([{"text": "a"}, {"text": "b"}], batch) == (2, 0)
        with pytest.raises(DatasetError):
            ds.add_messages([{"text": "c"}, {"text": "d", "label": {"kind": "bogus"}}], batch)
    assert [r.text for r in ds.rows()] == ["a", "b"]
