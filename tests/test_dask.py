"""Archives on Dask: a partitioned archive parsed and evaluated on a local cluster of two worker
processes started here, each building its host once, with the answers of one process."""
from __future__ import annotations

import io
import json
import os
import sys

import pytest

distributed = pytest.importorskip("distributed", reason="needs the dask extra: pip install 'signalos[dask]'")
pytest.importorskip("dask.bag", reason="needs the dask extra: pip install 'signalos[dask]'")

import signalos_regex  # noqa: E402
from signalos import dask as archive  # noqa: E402
from signalos.cli.parse import stream_jsonl  # noqa: E402
from signalos.hookspecs import hookimpl  # noqa: E402
from signalos.models import ParseResult  # noqa: E402
from signalos.testing import make_host, run_cli  # noqa: E402

# Written for these tests.
TEXTS = [
    "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360",
    "EURUSD SELL LIMIT 1.0920 SL 1.0960 TP 1.0880",
    "move SL to entry on gold",
    "good morning traders, markets open soon",
    "close half of the GBPJPY position now",
]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c


def regex_host():
    return make_host(signalos_regex)


def write_archive(folder, files=6, lines=40, bad_every=0):
    folder.mkdir()
    for f in range(files):
        rows = []
        for i in range(lines):
            if bad_every and i % bad_every == 3:
                rows.append("{broken")
            else:
                rows.append(json.dumps({"id": f"f{f}-{i}", "text": TEXTS[(f + i) % len(TEXTS)]}))
        (folder / f"part-{f:02d}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_a_jsonl_archive_is_parsed_as_signalos_parse_would(tmp_path, client):
    source = write_archive(tmp_path / "archive", bad_every=17)
    report = archive.parse_archive(str(source), str(tmp_path / "out"), regex_host(), client=client,
                                   host_factory=regex_host)
    for part in sorted(source.iterdir()):
        expected = io.StringIO()
        with part.open(encoding="utf-8") as lines:
            stream_jsonl(regex_host(), lines, expected, warn=lambda _: None)
        assert (tmp_path / "out" / part.name).read_text(encoding="utf-8") == expected.getvalue()
    assert report["partitions"] == 6 and report["messages"] == 6 * 40 - report["counts"]["error"]
    assert report["counts"]["error"] == 6 * 3  # lines 4, 21, 38 of each file
    assert f"{source / 'part-00.jsonl'}: line 4: invalid JSON" in report["bad_lines"][0]
    # two worker processes, neither of them this one, one host each for all their partitions
    assert set(report["workers"]) and all(str(os.getpid()) != w.split(":")[1] for w in report["workers"])
    assert sum(w["partitions"] for w in report["workers"].values()) == 6


# A parser naming its process and the how-many-th instance of it that process built.
class WhoParser:
    built = 0

    def __init__(self, host, options):
        WhoParser.built += 1
        self.instance = f"{os.getpid()}:{WhoParser.built}"

    def parse(self, message):
        if "boom" in message.text:
            raise RuntimeError("boom in the who parser")
        return ParseResult(kind="noise", confidence=1.0, warnings=(self.instance,))


@hookimpl
def register_parsers(register, host):
    register("who", WhoParser)


def who_host():
    return make_host(sys.modules[__name__], config={"pipelines": {"default": {"parsers": ["who"]}}})


@pytest.mark.parser_errors
def test_each_worker_builds_its_host_once_for_all_its_partitions(tmp_path, client):
    source = write_archive(tmp_path / "archive", files=8, lines=25)
    (source / "part-03.jsonl").write_text(json.dumps({"text": "boom"}) + "\n", encoding="utf-8")
    report = archive.parse_archive(str(source), str(tmp_path / "out"), who_host(), client=client,
                                   host_factory=who_host)
    instances = {}
    for part in (tmp_path / "out").iterdir():
        for line in part.read_text(encoding="utf-8").splitlines():
            answer = json.loads(line)
            if answer["parser"] == "who":
                pid, number = answer["warnings"][0].split(":")
                instances.setdefault(pid, set()).add(number)
    assert str(os.getpid()) not in instances
    assert all(numbers == {"1"} for numbers in instances.values())  # one parser, one host, per process
    assert sum(w["partitions"] for w in report["workers"].values()) == 8
    assert all(w["hosts"] == 1 for w in report["workers"].values())
    assert [e["error"] for e in report["errors"]] == ["RuntimeError: boom in the who parser"]
    assert report["errors"][0]["partition"].endswith("part-03.jsonl")


def test_a_labelled_archive_is_evaluated_as_signalos_eval_would(tmp_path, client):
    from signalos.evaluation import evaluate_labelled

    host = regex_host()
    folder = tmp_path / "labelled"
    folder.mkdir()
    everything = []
    for f in range(3):
        rows = []
        for i in range(30):
            text = TEXTS[(f + i) % len(TEXTS)]
            label = host.parse(text).result.to_schema() if i % 4 else {"kind": "noise"}  # some wrong on purpose
            rows.append(json.dumps({"id": f"{f}-{i}", "text": text, "label": label}))
        rows.insert(5, '{"id": "x", "text": "no label here"}')
        (folder / f"lab-{f}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
        everything += rows
    (tmp_path / "all.jsonl").write_text("\n".join(everything) + "\n", encoding="utf-8")
    report = archive.evaluate_archive(str(folder), str(tmp_path / "verdicts"), host, client=client, chain="regex",
                                      host_factory=regex_host)
    import signalos_eval

    expected = evaluate_labelled(make_host(signalos_regex, signalos_eval), tmp_path / "all.jsonl", chain="regex",
                                 evaluators=["exact-match"], store=False)
    assert report["summary"] == expected["summary"]
    assert 0.5 < report["summary"]["exact_match"] < 1.0
    assert report["n_problems"] == 3 and "lab-0.jsonl: line 6: no 'label' object" in report["problems"][0]
    verdicts = [json.loads(line) for line in (tmp_path / "verdicts" / "lab-1.jsonl").read_text().splitlines()]
    assert len(verdicts) == 30 and verdicts[0]["line"] == 1 and {"exact", "kind", "prediction"} <= set(verdicts[0])


def test_a_parquet_archive_comes_out_as_partitioned_parquet(tmp_path, client):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    folder = tmp_path / "pq"
    folder.mkdir()
    for f in range(3):
        texts = [TEXTS[(f + i) % len(TEXTS)] for i in range(20)]
        if f == 1:
            texts[7] = None  # a row without a message
        pd.DataFrame({"id": [f"{f}-{i}" for i in range(20)], "channel": "c", "text": texts}).to_parquet(
            folder / f"p{f}.parquet")
    report = archive.parse_archive(str(folder), str(tmp_path / "out"), regex_host(), client=client,
                                   host_factory=regex_host)
    assert report["format"] == "parquet" and report["partitions"] == 3
    assert report["counts"]["error"] == 1 and report["messages"] == 59
    assert report["bad_lines"] == ["partition 1, row 8: no 'text' key"]
    out = pd.read_parquet(tmp_path / "out").set_index("id")
    assert list(out.columns[:1]) == ["channel"] and "text" not in out.columns
    expected = regex_host().parse(TEXTS[0]).result
    row = out.loc["0-0"]
    assert row["kind"] == expected.kind and row["symbol"] == expected.symbol
    assert list(row["entry"]) == list(expected.entry) and list(row["take_profits"]) == list(expected.take_profits)
    assert json.loads(row["spans"]) == json.loads(json.dumps(expected.to_dict()["spans"]))
    assert out.loc["1-7", "error"] == "no 'text' key" and pd.isna(out.loc["1-7", "kind"])


def test_cli_archive_parse_on_a_running_scheduler(tmp_path, client):
    source = write_archive(tmp_path / "archive", files=3, lines=10, bad_every=8)
    result = run_cli(["archive", "parse", str(source), str(tmp_path / "out"), "--scheduler",
                      client.scheduler.address, "--json"], signalos_regex)
    assert result.exit_code == 3, result.output  # bad lines: named, skipped, exit status 3
    report = json.loads(result.stdout)
    assert report["counts"]["error"] == 3 and report["messages"] == 27
    assert "part-00.jsonl: line 4: invalid JSON" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-00.jsonl", "part-01.jsonl", "part-02.jsonl"]


def test_without_the_extra_the_error_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    from signalos.errors import MissingDependencyError

    with pytest.raises(MissingDependencyError, match=r"pip install 'signalos\[dask\]'"):
        archive.parse_archive(str(tmp_path), str(tmp_path / "out"), regex_host())
    result = run_cli(["archive", "parse", str(tmp_path), str(tmp_path / "out")], signalos_regex)
    # the CLI's main() prints a SignalosError as one line; in-process it is the result's exception
    assert isinstance(result.exception, MissingDependencyError)
    assert "pip install 'signalos[dask]'" in str(result.exception)
