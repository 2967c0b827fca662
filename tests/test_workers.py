"""``--workers N``: parsing on worker processes gives the one-process answers, in order, with each
worker's host built once and at most a few chunks in flight."""
from __future__ import annotations

import functools
import io
import json
import os
import sys

import pytest

import signalos_regex
from signalos.cli import parallel
from signalos.cli.parse import stream_jsonl
from signalos.errors import SignalosError
from signalos.hookspecs import hookimpl
from signalos.models import ParseResult
from signalos.testing import make_host, run_cli
from signalos.workers import HostRecipe, WorkerPool, parse_messages_parallel

# Written for these tests: signals, updates, noise, and lines that are not messages at all.
TEXTS = [
    "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360",
    "EURUSD SELL LIMIT 1.0920 SL 1.0960 TP 1.0880",
    "move SL to entry on gold",
    "good morning traders, markets open soon",
    "BTCUSDT long 64200 stop 63100 target 65500 leverage 10x",
    "close half of the GBPJPY position now",
]


def input_lines(n: int) -> list[str]:
    """``n`` JSON Lines with, here and there, a broken line, a blank line and a line without text."""
    lines = []
    for i in range(n):
        if i % 17 == 5:
            lines.append("{not json\n")
        elif i % 23 == 7:
            lines.append("\n")
        elif i % 29 == 11:
            lines.append(json.dumps({"id": f"m{i}", "txt": "no text key"}) + "\n")
        else:
            lines.append(json.dumps({"id": f"m{i}", "text": TEXTS[i % len(TEXTS)], "provider": "p"}) + "\n")
    return lines


def regex_host():
    return make_host(signalos_regex)


def one_process(lines, **options):
    out, warnings = io.StringIO(), []
    counts = stream_jsonl(regex_host(), lines, out, warn=warnings.append, **options)
    return out.getvalue(), counts, warnings


def test_workers_write_what_one_process_writes(capsys):
    lines = input_lines(300)
    expected, expected_counts, expected_warnings = one_process(lines)
    out = io.StringIO()
    recipe = HostRecipe.of(regex_host(), regex_host)
    counts = parallel.stream_jsonl(regex_host(), lines, out, 2, recipe=recipe, chunk=13, min_lines=0)
    assert out.getvalue() == expected  # byte for byte, in input order
    assert counts == expected_counts and counts["error"] > 10
    # each bad line is named by its line number in the whole input, in order
    warnings = [line.removeprefix("warning: ") for line in capsys.readouterr().err.splitlines()]
    assert warnings == expected_warnings
    assert warnings[0].startswith("line 6: invalid JSON")


def test_attempts_and_batches_go_through_the_workers_too():
    lines = input_lines(120)
    expected, _, _ = one_process(lines, attempts=True, batch=8)
    out = io.StringIO()
    parallel.stream_jsonl(regex_host(), lines, out, 2, recipe=HostRecipe.of(regex_host(), regex_host),
                          chunk=10, min_lines=0, attempts=True, batch=8)
    assert untimed(out.getvalue()) == untimed(expected)
    assert '"attempts"' in expected


def untimed(output: str) -> list[dict]:
    """The output lines without the attempts' timings, which differ from run to run."""
    objects = [json.loads(line) for line in output.splitlines()]
    for obj in objects:
        for attempt in obj.get("attempts", ()):
            attempt.pop("elapsed_ms")
    return objects


# A parser saying which process answered, and which instance of it (built in which process): a
# host builds a component once, so one instance per process means one host per process.
class WhoParser:
    def __init__(self, host, options):
        self.instance = f"{os.getpid()}:{id(self)}"

    def parse(self, message):
        if "boom" in message.text:
            raise RuntimeError("boom in the who parser")
        return ParseResult(kind="noise", confidence=1.0, warnings=(f"{os.getpid()}", self.instance))


@hookimpl
def register_parsers(register, host):
    register("who", WhoParser)


def who_host():
    return make_host(sys.modules[__name__], config={"pipelines": {"default": {"parsers": ["who"]}}})


def instances_by_process(output: str) -> dict[str, set[str]]:
    """For each process that parsed: the parser instances it used."""
    seen: dict[str, set[str]] = {}
    for line in output.splitlines():
        pid, instance = json.loads(line)["warnings"]
        seen.setdefault(pid, set()).add(instance)
    return seen


