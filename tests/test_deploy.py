"""The blue-green deployer: smoke test, promotion gate, atomic alias moves, rollback, history."""
from __future__ import annotations

import json

import pytest

import deploy_support as ds
import signalos_deploy
from signalos.modelstore import ModelStore
from signalos.testing import make_host, run_cli
from signalos_deploy.deployer import known_good
from signalos_deploy.errors import DeployError


@pytest.fixture
def env(tmp_path):
    """A workspace with ``table@1.0.0`` (perfect), a golden set, and a host built on them."""
    ws = tmp_path / "ws"
    golden = ds.write_golden(tmp_path / "golden.jsonl")
    ds.register_version(ws, "1.0.0", ds.answers())

    class Env:
        workspace = ws
        golden_path = golden

        @staticmethod
        def host(**deployer):
            return make_host(ds, signalos_deploy, config=ds.config(ws, golden, **deployer))

        @staticmethod
        def aliases():
            store = ModelStore(ws)
            try:
                return store.aliases(ds.MODEL), store.alias_history(ds.MODEL)
            finally:
                store.close()

    return Env


def test_register_deployers_gives_blue_green(env):
    host = env.host()
    assert "blue-green" in host.deployers
    assert host.deployers.get("blue-green").plugin == "signalos_deploy"


def test_first_deploy_passes_the_smoke_test_and_records_the_move(env):
    decision = signalos_deploy.promote(env.host(), "table", "1.0.0", reason="first", actor="ana")
    assert decision.deployed and decision.gate == "passed" and decision.previous is None
    assert decision.candidate_figures["exact_match"] == 1.0
    assert "no production version of table yet: smoke test only" in decision.notes
    aliases, history = env.aliases()
    assert aliases == {"production": "1.0.0"}
    (row,) = history
    assert (row["version"], row["previous"], row["actor"], row["reason"], row["gate"]) == \
        ("1.0.0", None, "ana", "first", "passed")
    assert row["deployment_id"] == decision.deployment_id and row["moved_at"]


def test_gate_refuses_a_field_and_provider_regression_with_reasons(env):
    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    ds.register_version(env.workspace, "2.0.0", ds.answers(wrong_stop_for="beta"))
    decision = signalos_deploy.promote(host, "table", "2.0.0", reason="try")
    assert decision.status == "refused" and not decision.deployed
    assert decision.baseline == "1.0.0"
    assert any(r.startswith("field stop_loss: 1.000 -> 0.500") for r in decision.reasons), decision.reasons
    assert any(r.startswith("provider beta: 1.000 -> 0.200") for r in decision.reasons), decision.reasons
    assert not any("provider alpha" in r for r in decision.reasons)
    assert env.aliases()[0] == {"production": "1.0.0"}
    attempts = host.component("deployers", "blue-green").attempts("table")
    assert [a["status"] for a in attempts] == ["deployed", "refused"]
    assert attempts[1]["reasons"] == list(decision.reasons)


def test_a_drop_within_the_margin_passes(env):
    ds.register_version(env.workspace, "1.1.0", ds.answers(wrong_stop_for="beta", wrong_count=1))
    host = env.host(margin=0.07)
    signalos_deploy.promote(host, "table", "1.0.0")
    # one wrong stop of 32 signals (-0.031 on the field) and of 20 beta messages (-0.05)
    assert signalos_deploy.promote(host, "table", "1.1.0").deployed
    # against 1.1.0, one beta error traded for one alpha error: flat overall and per field, but the
    # alpha slice drops 0.05, past the default margin of 0.02
    ds.register_version(env.workspace, "1.2.0", ds.answers(wrong_stop_for="alpha", wrong_count=1))
    decision = signalos_deploy.promote(env.host(), "table", "1.2.0")
    assert decision.status == "refused"
    assert decision.reasons == ("provider alpha: 1.000 -> 0.950 (-0.050, margin 0.020) on 20 messages",)
    assert signalos_deploy.promote(host, "table", "1.2.0").deployed


