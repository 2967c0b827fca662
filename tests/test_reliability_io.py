"""Nothing lost, no silent crash (issue 13): concurrent imports, one bad record among good ones in
every reader, output that is always JSON, exit status 3 when lines were skipped.

The full-size concurrency run (8 importers x 25,000 messages, parse-log writers beside them) is
``python benchmarks/import_concurrency.py``; here a small one runs in real processes.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from signalos.cli.exitcodes import LINES_SKIPPED
from signalos.dataset import Dataset, DatasetError
from signalos.testing import run_cli

SIGNAL = {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "order_type": None, "entry": [2300.0],
          "stop_loss": 2290.0, "take_profits": [2310.0], "leverage": None, "stop_loss_pips": None,
          "take_profit_pips": []}
DEEP = "[" * 100_000 + "]" * 100_000
LONG_NUMBER = "9" * 5000


def _good(i: int) -> str:
    return json.dumps({"id": f"g{i}", "text": f"EURUSD sell {i} stop {i + 10}", "provider": "p"})


def _write(path: Path, lines: list[str], bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(line + "\n" for line in lines)
                     .encode("utf-8", "surrogatepass"))
    return path


def _import(ws: Path, *args: str):
    result = run_cli(["data", "import", *args, "--workspace", str(ws), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout), result


# concurrent writers -------------------------------------------------------------------------------

def _importer(ws: Path, src: Path) -> subprocess.Popen:
    env = {**os.environ, "SIGNALOS_NO_PLUGIN_COMMANDS": "1"}
    return subprocess.Popen([sys.executable, "-m", "signalos", "data", "import", str(src), "--json",
                             "--chunk-size", "200", "--workspace", str(ws)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _count(ws: Path, table: str) -> int:
    conn = sqlite3.connect(ws / "signalos.db")
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_concurrent_importers_into_one_workspace_keep_every_message(tmp_path):
    ws = tmp_path / "ws"
    files = [_write(tmp_path / f"in{w}.jsonl", [json.dumps({"text": f"GOLD buy {i} from worker {w}",
                                                            "provider": f"w{w}"}) for i in range(1500)])
             for w in range(4)]
    procs = [_importer(ws, f) for f in files]
    outs = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    assert [rc for rc, _ in outs] == [0, 0, 0, 0], [err[-300:] for _, err in outs]
    assert _count(ws, "messages") == 6000
    conn = sqlite3.connect(ws / "signalos.db")
    assert conn.execute("SELECT count(*) FROM batches WHERE finished_at IS NOT NULL").fetchone()[0] == 4


LOGGER = """
import sys
from signalos.models import ParseResult
from signalos.parselog import ParseLog
log = ParseLog.for_workspace(sys.argv[1])
for i in range(int(sys.argv[2])):
    log.log_parse(f"logged message {i}", ParseResult(kind="noise", parser="t"))
