"""``signalos ab start|status|stop|promote|ramp|outcome``: A/B experiments between parsers.

The commands drive the ``ab`` router of the ``signalos_ab`` plugin; experiments, assignments and
outcomes live in the workspace database, so a bot embedding ``Host`` sees a change within its
router's refresh interval.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from signalos.cli import common
from signalos.errors import SignalosError

_WORKSPACE = typer.Option(None, "--workspace", "-w", metavar="DIR",
                          help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos).")
_JSON = typer.Option(False, "--json", help="Print JSON.")


def register(app: typer.Typer) -> None:
    """Add the ``ab`` command group to ``app``."""
    ab_app = typer.Typer(add_completion=False, no_args_is_help=True,
                         help="A/B experiments: route users or channels between parsers and compare them.")
    ab_app.command("start")(start_command)
    ab_app.command("status")(status_command)
    ab_app.command("stop")(stop_command)
    ab_app.command("promote")(promote_command)
    ab_app.command("ramp")(ramp_command)
    ab_app.command("outcome")(outcome_command)
    app.add_typer(ab_app, name="ab")


def _api():
    try:
        import signalos_ab
    except ImportError:
        raise SignalosError("the A/B router plugin (signalos_ab) is not installed") from None
    return signalos_ab


def _host():
    host = common.make_host()
    if "ab" not in host.routers:
        known = ", ".join(host.routers.names()) or "none"
        raise SignalosError(f"no router 'ab' is registered (routers: {known}); is the signalos_ab plugin disabled?")
    return host


def _variant(value: str) -> Any:
    from signalos_ab.experiments import Variant

    name, sep, rest = value.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise typer.BadParameter(f"expected NAME=TARGET[:WEIGHT], got {value!r}", param_hint="--variant")
    target, weight = rest, 1.0
    head, colon, tail = rest.rpartition(":")
    if colon:
        try:
            target, weight = head, float(tail)
        except ValueError:
            pass  # a colon inside the target, not a weight
    return Variant(name.strip(), target.strip(), weight)


def _buckets(value: str) -> tuple[int, int]:
    start, sep, end = value.partition("-")
    try:
        return int(start), int(end)
    except ValueError:
        raise typer.BadParameter(f"expected START-END (0-10000), got {value!r}", param_hint="--buckets") from None


def start_command(
    name: str = typer.Argument(..., help="Experiment name (letters, digits, '.', '_', '-')."),
    variant: list[str] = typer.Option(..., "--variant", "-v", metavar="NAME=TARGET[:WEIGHT]",
                                      help="A variant (repeat, 2 or more): a pipeline, a chain a,b or parser@version."),
    control: Optional[str] = typer.Option(None, "--control", help="The control variant (default: the first)."),
    unit: str = typer.Option("user", "--unit", help="Bucket by user, channel or message."),
    mode: str = typer.Option("split", "--mode", help="split: each unit sees one variant; shadow: both parse, the control answers."),
    layer: str = typer.Option("main", "--layer", help="Experiments of one layer never share a unit."),
    buckets: str = typer.Option("0-10000", "--buckets", metavar="START-END", help="The layer buckets this experiment owns."),
    ramp: float = typer.Option(100.0, "--ramp", min=0.0, max=100.0, help="Percent of its units exposed (the rest get the control)."),
    alpha: float = typer.Option(0.05, "--alpha", min=1e-6, max=0.5, help="False-positive rate of the sequential rule."),
    mde: float = typer.Option(0.02, "--mde", min=1e-6, max=1.0, help="Smallest success-rate change worth detecting (absolute)."),
    power: float = typer.Option(0.8, "--power", min=0.5, max=0.999, help="Power of the sample-size estimate."),
    min_outcomes: int = typer.Option(100, "--min-outcomes", min=1, help="Outcomes per variant before any decision."),
    max_latency_increase: float = typer.Option(0.25, "--max-latency-increase", min=0.0, help="Guardrail: relative latency increase allowed."),
    latency_floor_ms: float = typer.Option(1.0, "--latency-floor-ms", min=0.0, help="Guardrail: latency differences below this never count."),
    max_warning_increase: float = typer.Option(0.01, "--max-warning-increase", min=0.0, help="Guardrail: absolute warning-rate increase allowed."),
    outcome_policy: str = typer.Option("explicit", "--outcome-policy", help="explicit, or silence-is-success."),
    auto_promote: bool = typer.Option(False, "--auto-promote", help="Promote the winner through the deployer when significant and safe."),
    golden: Optional[str] = typer.Option(None, "--golden", metavar="FILE.jsonl", help="The deployer's golden set for the promotion gate."),
    salt: Optional[str] = typer.Option(None, "--salt", help="Hash salt (default: random; reuse one to reproduce an assignment)."),
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = _JSON,
) -> None:
    """Start an experiment.

    \b
      signalos ab start ner-v2 -v control=spacy-ner@1.2.0 -v treatment=spacy-ner@1.3.0 --ramp 10
      signalos ab start chains -v a=regex -v b=my-channel,regex:3 --unit channel --mode shadow
    """
    api = _api()
    settings = {"alpha": alpha, "mde": mde, "power": power, "min_outcomes": min_outcomes,
                "max_latency_increase": max_latency_increase, "latency_floor_ms": latency_floor_ms,
                "max_warning_increase": max_warning_increase,
                "outcome_policy": outcome_policy, "auto_promote": auto_promote, "golden": golden}
    host = _host()
    variants = [_variant(v) for v in variant]
    for v in variants:
        # a configured pipeline starts here too: an arm whose model is missing would serve noise
        if v.target in host.config.pipelines:
            try:
                host.chain(v.target)
            except SignalosError as exc:
                raise SignalosError(f"variant {v.name!r} of {name!r}: {exc}") from None
    exp = api.start(host, name, variants, control=control, unit=unit, mode=mode,
                    layer=layer, buckets=_buckets(buckets), ramp=ramp, salt=salt, settings=settings,
                    workspace=workspace)
    if as_json:
        common.print_json(exp.to_dict())
        return
    arms = ", ".join(f"{v.name}={v.target} ({v.weight:g})" for v in exp.variants)
    typer.echo(f"started {exp.name}: {arms}; control {exp.control}; by {exp.unit}, {exp.mode} mode, "
               f"layer {exp.layer} buckets {exp.bucket_start}-{exp.bucket_end}, ramp {exp.ramp:g} %")


def status_command(
    name: Optional[str] = typer.Argument(None, help="An experiment (default: list them all)."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record this look (the sequential rule counts looks)."),
    auto_promote: Optional[bool] = typer.Option(None, "--auto-promote/--no-auto-promote",
                                                help="Override the experiment's auto-promotion setting."),
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = _JSON,
) -> None:
    """Show an experiment's figures and decision (or list the experiments).

    Each look is recorded; the always-valid p-value makes looking every hour safe. When the
    experiment was started with --auto-promote, a significant winner whose guardrails hold is
    promoted here, through the deployer.
    """
    api = _api()
    host = _host()
    if name is None:
        from signalos_ab.experiments import load_all

        r = api.router(host, workspace=workspace)
        db = r.db()
        try:
            exps = [e.to_dict() for e in load_all(db)]
        finally:
            db.close()
        if as_json:
            common.print_json({"workspace": str(r.workspace), "experiments": exps})
            return
        if not exps:
            typer.echo(f"no experiments in {r.workspace}")
            return
        table = common.table(title=f"experiments in {r.workspace}")
        for col in ("name", "status", "mode", "unit", "layer", "buckets", "ramp", "variants", "winner"):
            table.add_column(col)
        for e in exps:
            table.add_row(e["name"], e["status"], e["mode"], e["unit"], e["layer"],
                          f"{e['bucket_start']}-{e['bucket_end']}", f"{e['ramp']:g} %",
                          ", ".join(f"{v['name']}={v['target']}" for v in e["variants"]), e["winner"] or "")
        common.console().print(table)
        return
    report = api.check(host, name, record=record, auto_promote=auto_promote, workspace=workspace)
    if as_json:
        common.print_json(report)
    else:
        _show(report)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.2%}"


def _p(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def _show(report: dict[str, Any]) -> None:
    exp = report["experiment"]
    console = common.console()
    table = common.table(
        title=f"{exp['name']} ({exp['status']}, {exp['mode']}, by {exp['unit']}, ramp {exp['ramp']:g} %)")
    for col in ("variant", "target", "units", "parses", "outcomes", "success", "warnings", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col in ("variant", "target") else "right")
    for name, v in report["variants"].items():
        label = f"{name} (control)" if name == exp["control"] else name
        table.add_row(label, v["target"], str(v["units"]), str(v["parses"]), str(v["outcomes"]), _pct(v["success_rate"]),
                      _pct(v["warning_rate"]), _p(v["latency_p50_ms"]), _p(v["latency_p95_ms"]))
    console.print(table)
    for t, c in report["comparisons"].items():
        if not report["variants"][t]["outcomes"] or not report["variants"][exp["control"]]["outcomes"]:
            typer.echo(f"{t} - {exp['control']}: no outcomes yet")
            continue
        lo, hi = c["ci"]
        line = (f"{t} - {exp['control']}: {c['difference']:+.2%} [{lo:+.2%}, {hi:+.2%}]  "
                f"z-test p {_p(c['ztest']['p_value'])}  Fisher p {_p(c['fisher']['p_value'])}  "
                f"always-valid p {_p(c['sequential']['p_value'])}  latency Mann-Whitney p {_p(c['latency']['p_value'])}")
        if "paired" in c:
            line += f"  McNemar p {_p(c['paired']['p_value'])} ({c['paired']['only_a']}/{c['paired']['only_b']} discordant)"
        typer.echo(line)
    srm = report["srm"]
    if srm.get("applicable", True):
        flag = "MISMATCH" if srm["flagged"] else "ok"
        typer.echo(f"sample ratio: {srm['observed']} vs expected {srm['expected']}: p {_p(srm['p_value'])} ({flag})")
    ss = report["sample_size"]
    typer.echo(f"fixed-horizon sample size for a {ss['mde']:.2%} change from {ss['base_rate']:.2%}: "
               f"{ss['n_a']} outcomes per variant")
    d = report["decision"]
    typer.echo(f"decision: {d['state']}{' -> ' + d['winner'] if d.get('winner') else ''}: {d['reason']}")
    if "promotion" in report:
        _show_promotion(report["promotion"])


def _show_promotion(p: dict[str, Any]) -> None:
    if p["kind"] == "pipeline":
        typer.echo(f"promoted {p['variant']} ({p['target']}): {p['note']}")
    elif p["deployed"]:
        typer.echo(f"promoted {p['variant']}: production -> {p['model']}@{p['version']}")
    else:
        reasons = "; ".join(p["deployer"].get("reasons") or ()) or p["deployer"].get("status")
        typer.echo(f"promotion of {p['model']}@{p['version']} refused by the deployer: {reasons}", err=True)


def stop_command(
    name: str = typer.Argument(..., help="The experiment."),
    reason: str = typer.Option("", "--reason", help="Why (kept with the experiment)."),
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = _JSON,
) -> None:
    """Stop an experiment: its units go back to the default pipeline; its data stays."""
    exp = _api().stop(_host(), name, reason, workspace=workspace)
    if as_json:
        common.print_json(exp.to_dict())
    else:
        typer.echo(f"stopped {exp.name}")


def promote_command(
    name: str = typer.Argument(..., help="The experiment."),
    variant: Optional[str] = typer.Option(None, "--variant", help="The variant to promote (default: the winner)."),
    force: bool = typer.Option(False, "--force", help="Promote without a significant, guarded win (and past the gate)."),
    reason: str = typer.Option("", "--reason", help="Why (recorded with the alias move)."),
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = _JSON,
) -> None:
    """Promote the winner: a model version goes to production through the deployer's gate."""
    promotion = _api().promote(_host(), name, variant=variant, force=force, reason=reason, workspace=workspace)
    if as_json:
        common.print_json(promotion)
    else:
        _show_promotion(promotion)
    if promotion["kind"] == "model" and not promotion["deployed"]:
        raise typer.Exit(1)


