"""The ``blue-green`` deployer: gated alias moves, rollback to the last known good version, history.

A deploy never touches what serves until its last step. It records an attempt (``deployments``,
status ``running``), loads the new version in a fresh parser instance, runs the smoke evaluation
and the gate, and only then moves the alias: one ``BEGIN IMMEDIATE`` transaction that checks the
alias still points where it did, updates ``aliases``, appends to ``alias_history`` and closes the
attempt. A process killed anywhere before that commit leaves the alias, its history and the
serving version as they were; its attempt stays ``running`` and reads as ``interrupted``.
"""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from signalos.evaluation.data import load_labelled
from signalos.modelstore import ALIASES, ModelStore, check_name
from signalos.store import Workspace
from signalos_deploy.errors import AliasConflict, DeployError
from signalos_deploy.gate import GateOptions, Smoke, build_parser, compare, parser_component, smoke

if TYPE_CHECKING:
    from signalos.host import Host

Progress = Callable[[str, int], Callable[[int], None]]


def _now() -> str:
    # milliseconds: "which version served at T" must tell apart moves made in one second
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def default_actor() -> str:
    """Who moves an alias when nobody says: ``$USER``, else the login name."""
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # no passwd entry in a container
        return "signalos"


@attrs.frozen
class Decision:
    """The outcome of one deploy or rollback.

    ``status``: ``deployed`` (the alias moved), ``unchanged`` (it already pointed there),
    ``checked`` (a dry run that would have moved it), ``refused`` (the gate or the smoke test
    said no), ``failed`` (the version does not load), ``conflict`` (the alias moved meanwhile).
    ``gate``: ``passed``, ``forced`` or ``rollback`` for a move. ``reasons``: why it was refused
    or failed (one line each), also kept for a forced move; ``notes``: what else to know.
    """

    action: str
    name: str
    alias: str
    version: str | None
    previous: str | None
    status: str
    gate: str | None = None
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    baseline: str | None = None
    candidate_figures: dict[str, Any] | None = None
    baseline_figures: dict[str, Any] | None = None
    comparisons: tuple[dict[str, Any], ...] = ()
    golden: str | None = None
    actor: str | None = None
    reason: str = ""
    deployment_id: int | None = None
    history_id: int | None = None

    @property
    def deployed(self) -> bool:
        return self.status == "deployed"

    @property
    def ok(self) -> bool:
        """Whether the alias now points at ``version`` (moved now or already)."""
        return self.status in ("deployed", "unchanged", "checked")

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["deployed"] = self.deployed
        return data