def test_each_worker_builds_its_host_once():
    lines = [json.dumps({"text": f"message {i}"}) + "\n" for i in range(400)]
    out = io.StringIO()
    # a parent host that cannot be inherited: each worker builds its own from the recipe
    parallel.stream_jsonl(who_host(), lines, out, 2, recipe=HostRecipe.of(who_host(), who_host),
                          chunk=10, min_lines=0, inherit=False)
    seen = instances_by_process(out.getvalue())
    assert str(os.getpid()) not in seen and 1 <= len(seen) <= 2  # the workers parsed, not this process
    for pid, instances in seen.items():  # 40 chunks, one parser instance per worker, built there
        assert len(instances) == 1 and next(iter(instances)).startswith(f"{pid}:")


def test_forked_workers_keep_the_parents_started_host():
    parent = who_host()
    parent.chain()  # started, as the CLI's host is before the input is read
    out = io.StringIO()
    parallel.stream_jsonl(parent, [json.dumps({"text": f"m {i}"}) + "\n" for i in range(200)], out, 2,
                          recipe=HostRecipe.of(parent, who_host), chunk=10, min_lines=0)
    seen = instances_by_process(out.getvalue())
    assert str(os.getpid()) not in seen
    # every worker used its copy of the parent's parser: built once, in this process
    assert {i for instances in seen.values() for i in instances} == {parent.parser("who").instance}


def test_no_forked_worker_shares_the_parents_database_connection(tmp_path):
    import sqlite3

    sqlite3.connect(tmp_path / "signalos.db").close()
    host = who_host()
    watcher = host._alias_watcher(tmp_path)  # what a parser following a model alias reads
    watcher.version("who", "production", fresh=True)
    assert watcher._conn is not None
    with WorkerPool(HostRecipe.of(host, who_host), 2, inherit=host) as pool:
        assert pool.inherited and watcher._conn is None  # closed before the fork
    watcher.version("who", "production", fresh=True)
    assert watcher._conn is not None  # and opened again by the parent when it needs it


@pytest.mark.parser_errors
def test_a_parser_error_in_a_worker_reaches_the_parents_host():
    lines = [json.dumps({"text": "boom" if i % 50 == 0 else f"fine {i}"}) + "\n" for i in range(200)]
    host = who_host()
    out = io.StringIO()
    parallel.stream_jsonl(host, lines, out, 2, recipe=HostRecipe.of(host, who_host), chunk=20, min_lines=0)
    assert len(out.getvalue().splitlines()) == 200  # the chain went on
    assert len(host.errors) == 4
    assert {e.error for e in host.errors} == {"RuntimeError: boom in the who parser"}
    assert {e.component for e in host.errors} == {"who"} and host.errors[0].stage == "parse"


def test_in_flight_chunks_are_bounded():
    """Jobs are read only as fast as answers are taken: memory does not grow with the input."""
    taken = 0

    def jobs():
        nonlocal taken
        for i in range(60):
            taken += 1
            yield (i,)

    with WorkerPool(HostRecipe.of(regex_host(), regex_host), 2, in_flight=3) as pool:
        for k, answer in enumerate(pool.imap(abs, jobs()), 1):
            assert answer == k - 1
            assert taken - k <= 3  # never more than in_flight jobs out beyond those answered
    assert taken == 60


def test_spawned_workers_build_their_host_from_the_recipe():
    """Where fork is not used (macOS, Windows) a worker starts afresh and builds from the recipe."""
    host = regex_host()
    host.use_pipeline("strict", ["regex"], 0.99)
    with WorkerPool(HostRecipe.of(host, regex_host), 2, pipelines=("strict",), inherit=host,
                    start_method="spawn") as pool:
        assert not pool.inherited
        answers = list(pool.imap(_parse_in_worker, [(text, "strict") for text in TEXTS]))
    assert answers == [host.parse(text, pipeline="strict").result for text in TEXTS]


def _parse_in_worker(text, pipeline):
    from signalos.workers import worker_host

    return worker_host().parse(text, pipeline=pipeline).result


def _broken_host():
    raise RuntimeError("no such model on this machine")


def test_a_worker_that_cannot_build_its_host_is_one_clear_error():
    with pytest.raises(SignalosError, match="could not start: RuntimeError: no such model on this machine"):
        with WorkerPool(HostRecipe.of(regex_host(), _broken_host), 2):
            pass


def test_parse_messages_parallel_keeps_order():
    from signalos.models import Message

    host = regex_host()
    messages = [Message(TEXTS[i % len(TEXTS)], message_id=str(i)) for i in range(150)]
    blocks = list(parse_messages_parallel(host, "default", messages, 2, chunk=16,
                                          recipe=HostRecipe.of(host, regex_host)))
    assert [len(b) for b in blocks] == [16] * 9 + [6]
    got = [o.result for block in blocks for o in block]
    assert got == [o.result for o in host.chain().parse_many(messages)]


