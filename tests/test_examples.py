"""The examples work: the third-party parser package, the bot, the labelled example data."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import signalos_regex
from signalos.models import ACTION_TYPES, SIGNAL_KEYS, UPDATE_KEYS, ParseResult
from signalos.testing import make_host
from signalos.validate import validate

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
PROVIDER = EXAMPLES / "provider-parser"
ACME_BUY = "ACME ▲ EURUSD | in 1.0850 | stop 1.0820 | targets 1.0880 / 1.0910"


@pytest.fixture
def acme(monkeypatch):
    """The example plugin module, imported from its directory as if it were installed."""
    monkeypatch.syspath_prepend(str(PROVIDER))
    import signalos_acme_channel

    return signalos_acme_channel


# the provider-parser package ---------------------------------------------------------------------

def test_acme_answers_first_and_regex_answers_the_rest(acme):
    host = make_host(acme, signalos_regex, config=str(PROVIDER / "signalos.toml"))
    assert host.config.pipeline().parsers == ("acme-channel", "regex")

    outcome = host.parse(ACME_BUY)
    assert [a.parser for a in outcome.attempts] == ["acme-channel"]
    assert outcome.result.parser == "acme-channel" and outcome.result.accepted
    assert outcome.result.take_profits == (1.088, 1.091)

    outcome = host.parse("GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360")
    assert [(a.parser, a.reason) for a in outcome.attempts][0] == ("acme-channel", "no answer")
    assert outcome.attempts[1].parser == "regex"
    assert outcome.result.parser == "regex"


def test_the_example_plugin_is_what_new_plugin_writes(tmp_path):
    # one source: signalos new-plugin's templates; the example is their output for acme-channel
    from signalos.scaffold import plugin_names, write_plugin

    written = write_plugin(plugin_names("acme-channel", "ACME", "ACME Signals"), tmp_path / "out")
    assert written
    for path in written:
        relative = path.relative_to(tmp_path / "out")
        assert (PROVIDER / relative).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), relative
    shipped = {p.relative_to(PROVIDER) for p in PROVIDER.rglob("*") if p.is_file()
               and "__pycache__" not in p.parts and not any(part.endswith(".egg-info") for part in p.parts)
               and ".pytest_cache" not in p.parts}
    assert shipped == {p.relative_to(tmp_path / "out") for p in written}


def test_acme_declares_its_entry_point():
    import tomllib

    project = tomllib.loads((PROVIDER / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "signalos-acme-channel"
    assert project["entry-points"]["signalos"] == {"acme-channel": "signalos_acme_channel"}


def test_acme_package_tests_pass():
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=PROVIDER,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout


def test_acme_through_the_cli_loaded_by_name(tmp_path):
    env = dict(os.environ, SIGNALOS_LOAD_PLUGINS="signalos_acme_channel,regex",
               PYTHONPATH=os.pathsep.join([str(PROVIDER), os.environ.get("PYTHONPATH", "")]))
    messages = tmp_path / "acme.jsonl"
    messages.write_text(json.dumps({"id": 1, "text": ACME_BUY}, ensure_ascii=False) + "\n"
                        + json.dumps({"id": 2, "text": "ACME ✖ EURUSD | closed"}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "signalos", "--config", str(PROVIDER / "signalos.toml"),
                           "parse", "--input", str(messages), "--json"],
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert (first["id"], first["kind"], first["direction"], first["parser"]) == (1, "signal", "buy", "acme-channel")
    assert (second["id"], second["kind"], second["actions"][0]["type"]) == (2, "update", "close")


# the bot -----------------------------------------------------------------------------------------

def load_bot():
    spec = importlib.util.spec_from_file_location("example_bot", EXAMPLES / "bot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bot_opens_accepted_signals_and_applies_updates(toy_plugin):
    bot_module = load_bot()
    host = make_host(toy_plugin, config={"pipelines": {"default": {"parsers": ["toy"]}}})
    bot = bot_module.PaperBot(host)
    assert bot.on_message("hello everyone") == "skip: noise"
    assert bot.on_message("SIG EURUSD buy 1.0850 sl 1.0820 tp 1.0880", chat="fx").startswith("open buy EURUSD")
    assert "EURUSD" in bot.positions
    assert bot.on_message("SIG GBPUSD buy 1.2700 sl 1.2750 tp 1.2800").startswith("hold for review")
    assert "GBPUSD" not in bot.positions  # stop above entry on a buy: not accepted, not traded
    assert bot.on_message("UPD EURUSD breakeven") == "EURUSD: SL to entry 1.085"
    assert bot.positions["EURUSD"].stop_loss == 1.085
    assert bot.on_message("UPD EURUSD close") == "EURUSD: closed"
    assert bot.positions == {}
    assert bot.on_message("UPD EURUSD close").startswith("ignore update for EURUSD")


def test_bot_script_runs_offline():
    env = dict(os.environ, SIGNALOS_LOAD_PLUGINS="regex")
    proc = subprocess.run([sys.executable, str(EXAMPLES / "bot.py"), "--demo"], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "open positions:" in proc.stdout and "parses by parser: {'regex': " in proc.stdout



def test_the_testing_helpers_import_without_the_test_extra(tmp_path):
    # The examples build their hosts with signalos.testing.make_host after a plain `pip install .`;
    # only the pytest fixture may need pytest, and only when it is asked for.
    from plain_install import env_without_test_extra

    script = ("import signalos.testing as t, signalos_regex\n"
              "print(t.make_host(signalos_regex).parse('EURUSD BUY 1.0850 SL 1.0820 TP 1.0900').result.kind)\n"
              "try:\n    import pytest\nexcept ImportError:\n    print('no pytest')\n"
              "try:\n    t.signalos_host\nexcept ImportError:\n    print('no fixture')\n")
    proc = subprocess.run([sys.executable, "-c", script], env=env_without_test_extra(tmp_path),
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["signal", "no", "pytest", "no", "fixture"]

# the labelled example data -----------------------------------------------------------------------

def example_lines() -> list[dict]:
    with open(EXAMPLES / "data" / "messages.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_example_data_lines_follow_the_corpus_format():
    lines = example_lines()
    assert 35 <= len(lines) <= 60
    assert len({line["id"] for line in lines}) == len(lines)
    for line in lines:
        assert set(line) == {"id", "text", "provider", "source", "origin", "language", "label", "multi",
                             "uncertain", "note"}, line["id"]
        assert line["text"].strip() and line["language"]


@pytest.mark.parametrize("line", example_lines(), ids=lambda line: line["id"])
def test_example_label_follows_the_schema(line):
    label = line["label"]
    expected_keys = {"signal": SIGNAL_KEYS, "update": UPDATE_KEYS, "noise": ("kind",)}[label["kind"]]
    assert list(label) == list(expected_keys)
    # Reading and writing the label again changes nothing: entry ascending, floats, exact keys.
    result = ParseResult.from_schema(label)
    assert result.to_schema() == label
    assert validate(result) == []
    if label["kind"] == "signal":
        assert label["entry"] == sorted(label["entry"])
        assert label["symbol"] == label["symbol"].upper() and label["symbol"].isalnum()


def test_example_data_covers_the_schema():
    lines = example_lines()
    labels = [line["label"] for line in lines]
    assert {label["kind"] for label in labels} == {"signal", "update", "noise"}
    assert {label.get("order_type") for label in labels if label["kind"] == "signal"} >= {"market", "limit", "stop", None}
    assert {a["type"] for label in labels if label["kind"] == "update" for a in label["actions"]} >= set(ACTION_TYPES) - {"other"}
    assert {line["language"] for line in lines} >= {"en", "ru", "fa", "es", "pt", "tr", "de", "fr", "ar"}
    assert any(label.get("leverage") for label in labels)
    assert any(label.get("stop_loss_pips") for label in labels)


def test_example_data_is_not_copied_from_the_real_corpus():
    real = ROOT.parent / "shared" / "corpus" / "real.jsonl"
    if not real.is_file():
        pytest.skip("the real corpus is not beside this checkout")
    with open(real, encoding="utf-8") as fh:
        real_texts = {json.loads(line)["text"].strip().lower() for line in fh if line.strip()}
    copied = [line["id"] for line in example_lines() if line["text"].strip().lower() in real_texts]
    assert copied == []


def _corpus_lines() -> set[str]:
    """Every line of 30 characters or more of the real corpus texts (labelled and unlabelled), and
    every whole text of 30 or more (a text of short lines), lower-cased, whitespace collapsed."""
    corpus = ROOT.parent / "shared" / "corpus"
    lines: set[str] = set()
    for path in [*corpus.glob("*.jsonl"), *corpus.glob("unlabelled/*.jsonl")]:
        with open(path, encoding="utf-8") as fh:
            for raw in fh:
                text = json.loads(raw).get("text") if raw.strip() else None
                for line in [text, *text.splitlines()] if isinstance(text, str) else []:
                    line = " ".join(line.split()).lower()
                    if len(line) >= 30 and any(c.isalnum() for c in line):
                        lines.add(line)
    return lines


def _readable(path: Path) -> str:
    """A file's text with the escapes a test writes texts in (\\n, \\uXXXX) read, lower-cased and
    its whitespace collapsed, so that a quoted text is found however it was written down."""
    import re

    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = text.replace("\\n", "\n").replace('\\"', '"')
    text = re.sub(r'"\s*\n\s*"', "", text)  # adjacent string literals on two lines
    return " ".join(text.split()).lower()


QUOTE_CHECKED = sorted(p for d in ("tests", "examples") for p in (ROOT / d).rglob("*")
                       if p.suffix in (".py", ".jsonl", ".json", ".csv", ".txt", ".toml", ".md") and p.is_file())


@pytest.mark.parametrize("path", QUOTE_CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_test_or_example_quotes_the_real_corpus(path):
    # The corpus texts belong to their sources (shared/corpus/README.md): tests write their own.
    if not (ROOT.parent / "shared" / "corpus").is_dir():
        pytest.skip("the real corpus is not beside this checkout")
    lines = CORPUS_LINES()
    content = _readable(path)
    quoted = sorted(line for line in lines if line in content)
    assert quoted == []


def CORPUS_LINES(cache: list = []) -> set[str]:  # noqa: B006 (read once per session)
    if not cache:
        cache.append(_corpus_lines())
    return cache[0]

