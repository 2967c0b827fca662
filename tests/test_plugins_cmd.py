"""``signalos plugins``: each plugin's module, version, hooks and components; entry points that
fail to load and extras that are missing or do not import, each with its error."""
from __future__ import annotations

import importlib.metadata
import json
import sys
import textwrap

import signalos_regex
from signalos.cli import plugins_cmd
from signalos.testing import run_cli


def _dist(root, name: str, module_source: str, *, entry_point: str | None = None) -> None:
    """An installed distribution ``name`` with one module, found through ``root`` on sys.path."""
    module = name.replace("-", "_")
    (root / f"{module}.py").write_text(textwrap.dedent(module_source), encoding="utf-8")
    info = root / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    (info / "top_level.txt").write_text(module + "\n", encoding="utf-8")
    (info / "RECORD").write_text(f"{module}.py,,\n", encoding="utf-8")
    if entry_point:
        (info / "entry_points.txt").write_text(f"[signalos]\n{entry_point} = {module}\n", encoding="utf-8")


def test_plugins_json_names_module_path_version_hooks_and_components():
    res = run_cli(["plugins", "--json"], signalos_regex)
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    (regex,) = [p for p in info["plugins"] if p["name"] == "signalos_regex"]
    assert regex["module"] == "signalos_regex" and regex["path"].endswith("signalos_regex/__init__.py")
    assert regex["hooks"] == ["register_parsers"] and regex["components"] == {"parsers": ["regex"]}
    assert set(info) == {"plugins", "failed", "extras"}
    assert all(e["status"] in ("ok", "missing", "failed") for e in info["extras"].values())


def test_a_missing_extra_names_its_packages_and_the_install_line(monkeypatch):
    real = importlib.metadata.requires

    def requires(name):
        lines = real(name) or []
        return lines + ['no-such-package-signalos-test>=1.0; extra == "imaginary"',
                        'pytest>=1; extra == "imaginary"']

    monkeypatch.setattr(importlib.metadata, "requires", requires)
    extras = plugins_cmd.extras_status()
    assert extras["imaginary"] == {"status": "missing", "packages": ["no-such-package-signalos-test", "pytest"],
                                   "missing": ["no-such-package-signalos-test>=1.0"],
                                   "install": "pip install 'signalos[imaginary]'"}
    table = run_cli(["plugins"], signalos_regex).stdout
    assert "imaginary" in table and "pip install 'signalos[imaginary]'" in table


def test_an_extra_that_fails_to_import_shows_the_error(tmp_path, monkeypatch):
    _dist(tmp_path, "broken-extra-pkg", "raise ImportError('libfoo.so.3: cannot open shared object file')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    real = importlib.metadata.requires
    monkeypatch.setattr(importlib.metadata, "requires",
                        lambda name: (real(name) or []) + ['broken-extra-pkg>=1; extra == "brittle"'])
    assert plugins_cmd.extras_status()["brittle"]["status"] == "ok"  # not imported without --check
    res = run_cli(["plugins", "--check", "--json"], signalos_regex)
    brittle = json.loads(res.stdout)["extras"]["brittle"]
    assert brittle["status"] == "failed"
    assert brittle["failed"] == [{"package": "broken-extra-pkg", "error": "import broken_extra_pkg: ImportError: "
                                                                           "libfoo.so.3: cannot open shared object file"}]
    sys.modules.pop("broken_extra_pkg", None)


def test_an_entry_point_that_fails_to_load_is_listed_and_the_others_still_are(tmp_path, monkeypatch):
    _dist(tmp_path, "signalos-broken-plugin", "import no_such_module_for_signalos_tests\n", entry_point="broken")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SIGNALOS_LOAD_PLUGINS", raising=False)
    failed = plugins_cmd.failed_entry_points()
    assert failed == [{"name": "broken", "entry_point": "signalos_broken_plugin",
                       "error": "ModuleNotFoundError: No module named 'no_such_module_for_signalos_tests'"}]
    res = run_cli(["plugins"], signalos_regex)
    assert res.exit_code == 0, res.output
    assert "failed to load: broken (signalos_broken_plugin): ModuleNotFoundError" in res.stdout
    assert "signalos_regex" in res.stdout
