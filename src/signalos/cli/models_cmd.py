"""``signalos models``: the trained models of a workspace, their versions, aliases and manifests."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from signalos.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``models`` command group to ``app``."""
    models_app = typer.Typer(add_completion=False, no_args_is_help=True,
                             help="Trained models: versions, aliases, manifests.")
    models_app.command("list")(list_command)
    models_app.command("show")(show_command)
    from signalos.cli.deploy_cmd import register_models_commands

    register_models_commands(models_app)  # deploy, rollback, history
    app.add_typer(models_app, name="models")


def _store(workspace: Optional[Path]):
    from signalos.modelstore import ModelStore
    from signalos.store import Workspace

    return ModelStore(Workspace.for_host(common.make_host(), workspace))


_WORKSPACE = typer.Option(None, "--workspace", "-w", metavar="DIR",
                          help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos).")


def _size(n: int | None) -> str:
    if not n:
        return "-"
    if not isinstance(n, (int, float)) or isinstance(n, bool):
        raise TypeError(f"size_bytes is {n!r}, not a number")
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def list_command(
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Every version of every model, with its aliases, size and main validation figure."""
    store = _store(workspace)
    try:
        rows = store.entries()
    finally:
        store.close()
    if as_json:
        common.print_json(rows)
        return
    if not rows:
        typer.echo(f"no trained model in {store.root}")
        return
    table = common.table("model", "version", "kind", "aliases", "size", "trained", "val exact", "created")
    for r in rows:
        if "error" in r:
            table.add_row(r["name"], r["version"], "[red]damaged[/red]", "", "", "", "", escape(str(r["error"])))
            continue
        try:
            cells = _cells(r)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # one hand-edited manifest must not hide every other model
            cells = ["[red]damaged[/red]", "", "", "", "", escape(f"manifest.json: {type(exc).__name__}: {exc}")]
        table.add_row(escape(r["name"]), escape(r["version"]), *cells)
    common.console().print(table)


def _cells(r: dict) -> list[str]:
    """The table cells after name and version; raises when the manifest's values are not of
    the types it should hold."""
    metrics = r.get("metrics") or {}
    val = metrics.get("validation") or {}
    exact = val.get("exact") if isinstance(val, dict) else None
    seconds = r.get("training_seconds")
    return [escape(str(r["kind"])), escape(", ".join(map(str, r.get("aliases") or ()))), _size(r.get("size_bytes")),
            f"{float(seconds):.0f} s" if seconds else "-",
            f"{exact:.1%}" if isinstance(exact, (int, float)) and not isinstance(exact, bool) else "-",
            escape(str(r.get("created_at") or "-"))]


def show_command(
    spec: str = typer.Argument(..., metavar="NAME[@VERSION|@ALIAS]", help="e.g. spacy-ner, spacy-ner@0.2.0, spacy-ner@production."),
    workspace: Optional[Path] = _WORKSPACE,
    verify: bool = typer.Option(False, "--verify", help="Check every file against the sha256 in the manifest."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """One model version's manifest: data, hyper-parameters, metrics per epoch, files."""
    store = _store(workspace)
    try:
        ref = store.resolve(spec, verify=verify)
        aliases = store.aliases(ref.name)
        history = store.alias_history(ref.name)
    finally:
        store.close()
    data = {"spec": ref.spec, "path": str(ref.path), "resolved_alias": ref.alias,
            "aliases": aliases, "alias_history": history, "verified": verify, **ref.manifest.to_dict()}
    if as_json:
        common.print_json(data)
        return
    m = ref.manifest
    console = common.console()
    console.print(f"[bold]{ref.spec}[/bold]  ({m.kind})  {ref.path}")
    console.print(f"created {m.created_at}; {_size(m.size_bytes)} in {len(m.files)} files"
                  + (f"; trained in {m.training_seconds:.1f} s" if m.training_seconds else "")
                  + ("; files verified" if verify else ""))
    console.print(f"base: {m.base_model or '-'}" + (f" (sha256 {m.base_sha256[:16]}…)" if m.base_sha256 else ""))
    console.print(f"data: {m.data.get('source', '-')}; split {m.split_hash}; {m.data.get('counts', {})}")
    if aliases:
        console.print("aliases: " + ", ".join(f"{a} → {v}" for a, v in aliases.items()))
    console.print("hyper-parameters: " + ", ".join(f"{k}={v}" for k, v in m.hyperparameters.items()))
    if m.epochs:
        keys = [k for k in m.epochs[0] if k != "epoch"]
        table = common.table("epoch", *keys, title="metrics per epoch (validation)")
        for e in m.epochs:
            table.add_row(str(e.get("epoch")), *(str(e.get(k, "")) for k in keys))
        console.print(table)
    if m.metrics:
        console.print(f"final: {m.metrics}")