def test_min_support_leaves_small_slices_out(env, tmp_path):
    rows = ds.golden_rows(40) + [{"id": "g-1", "text": "gamma: hi", "provider": "gamma", "label": {"kind": "noise"}}]
    golden = ds.write_golden(tmp_path / "g2.jsonl", rows)
    spoiled = ds.answers(rows)
    spoiled["gamma: hi"] = ds.answers(rows)["alpha: buy gold 2000.0"]  # gamma's one message goes wrong
    ds.register_version(env.workspace, "1.4.0", ds.answers(rows))
    ds.register_version(env.workspace, "1.5.0", spoiled)
    signalos_deploy.promote(env.host(), "table", "1.4.0", golden=str(golden))
    refused = signalos_deploy.promote(env.host(), "table", "1.5.0", golden=str(golden))
    assert refused.status == "refused" and refused.reasons[0].startswith("provider gamma: 1.000 -> 0.000")
    assert signalos_deploy.promote(env.host(min_support=2), "table", "1.5.0", golden=str(golden)).deployed


def test_force_moves_past_the_gate_but_is_not_known_good(env):
    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    ds.register_version(env.workspace, "2.0.0", ds.answers(wrong_stop_for="beta"))
    decision = signalos_deploy.promote(host, "table", "2.0.0", force=True, reason="hotfix")
    assert decision.deployed and decision.gate == "forced" and decision.reasons
    assert env.aliases()[0]["production"] == "2.0.0"
    back = signalos_deploy.rollback(host, "table", reason="bad")
    assert back.deployed and back.version == "1.0.0" and back.previous == "2.0.0" and back.gate == "rollback"


def test_a_version_that_does_not_load_is_never_deployed(env):
    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    path = ds.register_version(env.workspace, "3.0.0", ds.answers())
    (path / "table.json").write_text("{}", encoding="utf-8")  # damaged after registration
    decision = signalos_deploy.promote(host, "table", "3.0.0", force=True)
    assert decision.status == "failed"
    assert "table.json" in decision.reasons[0] and "failed to load" in decision.reasons[0]
    assert env.aliases()[0]["production"] == "1.0.0"


def test_a_version_that_raises_fails_the_smoke_test(env):
    host = env.host()
    ds.register_version(env.workspace, "0.9.0", ds.answers(raise_for="beta"))
    decision = signalos_deploy.promote(host, "table", "0.9.0")
    assert decision.status == "refused"
    assert "raised on 20 of 40 golden messages" in decision.reasons[0]
    assert "RuntimeError: table parser exploded" in decision.reasons[0]


def test_deploying_the_serving_version_changes_nothing(env):
    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    decision = signalos_deploy.promote(host, "table", "1.0.0")
    assert decision.status == "unchanged" and decision.ok and not decision.deployed
    assert len(env.aliases()[1]) == 1


def test_staging_is_smoke_tested_but_not_gated(env):
    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    ds.register_version(env.workspace, "2.0.0", ds.answers(wrong_stop_for="beta"))
    decision = signalos_deploy.promote(host, "table", "2.0.0", alias="staging")
    assert decision.deployed and decision.baseline is None
    assert env.aliases()[0] == {"production": "1.0.0", "staging": "2.0.0"}


def test_an_alias_name_can_be_deployed(env):
    host = env.host()
    ds.register_version(env.workspace, "1.1.0", ds.answers())
    signalos_deploy.promote(host, "table", "1.1.0", alias="candidate")
    decision = signalos_deploy.promote(host, "table", "candidate")
    assert decision.deployed and decision.version == "1.1.0"


def test_no_golden_set_is_an_error(env):
    host = make_host(ds, signalos_deploy, config=ds.config(env.workspace))
    with pytest.raises(DeployError, match="no golden set"):
        signalos_deploy.promote(host, "table", "1.0.0")


