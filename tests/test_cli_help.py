"""The CLI explains itself: shell completion, no ``<bool>`` placeholder on flags, and tables and
help not cut at 80 columns when written to a file or a pipe."""
from __future__ import annotations

import os
import subprocess
import sys

import signalos_regex
from signalos.testing import run_cli


def test_flags_show_no_bool_placeholder_and_options_keep_their_types():
    out = run_cli(["parse", "--help"]).stdout
    assert "--json" in out and "--attempts" in out and "<bool>" not in out
    assert "first|vote" in out  # a real value placeholder stays
    root = run_cli(["--help"]).stdout
    assert "<bool>" not in root and "--install-completion" in root and "--show-completion" in root


def test_help_and_tables_are_not_cut_at_80_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    help_lines = run_cli(["parse", "--help"]).stdout.splitlines()
    assert max(len(line) for line in help_lines) > 100
    # the option and its whole description on one line
    assert any("--attempts" in line and "Include every parser's attempt." in line for line in help_lines)
    table = run_cli(["plugins"], signalos_regex).stdout
    assert "…" not in table and max(len(line.rstrip()) for line in table.splitlines()) > 80
    assert any("signalos_regex" in line and "register_parsers" in line and "parsers: regex" in line
               for line in table.splitlines())


def test_shell_completion_answers(tmp_path):
    env = {**os.environ, "_SIGNALOS_COMPLETE": "complete_bash", "COMP_WORDS": "signalos da", "COMP_CWORD": "1",
           "SIGNALOS_NO_PLUGIN_COMMANDS": "1"}
    res = subprocess.run([sys.executable, "-m", "signalos"], env=env, capture_output=True, text=True, timeout=60,
                         cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["data"]
    # the shell named, not detected: detection reads the processes above pytest, and a pytest started
    # outside a shell (a detached job) has none ("Shell  not supported"); typer's switch for its own tests
    script = subprocess.run([sys.executable, "-m", "signalos", "--show-completion", "bash"], capture_output=True,
                            text=True, timeout=60, cwd=tmp_path,
                            env={**os.environ, "SIGNALOS_NO_PLUGIN_COMMANDS": "1",
                                 "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert "_signalos_completion" in script.stdout