def test_a_short_input_is_parsed_in_this_process():
    lines = [json.dumps({"text": f"message {i}"}) + "\n" for i in range(30)]
    out = io.StringIO()
    parallel.stream_jsonl(who_host(), lines, out, 2, recipe=HostRecipe.of(who_host(), who_host), min_lines=30)
    pids = {json.loads(line)["warnings"][0].split(":")[0] for line in out.getvalue().splitlines()}
    assert pids == {str(os.getpid())}


def test_workers_for_a_pipe_default_to_one(monkeypatch):
    monkeypatch.setattr(parallel, "_stdin_is_file", lambda: False)
    assert parallel.workers_for(None, "-") == 1
    assert parallel.workers_for(3, "-") == 3
    monkeypatch.setattr(parallel, "default_workers", lambda: 8)
    assert parallel.workers_for(None, "messages.jsonl") == 8


# the command line ------------------------------------------------------------------------------

def test_cli_parse_workers_matches_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_LINES", 100)  # the real threshold, 2,000 lines, only costs time here
    path = tmp_path / "in.jsonl"
    path.write_text("".join(input_lines(700)), encoding="utf-8")
    one = run_cli(["parse", "--input", str(path), "--json", "--workers", "1"], signalos_regex)
    two = run_cli(["parse", "--input", str(path), "--json", "--workers", "2"], signalos_regex)
    assert one.exit_code == two.exit_code == 3  # bad lines: named, skipped, exit status 3
    assert two.stdout == one.stdout and len(two.stdout.splitlines()) > 650
    assert two.stderr == one.stderr and "line 6: invalid JSON" in two.stderr


def test_cli_parse_table_with_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_LINES", 20)  # a short table: rich takes its time over long ones
    path = tmp_path / "in.jsonl"
    path.write_text("".join(input_lines(60)), encoding="utf-8")
    one = run_cli(["parse", "--input", str(path), "--workers", "1"], signalos_regex)
    two = run_cli(["parse", "--input", str(path), "--workers", "2"], signalos_regex)
    assert one.exit_code == two.exit_code == 3
    # the table is the same but for the speed figure of its last line
    assert two.stdout.rsplit(", ", 1)[0] == one.stdout.rsplit(", ", 1)[0]
    assert "XAUUSD" in two.stdout and "line 6: invalid JSON" in two.stderr


def test_table_rows_from_workers_are_those_of_one_process():
    from signalos.cli.parse import parsed_rows

    lines = input_lines(200)
    expected = list(parsed_rows(who_host(), lines, None, None))
    rows = list(parallel.parsed_rows(who_host(), lines, 2, provider=None, pipeline=None,
                                     recipe=HostRecipe.of(who_host(), who_host), chunk=9, min_lines=0))
    assert [r[:3] for r in rows] == [r[:3] for r in expected]  # line numbers, ids, bad lines
    assert str(os.getpid()) not in {r[3].warnings[0].split(":")[0] for r in rows if r[3] is not None}


def test_cli_eval_workers_matches_one_process(tmp_path, monkeypatch):
    from signalos import workers

    monkeypatch.setattr(workers, "MIN_ITEMS", 100)
    labelled = []
    host = regex_host()
    for i in range(600):
        text = TEXTS[i % len(TEXTS)]
        label = host.parse(text).result.to_schema() if i % 7 else {"kind": "noise"}  # some wrong on purpose
        labelled.append(json.dumps({"id": f"r{i}", "text": text, "label": label}) + "\n")
    labelled.insert(9, "{broken\n")
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(labelled), encoding="utf-8")
    args = ["eval", "--data", str(path), "--chain", "regex", "--no-store", "--json",
            "-e", "exact-match", "-e", "fields", "-e", "kinds", "-e", "errors"]
    one = run_cli([*args, "--workers", "1"], signalos_regex, _eval_plugin())
    two = run_cli([*args, "--workers", "2"], signalos_regex, _eval_plugin())
    assert one.exit_code == two.exit_code == 3, one.output
    a, b = json.loads(one.stdout), json.loads(two.stdout)
    a.pop("created_at"), b.pop("created_at")
    assert a == b
    assert 0.8 < a["summary"]["exact_match"] < 0.9 and a["data"]["problems"][0]["line"] == 10


def _eval_plugin():
    import signalos_eval

    return signalos_eval


def test_recipe_of_a_cli_host_rebuilds_its_ad_hoc_pipeline():
    host = regex_host()
    host.use_pipeline("adhoc", ["regex"], 0.7)
    rebuilt = HostRecipe.of(host, functools.partial(make_host, signalos_regex)).build()
    assert rebuilt.config.pipeline("adhoc").threshold == 0.7
    assert rebuilt is not host and rebuilt.pm is not host.pm