def test_an_alias_moved_during_the_gate_is_a_conflict(env, monkeypatch):
    import signalos_deploy.deployer as deployer

    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    ds.register_version(env.workspace, "1.1.0", ds.answers())
    ds.register_version(env.workspace, "1.2.0", ds.answers())
    real_smoke = deployer.smoke

    def smoke_while_someone_deploys(*args, **kwargs):
        store = ModelStore(env.workspace)
        if store.alias("table", "production") != "1.2.0":
            store.set_alias("table", "production", "1.2.0", reason="elsewhere")
        store.close()
        return real_smoke(*args, **kwargs)

    monkeypatch.setattr(deployer, "smoke", smoke_while_someone_deploys)
    decision = signalos_deploy.promote(host, "table", "1.1.0")
    assert decision.status == "conflict" and "moved from 1.0.0 to 1.2.0" in decision.reasons[0]
    aliases, history = env.aliases()
    assert aliases["production"] == "1.2.0" and [h["version"] for h in history] == ["1.0.0", "1.2.0"]


# rollback ------------------------------------------------------------------------------------
def test_rollback_goes_to_the_last_known_good_version(env):
    host = env.host()
    for v in ("1.1.0", "1.2.0"):
        ds.register_version(env.workspace, v, ds.answers())
    for v in ("1.0.0", "1.1.0", "1.2.0"):
        assert signalos_deploy.promote(host, "table", v).deployed
    assert signalos_deploy.rollback(host, "table", actor="bob").version == "1.1.0"
    # 1.2.0 was rolled back from: a second rollback goes further back, not forward again
    assert signalos_deploy.rollback(host, "table").version == "1.0.0"
    with pytest.raises(DeployError, match="nothing to roll back to"):
        signalos_deploy.rollback(host, "table")
    history = env.aliases()[1]
    assert [(h["version"], h["gate"]) for h in history] == [
        ("1.0.0", "passed"), ("1.1.0", "passed"), ("1.2.0", "passed"), ("1.1.0", "rollback"), ("1.0.0", "rollback")]
    assert history[3]["actor"] == "bob" and history[3]["reason"] == "rollback from 1.2.0"


def test_rollback_skips_a_version_whose_files_are_damaged(env):
    host = env.host()
    ds.register_version(env.workspace, "1.1.0", ds.answers())
    p = ds.register_version(env.workspace, "1.2.0", ds.answers())
    for v in ("1.0.0", "1.1.0", "1.2.0"):
        signalos_deploy.promote(host, "table", v)
    signalos_deploy.rollback(host, "table")  # -> 1.1.0
    store = ModelStore(env.workspace)
    path_110 = store.resolve("table@1.1.0").path
    store.close()
    ds.register_version(env.workspace, "1.3.0", ds.answers())
    signalos_deploy.promote(host, "table", "1.3.0")
    (path_110 / "table.json").write_text("{}", encoding="utf-8")
    decision = signalos_deploy.rollback(host, "table")
    assert decision.version == "1.0.0" and "table@1.1.0 does not load" in decision.notes[0]
    assert p.is_dir()
    last = host.component("deployers", "blue-green").attempts("table")[-1]
    assert (last["action"], last["version"], last["status"]) == ("rollback", "1.0.0", "deployed")


def test_a_model_no_parser_serves_is_an_error(env):
    host = make_host(signalos_deploy, config=ds.config(env.workspace, env.golden_path))  # no table parser
    with pytest.raises(DeployError, match="no parser serves model 'table'"):
        signalos_deploy.promote(host, "table", "1.0.0")


def test_rollback_without_an_alias_is_an_error(env):
    with pytest.raises(DeployError, match="no alias 'production'"):
        signalos_deploy.rollback(env.host(), "table")


def test_known_good_ignores_moves_without_a_gate():
    moves = [{"version": "1.0.0", "previous": None, "gate": None},
             {"version": "1.1.0", "previous": "1.0.0", "gate": "passed"},
             {"version": "1.2.0", "previous": "1.1.0", "gate": "forced"}]
    assert known_good(moves, "1.2.0") == ["1.1.0"]
    assert known_good(moves, "1.1.0") == []


