"""No one in: model names that are paths, manifests that point outside their directory, files a
manifest does not list, a configuration that runs commands, A/B arms that cannot be served."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import deploy_support as ds
import signalos_deploy
from signalos.errors import SignalosError
from signalos.modelstore import (
    MANIFEST, Manifest, ModelLoadError, ModelStore, check_name, parse_version, read_manifest,
)
from signalos.testing import make_host, run_cli


# model names ------------------------------------------------------------------------------------

def _outside_model(directory: Path, version: str = "0.1.0") -> Path:
    """A complete ``table`` model directory outside any workspace (the attacker's)."""
    path = directory / version
    path.mkdir(parents=True)
    (path / "table.json").write_text(json.dumps({"answers": ds.answers()}), encoding="utf-8")
    manifest = Manifest(name="evil", version=version, kind=ds.MODEL,
                        files={"table.json": {"size": (path / "table.json").stat().st_size}})
    (path / MANIFEST).write_text(json.dumps(manifest.to_dict()), encoding="utf-8")
    return path


@pytest.fixture
def deep_ws(tmp_path):
    """A workspace three directories down, a golden set, and an outside model at ``tmp/a/evil``."""
    ws = tmp_path / "a" / "b" / "ws"
    ds.register_version(ws, "1.0.0", ds.answers())
    _outside_model(tmp_path / "a" / "evil")  # = ws/models/../../../evil
    return ws, ds.write_golden(tmp_path / "golden.jsonl")


def _alias_rows(ws: Path) -> list[tuple]:
    store = ModelStore(ws)
    try:
        return [tuple(r) for r in store.db.execute("SELECT name, alias, version FROM aliases").fetchall()]
    finally:
        store.close()


@pytest.mark.parametrize("name", ["../../../evil", "{outside}", "table\n", "table/../../../../evil"])
def test_models_deploy_refuses_a_name_that_is_a_path(deep_ws, tmp_path, name):
    ws, golden = deep_ws
    name = name.format(outside=tmp_path / "a" / "evil")
    res = run_cli(["models", "deploy", name, "0.1.0", "--force", "--golden", str(golden), "--workspace", str(ws)],
                  ds, signalos_deploy, config=ds.config(ws, golden))
    assert res.exit_code != 0
    assert isinstance(res.exception, SignalosError) and "invalid model name" in str(res.exception)
    assert _alias_rows(ws) == []


def test_the_deployer_api_refuses_a_path_name_before_reading_it(deep_ws):
    ws, golden = deep_ws
    host = make_host(ds, signalos_deploy, config=ds.config(ws, golden))
    with pytest.raises(SignalosError, match="invalid model name"):
        signalos_deploy.promote(host, "../../../evil", "0.1.0", force=True)
    with pytest.raises(SignalosError, match="invalid model name"):
        host.component("deployers", "blue-green").rollback("../../../evil")
    assert _alias_rows(ws) == []


@pytest.mark.parametrize("spec", ["../../../evil@0.1.0", "{outside}@0.1.0"])
def test_models_show_refuses_a_name_that_is_a_path(deep_ws, tmp_path, spec):
    ws, golden = deep_ws
    spec = spec.format(outside=tmp_path / "a" / "evil")
    res = run_cli(["models", "show", spec, "--workspace", str(ws), "--json"], config=ds.config(ws, golden))
    assert res.exit_code != 0 and "invalid model name" in str(res.exception)
    assert "evil" not in res.stdout


def test_every_registry_path_checks_the_name(tmp_path):
    store = ModelStore(tmp_path / "ws")
    try:
        for bad in ("../x", "/tmp/x", "x\n", "X", "", ".hidden", "a" * 200):
            with pytest.raises(SignalosError, match="invalid model name"):
                check_name(bad)
            with pytest.raises(SignalosError):
                store.versions(bad)
            with pytest.raises(SignalosError):
                store.resolve(f"{bad}@0.1.0")
            with pytest.raises(SignalosError):
                store.staging_dir(bad)
            with pytest.raises(SignalosError):
                store.set_alias(bad, "production", "0.1.0")
        with pytest.raises(SignalosError):
            store.commit(store.staging_dir("ok"), Manifest(name="../ok", version="0.1.0", kind="toy"))
        assert not (tmp_path / "ok").exists() and not (tmp_path / "ws" / "ok").exists()
        check_name("spacy-ner.v2_1")  # an ordinary name passes
    finally:
        store.close()


def test_a_version_with_a_trailing_newline_is_not_a_version():
    with pytest.raises(SignalosError):
        parse_version("1.0.0\n")
    assert parse_version("1.0.0") == (1, 0, 0)


# manifests --------------------------------------------------------------------------------------

def _model_with_files(tmp_path: Path, files: dict) -> Path:
    path = tmp_path / "m" / "0.1.0"
    path.mkdir(parents=True)
    manifest = Manifest(name="m", version="0.1.0", kind="toy", files=files)
    (path / MANIFEST).write_text(json.dumps(manifest.to_dict()), encoding="utf-8")
    return path


def test_a_manifest_listing_an_absolute_path_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    path = _model_with_files(tmp_path, {str(secret): {"size": secret.stat().st_size}})
    with pytest.raises(ModelLoadError, match="not a path inside its directory"):
        read_manifest(path, verify=True)


def test_a_manifest_listing_a_device_never_reads_it(tmp_path):
    # with a sha256 this used to hash /dev/zero for ever; the listing alone is refused now
    path = _model_with_files(tmp_path, {"/dev/zero": {"size": 0}})
    with pytest.raises(ModelLoadError, match="/dev/zero"):
        read_manifest(path, verify=True)


def test_a_manifest_cannot_reach_up_out_of_its_directory(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    path = _model_with_files(tmp_path, {"../../secret.txt": {"size": 99}})
    with pytest.raises(ModelLoadError, match="not a path inside") as info:
        read_manifest(path, verify=True)
    assert "10 bytes" not in str(info.value)  # the outside file's size is not told


def test_a_link_out_of_the_model_directory_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    path = _model_with_files(tmp_path, {"weights.json": {"size": secret.stat().st_size}})
    os.symlink(secret, path / "weights.json")
    with pytest.raises(ModelLoadError, match="leads outside"):
        read_manifest(path, verify=True)


def test_a_file_the_manifest_does_not_list_is_flagged(tmp_path):
    ws = tmp_path / "ws"
    path = ds.register_version(ws, "1.0.0", ds.answers())
    store = ModelStore(ws)
    try:
        store.resolve("table@1.0.0", verify=True)
        (path / "pytorch_model.bin").write_bytes(b"not a pickle, but it could be")
        with pytest.raises(ModelLoadError, match=r"pytorch_model\.bin.*not listed in its manifest"):
            store.resolve("table@1.0.0", verify=True)
    finally:
        store.close()


def test_a_manifest_that_is_not_an_object_is_a_damaged_model(tmp_path):
    path = _model_with_files(tmp_path, {})
    (path / MANIFEST).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="unreadable"):
        read_manifest(path)


def test_a_manifest_naming_another_model_is_refused(tmp_path):
    ws = tmp_path / "ws"
    path = ds.register_version(ws, "1.0.0", ds.answers())
    data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    (path / MANIFEST).write_text(json.dumps({**data, "name": "../../elsewhere"}), encoding="utf-8")
    store = ModelStore(ws)
    try:
        with pytest.raises(ModelLoadError, match="says"):
            store.resolve("table@1.0.0")
    finally:
        store.close()


# weights ----------------------------------------------------------------------------------------

def test_transformer_weights_load_from_safetensors_only(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers import BertForTokenClassification, BertTokenizerFast

    from signalos_transformers.encoder import EncoderParser
    from tiny_models import tiny_encoder

    base = tiny_encoder(tmp_path / "base")
    store = ModelStore(tmp_path / "ws")
    try:
        staging = store.staging_dir("transformer")
        model = BertForTokenClassification.from_pretrained(str(base))
        model.save_pretrained(staging / "model")
        # the same weights as a pickle, which transformers would read when no safetensors is there
        (staging / "model" / "model.safetensors").unlink()
        torch.save(model.state_dict(), staging / "model" / "pytorch_model.bin")
        BertTokenizerFast.from_pretrained(str(base)).save_pretrained(staging / "model")
        ref = store.commit(staging, Manifest(name="transformer", version="0.1.0", kind="transformer"))
    finally:
        store.close()
    assert (ref.path / "model" / "pytorch_model.bin").is_file()  # listed in the manifest, hashes match
    parser = EncoderParser(None, {"path": str(ref.path)})
    with pytest.raises(ModelLoadError, match="cannot load"):
        parser.version


# an llm adapter's base model -------------------------------------------------------------------

def _complete_base(path: Path) -> Path:
    """A base model directory the llm loader would accept: a config and a manifest listing it."""
    path.mkdir(parents=True)
    (path / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    size = (path / "config.json").stat().st_size
    base = Manifest(name="base", version="1.0.0", kind="base-llm", files={"config.json": {"size": size}})
    (path / MANIFEST).write_text(json.dumps(base.to_dict()), encoding="utf-8")
    return path


def _llm_model(ws: Path, extra: dict) -> Path:
    """An ``llm`` version whose manifest's extra is ``extra`` (where it says its base lies)."""
    store = ModelStore(ws)
    try:
        staging = store.staging_dir("llm")
        (staging / "adapter").mkdir()
        (staging / "adapter" / "adapter_model.safetensors").write_bytes(b"{}")
        return store.commit(staging, Manifest(name="llm", version="0.1.0", kind="llm", extra=extra)).path
    finally:
        store.close()


@pytest.fixture
def outside_base(tmp_path):
    """A workspace at ``tmp/ws`` and a complete base model outside it, at ``tmp/outside-base``."""
    return tmp_path / "ws", _complete_base(tmp_path / "outside-base")


def _escapes(ws: Path, outside: Path) -> dict[str, str]:
    link = ws / "models" / ".bases" / "linked"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, link)
    return {"absolute": str(outside), "relative": "../../outside-base",
            "through .bases": ".bases/../../../outside-base", "a link in .bases": ".bases/linked",
            "the models directory itself": "."}


@pytest.mark.parametrize("how", ["absolute", "relative", "through .bases", "a link in .bases",
                                 "the models directory itself"])
def test_an_llm_manifest_whose_base_dir_leads_outside_the_workspace_is_refused(outside_base, how):
    ws, outside = outside_base
    _llm_model(ws, {"base_dir": _escapes(ws, outside)[how]})
    store = ModelStore(ws)
    try:
        with pytest.raises(ModelLoadError, match=r"model llm@0\.1\.0: its manifest's base_dir .* is outside "
                                                 r"the workspace's models directory"):
            store.resolve("llm@0.1.0", verify=True)  # models show --verify, models deploy, every parser load
    finally:
        store.close()
    res = run_cli(["models", "show", "llm@0.1.0", "--verify", "--workspace", str(ws)])
    assert res.exit_code != 0 and "outside the workspace's models directory" in str(res.exception)


@pytest.mark.parametrize("how", ["absolute", "relative", "a link in .bases"])
def test_the_llm_loader_reads_no_base_outside_the_workspace(outside_base, how):
    """The loader checks again what it is about to read, a reference resolved without verifying
    (``store.resolve(spec)``) included."""
    pytest.importorskip("transformers")
    pytest.importorskip("peft")
    from signalos_transformers.llm import LlmParser, load_llm

    ws, outside = outside_base
    _llm_model(ws, {"base_dir": _escapes(ws, outside)[how]})
    store = ModelStore(ws)
    try:
        ref = store.resolve("llm@0.1.0")
    finally:
        store.close()
    with pytest.raises(ModelLoadError, match="outside the workspace's models directory"):
        load_llm(ref)
    parser = LlmParser(None, {"workspace": str(ws), "model": "0.1.0"})
    with pytest.raises(ModelLoadError, match="outside the workspace's models directory"):
        parser.parse("GOLD BUY 2350")


def test_an_llm_manifest_must_name_its_base_inside_the_workspace(tmp_path):
    ws = tmp_path / "ws"
    inside = _complete_base(ws / "models" / ".bases" / "tiny")
    path = _llm_model(ws, {"base_dir": ".bases/tiny"})
    assert read_manifest(path, verify=True).extra["base_dir"] == ".bases/tiny"  # the one accepted place
    store = ModelStore(ws)
    try:
        from signalos.modelstore import base_dir

        assert base_dir(store.resolve("llm@0.1.0")) == inside.resolve()
    finally:
        store.close()
    cases = [({}, "names no base_dir"), ({"base_dir": 5}, "is not a path"), ({"base_dir": ""}, "is not a path"),
             ({"base_dir": "x\0y"}, "is not a path")]
    for n, (extra, why) in enumerate(cases):
        _llm_model(tmp_path / f"ws{n}", extra)
        ref_store = ModelStore(tmp_path / f"ws{n}")
        try:
            ref = ref_store.resolve("llm@0.1.0")
            if "base_dir" in extra:
                with pytest.raises(ModelLoadError, match=why):
                    ref_store.resolve("llm@0.1.0", verify=True)
            with pytest.raises(ModelLoadError, match=why):
                base_dir(ref)
        finally:
            ref_store.close()


# a configuration that runs commands -------------------------------------------------------------

@pytest.fixture
def planted_config(tmp_path, monkeypatch):
    """A working directory whose signalos.toml would run a command on ``monitor check``, and a
    workspace with enough feedback to trigger a retraining."""
    from signalos.store import Workspace

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    marker = tmp_path / "ran"
    command = [sys.executable, "-c", f"open({str(marker)!r}, 'w').write('ran')"]
    (cwd / "signalos.toml").write_text(
        f'workspace = {json.dumps(str(tmp_path / "ws"))}\n\n[monitor.retrain]\n'
        f'command = {json.dumps(command)}\nfeedback_items = 1\ncooldown = 0\n', encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    ws.db["messages"].insert({"id": 1, "natural_key": "k", "text": "t"})
    ws.db["review_queue"].insert({"message_id": 1, "status": "open", "reason": "rejected"})
    ws.close()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("SIGNALOS_RETRAIN", raising=False)
    return marker


def _check(*args: str):
    from typer.testing import CliRunner

    from signalos.cli import build_app

    return CliRunner().invoke(build_app(), ["monitor", "check", "--json", *args])


def test_monitor_check_does_not_run_the_configured_command_unless_asked(planted_config):
    res = _check()
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["retrain"] is None and not planted_config.exists()
    assert "--retrain" in out["retrain_note"] and "SIGNALOS_RETRAIN=1" in out["retrain_note"]
    assert [t["kind"] for t in out["retrain_pending"]] == ["feedback"]  # the trigger waits, not lost


def test_monitor_check_runs_the_command_with_retrain(planted_config):
    res = _check("--retrain")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["retrain"]["status"] == "ok"
    assert planted_config.read_text() == "ran"


def test_signalos_retrain_1_is_the_same_choice(planted_config, monkeypatch):
    monkeypatch.setenv("SIGNALOS_RETRAIN", "1")
    assert _check().exit_code == 0
    assert planted_config.exists()


def test_the_monitor_api_runs_no_command_by_default(planted_config):
    from signalos.host import Host
    from signalos.monitor import Monitor
    from signalos.store import Workspace

    host = Host(load_entrypoints=False)  # reads ./signalos.toml, as a bot would
    out = Monitor(host, Workspace.for_host(host, None)).check()
    assert out["retrain"] is None and not planted_config.exists()


# A/B arms that cannot be served ---------------------------------------------------------------

def _ab_start(ws: Path, *variants: str):
    import signalos_ab

    config = {"workspace": str(ws), **{k: v for k, v in ds.config(ws).items() if k != "workspace"}}
    return run_cli(["ab", "start", "e", *(a for v in variants for a in ("-v", v)), "--workspace", str(ws)],
                   ds, signalos_ab, config=config)


@pytest.mark.parametrize("weights", [("inf", "1"), ("1e308", "1"), ("1e308", "1e308"), ("nan", "1"), ("20000", "1")])
def test_ab_start_refuses_weights_that_starve_an_arm(tmp_path, weights):
    ws = tmp_path / "ws"
    ds.register_version(ws, "1.0.0", ds.answers())
    a, b = weights
    res = _ab_start(ws, f"a=table@1.0.0:{a}", f"b=table@1.0.0:{b}")
    assert res.exit_code != 0 and "weight" in str(res.exception)
    assert _experiments(ws) == []


def test_ab_start_refuses_a_model_version_that_does_not_exist(tmp_path):
    ws = tmp_path / "ws"
    ds.register_version(ws, "1.0.0", ds.answers())
    res = _ab_start(ws, "a=table@1.0.0", "b=table@9.9.9")
    assert res.exit_code != 0
    assert "variant 'b'" in str(res.exception) and "table@9.9.9 does not exist" in str(res.exception)
    assert _experiments(ws) == []
    ok = _ab_start(ws, "a=table@1.0.0", "b=table@1.0.0:3")  # the same arms with real versions start
    assert ok.exit_code == 0, ok.output
    assert _experiments(ws) == ["e"]


def _experiments(ws: Path) -> list[str]:
    from signalos.store import Workspace

    w = Workspace(ws)
    try:
        return [r[0] for r in w.db.execute("SELECT name FROM experiments").fetchall()] \
            if w.db["experiments"].exists() else []
    finally:
        w.close()


def test_ab_start_refuses_a_configured_pipeline_that_cannot_start(tmp_path):
    import signalos_ab

    ws = tmp_path / "ws"
    ds.register_version(ws, "1.0.0", ds.answers())
    config = {**ds.config(ws), "pipelines": {"default": {"parsers": ["table@1.0.0"]},
                                             "next": {"parsers": ["table@2.0.0"]}}}
    res = run_cli(["ab", "start", "e", "-v", "a=default", "-v", "b=next", "--workspace", str(ws)],
                  ds, signalos_ab, config=config)
    assert res.exit_code != 0 and "variant 'b'" in str(res.exception) and "table@2.0.0" in str(res.exception)
    assert _experiments(ws) == []