def ramp_command(
    name: str = typer.Argument(..., help="The experiment."),
    percent: float = typer.Argument(..., min=0.0, max=100.0, help="The new exposure, in percent (only up)."),
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = _JSON,
) -> None:
    """Expose more units of an experiment; units exposed before keep their variant."""
    from signalos_ab.experiments import set_ramp

    r = _api().router(_host(), workspace=workspace)
    db = r.db()
    try:
        exp = set_ramp(db, name, percent)
    finally:
        db.close()
    if as_json:
        common.print_json(exp.to_dict())
    else:
        typer.echo(f"{exp.name}: ramp {exp.ramp:g} %")


def outcome_command(
    parse_uid: str = typer.Argument(..., help="The parse_uid of a logged parse."),
    kind: str = typer.Argument(..., help="success, correction or failed-order."),
    label: Optional[str] = typer.Option(None, "--label", metavar="JSON", help="The right SCHEMA.md object (a correction)."),
    detail: Optional[str] = typer.Option(None, "--detail", help="A note kept with the outcome."),
    workspace: Optional[Path] = _WORKSPACE,
    as_json: bool = _JSON,
) -> None:
    """Record what happened to a routed parse (joined to it for the experiment's statistics)."""
    try:
        parsed = json.loads(label) if label is not None else None
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc.msg}", param_hint="--label") from None
    r = _api().router(_host(), workspace=workspace)
    try:
        rows = r.record_outcome(parse_uid, kind, label=parsed, detail=detail)
    finally:
        r.close()
    if as_json:
        common.print_json({"outcomes": rows})
    else:
        typer.echo(f"recorded {kind} for {parse_uid}" + (f" (+{len(rows) - 1} shadow)" if len(rows) > 1 else ""))
