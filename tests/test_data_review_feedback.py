"""The review round trip and `signalos data feedback` (parse log and corrections into the review queue)."""
from __future__ import annotations

import json

from signalos.dataset import Dataset
from signalos.dataset.repository import now
from signalos.testing import run_cli

NOISE = {"kind": "noise"}
CLOSE = {"kind": "update", "symbol": None, "actions": [{"type": "close", "price": None, "percent": None, "tp": None}]}


def _cli(ws, *args):
    result = run_cli([*args, "--workspace", str(ws), "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == (3 if out.get("problems") else 0), result.output  # 3: some lines skipped
    return out, result


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_review_export_edit_import_makes_verified_human_labels(tmp_path):
    ws = tmp_path / "ws"
    ds = Dataset.open(ws)
    batch = ds.add_batch("import")
    ds.add_messages([{"text": "close everything now", "label": NOISE, "provider": "p"},
                     {"text": "hello", "label": NOISE, "provider": "p", "uncertain": True},
                     {"text": "unlabelled one", "provider": "p"}], batch)
    out, _ = _cli(ws, "data", "review", "export", "--out", str(tmp_path / "r.jsonl"))
    assert out["rows"] == 3
    lines = _lines(tmp_path / "r.jsonl")
    assert [line["text"] for line in lines] == ["close everything now", "hello", "unlabelled one"]
    lines[0]["label"] = CLOSE                    # a correction
    lines[1]["uncertain"] = False                # confirmed as it was
    lines[2]["skip"] = True                      # left for later
    edited = tmp_path / "r2.jsonl"
    edited.write_text("".join(json.dumps(line) + "\n" for line in lines) + "{broken\n"
                      + json.dumps({"message_id": 999, "label": NOISE}) + "\n"
                      + json.dumps({"message_id": 1, "label": {"kind": "what"}}) + "\n", encoding="utf-8")
    out, result = _cli(ws, "data", "review", "import", str(edited))
    assert (out["labelled"], out["skipped"]) == (2, 1)
    assert [p["position"] for p in out["problems"]] == ["line 4", "line 5", "line 6"]
    assert "line 4" in result.stderr
    first, second, third = ds.rows()
    assert first.label == CLOSE and first.verified and first.label_source == "human"
    assert second.verified and not second.uncertain and third.label is None
    out, _ = _cli(ws, "data", "review", "export", "--out", str(tmp_path / "r3.jsonl"), "--where", "unverified")
    assert out["rows"] == 1
    out, _ = _cli(ws, "data", "review", "export", "--out", str(tmp_path / "r4.jsonl"), "--where", "unlabelled",
                  "--limit", "5")
    assert [line["text"] for line in _lines(tmp_path / "r4.jsonl")] == ["unlabelled one"]


def test_review_import_finds_messages_by_text_when_no_id(tmp_path):
    ws = tmp_path / "ws"
    ds = Dataset.open(ws)
    ds.add_messages([{"text": "close all", "provider": "p"}], ds.add_batch("import"))
    src = tmp_path / "from_tool.jsonl"
    src.write_text(json.dumps({"text": "close all", "provider": "p", "label": CLOSE}) + "\n", encoding="utf-8")
    out, _ = _cli(ws, "data", "review", "import", str(src))
    assert out["labelled"] == 1 and ds.get(1).verified


def _log(ds, text, **kw):
    row = {"created_at": now(), "text": text, "provider": "chan", "pipeline": "default", "parser": "regex",
           "result": json.dumps(NOISE), "kind": "noise", "confidence": 0.2, "accepted": 1}
    row.update(kw)
    ds.db["parse_log"].insert(row)


def test_feedback_queues_failures_ranked_by_template(tmp_path):
    ws = tmp_path / "ws"
    ds = Dataset.open(ws)
    # one template fails three times (other prices), another once; an accepted parse is not a failure
    for price in (2300, 2310, 2320):
        _log(ds, f"GOLD go long {price} stop {price - 10}", accepted=0)
    _log(ds, "EURUSD weird format 1.0850", error="ValueError: boom")
    _log(ds, "XAUUSD buy 2300 sl 2290", accepted=1)
    _log(ds, "close it", accepted=1, correction=json.dumps(CLOSE))
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text(json.dumps({"text": "GOLD go long 2400 stop 2390", "provider": "chan",
                                       "label": NOISE}) + "\nnot json\n", encoding="utf-8")
    out, result = _cli(ws, "data", "feedback", "--corrections", str(corrections))
    assert out["failures"] == 6 and out["queued"] == 6 and out["open"] == 6
    assert out["top_templates"][0]["failures"] == 4
    assert [p["position"] for p in out["problems"]] == ["line 2"]
    # feedback again: nothing new is queued
    out, _ = _cli(ws, "data", "feedback")
    assert out["queued"] == 0 and out["open"] == 6
    # the queue goes out worst template first, with the correction as the proposed label
    out, _ = _cli(ws, "data", "review", "export", "--where", "queue", "--out", str(tmp_path / "q.jsonl"))
    lines = _lines(tmp_path / "q.jsonl")
    assert out["rows"] == 6
    assert [line["template_failures"] for line in lines][:4] == [4, 4, 4, 4]
    corrected = next(line for line in lines if line["text"] == "close it")
    assert corrected["label"] == CLOSE and corrected["reason"] == "corrected"
    assert any(line["reason"].startswith("error: ValueError") for line in lines)
    # answering the queue closes it
    for line in lines:
        line["label"] = line["label"] or NOISE
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out, _ = _cli(ws, "data", "review", "import", str(tmp_path / "a.jsonl"))
    assert out["queue_closed"] == 6
    assert ds.db.execute("SELECT count(*) FROM review_queue WHERE status = 'open'").fetchone()[0] == 0
    assert ds.count(verified=True) == 6
