"""The workspace database: WAL, migrations on every open, evaluation runs stored and listed."""
from __future__ import annotations

import threading

import pytest

import eval_support as fx
import signalos_eval
from signalos import migrations
from signalos.evaluation import evaluate_labelled
from signalos.evaluation.history import get_run, list_runs
from signalos.store import Workspace, WorkspaceError, open_database


def test_open_creates_the_database_in_wal_mode_with_the_tables(tmp_path):
    ws = Workspace(tmp_path / "ws")
    db = ws.db
    assert ws.db_path.is_file() and db.journal_mode == "wal"
    assert {"eval_runs", "eval_items", migrations.MIGRATIONS_TABLE} <= set(db.table_names())
    assert [r["name"] for r in db[migrations.MIGRATIONS_TABLE].rows] == [fn.__name__ for fn in migrations.MIGRATIONS]
    ws.close()
    assert migrations.migrate(open_database(ws.db_path)) == []  # nothing left to apply


def test_a_new_migration_runs_once_on_the_next_open(tmp_path, monkeypatch):
    path = tmp_path / "signalos.db"
    open_database(path).close()
    calls = []

    def m999_notes(db):
        calls.append(1)
        db["notes"].create({"id": str, "text": str}, pk="id")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_notes])
    assert "notes" in open_database(path).table_names()
    open_database(path)
    assert calls == [1]


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "signalos.db"
    open_database(path).close()

    def m998_half_done(db):
        db["half"].create({"id": int}, pk="id")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m998_half_done])
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_database(path)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1])
    db = open_database(path)
    assert "half" not in db.table_names()
    assert "m998_half_done" not in migrations.applied(db)


def test_concurrent_opens_migrate_once(tmp_path):
    path = tmp_path / "signalos.db"
    errors = []

    def worker():
        try:
            open_database(path).close()
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(open_database(path)[migrations.MIGRATIONS_TABLE].rows)
    assert len(rows) == len(migrations.MIGRATIONS)


def test_an_unwritable_workspace_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(WorkspaceError, match="cannot open workspace database"):
        open_database(blocker / "signalos.db")


def test_runs_are_stored_with_what_was_evaluated(tmp_path, signalos_host):
    host = signalos_host(fx, signalos_eval)
    data = fx.write_labelled(tmp_path / "labelled.jsonl")
    out = evaluate_labelled(host, data, chain="fixture-oracle", workspace=tmp_path / "ws")
    ws = Workspace(tmp_path / "ws")
    [listed] = list_runs(ws.db)
    assert listed["id"] == out["run_id"] and listed["n"] == 12 and listed["parsers"] == ["fixture-oracle"]
    assert listed["data_sha256"] == out["data"]["sha256"]
    row = get_run(ws.db, out["run_id"])
    assert row["versions"]["fixture-oracle"]["plugin"] == "eval_support"
    assert row["metrics"]["exact-match"]["correct"] == 4
    items = {r["message_id"]: r for r in ws.db["eval_items"].rows_where("run_id = ?", [out["run_id"]])}
    assert {k for k, r in items.items() if r["exact"]} == fx.EXACT_IDS
