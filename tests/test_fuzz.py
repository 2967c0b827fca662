"""A small, derandomized sample of ``benchmarks/fuzz.py``: every parse entry point and every
reader of files on a few hundred hypothesis-generated cases.

Whatever the input: no exception escapes (a file that cannot be read at all is one ``Error:``
line), every input line comes out once (a parse, a stored message, or a skipped line named with
its position), and what is written is strict JSON. The benchmark runs 100,000 cases of the same
targets; the generators and the checks live there (loaded by path: ``benchmarks`` is not an
installed package). The shapes that broke the readers before (lone surrogates, a BOM, deep
nesting, 5,000-digit numbers, NaN tokens, keys named ``line``/``error``, Telegram fields of odd
types) run as their own tests, so a regression in either half names itself.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def _load_fuzz():
    spec = importlib.util.spec_from_file_location("signalos_bench_fuzz", ROOT / "benchmarks" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FUZZ = _load_fuzz()
# Inputs per target: each input holds up to a dozen lines (twenty texts for the API targets), so
# the file runs several hundred cases in all. The commands run in-process on one shared host.
EXAMPLES = {"parse": 40, "parse-many": 20, "parse-cli": 20, "import-jsonl": 20, "import-csv": 15,
            "import-text": 10, "import-telegram": 15, "eval": 12, "review": 10, "feedback": 10, "serve": 15}
# Hostile shapes that still break a reader: reason by target. Empty when the readers hold.
KNOWN_HOSTILE_FAILURES: dict[str, str] = {}


def ci_settings(n: int):
    # derandomize: the same cases on every run and machine, so a failure reproduces; no example
    # database, so nothing is written beside the checkout.
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


def fuzz(name: str, hostile: bool) -> None:
    if FUZZ.available(name):
        pytest.skip(FUZZ.available(name))
    strategy, run, _ = FUZZ.targets(hostile)[name]

    @ci_settings(EXAMPLES[name])
    @given(strategy)
    def one(value):
        FUZZ.run_one(name, run, value)  # a broken invariant raises Finding, naming it

    one()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_fuzz(name):
    fuzz(name, hostile=False)


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=False, reason=KNOWN_HOSTILE_FAILURES[name]))
    if name in KNOWN_HOSTILE_FAILURES else name for name in EXAMPLES])
def test_fuzz_hostile_shapes(name):
    fuzz(name, hostile=True)


# the checks themselves fail when the code under test breaks its promise ---------------------------

def test_a_parse_that_raises_is_a_crash(monkeypatch):
    def boom(self, message, pipeline=None):
        raise RuntimeError("bug")

    monkeypatch.setattr(type(FUZZ.host()), "parse", boom)
    with pytest.raises(FUZZ.Finding) as info:
        FUZZ.run_one("parse", FUZZ.run_parse, ["GOLD BUY 2350"])
    assert info.value.kind == "crash"


def test_a_lost_or_unnamed_line_is_a_finding(monkeypatch):
    from signalos.dataset import importers

    real = importers.read_jsonl

    def drops_bad_lines(path, defaults):
        # a reader that forgets to name what it skips
        return (item for item in real(path, defaults) if not isinstance(item, importers.Problem))

    monkeypatch.setattr(importers, "read_jsonl", drops_bad_lines)
    lines = [('{"text": "EURUSD BUY 1.0850"}', True), ("not json", False)]
    with pytest.raises(FUZZ.Finding) as info:
        FUZZ.run_one("import-jsonl", FUZZ.run_import_jsonl, (lines, False))
    assert info.value.kind == "lost" and info.value.lines == 1
    # and the benchmark counts the finding and the line it lost for its target
    counts = FUZZ.fuzz_target("import-jsonl", st.just((lines, False)), FUZZ.run_import_jsonl, 1, 0)
    assert (counts["lost"], counts["lost_lines"], counts["crash"]) == (1, 1, 0)


def test_output_that_is_not_strict_json_is_a_finding():
    with pytest.raises(FUZZ.NotStrictJSON):
        FUZZ.strict_loads('{"id": NaN}')
    assert FUZZ.strict_loads('{"id": 1.5}') == {"id": 1.5}


def test_a_file_that_is_one_json_list_is_counted_by_its_items():
    # the JSON Lines reader takes a file that is one JSON list as a .json export, one record per
    # item: "[]" holds no message, and each item is read or named by its index
    assert FUZZ.run_one("import-jsonl", FUZZ.run_import_jsonl, ([("[]", False)], False)) == 1
    lines = [('[{"text": "GOLD BUY 2350"}, 5, {"id": 1}]', False)]
    assert FUZZ.run_one("import-jsonl", FUZZ.run_import_jsonl, (lines, False)) == 3


def test_a_batch_answer_that_drops_a_message_is_a_finding(monkeypatch):
    if FUZZ.available("serve"):
        pytest.skip(FUZZ.available("serve"))
    from signalos.serve.service import Service

    real = Service.parse_batch

    def drops_the_last(self, items, **kw):
        return real(self, items, **kw)[:-1]

    FUZZ.serve_client()
    monkeypatch.setattr(Service, "parse_batch", drops_the_last)
    with pytest.raises(FUZZ.Finding) as info:
        FUZZ.run_one("serve", FUZZ.run_serve, (["EURUSD BUY 1.0850", "hello"], False))
    assert info.value.kind == "lost" and info.value.lines == 1
