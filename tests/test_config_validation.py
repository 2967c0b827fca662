"""No silent wrong answer: a configuration that cannot work stops the start with one error naming
the key; a parser that raises is recorded, shown on stderr and fails the test suite."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

import signalos_regex
from signalos.cli import main
from signalos.config import Config
from signalos.errors import ConfigError
from signalos.host import Host
from signalos.models import Message
from signalos.testing import make_host, parser_plugin, run_cli

pytest_plugins = ("pytester",)

SIGNAL = "XAUUSD BUY 2350 SL 2340 TP 2360"


def _write_config(tmp_path: Path, text: str, **files: str) -> Path:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    path = tmp_path / "signalos.toml"
    path.write_text(f'workspace = {json.dumps(str(tmp_path / "ws"))}\n' + text, encoding="utf-8")
    return path


def _run_main(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


# one clear error at start -----------------------------------------------------------------------

BROKEN = {
    "missing keywords file": ('[parsers.regex]\nkeywords = ["missing.toml"]\n', {},
                              r"\[parsers.regex\] keywords: missing.toml: file not found"),
    "invalid user regex": ('[parsers.regex]\nkeywords = ["kw.toml"]\n',
                           {"kw.toml": '[labels]\nstop_loss = ["re:(stop"]\n'},
                           r"kw.toml: \[labels\] stop_loss: invalid pattern 're:\(stop'"),
    "max_chars is not a number": ('[parsers.regex]\nmax_chars = "lots"\n', {},
                                  r"\[parsers.regex\] max_chars: expected a whole number"),
    "a word list written as a string": ('[parsers.regex]\nkeywords = ["kw.toml"]\n',
                                        {"kw.toml": '[direction]\nbuy = "notalist"\n'},
                                        r"kw.toml: \[direction\] buy: expected a list of strings, got 'notalist'"),
    "a misspelt section": ('[parsers.regex]\nkeywords = ["kw.toml"]\n', {"kw.toml": '[directions]\nbuy = ["kaufen"]\n'},
                           r"unknown section \[directions\]"),
    "doubt is not a boolean": ('[parsers.regex]\ndoubt = "no"\n', {}, r"\[parsers.regex\] doubt: expected true or false"),
    "a misspelt pipeline key": ('[pipelines.default]\nparsers = ["regex"]\ntreshold = 0.9\n', {},
                                r"\[pipelines.default\]: unknown keys treshold"),
    "parsers as a string": ('[pipelines.default]\nparsers = "regex"\n', {},
                            r"\[pipelines.default\] parsers: expected a non-empty list of names, got 'regex'"),
    "a router option": ('[routers.ab]\nrefresh_s = "soon"\n', {}, r"\[routers.ab\] refresh_s: expected a number"),
    "a monitor option": ('[monitor]\nwindow = "soon"\n', {}, r"\[monitor\] window: expected a duration"),
    "a monitor flag as a string": ('[monitor]\noverall = "no"\n', {}, r"\[monitor\] overall: expected true or false"),
    "a retrain command of numbers": ('[monitor.retrain]\ncommand = [1, 2]\n', {},
                                     r"\[monitor.retrain\] command: expected a command line or a list of arguments"),
    "a misspelt top-level key": ('default_pipline = "fast"\n', {}, r"unknown top-level key 'default_pipline'"),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_configuration_is_one_error_and_exit_1(case, tmp_path, capsys):
    text, files, message = BROKEN[case]
    config = _write_config(tmp_path, text, **files)
    code, out, err = _run_main(["--config", str(config), "parse", SIGNAL, "--json"], capsys)
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()  # one line, no traceback
    assert line.startswith("Error: ") and str(config) in line
    assert re.search(message, line), line


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_the_host_refuses_a_broken_configuration_when_it_starts(case, tmp_path):
    text, files, message = BROKEN[case]
    config = _write_config(tmp_path, text, **files)
    with pytest.raises(ConfigError, match=message):
        Host(config, load_entrypoints=False)


def test_a_good_configuration_with_files_starts_and_uses_them(tmp_path):
    config = _write_config(tmp_path, '[parsers.regex]\nkeywords = ["kw.toml"]\nmax_chars = 2000\ndoubt = false\n'
                                     '[parsers.regex.providers.acme]\nsymbols = ["sym.toml"]\n',
                           **{"kw.toml": '[direction]\nbuy = ["kaufen"]\n[emoji_labels]\nstop_loss = ["🛑"]\n',
                              "sym.toml": '[aliases]\nXAUUSD = ["goldie"]\n'})
    host = make_host(signalos_regex, config=str(config))
    assert host.parse("XAUUSD kaufen 2350 SL 2340 TP 2360").result.direction == "buy"
    assert host.parse(Message("goldie BUY 2350 SL 2340 TP 2360", provider="acme")).result.symbol == "XAUUSD"
    assert list(host.errors) == []


def test_a_configuration_given_as_a_dict_is_checked_too():
    with pytest.raises(ConfigError, match=r"\[pipelines.default\] threshold: expected a number between 0 and 1"):
        Config.from_dict({"pipelines": {"default": {"parsers": ["regex"], "threshold": 5}}})
    with pytest.raises(ConfigError, match=r"\[deployers.blue-green\] max_error_rate"):
        make_host(config={"deployers": {"blue-green": {"max_error_rate": "none"}}})
    with pytest.raises(ConfigError, match=r"quorum: expected a whole number"):
        make_host().use_pipeline("p", ["regex"], quorum=0)


def test_a_learned_parser_with_no_model_stops_the_start(tmp_path, capsys):
    pytest.importorskip("spacy")
    config = _write_config(tmp_path, '[pipelines.default]\nparsers = ["spacy-ner", "regex"]\n')
    code, out, err = _run_main(["--config", str(config), "parse", SIGNAL, "--json"], capsys)
    assert code == 1 and out == ""
    assert "parser 'spacy-ner' cannot start: no trained model 'spacy-ner'" in err


def test_a_pipeline_that_cannot_start_is_not_added(tmp_path):
    class Unbuildable:
        name = "unbuildable-plugin"

        from signalos.hookspecs import hookimpl

        @hookimpl
        def register_parsers(self, register, host):
            register("unbuildable", lambda host, options: (_ for _ in ()).throw(OSError("model gone")))

    host = make_host(Unbuildable(), signalos_regex)
    with pytest.raises(ConfigError, match="parser 'unbuildable' cannot start: OSError: model gone"):
        host.use_pipeline("p", ["unbuildable", "regex"])
    assert "p" not in host.config.pipelines
    with pytest.raises(ConfigError, match="unknown pipeline 'p'"):
        host.parse(SIGNAL, pipeline="p")


# a parser that raises ---------------------------------------------------------------------------

@pytest.mark.parser_errors
def test_a_regex_parser_exception_is_recorded_and_the_chain_goes_on(tmp_path):
    # a provider's own tables are read on its first message: a file removed since the start
    # makes the regex parser raise there, which used to be answered as noise
    config = _write_config(tmp_path, '[pipelines.default]\nparsers = ["regex", "backup"]\n'
                                     '[parsers.regex.providers.acme]\nkeywords = ["acme.toml"]\n',
                           **{"acme.toml": '[direction]\nbuy = ["kaufen"]\n'})
    host = make_host(signalos_regex, parser_plugin("backup", lambda m: {"kind": "noise"}), config=str(config))
    (tmp_path / "acme.toml").unlink()
    outcome = host.parse(Message(SIGNAL, provider="acme"))
    assert outcome.result.parser == "backup"  # answered, never raised
    assert outcome.attempts[0].reason == "error" and "acme.toml" in outcome.attempts[0].error
    (error,) = host.errors
    assert (error.stage, error.component, error.plugin) == ("parse", "regex", "signalos_regex")
    assert host.parse(SIGNAL).result.parser == "regex"  # the other providers are unaffected


@pytest.mark.parser_errors
def test_the_cli_shows_a_parser_error_on_stderr():
    def boom(message):
        raise RuntimeError("tables unreadable")

    res = run_cli(["parse", SIGNAL, "--json"], parser_plugin("boom", boom),
                  parser_plugin("backup", lambda m: {"kind": "noise"}),
                  config={"pipelines": {"default": {"parsers": ["boom", "backup"]}}})
    assert res.exit_code == 0 and json.loads(res.stdout)["parser"] == "backup"
    assert "error: parse: boom (plugin test-boom) raised RuntimeError: tables unreadable" in res.stderr


def test_the_cli_shows_each_distinct_error_once():
    from signalos.cli.common import ErrorReporter
    from signalos.host import RecordedError

    lines = []
    reporter = ErrorReporter()
    real = sys.stderr
    try:
        sys.stderr = type("W", (), {"write": lambda self, s: lines.append(s), "flush": lambda self: None})()
        for _ in range(3):
            reporter(RecordedError("regex", "signalos_regex", "ValueError: x", "", "parse"))
        reporter(RecordedError("regex", "signalos_regex", "ValueError: y", "", "parse"))
    finally:
        sys.stderr = real
    assert len(lines) == 2


TEST_WITH_A_PARSER_ERROR = '''
import pytest
from signalos.testing import make_host, parser_plugin

def boom(message):
    raise RuntimeError("bug in a parser")

def host():
    return make_host(parser_plugin("boom", boom), parser_plugin("ok", lambda m: {"kind": "noise"}),
                     config={"pipelines": {"default": {"parsers": ["boom", "ok"]}}})

def test_only_looks_at_the_answer():
    assert host().parse("anything").result.kind == "noise"

@pytest.mark.parser_errors
def test_expects_the_error():
    assert host().parse("anything").result.kind == "noise"
'''


@pytest.mark.parser_errors  # the inner session's errors pass through this test's hosts too
def test_the_suite_fails_a_test_during_which_a_parser_raised(pytester):
    tests = Path(__file__).parent
    shutil.copy(tests / "conftest.py", pytester.path / "conftest.py")
    shutil.copy(tests / "toy_plugin.py", pytester.path / "toy_plugin.py")
    pytester.makepyfile(test_inner=TEST_WITH_A_PARSER_ERROR)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_only_looks_at_the_answer*", "*a parser raised during this test*"])