class BlueGreenDeployer:
    """Moves aliases of the model registry behind a smoke test and a promotion gate.

    ``options`` is the ``[deployers.blue-green]`` table (see the package docstring).
    """

    def __init__(self, host: Host, options: dict[str, Any] | None = None):
        self.host = host
        self.options = dict(options or {})
        self.gate_options = GateOptions.from_options(self.options)
        self.gated_aliases = tuple(self.options.get("gated_aliases", ("production",)))
        self.baseline_alias = str(self.options.get("baseline_alias", "production"))

    # plumbing -------------------------------------------------------------------------------
    def store(self, workspace: str | os.PathLike | None = None) -> ModelStore:
        return ModelStore(Workspace(workspace or self.options.get("workspace") or self.host.workspace))

    def golden_path(self, golden: str | os.PathLike | None) -> Path:
        """``--golden`` as given, else the configured ``golden`` relative to signalos.toml."""
        if golden:
            return Path(golden)
        configured = self.options.get("golden")
        if not configured:
            raise DeployError("no golden set: pass --golden FILE or set golden = \"FILE\" under "
                              "[deployers.blue-green] in signalos.toml")
        path = Path(configured)
        return path if path.is_absolute() else Path(self.host.config.base_dir) / path

    # deploy ---------------------------------------------------------------------------------
    def deploy(self, name: str, version: str, *, alias: str = "production",
               golden: str | os.PathLike | None = None, force: bool = False, reason: str = "",
               actor: str | None = None, workspace: str | os.PathLike | None = None,
               progress: Progress | None = None, dry_run: bool = False) -> Decision:
        """Load ``name@version``, run it on the golden set, gate it against the baseline (for a
        gated alias) and move ``alias`` to it. ``force`` moves past a refusal of the gate or of
        the error rate, never past a version that does not load; ``dry_run`` stops before the
        move (status ``checked`` when it would have moved)."""
        actor = actor or default_actor()
        check_name(name)  # before any path is built from it: "../../x" is not a model
        check_alias(alias)
        store = self.store(workspace)
        try:
            db = store.db
            mark_interrupted(db)
            ref = store.resolve(f"{name}@{version}")
            previous = store.alias(name, alias)
            common = dict(action="deploy", name=name, alias=alias, version=ref.version, previous=previous,
                          actor=actor, reason=reason)
            if previous == ref.version:
                return Decision(**common, status="unchanged",
                                notes=(f"{alias} already points at {name}@{ref.version}",))
            path = self.golden_path(golden)
            data = load_labelled(path)
            if not data.rows:
                raise DeployError(f"golden set {path} holds no labelled message")
            baseline = store.alias(name, self.baseline_alias) if alias in self.gated_aliases else None
            baseline = None if baseline == ref.version else baseline
            component = parser_component(self.host, name, ref.manifest.kind)
            ws = str(store.workspace.path)
            dep_id = start_attempt(db, **common, baseline=baseline, forced=force, golden=str(path),
                                   golden_sha256=data.sha256)
            try:
                return self._gate_and_move(db, store, common, dep_id, component, ws, data, baseline, force,
                                           str(path), progress, dry_run)
            except BaseException as exc:
                finish_attempt(db, dep_id, "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                               reasons=[f"{type(exc).__name__}: {exc}"])
                raise
        finally:
            store.close()

    def _gate_and_move(self, db, store, common, dep_id, component, ws, data, baseline, force, golden,
                       progress, dry_run=False) -> Decision:
        name, version = common["name"], common["version"]

        def tick(spec: str):
            return progress(spec, len(data.rows)) if progress else None

        cand = smoke(self.host, component, name, version, ws, data, tick(f"{name}@{version}"))
        reasons = cand.problems(self.gate_options)
        notes: list[str] = []
        base: Smoke | None = None
        comparisons: list[dict] = []
        if cand.loaded and baseline:
            base_component = parser_component(self.host, name, store.resolve(f"{name}@{baseline}").manifest.kind)
            base = smoke(self.host, base_component, name, baseline, ws, data, tick(f"{name}@{baseline}"))
            if base.loaded:
                regressions, comparisons = compare(base.figures, cand.figures, self.gate_options)
                reasons += regressions
            else:
                notes.append(f"{self.baseline_alias} {name}@{baseline} does not load ({base.load_error}); "
                             "nothing to compare with")
        elif cand.loaded and common["alias"] in self.gated_aliases:
            notes.append(f"no {self.baseline_alias} version of {name} yet: smoke test only")
        decided = dict(common, reasons=tuple(reasons), baseline=baseline, golden=golden,
                       candidate_figures=cand.figures or None, baseline_figures=base.figures if base else None,
                       comparisons=tuple(comparisons), deployment_id=dep_id)
        record = {"candidate": cand.to_dict(), "baseline": base.to_dict() if base else None,
                  "comparisons": comparisons, "notes": notes}
        if not cand.loaded or (reasons and not force):
            status = "failed" if not cand.loaded else "refused"
            finish_attempt(db, dep_id, status, reasons=reasons, figures=record)
            return Decision(**decided, status=status, notes=tuple(notes))
        gate = "forced" if reasons else "passed"
        if force and reasons:
            notes.append("forced past: " + "; ".join(reasons))
        if dry_run:
            finish_attempt(db, dep_id, "checked", reasons=reasons, figures=record)
            return Decision(**decided, status="checked", gate=gate, notes=tuple(notes))
        try:
            history_id = move_alias(db, name=name, alias=common["alias"], version=version,
                                    expected=common["previous"], gate=gate, reason=common["reason"],
                                    actor=common["actor"], deployment_id=dep_id, figures=record,
                                    reasons=reasons)
        except AliasConflict as exc:
            finish_attempt(db, dep_id, "conflict", reasons=[str(exc)], figures=record)
            return Decision(**dict(decided, reasons=(str(exc),)), status="conflict", notes=tuple(notes))
        return Decision(**decided, status="deployed", gate=gate, notes=tuple(notes), history_id=history_id)

    # rollback -------------------------------------------------------------------------------
    def rollback(self, name: str, *, alias: str = "production", reason: str = "", actor: str | None = None,
                 workspace: str | os.PathLike | None = None) -> Decision:
        """Move ``alias`` back to the last known good version: the newest one in its history that
        passed its gate and was not rolled back from since. A candidate whose files no longer
        load is skipped (and named in the notes)."""
        actor = actor or default_actor()
        check_name(name)
        check_alias(alias)
        store = self.store(workspace)
        try:
            db = store.db
            mark_interrupted(db)
            current = store.alias(name, alias)
            if current is None:
                known = ", ".join(f"{a}={v}" for a, v in store.aliases(name).items()) or "none"
                raise DeployError(f"model {name!r} has no alias {alias!r} to roll back; aliases: {known}")
            targets = known_good([r for r in store.alias_history(name) if r["alias"] == alias], current)
            if not targets:
                raise DeployError(f"no earlier version of {name} passed its gate on {alias!r}; "
                                  f"nothing to roll back to (deploy one with `signalos models deploy`)")
            common = dict(action="rollback", name=name, alias=alias, previous=current, actor=actor,
                          reason=reason or f"rollback from {current}")
            dep_id = start_attempt(db, **common, version=targets[0], baseline=None, forced=False)
            notes: list[str] = []
            try:
                for target in targets:
                    try:
                        kind = store.resolve(f"{name}@{target}").manifest.kind
                        build_parser(self.host, parser_component(self.host, name, kind), name, target,
                                     str(store.workspace.path))
                    except Exception as exc:
                        notes.append(f"{name}@{target} does not load ({type(exc).__name__}: {exc}); skipped")
                        continue
                    try:
                        history_id = move_alias(db, name=name, alias=alias, version=target, expected=current,
                                                gate="rollback", reason=common["reason"], actor=actor,
                                                deployment_id=dep_id, figures={"notes": notes}, reasons=[])
                    except AliasConflict as exc:
                        finish_attempt(db, dep_id, "conflict", reasons=[str(exc)])
                        return Decision(**common, version=target, status="conflict", reasons=(str(exc),),
                                        deployment_id=dep_id)
                    return Decision(**common, version=target, status="deployed", gate="rollback",
                                    notes=tuple(notes), deployment_id=dep_id, history_id=history_id)
            except BaseException as exc:
                finish_attempt(db, dep_id, "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                               reasons=[f"{type(exc).__name__}: {exc}"])
                raise
            finish_attempt(db, dep_id, "failed", reasons=notes)
            return Decision(**common, version=None, status="failed", reasons=tuple(notes), deployment_id=dep_id)
        finally:
            store.close()

    # reading --------------------------------------------------------------------------------
    def history(self, name: str | None = None, *, alias: str | None = None,
                workspace: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Every alias move, oldest first: who, when, why, from which version, and its gate."""
        store = self.store(workspace)
        try:
            return alias_moves(store.db, name, alias)
        finally:
            store.close()

    def attempts(self, name: str | None = None, *, workspace: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Every deploy and rollback attempt, oldest first, refused and interrupted ones included."""
        store = self.store(workspace)
        try:
            return deploy_attempts(store.db, name)
        finally:
            store.close()

    def served_at(self, name: str, when: str, *, alias: str = "production",
                  workspace: str | os.PathLike | None = None) -> str | None:
        """The version ``alias`` pointed at, at ``when`` (ISO date/time, UTC when no zone)."""
        moment = _parse_time(when)
        version = None
        for row in self.history(name, alias=alias, workspace=workspace):
            if _parse_time(row["moved_at"]) > moment:
                break
            version = row["version"]
        return version


# the database side ---------------------------------------------------------------------------
def check_alias(alias: str) -> None:
    if alias not in ALIASES:
        raise DeployError(f"unknown alias {alias!r}; the deployer moves {', '.join(ALIASES)}")


def known_good(moves: list[dict[str, Any]], current: str | None) -> list[str]:
    """Versions to roll back to, best first, from the moves of one alias (oldest first): those
    that passed their gate, less those rolled back from afterwards, newest move first."""
    good: set[str] = set()
    for row in moves:
        if row.get("gate") == "passed":
            good.add(row["version"])
        elif row.get("gate") == "rollback" and row.get("previous"):
            good.discard(row["previous"])
    out: list[str] = []
    for row in reversed(moves):
        v = row["version"]
        if v != current and v in good and v not in out:
            out.append(v)
    return out


def move_alias(db, *, name: str, alias: str, version: str, expected: str | None, gate: str, reason: str,
               actor: str, deployment_id: int | None = None, figures: dict | None = None,
               reasons: list[str] | None = None) -> int:
    """Point ``alias`` at ``version`` if it still points at ``expected``: the alias, its history
    row and the attempt's end in one transaction. Returns the history row's id; raises
    AliasConflict (changing nothing) when the alias moved meanwhile."""
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    # IMMEDIATE takes the write lock before the check, so two deploys cannot both pass it.
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT version FROM aliases WHERE name = ? AND alias = ?", [name, alias]).fetchone()
        current = row[0] if row else None
        if current != expected:
            raise AliasConflict(f"{name} {alias} moved from {expected or 'nothing'} to {current or 'nothing'} "
                                f"while this deploy ran; nothing changed, run it again")
        now = _now()
        conn.execute("INSERT INTO aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version, "
                     "updated_at = excluded.updated_at", [name, alias, version, now])
        history_id = conn.execute(
            "INSERT INTO alias_history (name, alias, version, previous, moved_at, reason, actor, gate, "
            "deployment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, alias, version, expected, now, reason, actor, gate, deployment_id]).lastrowid
        if deployment_id is not None:
            conn.execute("UPDATE deployments SET status = 'deployed', version = ?, gate = ?, finished_at = ?, "
                         "history_id = ?, figures = ?, reasons = ? WHERE id = ?",
                         [version, gate, now, history_id, json.dumps(figures or {}), json.dumps(reasons or []),
                          deployment_id])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return history_id


def start_attempt(db, *, action: str, name: str, alias: str, version: str | None, previous: str | None,
                  baseline: str | None, forced: bool, actor: str, reason: str, golden: str | None = None,
                  golden_sha256: str | None = None) -> int:
    """Record an attempt as ``running`` (committed at once, so a killed process leaves a trace)."""
    row = {"action": action, "name": name, "alias": alias, "version": version, "previous": previous,
           "baseline": baseline, "status": "running", "forced": int(forced), "golden": golden,
           "golden_sha256": golden_sha256, "started_at": _now(), "actor": actor, "reason": reason,
           "pid": os.getpid(), "hostname": socket.gethostname()}
    with db.conn:
        return db["deployments"].insert(row).last_pk


def finish_attempt(db, deployment_id: int, status: str, *, reasons: list[str] | None = None,
                   figures: dict | None = None) -> None:
    try:
        with db.conn:
            db.execute("UPDATE deployments SET status = ?, finished_at = ?, reasons = ?, "
                       "figures = COALESCE(?, figures) WHERE id = ?",
                       [status, _now(), json.dumps(reasons or []),
                        json.dumps(figures) if figures is not None else None, deployment_id])
    except Exception:  # already failing (a locked or closing database): the row reads as interrupted
        pass


def _alive(pid: int | None, hostname: str | None) -> bool:
    if not pid:
        return False
    if hostname != socket.gethostname():
        return True  # another machine's process: it cannot be checked from here
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(db) -> int:
    """Close the attempts left ``running`` by a process that is gone (killed mid-deploy)."""
    stale = [r["id"] for r in db.query("SELECT id, pid, hostname FROM deployments WHERE status = 'running'")
             if not _alive(r["pid"], r["hostname"])]
    if stale:
        with db.conn:
            for dep_id in stale:
                db.execute("UPDATE deployments SET status = 'interrupted', finished_at = ? WHERE id = ? "
                           "AND status = 'running'", [_now(), dep_id])
    return len(stale)


def alias_moves(db, name: str | None = None, alias: str | None = None) -> list[dict[str, Any]]:
    where, params = [], []
    if name:
        where.append("name = ?")
        params.append(name)
    if alias:
        where.append("alias = ?")
        params.append(alias)
    sql = "SELECT * FROM alias_history" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return list(db.query(sql, params))


def deploy_attempts(db, name: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM deployments" + (" WHERE name = ?" if name else "") + " ORDER BY id"
    out = []
    for row in db.query(sql, [name] if name else []):
        if row["status"] == "running" and not _alive(row["pid"], row["hostname"]):
            row["status"] = "interrupted"
        for key in ("reasons", "figures"):
            row[key] = json.loads(row[key]) if row.get(key) else None
        out.append(row)
    return out


def _parse_time(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DeployError(f"{value!r} is not an ISO date or time (e.g. 2026-11-26T14:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