log.close(timeout=300)
"""


def test_import_beside_parse_log_writers_loses_nothing(tmp_path):
    ws = tmp_path / "ws"
    src = _write(tmp_path / "in.jsonl", [json.dumps({"text": f"BTC long {i}"}) for i in range(3000)])
    loggers = [subprocess.Popen([sys.executable, "-c", LOGGER, str(ws), "20000"]) for _ in range(3)]
    time.sleep(1.0)  # the loggers are writing when the import starts
    importer = _importer(ws, src)
    assert importer.wait(timeout=300) == 0, importer.communicate()[1][-300:]
    assert [p.wait(timeout=300) for p in loggers] == [0, 0, 0]
    assert (_count(ws, "messages"), _count(ws, "parse_log")) == (3000, 60000)


def test_a_writer_that_cannot_get_the_lock_says_so_in_one_line(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    Dataset.open(ws)
    holder = sqlite3.connect(ws / "signalos.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setenv("SIGNALOS_BUSY_WAIT_S", "0.2")
    try:
        src = _write(tmp_path / "in.jsonl", [_good(1)])
        result = run_cli(["data", "import", str(src), "--workspace", str(ws)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    from signalos.store import WorkspaceError

    assert isinstance(result.exception, WorkspaceError) and "busy" in str(result.exception)


# one bad record among good ones ---------------------------------------------------------------------

@pytest.mark.parametrize("bad, why", [
    ('{"id": "x", "text": "GOLD buy \\ud800 now"}', "lone surrogate"),
    ('{"id": "x", "text": "GOLD buy", "deep": ' + DEEP + "}", "nested too deeply"),
    ('{"id": "x", "text": "GOLD buy", "n": ' + LONG_NUMBER + "}", "5000 digits"),
    ('{"id": NaN, "text": "GOLD buy"}', "NaN"),
    ('{"id": "x", "text": "GOLD buy", "size": 1e999}', "out of range"),
])
def test_one_bad_line_mid_chunk_is_named_and_every_other_line_kept(tmp_path, bad, why):
    lines = [_good(i) for i in range(1500)] + [bad] + [_good(i) for i in range(1500, 2500)]
    src = _write(tmp_path / "in.jsonl", lines)
    code, out, result = _import(tmp_path / "ws", str(src))
    assert code == LINES_SKIPPED
    assert (out["added"], [p["position"] for p in out["problems"]]) == (2500, ["line 1501"])
    assert "line 1501" in result.stderr
    assert Dataset.open(tmp_path / "ws").count() == 2500
    # running it again finishes nothing more and stops nowhere
    code, again, _ = _import(tmp_path / "ws", str(src))
    assert (code, again["added"], again["skipped"]) == (LINES_SKIPPED, 0, 2500)


def test_a_first_line_that_opens_with_a_bracket_is_one_bad_line_not_the_whole_file(tmp_path):
    src = _write(tmp_path / "in.jsonl", ["[1, 2]", _good(1), _good(2)])
    code, out, _ = _import(tmp_path / "ws", str(src))
    assert (code, out["added"], [p["position"] for p in out["problems"]]) == (LINES_SKIPPED, 2, ["line 1"])
    # a file that is one JSON list of objects is still read as one
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([json.loads(_good(3)), json.loads(_good(4))]), encoding="utf-8")
    code, out, _ = _import(tmp_path / "ws2", str(listed))
    assert (code, out["added"]) == (0, 2)


def test_a_clean_import_exits_0(tmp_path):
    code, out, _ = _import(tmp_path / "ws", str(_write(tmp_path / "in.jsonl", [_good(1), _good(2)])))
    assert (code, out["added"], out["problems"]) == (0, 2, [])


def test_a_byte_order_mark_is_not_part_of_line_1(tmp_path):
    for name in ("in.jsonl", "in.txt"):
        src = _write(tmp_path / name, [_good(1), _good(2)] if name.endswith("jsonl") else ["close all", "", "tp hit"],
                     bom=True)
        code, out, _ = _import(tmp_path / name.replace(".", "_"), str(src))
        assert (code, out["added"], out["problems"]) == (0, 2, [])
    texts = [r.text for r in Dataset.open(tmp_path / "in_txt").rows()]
    assert texts == ["close all", "tp hit"]


def _telegram(tmp_path: Path, data: dict, bom: bool = False) -> Path:
    path = tmp_path / "result.json"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return path


def test_telegram_export_with_a_byte_order_mark_is_imported(tmp_path):
    src = _telegram(tmp_path, {"name": "Chan", "id": 5, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "text": "GOLD buy 2300"},
        {"id": 2, "type": "message", "date": "2024-01-01T10:01:00", "text": "close half"}]}, bom=True)
    code, out, _ = _import(tmp_path / "ws", str(src))
    assert (code, out["format"], out["added"]) == (0, "telegram", 2)


def test_telegram_values_of_unexpected_types_are_named_and_the_rest_imported(tmp_path):
    src = _telegram(tmp_path, {"chats": {"list": [
        "not a chat",
        {"name": 12345, "id": 1, "messages": [
            {"id": 1, "type": "message", "date": ["2024"], "text": "GOLD buy 2300"},
            {"id": 2, "type": "message", "date": "2024-01-01", "from": {"odd": [1, 2]}, "text": "GOLD sell 2310"},
            {"id": {"x": 1}, "type": "message", "text": "BTC long"},
            {"id": 4, "type": "message", "date": 1700000000, "text": [{"type": "bold", "text": ["nested"]}, " TP hit"]},
        ]},
        {"name": "Two", "id": 2, "messages": "not a list"},
    ]}})
    code, out, result = _import(tmp_path / "ws", str(src))
    assert code == LINES_SKIPPED and out["added"] == 2
    assert [p["position"] for p in out["problems"]] == ["chat 0", "chat 1 (12345): message 0 (id 1)",
                                                        "chat 1 (12345): message 2 (id None)", "chat 2 (Two)"]
    rows = list(Dataset.open(tmp_path / "ws").rows())
    assert [(r.provider, r.text) for r in rows] == [("12345", "GOLD sell 2310"), ("12345", "nested TP hit")]
    assert rows[1].date == "1700000000"


def test_telegram_chats_list_that_is_not_a_list_is_one_clear_error(tmp_path):
    src = _telegram(tmp_path, {"chats": {"list": {"name": "x"}}})
    result = run_cli(["data", "import", str(src), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 1 and "'chats.list' is a dict" in str(result.exception)


def test_csv_cell_that_is_not_utf8_is_named(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"text,provider\nGOLD buy 2300,p\nbad \xff\xfe bytes,p\nclose all,p\n")
    code, out, _ = _import(tmp_path / "ws", str(src))
    assert (code, out["added"], [p["position"] for p in out["problems"]]) == (LINES_SKIPPED, 2, ["line 3"])


def test_a_label_with_nan_or_infinity_is_dropped_and_its_message_kept(tmp_path):
    lines = [json.dumps({"text": "GOLD buy 2300", "label": {**SIGNAL, "entry": ["nan"]}}),
             json.dumps({"text": "GOLD buy 2301", "label": {**SIGNAL, "stop_loss": "inf"}}),
             json.dumps({"text": "GOLD buy 2302", "label": SIGNAL, "spans": {"entry": "oops"}})]
    code, out, _ = _import(tmp_path / "ws", str(_write(tmp_path / "in.jsonl", lines)))
    assert code == LINES_SKIPPED and out["added"] == 3
    assert [(p["position"], p["message_kept"]) for p in out["problems"]] == [
        ("line 1", True), ("line 2", True), ("line 3", True)]
    assert "not finite" in out["problems"][0]["error"]
    assert [r.label for r in Dataset.open(tmp_path / "ws").rows()] == [None, None, None]


def test_add_messages_with_on_error_skips_only_the_row_sqlite_refuses(tmp_path):
    ds = Dataset.open(tmp_path / "ws")
    rows = [{"text": f"msg {i}"} for i in range(10)]
    rows[4] = {"text": "bad", "provider": {"a dict": "SQLite cannot bind"}}
    rows[7] = {"text": "bad label", "label": {"kind": "nope"}}
    with pytest.raises(DatasetError, match="invalid label"):
        ds.add_messages(rows, ds.add_batch("import"))  # without on_error: the chunk is not written
    assert ds.count() == 0
    refused = []
    added, skipped = ds.add_messages(rows, ds.add_batch("import"), on_error=lambda r, e: refused.append(r["text"]))
    assert (added, skipped, refused) == (8, 0, ["bad", "bad label"])


def test_a_kill_mid_chunk_leaves_the_database_as_it_was(tmp_path):
    # the chunk's transaction is rolled back whole: no message of it, no label, no half batch
    ds = Dataset.open(tmp_path / "ws")
    rows = [{"text": f"m{i}", "label": SIGNAL} for i in range(5)] + [{"text": "x", "label": {"kind": "nope"}}]
    with pytest.raises(DatasetError):
        ds.add_messages(rows, None)
    assert (_count(tmp_path / "ws", "messages"), _count(tmp_path / "ws", "labels")) == (0, 0)


# review and feedback files -----------------------------------------------------------------------

def test_review_and_feedback_files_skip_only_their_bad_lines(tmp_path):
    ws = tmp_path / "ws"
    ds = Dataset.open(ws)
    ds.add_messages([{"text": "close all", "provider": "p"}, {"text": "hold", "provider": "p"}], ds.add_batch("i"))
    review = _write(tmp_path / "review.jsonl", [
        json.dumps({"message_id": 1, "label": {"kind": "noise"}}),
        '{"message_id": 2, "label": {"kind": "noise"}, "deep": ' + DEEP + "}",
        json.dumps({"message_id": 2, "label": {"kind": "noise"}, "spans": {"entry": [[1]]}}),
        json.dumps({"message_id": 2, "label": {"kind": "noise"}}),
    ], bom=True)
    result = run_cli(["data", "review", "import", str(review), "--workspace", str(ws), "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == LINES_SKIPPED and out["labelled"] == 2
    assert [p["position"] for p in out["problems"]] == ["line 2", "line 3"]
    fixes = _write(tmp_path / "fixes.jsonl", [
        json.dumps({"text": "GOLD buy 1", "provider": {"odd": 1}}),
        '{"text": "GOLD buy \\udc80 2"}',
        json.dumps({"text": "GOLD buy 3", "label": {"kind": "noise"}}),
    ])
    result = run_cli(["data", "feedback", "--corrections", str(fixes), "--no-log", "--workspace", str(ws), "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == LINES_SKIPPED, result.output
    assert (out["queued"], [p["position"] for p in out["problems"]]) == (2, ["line 2"])


# parse --input: output that is always JSON -------------------------------------------------------

def _echo_parser():
    from signalos.testing import parser_plugin

    return parser_plugin("echo", lambda m: {"kind": "noise"} if "noise" in m.text else
                         {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "entry": [2300.0]})


def _parse(tmp_path: Path, lines: list[str]):
    src = _write(tmp_path / "in.jsonl", lines)
    result = run_cli(["parse", "--input", str(src), "--json", "--chain", "echo"], _echo_parser(),
                     config={"default_pipeline": "p", "pipelines": {"p": {"parsers": ["echo"]}}})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    # every output line is strict JSON: Python's reader would accept NaN, so refuse it here
    objects = [json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in the output")) for line in
               result.stdout.splitlines()]
    return result, objects


def test_parse_input_refuses_nan_and_infinity_and_names_the_line(tmp_path):
    result, objects = _parse(tmp_path, ['{"id": NaN, "text": "GOLD buy"}', '{"id": 2, "text": "x", "n": Infinity}',
                                        '{"id": 3, "text": "x", "size": 1e999}', '{"id": 4, "text": "GOLD buy"}'])
    assert [o.get("line") for o in objects] == [1, 2, 3, None]
    assert all("not a JSON number" in o["error"] or "out of range" in o["error"] for o in objects[:3])
    assert objects[3]["kind"] == "signal" and result.exit_code == LINES_SKIPPED
    assert "warning: line 1:" in result.stderr


def test_parse_input_keys_named_line_or_error_do_not_make_a_good_parse_look_like_an_error(tmp_path):
    result, objects = _parse(tmp_path, [json.dumps({"id": 1, "text": "GOLD buy", "line": 7, "error": "none"})])
    (obj,) = objects
    assert "error" not in obj and "line" not in obj and obj["kind"] == "signal"
    assert (obj["input_line"], obj["input_error"]) == (7, "none") and result.exit_code == 0


def test_parse_input_deep_nesting_and_long_numbers_are_bad_lines_not_crashes(tmp_path):
    result, objects = _parse(tmp_path, ['{"text": "noise", "x": ' + DEEP + "}",
                                        '{"text": "noise", "x": ' + LONG_NUMBER + "}", '{"text": "noise"}'])
    assert [o.get("line") for o in objects] == [1, 2, None] and objects[2]["kind"] == "noise"
    assert result.exit_code == LINES_SKIPPED


def test_parse_json_output_never_holds_nan_even_when_a_parser_answers_one(tmp_path):
    from signalos.cli.parse import dumps

    assert json.loads(dumps({"id": 1, "entry": [float("nan"), 2.0], "sl": float("inf")})) == {
        "id": 1, "entry": [None, 2.0], "sl": None}


# eval --data -------------------------------------------------------------------------------------

def _eval(tmp_path: Path, lines: list[str], *extra: str):
    import eval_support as fx
    import signalos_eval

    src = _write(tmp_path / "labelled.jsonl", lines)
    result = run_cli(["eval", "--data", str(src), "--chain", "fixture-oracle", "--workspace", str(tmp_path / "ws"),
                      *extra], fx, signalos_eval)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _labelled(i: int, **label) -> str:
    import eval_support as fx

    row = fx.rows()[i % len(fx.rows())]
    return json.dumps({**row, "id": f"r{i}", "label": {**row["label"], **label}}, ensure_ascii=False)


def test_eval_refuses_nan_labels_and_names_their_lines(tmp_path):
    import eval_support as fx

    signal = next(i for i, r in enumerate(fx.rows()) if r["label"]["kind"] == "signal")
    lines = [_labelled(i) for i in range(6)]
    lines[1] = _labelled(signal).replace('"entry": [', '"entry": [NaN, ', 1)
    lines[3] = _labelled(signal, entry=["nan"])
    lines[4] = _labelled(signal, stop_loss=1e999)
    result = _eval(tmp_path, lines, "--json")
    out = json.loads(result.stdout)
    assert result.exit_code == LINES_SKIPPED
    assert [p["line"] for p in out["data"]["problems"]] == [2, 4, 5]
    assert out["summary"]["n"] == 3


def test_eval_json_and_report_survive_a_lone_surrogate(tmp_path):
    lines = [_labelled(i) for i in range(4)]
    lines[1] = lines[1].replace('"text": "', '"text": "\\ud800 ', 1)
    lines[2] = lines[2].replace('"id": "r2"', '"id": "r2\\udfff"', 1).replace('"label": {', '"label": {"x": "\\ud800", ', 1)
    report = tmp_path / "eval.html"
    result = _eval(tmp_path, lines, "--json", "--report", str(report))
    out = json.loads(result.stdout)
    assert result.exit_code == LINES_SKIPPED and out["summary"]["n"] == 2
    assert [p["line"] for p in out["data"]["problems"]] == [2, 3]
    assert "lone surrogate" in out["data"]["problems"][0]["error"]
    assert report.is_file() and "lone surrogate" in report.read_text(encoding="utf-8")


# models list, the A/B router ----------------------------------------------------------------------

def test_models_list_shows_every_model_when_one_manifest_is_damaged(tmp_path):
    models = tmp_path / "ws" / "models"
    manifests = {"good": {"name": "good", "version": "0.1.0", "kind": "spacy", "created_at": "2024-01-01", "files": {}},
                 "listy": [1, 2],
                 "odd": {"name": "odd", "version": "0.1.0", "kind": "spacy", "created_at": "2024-01-01", "files": {},
                         "metrics": [1], "training_seconds": "slow"}}
    for name, manifest in manifests.items():
        (models / name / "0.1.0").mkdir(parents=True)
        (models / name / "0.1.0" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run_cli(["models", "list", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.split()[:3] == ["good", "0.1.0", "spacy"] for line in lines)
    assert any(line.split()[:3] == ["listy", "0.1.0", "damaged"] for line in lines)
    assert any(line.split()[:3] == ["odd", "0.1.0", "damaged"] for line in lines)


def _ab_host(tmp_path):
    import signalos_ab
    from signalos.testing import make_host, parser_plugin

    return make_host(signalos_ab, parser_plugin("good", lambda m: {"kind": "noise"}),
                     parser_plugin("other", lambda m: {"kind": "noise"}),
                     config={"workspace": str(tmp_path), "pipelines": {"default": {"parsers": ["good"]}}})


@pytest.mark.parametrize("value", ["soon", -1, float("nan"), True, [5]])
def test_ab_router_refresh_s_that_is_not_seconds_is_one_config_error(tmp_path, value):
    from signalos.errors import ConfigError
    from signalos_ab.routing import ABRouter

    with pytest.raises(ConfigError, match=r"\[routers.ab\] refresh_s"):
        ABRouter(_ab_host(tmp_path), {"refresh_s": value})


def test_ab_router_serves_on_when_a_stored_experiment_row_is_damaged(tmp_path):
    import signalos_ab
    from signalos_ab.experiments import ExperimentError, load_all
    from signalos_ab.routing import ABRouter

    host = _ab_host(tmp_path)
    signalos_ab.start(host, "fine", {"a": "good", "b": "other"}, unit="message", buckets=(0, 5000))
    signalos_ab.start(host, "broken", {"a": "good", "b": "other"}, unit="message", buckets=(5000, 10000))
    conn = sqlite3.connect(tmp_path / "signalos.db")
    with conn:
        conn.execute("UPDATE experiments SET variants = '{\"cut short' WHERE name = 'broken'")
    conn.close()
    router = ABRouter(host, {"refresh_s": 0})
    try:
        routed = [router.parse(f"message {i}") for i in range(40)]
        assert {r.experiment for r in routed} == {"fine", None}  # the damaged one serves nobody
        assert any("'broken'" in e and "damaged" in e for e in router.errors)
    finally:
        router.close()
    from signalos.store import open_database

    db = open_database(tmp_path / "signalos.db")
    with pytest.raises(ExperimentError, match="'broken': its stored row is damaged"):
        load_all(db)
    db.close()
