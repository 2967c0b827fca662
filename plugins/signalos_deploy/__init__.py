"""The deployer plugin: component ``blue-green``.

Aliases (``production``, ``staging``, ``candidate``) point at versions of the model registry. A
deploy loads the new version through its parser plugin, runs it on a golden set (a labelled JSONL
file) and, for a gated alias, compares it with production per field and per provider; only then
does the alias move, in one SQLite transaction with its history row. Rollback goes back to the
last version that passed its gate. Options (``[deployers.blue-green]`` in signalos.toml):

    golden = "golden.jsonl"        # the smoke and gate set (or --golden)
    margin = 0.02                  # the largest drop allowed on any figure the gate compares
    min_support = 1                # a provider slice with fewer messages is not compared
    max_error_rate = 0.0           # share of golden messages on which the parser may raise
    gated_aliases = ["production"] # aliases whose moves the gate guards (others: smoke only)
    baseline_alias = "production"  # what a candidate is compared with

From Python (the A/B router's auto-promotion does this)::

    from signalos_deploy import promote
    decision = promote(host, "spacy-ner", "0.3.0", golden="golden.jsonl", reason="ab: won", actor="ab")
    decision.deployed, decision.reasons
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from signalos.hookspecs import hookimpl
from signalos.plugins import lazy_factory
from signalos_deploy.errors import AliasConflict, DeployError

if TYPE_CHECKING:
    from signalos.host import Host
    from signalos_deploy.deployer import Decision

NAME = "blue-green"


@hookimpl(trylast=True)
def register_deployers(register, host):
    register(NAME, lazy_factory("signalos_deploy.deployer", "BlueGreenDeployer"))


def get_deployer(host: Host, name: str = NAME) -> Any:
    """The host's deployer component ``name`` (built once, with its ``[deployers.NAME]`` options)."""
    return host.component("deployers", name)


def promote(host: Host, name: str, version: str, *, golden: str | None = None, reason: str = "",
            actor: str | None = None, alias: str = "production", force: bool = False,
            dry_run: bool = False, deployer_name: str = NAME) -> Decision:
    """Deploy ``name@version`` to ``alias`` through the gate; returns the Decision (never raises
    for a refusal: ``decision.deployed`` is False and ``decision.reasons`` says why). With
    ``dry_run`` the gate runs and nothing moves (``decision.status == "checked"`` when it would)."""
    return get_deployer(host, deployer_name).deploy(name, version, alias=alias, golden=golden, force=force,
                                                    reason=reason, actor=actor, dry_run=dry_run)


def rollback(host: Host, name: str, *, alias: str = "production", reason: str = "",
             actor: str | None = None, deployer_name: str = NAME) -> Decision:
    """Move ``alias`` of ``name`` back to its last known good version."""
    return get_deployer(host, deployer_name).rollback(name, alias=alias, reason=reason, actor=actor)


__all__ = ["NAME", "AliasConflict", "DeployError", "get_deployer", "promote", "register_deployers", "rollback"]
