"""``signalos plugins``: which plugins are installed, what each registered, and which extras are
missing or fail to load."""
from __future__ import annotations

import contextlib
import importlib
import inspect
import os
from collections.abc import Iterator
from typing import Any

import typer

from signalos.cli import common

# Extras that only gather others: their packages are checked under those.
_UMBRELLA_EXTRAS = ("all",)


def register(app: typer.Typer) -> None:
    """Add ``signalos plugins`` to ``app``."""
    app.command("plugins")(plugins_command)


def plugins_command(
    as_json: bool = typer.Option(False, "--json", help="Print everything as one JSON object."),
    check: bool = typer.Option(False, "--check", help="Also import every installed extra's packages (seconds: "
                                                        "torch, spaCy) and show the error of any that fails."),
) -> None:
    """List the installed plugins (module, version, hooks, components), the entry points that
    failed to load, and the extras that are missing or broken.

    \b
    signalos plugins
    signalos plugins --check --json
    """
    failed = failed_entry_points()
    with _blocked([f["name"] for f in failed]):
        host = common.make_host()
    info = {"plugins": [_with_module(p, host) for p in host.plugins_info()], "failed": failed,
            "extras": extras_status(import_check=check)}
    if as_json:
        common.print_json(info)
        return
    _show(info)


def failed_entry_points() -> list[dict[str, str]]:
    """The ``signalos`` entry points that raise when imported, each with its error: the host
    is then built without them, so one broken plugin does not hide the others."""
    from importlib.metadata import entry_points

    from signalos.plugins import ENTRYPOINT_GROUP

    if os.environ.get("SIGNALOS_LOAD_PLUGINS") is not None:
        return []  # the host loads exactly those and says which one fails
    out = []
    for ep in entry_points(group=ENTRYPOINT_GROUP):
        try:
            ep.load()
        except Exception as exc:
            out.append({"name": ep.name, "entry_point": ep.value, "error": f"{type(exc).__name__}: {exc}"})
    return out


@contextlib.contextmanager
def _blocked(names: list[str]) -> Iterator[None]:
    if not names:
        yield
        return
    before = os.environ.get("SIGNALOS_DISABLED_PLUGINS")
    os.environ["SIGNALOS_DISABLED_PLUGINS"] = ",".join(filter(None, [before, *names]))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SIGNALOS_DISABLED_PLUGINS", None)
        else:
            os.environ["SIGNALOS_DISABLED_PLUGINS"] = before


def _with_module(plugin: dict[str, Any], host) -> dict[str, Any]:
    obj = host.pm.get_plugin(plugin["name"])
    module = getattr(obj, "__name__", None) if inspect.ismodule(obj) else type(obj).__module__
    try:
        path = inspect.getfile(obj if inspect.ismodule(obj) else type(obj))
    except (TypeError, OSError):
        path = None
    return {**plugin, "module": module, "path": path}


def extras_status(*, import_check: bool = False) -> dict[str, dict[str, Any]]:
    """Each extra of the installed signalos: ``ok``, or ``missing`` with the packages to install
    (and the install line), or ``failed`` with the packages that do not import and their errors."""
    from importlib.metadata import PackageNotFoundError, requires, version

    from packaging.requirements import Requirement

    try:
        lines = requires("signalos") or []
    except PackageNotFoundError:
        return {}
    needs: dict[str, list[Requirement]] = {}
    for line in lines:
        req = Requirement(line)
        if req.marker is None:
            continue
        for extra in _extras_of(req):
            if req.name != "signalos" and extra not in _UMBRELLA_EXTRAS and req.marker.evaluate({"extra": extra}):
                needs.setdefault(extra, []).append(req)
    out: dict[str, dict[str, Any]] = {}
    for extra, reqs in sorted(needs.items()):
        missing, failed = [], []
        for req in reqs:
            wanted = req.name + (f"[{','.join(sorted(req.extras))}]" if req.extras else "") + str(req.specifier)
            try:
                installed = version(req.name)
            except PackageNotFoundError:
                missing.append(wanted)
                continue
            if req.specifier and not req.specifier.contains(installed, prereleases=True):
                missing.append(f"{wanted} (installed: {installed})")
            elif import_check:
                error = _import_error(req.name)
                if error:
                    failed.append({"package": req.name, "error": error})
        status = "missing" if missing else "failed" if failed else "ok"
        entry: dict[str, Any] = {"status": status, "packages": [r.name for r in reqs]}
        if missing:
            entry["missing"] = missing
            entry["install"] = f"pip install 'signalos[{extra}]'"
        if failed:
            entry["failed"] = failed
        out[extra] = entry
    return out


def _extras_of(req) -> list[str]:
    # the extras whose marker names them: 'extra == "serve"' (and 'sys_platform != ... and extra == ...')
    import re

    return re.findall(r'extra\s*==\s*"([^"]+)"', str(req.marker))


def _import_error(distribution: str) -> str | None:
    """Import the top-level modules of an installed distribution; the first error, or None."""
    from importlib.metadata import packages_distributions

    modules = [m for m, dists in packages_distributions().items() if distribution.lower().replace("_", "-") in
               {d.lower().replace("_", "-") for d in dists} and not m.startswith("_")]
    for module in sorted(modules)[:3]:
        try:
            importlib.import_module(module)
        except Exception as exc:  # any failure at import is what the user needs to see
            return f"import {module}: {type(exc).__name__}: {exc}"
    return None


def _show(info: dict[str, Any]) -> None:
    from rich.text import Text

    console = common.console()
    table = common.table("plugin", "version", "module", "hooks", "components")
    for plugin in info["plugins"]:
        dist = plugin["dist"]
        version = f"{dist['name']} {dist['version']}" if dist else "-"
        module = plugin["module"] + (f"\n{plugin['path']}" if plugin["path"] else "")
        components = "\n".join(f"{kind}: {', '.join(names)}" for kind, names in plugin["components"].items())
        table.add_row(Text(plugin["name"]), Text(version), Text(module), "\n".join(plugin["hooks"]),
                      Text(components or "-"))
    console.print(table)
    for failed in info["failed"]:
        console.print(Text(f"failed to load: {failed['name']} ({failed['entry_point']}): {failed['error']}",
                           style="red"))
    extras = common.table("extra", "status", "detail", title="extras")
    for name, extra in info["extras"].items():
        if extra["status"] == "missing":
            detail = f"missing {', '.join(extra['missing'])}: {extra['install']}"
        elif extra["status"] == "failed":
            detail = "; ".join(f"{f['package']}: {f['error']}" for f in extra["failed"])
        else:
            detail = ", ".join(extra["packages"])
        style = {"ok": "green", "missing": "yellow", "failed": "red"}[extra["status"]]
        extras.add_row(Text(name), Text(extra["status"], style=style), Text(detail))
    if info["extras"]:
        console.print(extras)
