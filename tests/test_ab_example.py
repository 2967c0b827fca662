"""examples/ab_simulation.py runs offline from start to rollback (smaller and with a wider gap than
its default 20,000 messages and 3 points, to keep the suite fast)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "ab_simulation.py"


def test_ab_simulation_detects_promotes_and_rolls_back(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALOS_")}
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--messages", "3000", "--users", "1500", "--rates", "0.75,0.9",
                           "--workspace", str(tmp_path), "--json"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout)
    assert r["srm"]["p_value"] > 0.01 and not r["srm"]["flagged"]
    assert r["detected_at_messages"] is not None and r["decision"]["winner"] == "treatment"
    assert r["promotion"]["deployed"] and r["gate"] == "passed"
    assert (r["production_after_promotion"], r["served_after_promotion"]) == ("1.1.0", "sim@1.1.0")
    assert r["rollback_command"]["exit_code"] == 0
    assert (r["production_after_rollback"], r["served_after_rollback"]) == ("1.0.0", "sim@1.0.0")
    assert [h["version"] for h in r["alias_history"]] == ["1.0.0", "1.1.0", "1.0.0"]
    assert sum(v["parses"] for v in r["variants"].values()) == 3000
