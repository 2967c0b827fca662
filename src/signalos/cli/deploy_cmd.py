"""``signalos models deploy|rollback|history``: moving aliases through the deployer plugin.

The commands find the deployer component (``blue-green`` unless ``--deployer`` names another)
through the host, so a third-party deployer gets the same commands.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from signalos.cli import common

_WORKSPACE = typer.Option(None, "--workspace", "-w", metavar="DIR",
                          help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos).")
_DEPLOYER = typer.Option("blue-green", "--deployer", help="The deployer component to use.")
_ACTOR = typer.Option(None, "--actor", help="Who moves the alias (default: $USER).")
_JSON = typer.Option(False, "--json", help="Print the decision as JSON.")


def register_models_commands(models_app: typer.Typer) -> None:
    """Add ``deploy``, ``rollback`` and ``history`` to the ``models`` command group."""
    models_app.command("deploy")(deploy_command)
    models_app.command("rollback")(rollback_command)
    models_app.command("history")(history_command)


def _deployer(name: str):
    return common.make_host().component("deployers", name)


def _print_decision(decision: Any, as_json: bool) -> None:
    if as_json:
        common.print_json(decision.to_dict())
    else:
        d = decision
        target = f"{d.name}@{d.version}" if d.version else d.name
        if d.status == "deployed":
            was = f" (was {d.previous})" if d.previous else ""
            how = "rolled back" if d.action == "rollback" else f"deployed, gate {d.gate}"
            typer.echo(f"{d.alias} -> {target}{was}: {how}")
        elif d.status == "checked":
            typer.echo(f"dry run: {d.alias} would move to {target} (gate {d.gate}); nothing moved")
        elif d.status == "unchanged":
            typer.echo(f"{d.alias} already points at {target}; nothing moved")
        else:
            typer.echo(f"{d.action} of {target} to {d.alias} {d.status}; {d.alias} stays at {d.previous or 'nothing'}",
                       err=True)
        for r in d.reasons:
            typer.echo(f"  - {r}", err=d.status != "deployed")
        for n in d.notes:
            typer.echo(f"  note: {n}", err=True)
        if d.candidate_figures:
            f = d.candidate_figures
            base = d.baseline_figures or {}
            line = f"  golden set: {f['n']} messages, exact {f['exact_match']:.3f}"
            if base:
                line += f" (production {d.baseline}: {base['exact_match']:.3f})"
            typer.echo(line)
    if not decision.ok:
        raise typer.Exit(1)


def deploy_command(
    name: str = typer.Argument(..., help="Model name, e.g. spacy-ner."),
    version: str = typer.Argument(..., help="Version to deploy (or an alias, e.g. candidate)."),
    alias: str = typer.Option("production", "--alias", "-a", help="production, staging or candidate."),
    golden: Optional[Path] = typer.Option(None, "--golden", "-g", metavar="FILE",
                                          help="Labelled JSONL golden set (default: [deployers.blue-green] golden)."),
    force: bool = typer.Option(False, "--force", help="Move even when the gate refuses (never when it does not load)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Run the smoke test and the gate; move nothing."),
    reason: str = typer.Option("", "--reason", "-r", help="Why: kept in the alias history."),
    actor: Optional[str] = _ACTOR,
    workspace: Optional[Path] = _WORKSPACE,
    deployer: str = _DEPLOYER,
    as_json: bool = _JSON,
) -> None:
    """Load a version, test it on the golden set, gate it against production, then move the alias."""
    dep = _deployer(deployer)
    with common.progress_bar(show=not as_json) as progress:

        def on_progress(label: str, total: int):
            return common.progress_task(progress, f"golden set with {label}", total)

        decision = dep.deploy(name, version, alias=alias, golden=golden, force=force, reason=reason,
                              actor=actor, workspace=workspace, progress=on_progress, dry_run=dry_run)
    _print_decision(decision, as_json)


def rollback_command(
    name: str = typer.Argument(..., help="Model name, e.g. spacy-ner."),
    alias: str = typer.Option("production", "--alias", "-a", help="production, staging or candidate."),
    reason: str = typer.Option("", "--reason", "-r", help="Why: kept in the alias history."),
    actor: Optional[str] = _ACTOR,
    workspace: Optional[Path] = _WORKSPACE,
    deployer: str = _DEPLOYER,
    as_json: bool = _JSON,
) -> None:
    """Move the alias back to its last known good version (the last one that passed its gate)."""
    decision = _deployer(deployer).rollback(name, alias=alias, reason=reason, actor=actor, workspace=workspace)
    _print_decision(decision, as_json)


def history_command(
    name: Optional[str] = typer.Argument(None, help="Model name (default: every model)."),
    alias: Optional[str] = typer.Option(None, "--alias", "-a", help="Only this alias."),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME",
                                     help="Which version each alias served at this ISO time (UTC unless zoned)."),
    attempts: bool = typer.Option(False, "--attempts", help="Every deploy attempt, refused and interrupted ones too."),
    workspace: Optional[Path] = _WORKSPACE,
    deployer: str = _DEPLOYER,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every alias move: when, who, why, from which version, and whether it passed its gate."""
    dep = _deployer(deployer)
    if at:
        if not name:
            raise typer.BadParameter("--at needs a model NAME")
        aliases = [alias] if alias else ["production", "staging", "candidate"]
        served = {a: dep.served_at(name, at, alias=a, workspace=workspace) for a in aliases}
        if as_json:
            common.print_json({"name": name, "at": at, "aliases": served})
        else:
            for a, v in served.items():
                typer.echo(f"{a}: {f'{name}@{v}' if v else '-'}")
        return
    if attempts:
        rows = dep.attempts(name, workspace=workspace)
        if as_json:
            common.print_json(rows)
            return
        table = common.table("#", "started", "action", "model", "alias", "version", "from", "status", "actor", "why / reasons")
        for r in rows:
            why = "; ".join(r.get("reasons") or []) or r.get("reason") or ""
            table.add_row(str(r["id"]), r["started_at"] or "", r["action"] or "", r["name"], r["alias"],
                          r["version"] or "-", r["previous"] or "-", r["status"], r["actor"] or "", why)
        common.console().print(table)
        return
    rows = dep.history(name, alias=alias, workspace=workspace)
    if as_json:
        common.print_json(rows)
        return
    if not rows:
        typer.echo("no alias has moved yet")
        return
    # with a NAME the model column is the same on every row: leave it out, narrow terminals need the room
    columns = ["#", "moved at (UTC)", *([] if name else ["model"]), "alias", "from", "to", "gate", "actor", "reason"]
    table = common.table(*columns)
    for r in rows:
        moved = (r["moved_at"] or "").replace("T", " ")[:19]
        table.add_row(str(r["id"]), moved, *([] if name else [r["name"]]), r["alias"], r["previous"] or "-",
                      r["version"], r.get("gate") or "-", r.get("actor") or "", r.get("reason") or "")
    common.console().print(table)
