"""The environment of the README's first install (``pip install .``, no ``test`` extra) for a
subprocess: pytest and hypothesis cannot be imported, as they would not be installed."""
from __future__ import annotations

import os
from pathlib import Path

# Modules that only the test extra installs; importing any of them in the child fails.
TEST_ONLY = ("pytest", "_pytest", "hypothesis")


def env_without_test_extra(tmp_path: Path) -> dict[str, str]:
    """``os.environ`` minus the ``SIGNALOS_*`` variables, with a directory first on PYTHONPATH whose
    modules shadow the test extra's and raise ImportError when imported."""
    blocker = tmp_path / "no-test-extra"
    blocker.mkdir(exist_ok=True)
    for name in TEST_ONLY:
        (blocker / f"{name}.py").write_text(
            f"raise ImportError('{name} is not installed: the README first install has no test extra')\n",
            encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALOS_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(blocker), env.get("PYTHONPATH", "")) if p)
    return env
