"""The model registry: versions, aliases, manifests, damage detection, ``name@ref`` in pipelines."""
from __future__ import annotations

import json

import pytest

from signalos.errors import ConfigError

from signalos.hookspecs import hookimpl
from signalos.models import ParseResult
from signalos.modelstore import (
    Manifest, ModelLoadError, ModelNotFoundError, ModelStore, model_for_parser, read_manifest, split_spec,
)
from signalos.testing import make_host, parser_plugin, run_cli


def _save(store: ModelStore, name: str = "toy-model", payload: str = "weights", **kw):
    staging = store.staging_dir(name)
    (staging / "weights.json").write_text(json.dumps({"w": payload}), encoding="utf-8")
    (staging / "sub").mkdir()
    (staging / "sub" / "vocab.txt").write_text("a\nb\n", encoding="utf-8")
    manifest = Manifest(name=name, version=kw.pop("version", ""), kind="toy", split_hash="abc",
                        hyperparameters={"lr": 0.1}, epochs=[{"epoch": 1, "exact": 0.5}],
                        metrics={"validation": {"exact": 0.5}}, training_seconds=1.5, **kw)
    return store.commit(staging, manifest)


@pytest.fixture
def store(tmp_path):
    s = ModelStore(tmp_path / "ws")
    yield s
    s.close()


def test_versions_are_semantic_and_increase(store):
    a = _save(store)
    b = _save(store)
    c = _save(store, version="1.0.0")
    assert (a.version, b.version, c.version) == ("0.1.0", "0.2.0", "1.0.0")
    assert store.versions("toy-model") == ["0.1.0", "0.2.0", "1.0.0"]
    assert store.next_version("toy-model") == "1.1.0"
    assert store.next_version("toy-model", "patch") == "1.0.1"


def test_manifest_records_files_size_and_libraries(store):
    ref = _save(store)
    m = json.loads((ref.path / "manifest.json").read_text())
    assert m["name"] == "toy-model" and m["version"] == "0.1.0" and m["kind"] == "toy"
    assert set(m["files"]) == {"weights.json", "sub/vocab.txt"}
    assert m["size_bytes"] == sum(f["size"] for f in m["files"].values())
    assert "python" in m["libraries"] and "signalos" in m["libraries"]
    assert m["hyperparameters"] == {"lr": 0.1} and m["epochs"][0]["exact"] == 0.5
    row = next(store.db["models"].rows_where("name = ? and version = ?", ["toy-model", "0.1.0"]))
    assert row["kind"] == "toy" and row["size_bytes"] == m["size_bytes"]


def test_resolve_version_alias_latest_and_bare_name(store):
    _save(store)
    _save(store)
    assert store.resolve("toy-model").version == "0.2.0"  # latest without a production alias
    assert store.resolve("toy-model@latest").version == "0.2.0"
    assert store.resolve("toy-model@0.1.0").version == "0.1.0"
    store.set_alias("toy-model", "production", "0.1.0", reason="first")
    assert store.resolve("toy-model").version == "0.1.0"
    assert store.resolve("toy-model@production").alias == "production"
    store.set_alias("toy-model", "production", "0.2.0", reason="better")
    history = store.alias_history("toy-model")
    assert [(h["version"], h["previous"]) for h in history] == [("0.1.0", None), ("0.2.0", "0.1.0")]


def test_unknown_model_version_and_alias_are_clear(store):
    _save(store)
    with pytest.raises(ModelNotFoundError, match="no trained model 'nope'.*toy-model"):
        store.resolve("nope")
    with pytest.raises(ModelNotFoundError, match="versions: 0.1.0"):
        store.resolve("toy-model@9.9.9")
    with pytest.raises(ModelNotFoundError, match="no alias 'staging'"):
        store.resolve("toy-model@staging")
    with pytest.raises(ModelNotFoundError):
        store.set_alias("toy-model", "production", "2.0.0")


