"""``signalos new-plugin``: the package it writes passes its own tests as generated, and signalos
loads it as a plugin."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest

from signalos.errors import SignalosError
from signalos.scaffold import plugin_names
from signalos.testing import run_cli


def test_a_generated_plugin_passes_its_own_tests_and_parses(tmp_path):
    target = tmp_path / "gold"
    res = run_cli(["new-plugin", "gold-room", "--dir", str(target), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["package"] == "signalos_gold_room" and summary["marker"] == "GOLD-ROOM"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "README.md", "pyproject.toml", "signalos.toml", "signalos_gold_room/__init__.py",
        "tests/test_gold_room.py"]
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "signalos-gold-room"
    assert project["project"]["entry-points"]["signalos"] == {"gold-room": "signalos_gold_room"}
    for text in (p.read_text(encoding="utf-8") for p in target.rglob("*") if p.is_file()):
        assert "acme" not in text.lower()

    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALOS_")}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=target, env=env,
                           capture_output=True, text=True, timeout=120)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "10 passed" in tests.stdout.splitlines()[-1]

    # loaded by name (as its entry point would be once installed), first in its pipeline
    env.update(SIGNALOS_LOAD_PLUGINS="regex,signalos_gold_room", PYTHONPATH=str(target))
    parsed = subprocess.run([sys.executable, "-m", "signalos", "--config", str(target / "signalos.toml"), "parse",
                             "GOLD-ROOM ▼ GBPUSD | in 1.2710 | stop 1.2750 | targets 1.2650", "--json"],
                            env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    out = json.loads(parsed.stdout)
    assert out["parser"] == "gold-room" and out["direction"] == "sell" and out["accepted"]


def test_names_are_checked_and_a_full_directory_is_kept(tmp_path):
    names = plugin_names("signalos-my-chan2", marker="MC2", title="My Channel")
    assert (names.component, names.package, names.class_name) == ("my-chan2", "signalos_my_chan2", "MyChan2Parser")
    for bad in ("Gold Room", "1gold", "gold--room", ""):
        with pytest.raises(SignalosError, match="lower-case letters"):
            plugin_names(bad)
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    res = run_cli(["new-plugin", "gold", "--dir", str(tmp_path)])
    assert res.exit_code == 1 and "not empty" in str(res.exception)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
