"""A process that embeds Host follows alias moves without a restart (signalos.aliaswatch)."""
from __future__ import annotations

import threading
import time

import pytest

import deploy_support as ds
import signalos_deploy
from signalos.aliaswatch import AliasWatcher, followed_alias
from signalos.modelstore import ModelStore
from signalos.testing import make_host


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_ALIAS_CHECK_S", "0")  # check on every parse
    ws = tmp_path / "ws"
    for v in ("1.0.0", "1.1.0"):
        ds.register_version(ws, v, ds.answers())
    return ws


def deployer_host(ws, tmp_path):
    """Another host (another 'process') that deploys."""
    return make_host(ds, signalos_deploy, config=ds.config(ws, ds.write_golden(tmp_path / "golden.jsonl")))


TEXT = "alpha: buy gold 2000.0"


def test_a_serving_host_picks_up_a_deploy_without_a_restart(ws, tmp_path):
    bot = make_host(ds, config=ds.config(ws))
    ops = deployer_host(ws, tmp_path)
    signalos_deploy.promote(ops, "table", "1.0.0")
    assert bot.parse(TEXT).result.parser == "table@1.0.0"
    old = bot.parser("table@production")
    assert signalos_deploy.promote(ops, "table", "1.1.0").deployed
    assert bot.parse(TEXT).result.parser == "table@1.1.0"
    assert bot.parser("table@production") is not old
    signalos_deploy.rollback(ops, "table")
    assert bot.parse(TEXT).result.parser == "table@1.0.0"


def test_a_bare_learned_parser_follows_production(ws, tmp_path):
    bot = make_host(ds, config={**ds.config(ws), "pipelines": {"default": {"parsers": ["table"]}}})
    assert bot.parse(TEXT).result.parser == "table@1.1.0"  # no production yet: the latest version
    signalos_deploy.promote(deployer_host(ws, tmp_path), "table", "1.0.0")
    assert bot.parse(TEXT).result.parser == "table@1.0.0"


def test_a_pinned_version_never_reloads(ws, tmp_path):
    bot = make_host(ds, config={**ds.config(ws), "pipelines": {"default": {"parsers": ["table@1.0.0"]}}})
    ops = deployer_host(ws, tmp_path)
    signalos_deploy.promote(ops, "table", "1.0.0")
    first = bot.parser("table@1.0.0")
    signalos_deploy.promote(ops, "table", "1.1.0")
    assert bot.parser("table@1.0.0") is first


def test_a_move_to_a_version_that_fails_to_load_keeps_the_old_one_serving(ws, tmp_path):
    bot = make_host(ds, config=ds.config(ws))
    signalos_deploy.promote(deployer_host(ws, tmp_path), "table", "1.0.0")
    assert bot.parse(TEXT).result.parser == "table@1.0.0"
    path = ds.register_version(ws, "2.0.0", ds.answers())
    (path / "table.json").write_text("{}", encoding="utf-8")
    store = ModelStore(ws)  # a move made around the deployer, straight through the registry
    store.set_alias("table", "production", "2.0.0", reason="by hand")
    store.close()
    assert bot.parse(TEXT).result.parser == "table@1.0.0"
    assert "table.json" in bot.errors[-1].error and bot.errors[-1].component == "table@production"
    assert bot.parse(TEXT).result.parser == "table@1.0.0"  # one attempt per move, not one per parse
    assert len(bot.errors) == 1


def test_the_alias_table_is_read_at_most_once_per_interval(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALOS_ALIAS_CHECK_S", "3600")
    bot = make_host(ds, config=ds.config(ws))
    signalos_deploy.promote(deployer_host(ws, tmp_path), "table", "1.0.0")
    for _ in range(100):
        bot.parse(TEXT)
    watcher = bot._alias_watchers[ws]
    assert watcher.reads == 1  # the read made when the parser was built
    signalos_deploy.promote(deployer_host(ws, tmp_path), "table", "1.1.0")
    assert bot.parse(TEXT).result.parser == "table@1.0.0"  # not yet: the interval has not passed
    watcher.interval = 0
    assert bot.parse(TEXT).result.parser == "table@1.1.0"


def test_the_watcher_skips_the_read_when_nothing_was_committed(ws):
    store = ModelStore(ws)
    store.set_alias("table", "production", "1.0.0")
    watcher = AliasWatcher(ws / "signalos.db", interval=0)
    assert watcher.version("table", "production") == "1.0.0"
    for _ in range(10):
        watcher.version("table", "production")
    assert watcher.reads == 1  # PRAGMA data_version did not change
    store.set_alias("table", "production", "1.1.0")
    store.close()
    assert watcher.version("table", "production") == "1.1.0" and watcher.reads == 2
    watcher.close()


def test_the_watcher_of_a_workspace_without_a_database_creates_nothing(tmp_path):
    watcher = AliasWatcher(tmp_path / "none" / "signalos.db", interval=0)
    assert watcher.version("table", "production") is None
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("name, options, expected", [
    ("spacy-ner@production", {"model": "production"}, ("spacy-ner", "production")),
    ("spacy-ner", {}, ("spacy-ner", "production")),
    ("spacy-ner", {"model": "staging"}, ("spacy-ner", "staging")),
    ("ner@candidate", {"model": "candidate", "name": "ner-fa"}, ("ner-fa", "candidate")),
    ("spacy-ner@1.2.0", {"model": "1.2.0"}, None),
    ("spacy-ner@latest", {"model": "latest"}, None),
    ("spacy-ner", {"path": "models/x"}, None),
])
def test_followed_alias(name, options, expected):
    assert followed_alias("parsers", name, options) == expected
    assert followed_alias("evaluators", name, options) is None


def test_threads_parsing_through_a_move_all_get_answers_and_the_model_loads_once(ws, tmp_path, monkeypatch):
    built = []
    real_init = ds.TableParser.__init__

    def counting_init(self, host, options):
        real_init(self, host, options)
        built.append(self.ref.version)

    monkeypatch.setattr(ds.TableParser, "__init__", counting_init)
    bot = make_host(ds, config=ds.config(ws))
    ops = deployer_host(ws, tmp_path)
    signalos_deploy.promote(ops, "table", "1.0.0")
    assert bot.parse(TEXT).result.parser == "table@1.0.0"
    seen, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            seen.append(bot.parse(TEXT).result.parser)

    threads = [threading.Thread(target=serve) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        built.clear()  # the deployer's own smoke instances are not the bot's
        store = ModelStore(ws)
        store.set_alias("table", "production", "1.1.0", reason="threads")
        store.close()
        deadline = time.monotonic() + 120  # generous: eight busy threads on a loaded machine
        while bot.parse(TEXT).result.parser != "table@1.1.0":
            assert time.monotonic() < deadline, "the host never followed the alias"
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert set(seen) <= {"table@1.0.0", "table@1.1.0"} and not bot.errors
    assert built == ["1.1.0"]
