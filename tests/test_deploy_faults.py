"""kill -9 in the middle of a deploy: the previous version keeps serving, the history stays whole."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import deploy_support as ds
import signalos_deploy
from signalos.modelstore import ModelStore
from signalos.testing import make_host

TESTS = Path(__file__).parent
TEXT = "alpha: buy gold 2000.0"

# The deploying process: a host with the table parser and the deployer, deploying table@VERSION.
# With --pause-before-commit it stops inside the alias move's transaction, after the aliases
# update and the history insert and before COMMIT, and says so with the marker file.
DEPLOY_SCRIPT = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    import deploy_support as ds
    import signalos_deploy
    import signalos_deploy.deployer as deployer
    from signalos.testing import make_host

    ws, golden, version, marker, mode = sys.argv[1:6]
    if mode == "pause-before-commit":
        real_move = deployer.move_alias

        def paused_move(db, **kwargs):
            seen = []

            def trace(sql):
                seen.append(sql)
                if sql.strip().upper() == "COMMIT" and any("alias_history" in s for s in seen):
                    Path(marker).write_text("about to commit")
                    time.sleep(60)

            db.conn.set_trace_callback(trace)
            return real_move(db, **kwargs)

        deployer.move_alias = paused_move
    host = make_host(ds, signalos_deploy, config=ds.config(Path(ws), Path(golden)))
    print(signalos_deploy.promote(host, "table", version).status)
''')


@pytest.fixture
def ws(tmp_path):
    ws = tmp_path / "ws"
    golden = ds.write_golden(tmp_path / "golden.jsonl")
    ds.register_version(ws, "1.0.0", ds.answers())
    host = make_host(ds, signalos_deploy, config=ds.config(ws, golden))
    assert signalos_deploy.promote(host, "table", "1.0.0").deployed
    return ws


def run_and_kill(ws: Path, version: str, mode: str, tmp_path: Path) -> None:
    marker = tmp_path / f"marker-{version}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    env.pop("SIGNALOS_WORKSPACE", None)
    proc = subprocess.Popen([sys.executable, "-c", DEPLOY_SCRIPT, str(ws), str(tmp_path / "golden.jsonl"),
                             version, str(marker), mode], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the deploy never reached the point to kill it at"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def check_consistent(ws: Path, serving: str) -> list[dict]:
    store = ModelStore(ws)
    try:
        assert store.alias("table", "production") == serving
        history = store.alias_history("table")
        # every move starts where the previous one ended, and the last one is what serves
        for before, after in zip(history, history[1:]):
            assert after["previous"] == before["version"]
        assert history[-1]["version"] == serving
        return history
    finally:
        store.close()


@pytest.mark.parametrize("mode", ["during-smoke", "pause-before-commit"])
def test_kill_9_mid_deploy_leaves_the_previous_version_serving(ws, tmp_path, mode, monkeypatch):
    monkeypatch.setenv("SIGNALOS_ALIAS_CHECK_S", "0")
    bot = make_host(ds, config=ds.config(ws))  # a process serving production throughout
    assert bot.parse(TEXT).result.parser == "table@1.0.0"
    if mode == "during-smoke":
        # slow enough that the kill lands while the golden set is being parsed
        ds.register_version(ws, "1.1.0", ds.answers(), sleep_s=0.05, marker=str(tmp_path / "marker-1.1.0"))
    else:
        ds.register_version(ws, "1.1.0", ds.answers())
    run_and_kill(ws, "1.1.0", mode, tmp_path)

    history = check_consistent(ws, "1.0.0")
    assert [h["version"] for h in history] == ["1.0.0"]
    assert bot.parse(TEXT).result.parser == "table@1.0.0"
    assert make_host(ds, config=ds.config(ws)).parse(TEXT).result.parser == "table@1.0.0"  # a fresh process too
    attempts = signalos_deploy.get_deployer(make_host(ds, signalos_deploy, config=ds.config(ws))).attempts("table")
    assert [a["status"] for a in attempts] == ["deployed", "interrupted"]

    # the killed process held the write lock; it is gone with it, and the next deploy goes through
    ds.register_version(ws, "1.2.0", ds.answers())
    host = make_host(ds, signalos_deploy, config=ds.config(ws, tmp_path / "golden.jsonl"))
    assert signalos_deploy.promote(host, "table", "1.2.0").deployed
    check_consistent(ws, "1.2.0")
    assert bot.parse(TEXT).result.parser == "table@1.2.0"
    store = ModelStore(ws)
    rows = list(store.db.query("SELECT status FROM deployments ORDER BY id"))
    store.close()
    assert [r["status"] for r in rows] == ["deployed", "interrupted", "deployed"]  # marked when the next one ran


def test_a_deploy_run_to_completion_in_a_subprocess(ws, tmp_path):
    ds.register_version(ws, "1.1.0", ds.answers())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", DEPLOY_SCRIPT, str(ws), str(tmp_path / "golden.jsonl"), "1.1.0",
                          str(tmp_path / "unused"), "plain"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "deployed"
    check_consistent(ws, "1.1.0")