def test_served_at_answers_which_version_served_when(env):
    host = env.host()
    dep = host.component("deployers", "blue-green")
    signalos_deploy.promote(host, "table", "1.0.0")
    moved_at = env.aliases()[1][0]["moved_at"]
    assert dep.served_at("table", moved_at) == "1.0.0"
    assert dep.served_at("table", "2000-01-01") is None


# CLI ----------------------------------------------------------------------------------------
def cli(env, *args, **deployer):
    return run_cli(["models", *args, "--workspace", str(env.workspace)], ds, signalos_deploy,
                   config=ds.config(env.workspace, env.golden_path, **deployer))


def test_cli_deploy_refuse_force_rollback_history(env, tmp_path, monkeypatch):
    monkeypatch.setenv("USER", "carol")
    r = cli(env, "deploy", "table", "1.0.0", "--json", "--reason", "first")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["status"] == "deployed" and data["actor"] == "carol" and data["deployed"]

    ds.register_version(env.workspace, "2.0.0", ds.answers(wrong_stop_for="beta"))
    r = cli(env, "deploy", "table", "2.0.0")
    assert r.exit_code == 1
    assert "deploy of table@2.0.0 to production refused; production stays at 1.0.0" in r.stderr
    assert "field stop_loss" in r.stderr

    r = cli(env, "deploy", "table", "2.0.0", "--force", "--actor", "dave", "--reason", "hotfix")
    assert r.exit_code == 0 and "production -> table@2.0.0 (was 1.0.0): deployed, gate forced" in r.stdout

    r = cli(env, "rollback", "table", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["version"] == "1.0.0"

    r = cli(env, "history", "table", "--json")
    rows = json.loads(r.stdout)
    assert [(h["version"], h["gate"], h["actor"]) for h in rows] == [
        ("1.0.0", "passed", "carol"), ("2.0.0", "forced", "dave"), ("1.0.0", "rollback", "carol")]
    assert rows[1]["reason"] == "hotfix"

    r = cli(env, "history", "--attempts", "--json")
    assert [a["status"] for a in json.loads(r.stdout)] == ["deployed", "refused", "deployed", "deployed"]

    r = cli(env, "history", "table")
    assert r.exit_code == 0 and "rollback" in r.stdout

    r = cli(env, "history", "table", "--at", rows[0]["moved_at"], "--json")
    assert json.loads(r.stdout)["aliases"]["production"] == "1.0.0"


def test_cli_golden_option_and_errors(env, tmp_path):
    other = ds.write_golden(tmp_path / "other.jsonl", ds.golden_rows(5))
    r = cli(env, "deploy", "table", "1.0.0", "--golden", str(other), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["candidate_figures"]["n"] == 10
    # in-process the SignalosError reaches the runner; `signalos` prints it as one line (main())
    r = cli(env, "deploy", "table", "9.9.9")
    assert r.exit_code == 1 and "does not exist" in str(r.exception)
    r = cli(env, "deploy", "table", "1.0.0", "--alias", "prod")
    assert r.exit_code == 1 and "unknown alias 'prod'" in str(r.exception)


def test_a_dry_run_gates_and_moves_nothing(env):
    host = env.host()
    signalos_deploy.promote(host, "table", "1.0.0")
    ds.register_version(env.workspace, "1.1.0", ds.answers())
    ds.register_version(env.workspace, "2.0.0", ds.answers(wrong_stop_for="beta"))
    checked = signalos_deploy.promote(host, "table", "1.1.0", dry_run=True)
    assert checked.status == "checked" and checked.ok and not checked.deployed and checked.gate == "passed"
    assert signalos_deploy.promote(host, "table", "2.0.0", dry_run=True).status == "refused"
    assert env.aliases()[0] == {"production": "1.0.0"} and len(env.aliases()[1]) == 1
    r = cli(env, "deploy", "table", "1.1.0", "--dry-run")
    assert r.exit_code == 0 and "dry run: production would move to table@1.1.0 (gate passed)" in r.stdout