def test_damaged_files_are_named(store):
    ref = _save(store)
    read_manifest(ref.path, verify=True)
    (ref.path / "sub" / "vocab.txt").write_text("a\nX\n", encoding="utf-8")  # same size, other bytes
    with pytest.raises(ModelLoadError, match=r"vocab\.txt does not match its sha256"):
        store.resolve("toy-model", verify=True)
    (ref.path / "sub" / "vocab.txt").write_text("a\nb\n", encoding="utf-8")
    (ref.path / "weights.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"weights\.json has 1 bytes"):
        read_manifest(ref.path)
    (ref.path / "weights.json").unlink()
    with pytest.raises(ModelLoadError, match=r"weights\.json is missing"):
        read_manifest(ref.path)
    (ref.path / "manifest.json").write_text("not json", encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"manifest\.json is unreadable"):
        read_manifest(ref.path)
    assert "error" in store.entries()[0]  # listing still works and marks the damaged version


def test_split_spec():
    assert split_spec("spacy-ner@production") == ("spacy-ner", "production")
    assert split_spec("spacy-ner@1.2.0") == ("spacy-ner", "1.2.0")
    assert split_spec("spacy-ner") == ("spacy-ner", None)


class _VersionedPlugin:
    """A parser whose factory records the options it was built with and loads its model."""

    name = "versioned"

    def __init__(self):
        self.options_seen = []

    @hookimpl
    def register_parsers(self, register, host):
        plugin = self

        class Parser:
            def __init__(self, host, options):
                plugin.options_seen.append(dict(options))
                self.ref = model_for_parser(host, "toy-model", options)  # raises on a damaged model

            def parse(self, message):
                return ParseResult.noise(confidence=1.0, warnings=(self.ref.spec,))

        register("toy-model", Parser)


def test_pipeline_names_a_model_version_or_alias(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    store = ModelStore(ws)
    _save(store)
    _save(store)
    store.set_alias("toy-model", "staging", "0.1.0")
    store.close()
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    plugin = _VersionedPlugin()
    host = make_host(plugin)
    chain = host.use_pipeline("p", ["toy-model@staging"])
    out = chain.parse("hello")
    assert out.result.parser == "toy-model@staging" and out.result.warnings == ("toy-model@0.1.0",)
    assert host.use_pipeline("q", ["toy-model@0.2.0"]).parse("x").result.warnings == ("toy-model@0.2.0",)
    assert {"model": "staging"} in plugin.options_seen


def test_damaged_model_stops_its_pipeline_at_start(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    store = ModelStore(ws)
    ref = _save(store)
    store.close()
    (ref.path / "weights.json").write_text('{"w": "tampered"}', encoding="utf-8")
    monkeypatch.setenv("SIGNALOS_WORKSPACE", str(ws))
    fallback = parser_plugin("fallback", lambda m: {"kind": "noise"})
    host = make_host(_VersionedPlugin(), fallback)
    with pytest.raises(ConfigError, match=r"parser 'toy-model@0.1.0' cannot start: .*weights\.json"):
        host.use_pipeline("p", ["toy-model@0.1.0", "fallback"])


def test_models_cli_list_and_show(tmp_path):
    ws = tmp_path / "ws"
    store = ModelStore(ws)
    _save(store)
    store.set_alias("toy-model", "production", "0.1.0")
    store.close()
    res = run_cli(["models", "list", "--workspace", str(ws), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows[0]["name"] == "toy-model" and rows[0]["aliases"] == ["production"]
    res = run_cli(["models", "show", "toy-model@production", "--workspace", str(ws), "--json", "--verify"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert shown["version"] == "0.1.0" and shown["verified"] is True and shown["epochs"][0]["epoch"] == 1
    res = run_cli(["models", "show", "toy-model", "--workspace", str(ws)])
    assert res.exit_code == 0 and "toy-model@0.1.0" in res.stdout
    res = run_cli(["models", "show", "nope", "--workspace", str(ws)])
    assert res.exit_code != 0
