"""The README's tour ("The life of a parser") runs top to bottom as written, in a copy of the
clone's examples, each line a shell command as a user would type it.

Two lines are run differently, each said here: the training is cut to one epoch (the default
trains for about a minute; what the tour checks is that every step feeds the next), and the
server, which runs until stopped, is started on a free port, asked /healthz and stopped."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEADING = "## The life of a parser"
# the one change made to a line, and why: see the module docstring
SHORTENED = {"signalos train spacy --json": "signalos train spacy --json --epochs 1"}
SERVE = "signalos serve"
STEP_TIMEOUT_S = 120


def tour_lines() -> list[str]:
    """The shell commands of the tour's first bash block, comments dropped."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(HEADING):]
    block = re.search(r"```bash\n(.*?)```", section, re.S)[1]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_tour_is_the_readme_block():
    lines = tour_lines()
    assert lines[0].startswith("signalos data import ") and SERVE in lines
    assert all(line.startswith("signalos ") for line in lines)
    assert set(SHORTENED) <= set(lines)  # a shortened line that left the README fails here


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path):
    # the tour trains a spaCy model and serves over HTTP: without those extras it cannot run
    for module, extra in (("spacy", "spacy"), ("fastapi", "serve"), ("uvicorn", "serve")):
        pytest.importorskip(module, reason=f"the README tour needs the {extra} extra")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALOS_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["HF_HUB_OFFLINE"] = "1"
    for line in tour_lines():
        if line == SERVE:
            _serve_once(tmp_path, env)
            continue
        command = SHORTENED.get(line, line)
        res = subprocess.run(["bash", "-eo", "pipefail", "-c", command], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
        assert res.returncode == 0, f"{line}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    # every step fed the next: the model trained on the split `data split` made, routed parses
    manifest = json.loads(next((tmp_path / ".signalos" / "models" / "spacy-ner").glob("*/manifest.json"))
                          .read_text(encoding="utf-8"))
    with sqlite3.connect(tmp_path / ".signalos" / "signalos.db") as db:
        (printed,) = db.execute("SELECT split_hash FROM split_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert manifest["split_hash"] == printed
    assert len((tmp_path / "parses.jsonl").read_text(encoding="utf-8").splitlines()) == \
        len((tmp_path / "examples" / "data" / "feed.jsonl").read_text(encoding="utf-8").splitlines())
    for page in ("eval.html", "monitor.html"):
        assert (tmp_path / page).stat().st_size > 1000


def _serve_once(cwd: Path, env: dict[str, str]) -> None:
    config = cwd / "serve-port-0.toml"  # the tour's `signalos serve`, on a free port instead of 8000
    config.write_text("[serve]\nport = 0\n", encoding="utf-8")
    proc = subprocess.Popen(["bash", "-c", f"exec {SERVE}"], cwd=cwd, env={**env, "SIGNALOS_CONFIG": str(config)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        url = re.search(r"listening on (http://[\d.]+:\d+)", first)
        assert url, first + proc.stderr.read() if proc.poll() is not None else first
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url[1] + "/healthz", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
