"""``signalos monitor status|check|report``: production metrics, alerts and retraining triggers."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from signalos.cli import common

_WS = typer.Option(None, "--workspace", "-w", metavar="DIR",
                   help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos).")
_JSON = typer.Option(False, "--json", help="Print one JSON object.")
_NOW = typer.Option(None, "--now", metavar="TIME", help="Act as if it were this time (ISO 8601, UTC when no zone).")
_PROVIDER = typer.Option(None, "--provider", "-p", metavar="NAME", help="Only this provider (repeatable).")

RATE_METRICS = ("success_rate", "fallback_rate", "warning_rate", "unknown_symbol_rate", "new_template_share")
# Short headers: the table fits an 80-column terminal (status --json has the full names).
COLUMNS = (("success_rate", "ok"), ("fallback_rate", "fallbk"), ("mean_confidence", "conf"),
           ("latency_p50_ms", "p50ms"), ("latency_p95_ms", "p95ms"), ("warning_rate", "warn"),
           ("unknown_symbol_rate", "unksym"), ("new_template_share", "newtpl"))


def register(app: typer.Typer) -> None:
    """Add the ``monitor`` command group to ``app``."""
    monitor_app = typer.Typer(add_completion=False, no_args_is_help=True,
                              help="Watch the parse log: metrics per provider, alerts, retraining triggers.")
    monitor_app.command("status")(status_command)
    monitor_app.command("check")(check_command)
    monitor_app.command("report")(report_command)
    app.add_typer(monitor_app, name="monitor")


def _monitor(workspace: Optional[Path]):
    from signalos.monitor import Monitor
    from signalos.store import Workspace

    host = common.make_host()
    return Monitor(host, Workspace.for_host(host, workspace))


def _duration(value: Optional[str], hint: str) -> Optional[int]:
    if value is None:
        return None
    from signalos.errors import ConfigError
    from signalos.monitor.config import duration_s

    try:
        return duration_s(value, hint)
    except ConfigError:
        raise typer.BadParameter(f"expected a duration such as 15m, 2h or 7d, got {value!r}", param_hint=hint) from None


def status_command(
    last: Optional[str] = typer.Option(None, "--last", metavar="DURATION",
                                       help="Span to measure, ending now (default: one window, e.g. 15m)."),
    provider: Optional[list[str]] = _PROVIDER,
    now: Optional[str] = _NOW,
    workspace: Optional[Path] = _WS,
    as_json: bool = _JSON,
) -> None:
    """Current metrics per provider and for all providers, their levels, and the open alerts.

    \b
      signalos monitor status
      signalos monitor status --last 1h --provider acme --json
    """
    out = _monitor(workspace).status(now=now, span_s=_duration(last, "--last"), providers=provider or None)
    if as_json:
        common.print_json(out)
        return
    console = common.console()
    if not out["scopes"]:
        console.print(f"no parses logged in {out['workspace']}")
        return
    note = " (nothing parsed in the last span: showing the span up to the last parse)" if out["shifted"] else ""
    console.print(f"{out['from'][:16]} to {out['to'][:16]} UTC{note}", markup=False)
    table = common.table(pad_edge=False)
    table.add_column("provider", no_wrap=True, max_width=16)
    table.add_column("n", justify="right")
    for _, head in COLUMNS:
        table.add_column(head, justify="right", no_wrap=True)
    for s in out["scopes"]:
        name = "ALL" if s["provider"] is None else (s["provider"] or "(none)")
        cells = [_cell(s, m) for m, _ in COLUMNS]
        table.add_row(f"[bold]{name}[/]" if s["provider"] is None else name,
                      str(s["n"]) + ("" if s["enough_sample"] else "*"), *cells)
    console.print(table)
    console.print(f"* fewer than {out['min_sample']} parses: too few to alert on", style="dim")
    _print_open(console, out["open_alerts"])
    if out["retrain_pending"]:
        console.print(f"{len(out['retrain_pending'])} retraining triggers pending")


def _cell(s: dict[str, Any], metric: str) -> str:
    v = s.get(metric)
    if v is None:
        return "-"
    text = f"{v:.0f}" if metric.endswith("_ms") else f"{100 * v:.0f}%" if metric in RATE_METRICS else f"{v:.2f}"
    level = s["levels"].get(metric)
    return {"critical": f"[bold red]{text}[/]", "warning": f"[yellow]{text}[/]"}.get(level, text)


def _print_open(console: Console, alerts: list[dict[str, Any]]) -> None:
    if not alerts:
        console.print("no open alerts")
        return
    for a in alerts:
        who = "all providers" if a["provider"] is None else f"provider {a['provider'] or '(none)'}"
        metrics = ", ".join(v.get("label", m) for m, v in a["metrics"].items() if v.get("state") != "ok")
        console.print(f"{a['severity']} {a['key']} {who} since the window of {a['opened_window'][:16]}: {metrics}",
                      style="bold red" if a["severity"] == "critical" else "yellow", markup=False)


def check_command(
    now: Optional[str] = _NOW,
    retrain: bool = typer.Option(False, "--retrain/--no-retrain", envvar="SIGNALOS_RETRAIN",
                                 help="Run the [monitor.retrain] command of the configuration when retraining "
                                      "triggers are pending (off unless given, or SIGNALOS_RETRAIN=1: a "
                                      "signalos.toml in the working directory must not run commands)."),
    workspace: Optional[Path] = _WS,
    as_json: bool = _JSON,
) -> None:
    """Evaluate the windows completed since the last check: open, escalate and resolve alerts,
    record retraining triggers and, with --retrain, run the configured training command.

    Run it from cron or a timer every window (15 minutes by default); running it more often or
    twice in a row changes nothing.

    \b
      signalos monitor check
      signalos monitor check --retrain --json
    """
    err = common.console(stderr=True)
    with err.status("checking the parse log", spinner="dots") if err.is_terminal else _Null() as status:
        out = _monitor(workspace).check(now=now, retrain=retrain,
                                        progress=(lambda text: status.update(text)) if status else None)
    if as_json:
        common.print_json(out)
        return
    console = common.console()
    ev = out["evaluated"]
    console.print(f"checked {ev['windows']} windows with parses from {ev['from'][:16]} to {ev['to'][:16]} UTC: "
                  f"{out['opened']} alerts opened, {out['escalated']} escalated, {out['resolved']} resolved")
    for a in out["alerts"]:
        console.print(f"  {a['event']}: {a['message']}", markup=False)
    _print_open(console, out["open_alerts"])
    for t in out["triggers"]:
        console.print(f"retraining trigger ({t['kind']}): {t['reason']}", markup=False)
    run = out["retrain"]
    if run:
        model = f"{run.get('model')}@{run.get('model_version')}" if run.get("model") else "no model registered"
        console.print(f"retraining run {run['id']}: {run['status']} in {run['duration_s']} s, {model}"
                      + (f", alias {run['alias']}" if run.get("alias") else ""), markup=False)
        if run.get("error"):
            common.warn(run["error"])
    if out["retrain_note"]:
        console.print(out["retrain_note"], markup=False)
    for e in out["handler_errors"]:
        common.warn(f"alert handler {e['plugin']} failed: {e['error']}")


class _Null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def report_command(
    html: Optional[Path] = typer.Option(None, "--html", metavar="FILE.html", help="Write the self-contained HTML report."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DURATION",
                                        help="How far back (default: the [monitor] lookback, 7d)."),
    provider: Optional[list[str]] = _PROVIDER,
    now: Optional[str] = _NOW,
    workspace: Optional[Path] = _WS,
    as_json: bool = _JSON,
) -> None:
    """Charts over time of every metric per provider, alerts marked: --html FILE and/or --json.

    \b
      signalos monitor report --html monitor.html
      signalos monitor report --since 2d --provider acme --json
    """
    if html is None and not as_json:
        raise typer.BadParameter("give --html FILE.html, --json, or both", param_hint="--html")
    payload = _monitor(workspace).series(now=now, since_s=_duration(since, "--since"), providers=provider or None)
    if html is not None:
        from signalos.monitor.report import render_html

        common.write_html_report(html, payload, render_html)
    if as_json:
        common.print_json(payload)
    else:
        typer.echo(f"report written to {html}: {len(payload['scopes'])} scopes, {len(payload['alerts'])} alerts, "
                   f"{payload['from'][:16]} to {payload['to'][:16]} UTC")
